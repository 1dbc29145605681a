import type { Site } from '@offsite/domain';
import { SimDevice, type SimPacket } from './device.js';
import type { Injection } from './injections.js';
import { noEvents, type ProcessEvents, type TimeWindow } from './models/row.js';
import { Rng, deriveSeed } from './random.js';
import { SCENARIOS } from './scenarios/catalog.js';
import type { ScenarioDef } from './scenarios/types.js';
import { buildSite, deviceMn, profileOf, type Profile, type SiteKind } from './sites.js';
import { truthLabel, type TruthLabel } from './truth.js';

/** Pinned default start (local midnight, UTC+8), so runs are reproducible without a clock. */
export const DEFAULT_START = Date.parse('2024-03-01T00:00:00+08:00');
export const DEFAULT_INTERVAL_MS = 60_000;

export interface GenerateOptions {
  name: string;
  devices?: number;
  seed?: number;
  /** Epoch ms, ISO text or Date (default 2024-03-01T00:00+08:00). */
  start?: number | string | Date;
  /** Default: the scenario's own duration (e.g. 3 days for bunching). */
  durationMs?: number;
  /** Real-time (CN 2011) interval, default 60 s. */
  intervalMs?: number;
  /** First device index (to build one large fleet out of several scenarios without MN clashes). */
  firstIndex?: number;
}

export interface ScenarioRun {
  name: string;
  seed: number;
  start: number;
  end: number;
  intervalMs: number;
  sites: Site[];
  truth: TruthLabel[];
  /** The simulated loggers (transports use them for clock setting and re-uploads). */
  devices: SimDevice[];
  /**
   * Packets in send order, generated lazily (single pass: a 5,000-device fleet never sits in
   * memory). Iterating again re-runs the same devices' state, so take it once.
   */
  packets: Iterable<SimPacket>;
}

export function listScenarios(): Array<Pick<ScenarioDef, 'name' | 'description' | 'honest' | 'defaultDurationMs'>> {
  return SCENARIOS.map(({ name, description, honest, defaultDurationMs }) => ({ name, description, honest, defaultDurationMs }));
}

export function scenarioDef(name: string): ScenarioDef {
  const def = SCENARIOS.find((s) => s.name === name);
  if (!def) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return def;
}

function toEpoch(start: GenerateOptions['start']): number {
  if (start === undefined) return DEFAULT_START;
  const t = start instanceof Date ? start.getTime() : typeof start === 'number' ? start : Date.parse(start);
  if (!Number.isFinite(t)) throw new Error(`start "${String(start)}" is not a valid time`);
  return t;
}

/** The site registry of a scenario (Site entries from @offsite/domain), without generating data. */
export function scenarioSites(opts: GenerateOptions): Site[] {
  return generateScenario(opts).sites;
}

/** Set up a scenario: sites, ground truth and its lazily generated packet stream. Pure and seeded. */
export function generateScenario(opts: GenerateOptions): ScenarioRun {
  const def = scenarioDef(opts.name);
  const count = opts.devices ?? 2;
  if (!Number.isInteger(count) || count < 1) throw new Error(`devices must be a positive integer, got ${count}`);
  const seed = opts.seed ?? 1;
  const start = toEpoch(opts.start);
  const durationMs = opts.durationMs ?? def.defaultDurationMs;
  if (!(durationMs > 0)) throw new Error(`duration must be positive, got ${durationMs} ms`);
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!(intervalMs >= 1000)) throw new Error(`interval must be at least 1 s, got ${intervalMs} ms`);
  const end = start + durationMs;
  const first = opts.firstIndex ?? 0;

  const devices: SimDevice[] = [];
  const truth: TruthLabel[] = [];
  for (let index = first; index < first + count; index++) {
    const rng = new Rng(deriveSeed(seed, def.name, index, 'place'));
    const cfg = def.device({ index, start, end, stepMs: intervalMs, rng });
    const mn = deviceMn(def.tag, index);
    const site = buildSite(cfg.kind, mn, index);
    const injections = cfg.injections ?? [];
    const events: ProcessEvents = { ...noEvents(), shutdowns: cfg.shutdowns ?? [], maintenance: cfg.maintenance ?? [] };
    if (cfg.calibrate !== false) events.calibrations = calibrations(site, index, start, end, injections, events);
    for (const inj of injections) for (const l of inj.labels) truth.push(truthLabel(def.name, mn, l.pollutant, l.pattern, l.start, l.end, l.note));
    devices.push(
      new SimDevice({
        site,
        profile: deviceProfile(cfg.kind, cfg.profile, def.name),
        protocol: cfg.protocol ?? '2017',
        ackRequested: cfg.ackRequested ?? true,
        events,
        injections,
        seed: deriveSeed(seed, def.name, index, 'model'),
        stepMs: intervalMs,
      }),
    );
  }
  return { name: def.name, seed, start, end, intervalMs, sites: devices.map((d) => d.site), truth, devices, packets: packetStream(devices, start, end, intervalMs) };
}

/** The kind's process model, or the scenario's own one for this device (same medium only). */
function deviceProfile(kind: SiteKind, own: Profile | undefined, scenario: string): Profile {
  const base = profileOf(kind);
  if (own === undefined) return base;
  if (own.medium !== base.medium) throw new Error(`scenario "${scenario}": a ${own.medium} profile for a ${kind} device`);
  return own;
}

/** Merge the devices' packets tick by tick, in send order. */
export function* packetStream(devices: readonly SimDevice[], start: number, end: number, intervalMs: number): Generator<SimPacket> {
  for (let t = start; t < end; t += intervalMs) {
    const batch: SimPacket[] = [];
    for (const d of devices) for (const p of d.step(t)) batch.push(p);
    batch.sort((a, b) => a.sendAt - b.sendAt);
    yield* batch;
  }
  const tail: SimPacket[] = [];
  for (const d of devices) for (const p of d.finish(end)) tail.push(p);
  tail.sort((a, b) => a.sendAt - b.sendAt);
  yield* tail;
}

const CAL_MS = 15 * 60_000;
const WATER_CAL_MS = 40 * 60_000;

/** Daily calibration windows (air 02:00 + a per-device offset, water 04:00), clear of injected windows. */
function calibrations(site: Site, index: number, start: number, end: number, injections: Injection[], events: ProcessEvents): TimeWindow[] {
  const offset = (site.utcOffsetMinutes ?? 480) * 60_000;
  const air = site.kind === 'air';
  const at = air ? 2 * 3_600_000 + (index % 3) * 20 * 60_000 : 4 * 3_600_000;
  const len = air ? CAL_MS : WATER_CAL_MS;
  const busy = [...injections.flatMap((i) => i.busy), ...events.shutdowns.map((s) => ({ start: s.start - 3_600_000, end: s.end + 2 * 3_600_000 })), ...events.maintenance];
  const out: TimeWindow[] = [];
  for (let day = Math.floor((start + offset) / 86_400_000) * 86_400_000 - offset; day < end; day += 86_400_000) {
    const w = { start: day + at, end: day + at + len };
    if (w.start < start || w.end > end) continue;
    if (busy.some((b) => b.start < w.end + 1_800_000 && w.start - 1_800_000 < b.end)) continue;
    out.push(w);
  }
  return out;
}
