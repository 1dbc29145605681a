import { formatDataTime, type Site } from '@offsite/domain';
import { buildPacket } from '@offsite/hj212';
import { AIR_FACTORS, WATER_FACTORS, factorSpec, roundTo } from './factors.js';
import type { Injection } from './injections.js';
import { IntervalAggregators, realtimeRecord, type DataRecord } from './logger.js';
import { inWindow, type ProcessEvents, type Row } from './models/row.js';
import { StackModel, convertedConcentration } from './models/stack.js';
import { WaterModel } from './models/water.js';
import { Rng } from './random.js';
import type { AirProfile, Profile, WaterProfile } from './sites.js';

/** One uplink packet as the logger sends it. */
export interface SimPacket {
  mn: string;
  cn: string;
  /** Epoch ms written as DataTime (the logger's clock). */
  dataTime: number;
  /** True simulated time the logger sends it. */
  sendAt: number;
  /** The HJ 212 frame, `##…\r\n`. */
  frame: string;
  record: DataRecord;
}

export interface DeviceSetup {
  site: Site;
  profile: Profile;
  protocol: '2017' | '2005';
  /** Uploads set Flag bit A (2017 only): the platform must answer 9014. */
  ackRequested: boolean;
  events: ProcessEvents;
  injections: Injection[];
  seed: number;
  stepMs: number;
  password?: string;
}

const AIR_CODES = AIR_FACTORS.map((f) => f.code);
const WATER_CODES = WATER_FACTORS.map((f) => f.code);
const CALIBRATED_AIR = ['a21026', 'a21002'];
const CALIBRATED_WATER = ['w01018', 'w21003'];

/**
 * One simulated outlet and its data logger: the physical model, honest events (calibration,
 * maintenance, shutdown), injected manipulations, the logger's converted values and interval
 * aggregation, and the framing of what it sends. Pure: time is passed in.
 */
export class SimDevice {
  readonly mn: string;
  readonly st: string;
  readonly pw: string;
  private readonly model: StackModel | WaterModel;
  private readonly aggs: IntervalAggregators;
  private readonly codes: readonly string[];
  private readonly rng: Rng;
  private readonly jitterMs: number;
  private readonly offsetMinutes: number;
  /** Correction set by the platform (1012), added to the injected clock offset. */
  private clockCorrection = 0;
  private held: SimPacket[] = [];

  constructor(readonly setup: DeviceSetup) {
    const { site, profile, events, stepMs } = setup;
    this.mn = site.mn;
    this.st = site.kind === 'air' ? '31' : '32';
    this.pw = setup.password ?? '123456';
    this.rng = new Rng(setup.seed);
    for (const inj of setup.injections) inj.prepare?.(events);
    this.model = profile.medium === 'air' ? new StackModel(site, profile as AirProfile, events, this.rng, stepMs) : new WaterModel(site, profile as WaterProfile, events, this.rng, stepMs);
    this.codes = profile.medium === 'air' ? AIR_CODES : WATER_CODES;
    this.offsetMinutes = site.utcOffsetMinutes ?? 480;
    this.aggs = new IntervalAggregators(this.codes, profile.medium, stepMs, this.offsetMinutes);
    this.jitterMs = Math.floor(this.rng.next() * Math.min(20_000, stepMs / 2));
  }

  get site(): Site {
    return this.setup.site;
  }

  get protocol(): '2017' | '2005' {
    return this.setup.protocol;
  }

  /** The logger's clock at true time t. */
  clock(t: number): number {
    let offset = this.clockCorrection;
    for (const inj of this.setup.injections) offset += inj.clockOffset?.(t) ?? 0;
    return t + offset;
  }

  /** 1012: the platform sets the logger clock to `systemTime` at true time `t`. */
  setClock(systemTime: number, t: number): void {
    this.clockCorrection += systemTime - this.clock(t);
  }

  /** Advance to true time t (one real-time tick) and return the packets to send now. */
  step(t: number): SimPacket[] {
    const out: SimPacket[] = [];
    const clock = this.clock(t);
    const due = this.aggs.closeDue(clock);
    if (this.setup.injections.some((i) => i.silent?.(t))) {
      // Logger off: intervals complete at this instant still go out (it dies just after), then
      // nothing is recorded; the model keeps running (the plant does).
      this.model.step(t);
      out.push(...due.map((r, k) => this.packet(r, t + this.jitterMs + 1500 + k * 1000)));
      return this.release(t, out);
    }
    const records: DataRecord[] = [...due];
    const row = this.model.step(t);
    this.applyHonestEvents(row);
    for (const inj of this.setup.injections) inj.analyzer?.(row);
    this.convert(row);
    for (const inj of this.setup.injections) inj.logger?.(row);
    records.push(...this.aggs.add(row, clock));
    const releaseAt = this.setup.injections.reduce<number | null>((acc, i) => acc ?? i.releaseAt?.(t) ?? null, null);
    const rtd = realtimeRecord(row, clock, this.codes, this.offsetMinutes);
    const packets = [rtd, ...this.withDuplicates(records)].map((r, k) => this.packet(r, t + this.jitterMs + k * 1000 + (r.cn === '2011' ? 0 : 1500)));
    if (releaseAt !== null) this.held.push(...packets);
    else out.push(...packets);
    return this.release(t, out);
  }

  /** Close what is due at the end of the run and release everything held. */
  finish(end: number): SimPacket[] {
    const out = this.aggs.closeDue(this.clock(end)).map((r, k) => this.packet(r, end + this.jitterMs + 1500 + k * 1000));
    const held = this.held.map((p, k) => this.restamp(p, end + k * 200));
    this.held = [];
    return [...held, ...out];
  }

  /** Frame a record (a new QN at send time). Also used to re-upload history on a backfill request. */
  packet(record: DataRecord, sendAt: number): SimPacket {
    const v2005 = this.setup.protocol === '2005';
    const items: Array<[string, string]> = v2005 ? to2005Items(record.items) : record.items;
    const frame = buildPacket({
      qn: v2005 ? null : formatDataTime(this.clock(sendAt), true, this.offsetMinutes),
      st: this.st,
      cn: record.cn,
      pw: this.pw,
      mn: this.mn,
      flag: v2005 ? null : this.setup.ackRequested ? 5 : 4,
      cp: items,
    });
    return { mn: this.mn, cn: record.cn, dataTime: record.dataTime, sendAt, frame, record };
  }

  private restamp(p: SimPacket, sendAt: number): SimPacket {
    return this.packet(p.record, Math.max(sendAt, p.sendAt));
  }

  private release(t: number, out: SimPacket[]): SimPacket[] {
    if (this.held.length === 0) return out;
    const due = this.setup.injections.every((i) => i.releaseAt?.(t) == null);
    if (!due) return out;
    // Link back: upload the stored packets oldest first, 200 ms apart, before the current ones.
    const released = this.held.map((p, k) => this.restamp(p, t + k * 200));
    this.held = [];
    return [...released, ...out.map((p, k) => ({ ...p, sendAt: Math.max(p.sendAt, t + released.length * 200 + k)}))];
  }

  private withDuplicates(records: DataRecord[]): DataRecord[] {
    const out: DataRecord[] = [];
    for (const r of records) {
      out.push(r);
      for (const inj of this.setup.injections) {
        const dup = inj.duplicate?.(r.cn, r.dataTime, r.items);
        if (dup) out.push({ ...r, items: dup });
      }
    }
    return out;
  }

  /** The logger's converted (折算) values from written raw values and written O2. */
  private convert(row: Row): void {
    const o2Ref = this.setup.site.o2Ref;
    if (this.setup.profile.medium !== 'air' || o2Ref === null || o2Ref === undefined) return;
    const o2 = row.cells['a19001']?.value;
    if (o2 === undefined) return;
    for (const f of AIR_FACTORS) {
      if (!f.correctable) continue;
      const cell = row.cells[f.code];
      if (!cell) continue;
      cell.zs = roundTo(convertedConcentration(cell.value, o2, o2Ref) ?? cell.value, f.precision);
    }
  }

  /** Daily zero/span calibration (C) and maintenance (M), at the usual rate. */
  private applyHonestEvents(row: Row): void {
    const ev = this.setup.events;
    const air = this.setup.profile.medium === 'air';
    for (const c of ev.calibrations) {
      if (!inWindow(row.t, c)) continue;
      const zeroPhase = air && row.t < c.start + (2 * (c.end - c.start)) / 3;
      for (const code of air ? CALIBRATED_AIR : CALIBRATED_WATER) {
        const cell = row.cells[code];
        if (!cell) continue;
        const range = this.setup.site.ranges?.[code] ?? 100;
        // Zero gas then span gas (80% of range) for gas analyzers; a standard solution (50%) for water.
        const reading = zeroPhase ? Math.abs(0.002 * range * this.rng.gauss()) : (air ? 0.8 : 0.5) * range * (1 + 0.01 * this.rng.gauss());
        cell.value = roundTo(reading, factorSpec(code).precision);
        cell.flag = 'C';
      }
    }
    for (const m of ev.maintenance) {
      if (!inWindow(row.t, m)) continue;
      // Probe out for maintenance: the analyzers see ambient air.
      for (const code of air ? [...CALIBRATED_AIR, 'a34013', 'a19001'] : CALIBRATED_WATER) {
        const cell = row.cells[code];
        if (!cell) continue;
        cell.value = roundTo(code === 'a19001' ? 20.9 + 0.03 * this.rng.gauss() : Math.abs(0.3 * this.rng.gauss()), factorSpec(code).precision);
        cell.flag = 'M';
      }
    }
  }
}

/** Old factor codes; factors 2005 had no code for (flue gas pressure) are left out, as old loggers do. */
function to2005Items(items: ReadonlyArray<[string, string]>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of items) {
    const dash = key.lastIndexOf('-');
    if (dash <= 0) {
      out.push([key, value]);
      continue;
    }
    const code2005 = factorSpec(key.slice(0, dash)).code2005;
    if (code2005 !== null) out.push([`${code2005}${key.slice(dash)}`, value]);
  }
  return out;
}
