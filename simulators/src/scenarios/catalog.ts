import { Factor } from '@offsite/domain';
import {
  bunching,
  clockSkew,
  convertedMismatch,
  copiedSegment,
  dataGap,
  decoupled,
  dilution,
  duplicateHour,
  fgdBypass,
  flagAbuse,
  flatline,
  lateData,
  smoothed,
  stepDrop,
  stuckAtRange,
  terminalDigit,
  upset,
  zeroDrift,
  zeroValue,
} from '../injections.js';
import { SITE_KINDS, profileOf, type AirProfile, type SiteKind } from '../sites.js';
import { deriveSeed } from '../random.js';
import { DAY, HOUR, hourWindow, type DeviceConfig, type DeviceContext, type ScenarioDef } from './types.js';

const ALL_KINDS = SITE_KINDS;

/** Honest device `index`: kinds rotate; every fifth logger speaks HJ/T 212-2005. */
export function honestDevice(index: number): DeviceConfig {
  const kind = ALL_KINDS[index % ALL_KINDS.length] as SiteKind;
  return { kind, protocol: index % 5 === 4 ? '2005' : '2017', ackRequested: index % 3 !== 2 };
}

/**
 * Dishonest scenarios: even devices carry the pattern, odd devices are honest controls (so a
 * run also measures false alarms). `target` sets up a target device of the given kind.
 */
function targeted(
  def: Omit<ScenarioDef, 'device' | 'honest'> & { kinds: readonly SiteKind[]; target: (ctx: DeviceContext, kind: SiteKind) => DeviceConfig },
): ScenarioDef {
  return {
    name: def.name,
    tag: def.tag,
    description: def.description,
    defaultDurationMs: def.defaultDurationMs,
    honest: false,
    device(ctx) {
      const pair = Math.floor(ctx.index / 2);
      if (ctx.index % 2 === 1) return honestDevice(pair);
      const kind = def.kinds[pair % def.kinds.length] as SiteKind;
      return { protocol: '2017', ackRequested: true, ...def.target(ctx, kind), kind };
    },
  };
}

const emission = (kind: SiteKind, code: string): number => {
  const p = profileOf(kind);
  return p.medium === 'air' ? (p.emission[code] ?? 0) : (p.concentration[code] ?? 0);
};
/** Main pollutant of a kind (the one a cheater would care about). */
const mainPollutant = (kind: SiteKind): string => ({ coal: Factor.so2, gas: Factor.nox, municipal: Factor.cod, industrial: Factor.cod })[kind];
const limitOf: Record<SiteKind, Record<string, number>> = {
  coal: { [Factor.so2]: 35, [Factor.nox]: 50, [Factor.dust]: 10 },
  gas: { [Factor.so2]: 50, [Factor.nox]: 50, [Factor.dust]: 20 },
  municipal: { [Factor.cod]: 50, [Factor.nh3n]: 5 },
  industrial: { [Factor.cod]: 100, [Factor.nh3n]: 15 },
};
const rangeOf: Record<SiteKind, Record<string, number>> = {
  coal: { [Factor.so2]: 200, [Factor.nox]: 200, [Factor.dust]: 50 },
  gas: { [Factor.so2]: 100, [Factor.nox]: 200, [Factor.dust]: 50 },
  municipal: { [Factor.cod]: 200, [Factor.nh3n]: 20 },
  industrial: { [Factor.cod]: 500, [Factor.nh3n]: 50 },
};
const o2RefOf = (kind: SiteKind): number => (kind === 'coal' ? 6 : 3.5);

const honest: ScenarioDef = {
  name: 'honest',
  tag: 'HONEST',
  description: 'Honest operation: coal and gas stacks, municipal and industrial outlets, daily calibration; every fifth logger speaks HJ/T 212-2005.',
  honest: true,
  defaultDurationMs: DAY,
  device: (ctx) => honestDevice(ctx.index),
};

const startupShutdown: ScenarioDef = {
  name: 'startup-shutdown',
  tag: 'STARTS',
  description: 'Honest plant stop and restart: load ramps down, O2 rises to ~21%, flow to zero, all flagged F; start-up with oil-firing spikes flagged F.',
  honest: true,
  defaultDurationMs: 12 * HOUR,
  device(ctx) {
    const kind: SiteKind = ctx.index % 2 === 0 ? 'coal' : 'gas';
    return { kind, protocol: '2017', ackRequested: true, shutdowns: [hourWindow(ctx, 0.3, 3)] };
  },
};

const calibrationMaintenance: ScenarioDef = {
  name: 'calibration-maintenance',
  tag: 'CALMNT',
  description: 'Honest daily zero/span calibration (C) and one maintenance visit (M, probe out) per device.',
  honest: true,
  defaultDurationMs: DAY,
  device(ctx) {
    const base = honestDevice(ctx.index);
    const w = hourWindow(ctx, 0.45, 2);
    return { ...base, maintenance: [{ start: w.start + 15 * 60_000, end: w.end - 30 * 60_000 }] };
  },
};

const breach = targeted({
  name: 'breach',
  tag: 'BREACH',
  description: 'Genuine exceedance: desulfurisation / denitrification upset makes hourly converted averages exceed the limit for 3 h (coal SO2, gas NOx).',
  defaultDurationMs: 12 * HOUR,
  kinds: ['coal', 'gas'],
  target(ctx, kind) {
    const code = mainPollutant(kind);
    const factor = (1.8 * (limitOf[kind][code] ?? 1)) / emission(kind, code);
    return { kind, injections: [upset(code, hourWindow(ctx, 0.4, 3), Number(factor.toFixed(2)))] };
  },
});

const flatlineScenario = targeted({
  name: 'flatline',
  tag: 'FLATLN',
  description: 'Constant written value: a gas analyzer output held for 90 min while the plant runs; a COD analyzer reporting the same value for 5 measurement cycles.',
  defaultDurationMs: DAY,
  kinds: ['coal', 'municipal'],
  target(ctx, kind) {
    if (kind === 'municipal') return { kind, injections: [flatline(Factor.cod, hourWindow(ctx, 0.35, 10))] };
    const w = hourWindow(ctx, 0.4, 2);
    return { kind, injections: [flatline(Factor.so2, { start: w.start, end: w.start + 90 * 60_000 })] };
  },
});

const zeroScenario = targeted({
  name: 'zero-value',
  tag: 'ZEROVL',
  description: 'Zero written for 1 h while the plant runs normally (coal SO2, gas NOx).',
  defaultDurationMs: 6 * HOUR,
  kinds: ['coal', 'gas'],
  target: (ctx, kind) => ({ kind, injections: [zeroValue(mainPollutant(kind), hourWindow(ctx, 0.4, 1))] }),
});

const stuckScenario = targeted({
  name: 'stuck-at-range',
  tag: 'STUCKR',
  description: 'Analyzer output pinned at full scale (flag N, not T) for 1 h.',
  defaultDurationMs: 6 * HOUR,
  kinds: ['coal', 'gas'],
  target(ctx, kind) {
    const code = mainPollutant(kind);
    return { kind, injections: [stuckAtRange(code, hourWindow(ctx, 0.4, 1), rangeOf[kind][code] ?? 200, limitOf[kind][code])] };
  },
});

const dilutionScenario = targeted({
  name: 'dilution',
  tag: 'DILUTE',
  description: 'Ambient air into the sampling line for 2 h: raw SO2/NOx fall to 40%, O2 rises 3.5 points (O2 probe not diluted alike), converted values fall; flow and load steady.',
  defaultDurationMs: 8 * HOUR,
  kinds: ['coal', 'gas'],
  target: (ctx, kind) => ({ kind, injections: [dilution([Factor.so2, Factor.nox], hourWindow(ctx, 0.45, 2))] }),
});

const bunchingScenario = targeted({
  name: 'bunching',
  tag: 'BUNCHG',
  description: 'The process runs near the SO2 limit; written values are squeezed so hourly converted averages pile up in [0.9 L, L).',
  defaultDurationMs: 3 * DAY,
  kinds: ['coal'],
  target(ctx, kind) {
    const limit = limitOf[kind][Factor.so2] ?? 35;
    const factor = (0.97 * limit) / (emission(kind, Factor.so2) * 0.97);
    return { kind, injections: [bunching(Factor.so2, { start: ctx.start, end: ctx.end }, limit, o2RefOf(kind), Number(factor.toFixed(3)))] };
  },
});

const copiedScenario = targeted({
  name: 'copied-segment',
  tag: 'COPYSG',
  description: 'Copy-paste of earlier data: every written value of a 6 h window repeats the same hours of the previous day (or an earlier window in short runs).',
  defaultDurationMs: 2 * DAY,
  kinds: ['coal', 'municipal'],
  target(ctx, kind) {
    const span = ctx.end - ctx.start;
    const len = Math.max(HOUR, Math.min(6 * HOUR, Math.floor(span / 3 / HOUR) * HOUR));
    const source = hourWindow(ctx, 0.1, len / HOUR);
    const shift = source.start + DAY + len <= ctx.end ? DAY : len + HOUR;
    return { kind, injections: [copiedSegment({ start: source.start + shift, end: source.start + shift + len }, source.start)] };
  },
});

const mismatchScenario = targeted({
  name: 'converted-mismatch',
  tag: 'CONVMM',
  description: 'The logger writes converted values at 60% of what the formula gives from written raw and O2, for 3 h.',
  defaultDurationMs: 8 * HOUR,
  kinds: ['coal', 'gas'],
  target: (ctx, kind) => ({ kind, injections: [convertedMismatch([Factor.so2, Factor.nox], hourWindow(ctx, 0.4, 3))] }),
});

const flagAbuseScenario = targeted({
  name: 'flag-abuse',
  tag: 'FLAGAB',
  description: 'Genuine exceedances (1–2 h, three or four in the run) flagged M (maintenance) on the pollutant to hide them.',
  defaultDurationMs: 2 * DAY,
  kinds: ['coal', 'gas'],
  target(ctx, kind) {
    const code = mainPollutant(kind);
    const factor = (2 * (limitOf[kind][code] ?? 1)) / emission(kind, code);
    const fracs = [0.15, 0.4, 0.65, 0.85];
    const episodes = fracs.map((f) => hourWindow(ctx, f, ctx.rng.int(1, 2)));
    const distinct = episodes.filter((e, i) => episodes.findIndex((o) => o.start < e.end && e.start < o.end) === i);
    return { kind, injections: [flagAbuse(code, distinct, Number(factor.toFixed(2)))] };
  },
});

const gapScenario = targeted({
  name: 'data-gap',
  tag: 'DATGAP',
  description: 'The logger is off for 2 h: nothing measured, stored or sent (a backfill request gets ExeRtn 100, no data).',
  defaultDurationMs: 6 * HOUR,
  kinds: ['coal', 'municipal'],
  target: (ctx, kind) => ({ kind, injections: [dataGap(hourWindow(ctx, 0.4, 2))] }),
});

const lateScenario = targeted({
  name: 'late-data',
  tag: 'LATEDT',
  description: 'The link is down for 3 h; the logger stores everything and uploads it when the link returns (data up to 3 h late). Labelled where more than 1 h late.',
  defaultDurationMs: 8 * HOUR,
  kinds: ['coal', 'municipal'],
  target: (ctx, kind) => ({ kind, injections: [lateData(hourWindow(ctx, 0.3, 3))] }),
});

const skewScenario = targeted({
  name: 'clock-skew',
  tag: 'CLKSKW',
  description: 'The logger clock jumps 12 min ahead (or 9 min behind) and stays off until the platform sets it (1012).',
  defaultDurationMs: 6 * HOUR,
  kinds: ['coal', 'municipal'],
  target(ctx, kind) {
    const start = hourWindow(ctx, 0.3, 1).start + 7 * 60_000;
    const offset = ctx.index % 4 === 0 ? 12 * 60_000 : -9 * 60_000;
    return { kind, injections: [clockSkew(start, ctx.end, offset)] };
  },
});

const driftScenario = targeted({
  name: 'sensor-drift',
  tag: 'DRIFT0',
  description: 'SO2 analyzer zero drift: the reading sinks steadily and ends at zero while the plant runs (labelled zero-value once the drift exceeds any true value).',
  defaultDurationMs: 12 * HOUR,
  kinds: ['coal'],
  target(ctx, kind) {
    const start = hourWindow(ctx, 0.2, 1).start;
    const p = profileOf(kind) as AirProfile;
    // Upper bound of the raw value: full load, high emission wander, low O2.
    const bound = (p.emission[Factor.so2] ?? 20) * 1.6 * ((21 - p.o2FullLoad + 0.8) / (21 - 6)) + 3;
    const reachZeroMs = Math.max(HOUR, 0.4 * (ctx.end - ctx.start));
    const rate = Number(((bound * HOUR) / reachZeroMs).toFixed(2));
    return { kind, injections: [zeroDrift(Factor.so2, start, rate, start + Math.ceil((bound / rate) * HOUR), ctx.end)] };
  },
});

const stepDropScenario = targeted({
  name: 'step-drop',
  tag: 'STEPDR',
  description: 'Written SO2 falls to 30% within a sample and stays there 2 h, with flow, O2 and load unchanged.',
  defaultDurationMs: 8 * HOUR,
  kinds: ['coal'],
  target: (ctx, kind) => ({ kind, injections: [stepDrop(Factor.so2, hourWindow(ctx, 0.4, 2))] }),
});

const bypassScenario = targeted({
  name: 'fgd-bypass',
  tag: 'BYPASS',
  description: 'Desulfurisation bypassed for 2 h: flue gas hot (~125 °C) and dry where wet FGD holds it near 50 °C and saturated.',
  defaultDurationMs: 8 * HOUR,
  kinds: ['coal'],
  target: (ctx, kind) => ({ kind, injections: [fgdBypass(hourWindow(ctx, 0.4, 2))] }),
});

const terminalDigitScenario = targeted({
  name: 'terminal-digit',
  tag: 'TDIGIT',
  description: 'Hand-typed SO2 values for the whole run: the last written digit is always 0 or 5.',
  defaultDurationMs: DAY,
  kinds: ['coal'],
  target: (ctx, kind) => ({ kind, injections: [terminalDigit(Factor.so2, { start: ctx.start, end: ctx.end })] }),
});

const duplicateScenario = targeted({
  name: 'duplicate-timestamp',
  tag: 'DUPLTS',
  description: 'One hourly packet is sent twice with the same DataTime and different values (SO2 lowered by 30%).',
  defaultDurationMs: 6 * HOUR,
  kinds: ['coal'],
  target: (ctx, kind) => ({ kind, injections: [duplicateHour(Factor.so2, hourWindow(ctx, 0.4, 1).start)] }),
});

const lowVarianceScenario = targeted({
  name: 'low-variance',
  tag: 'LOWVAR',
  description:
    'Synthesised data after 2¼ honest days: for 12 h the written main pollutant (coal SO2, gas NOx) is the previous hour\'s mean of the measurement, held for the hour with a jitter of one written digit: a realistic level, but within-hour variability a small fraction of the site\'s own history.',
  defaultDurationMs: 3 * DAY,
  kinds: ['coal', 'gas'],
  target: (ctx, kind) => ({ kind, injections: [smoothed(mainPollutant(kind), hourWindow(ctx, 0.75, 12), deriveSeed(ctx.rng.int(0, 2 ** 30), 'smoothed'))] }),
});

const correlationBreakScenario = targeted({
  name: 'correlation-break',
  tag: 'CORRBK',
  description:
    'A gas boiler without SCR whose NOx follows its firing rate (thermal NOx) for 2½ days; then for 36 h the written NOx is synthesised around its earlier mean with its own wander and noise: it stops following load and flue flow, while flow, velocity and O2 still do.',
  defaultDurationMs: 4 * DAY,
  kinds: ['gas'],
  target(ctx, kind) {
    const base = profileOf(kind) as AirProfile;
    // Thermal NOx tracks the firing rate; a well-tuned burner keeps its own wander small.
    const profile: AirProfile = { ...base, emissionWander: 0.05, emissionLoadSlope: { [Factor.nox]: 0.9 } };
    const w = hourWindow(ctx, 0.625, 36);
    return { kind, profile, injections: [decoupled(Factor.nox, w, deriveSeed(ctx.rng.int(0, 2 ** 30), 'decoupled'), ctx.stepMs)] };
  },
});

/** Multi-day scenarios (history-based rules), kept out of the 1-day demo rotation of `mixed`. */
const longDishonest: ScenarioDef[] = [lowVarianceScenario, correlationBreakScenario];

const dishonest: ScenarioDef[] = [
  breach,
  flatlineScenario,
  zeroScenario,
  stuckScenario,
  dilutionScenario,
  bunchingScenario,
  copiedScenario,
  mismatchScenario,
  flagAbuseScenario,
  gapScenario,
  lateScenario,
  skewScenario,
  driftScenario,
  stepDropScenario,
  bypassScenario,
  terminalDigitScenario,
  duplicateScenario,
];

/** Mixed fleet for demos: device i carries the pattern of scenario i mod N, every third device honest. */
const mixed: ScenarioDef = {
  name: 'mixed',
  tag: 'MIXED0',
  description: 'A mixed fleet for demos and eval: every third device honest, the others each carry one dishonest pattern in turn.',
  honest: false,
  defaultDurationMs: DAY,
  device(ctx) {
    if (ctx.index % 3 === 2) return honestDevice(Math.floor(ctx.index / 3));
    const k = ctx.index - Math.floor(ctx.index / 3);
    const def = dishonest[k % dishonest.length] as ScenarioDef;
    // Ask the pattern's scenario for its target (an even index) of the next kind in its rotation.
    return def.device({ ...ctx, index: 2 * Math.floor(k / dishonest.length) });
  },
};

export const SCENARIOS: readonly ScenarioDef[] = [honest, startupShutdown, calibrationMaintenance, ...dishonest, ...longDishonest, mixed];
