import type { DataKind, Site } from '@offsite/domain';
import { SampleRing, type RingJSON } from './ring.js';
import { HourlyStore, type HourSlot } from './hours.js';
import { Episodes, type Episode } from './episodes.js';
import { CopyIndex } from '../rules/copied-segment.js';
import { DigitWindow } from '../rules/terminal-digit.js';
import { resolveRuleParams, type RuleParamOverrides, type RuleParams } from '../params.js';
import { medianOf } from '../stats.js';
import { fromB64, toB64 } from './codec.js';

export interface PendingGap {
  from: number;
  to: number;
  missing: number;
  filled: number;
  hourly: boolean;
  interval: number;
  detectedAt: number;
}

const KINDS: readonly DataKind[] = ['rtd', 'minute', 'hour', 'day'];

/** Everything the engine keeps about one device; serialisable with toJSON/fromJSON. */
export class DeviceState {
  site: Site | undefined;
  params!: RuleParams;
  seqKind: DataKind | null = null;
  ring: SampleRing;
  /** Recent sampling intervals (s) of the sequence stream, for the cadence. */
  intervals = new Int32Array(16);
  intervalCount = 0;
  intervalHead = 0;
  cadence = Number.NaN;
  /** Minute-packet (2051) window: the smallest spacing seen between minute packets, NaN until known. */
  minuteWindow = Number.NaN;
  lastMinuteT = Number.NEGATIVE_INFINITY;
  /** Highest event time seen (an hourly packet counts up to its hour's end). */
  watermark = Number.NEGATIVE_INFINITY;
  lastEvaluatedHour = Number.NEGATIVE_INFINITY;
  slots = new Map<number, HourSlot>();
  hourly: HourlyStore;
  ruleState = new Map<string, unknown>();
  copy = new Map<string, CopyIndex>();
  digits = new Map<string, DigitWindow>();
  typical = new Map<string, number>();
  flowRef = Number.NaN;
  pendingGaps: PendingGap[] = [];
  /** Recently seen DataTimes (per kind) with a fingerprint of their content. */
  /** DataTime in seconds (HJ 212 times have whole seconds). */
  dupT: Uint32Array;
  dupHash: Uint32Array;
  dupKind: Uint8Array;
  dupHead = 0;
  episodes: Episodes;

  constructor(
    readonly mn: string,
    site: Site | undefined,
    overrides: RuleParamOverrides | undefined,
    ringCapacity: number,
    updateEveryMs: number,
  ) {
    this.setSite(site, overrides);
    this.ring = new SampleRing(ringCapacity);
    this.hourly = new HourlyStore();
    this.episodes = new Episodes(mn, updateEveryMs);
    const dupN = this.params['duplicate-timestamp'].historySize;
    this.dupT = new Uint32Array(dupN);
    this.dupHash = new Uint32Array(dupN);
    this.dupKind = new Uint8Array(dupN);
  }

  setSite(site: Site | undefined, overrides: RuleParamOverrides | undefined): void {
    this.site = site;
    this.params = resolveRuleParams(site, overrides);
  }

  addInterval(ms: number): void {
    const sec = Math.round(ms / 1000);
    if (sec <= 0) return;
    // A gap is not a cadence: ignore intervals far above the current one.
    if (Number.isFinite(this.cadence) && ms > 3 * this.cadence) return;
    this.intervals[this.intervalHead] = sec;
    this.intervalHead = (this.intervalHead + 1) % this.intervals.length;
    if (this.intervalCount < this.intervals.length) this.intervalCount++;
    this.cadence = medianOf(this.intervals.subarray(0, this.intervalCount)) * 1000;
  }

  /** Cadence once enough intervals are known, else NaN. */
  interval(minIntervals: number): number {
    return this.intervalCount >= minIntervals ? this.cadence : Number.NaN;
  }

  /** Learn the logger's minute window from consecutive minute packets (≤ 1 h apart; a dropped packet only widens one spacing). */
  noteMinutePacket(t: number): void {
    const dt = t - this.lastMinuteT;
    if (dt > 0 && dt <= 3_600_000 && !(dt >= this.minuteWindow)) this.minuteWindow = dt;
    if (t > this.lastMinuteT) this.lastMinuteT = t;
  }

  /** Previous version's fingerprint for (t, kind): the index, or -1. */
  findDup(t: number, kind: DataKind): number {
    const k = KINDS.indexOf(kind) + 1;
    const sec = Math.floor(t / 1000) >>> 0;
    for (let i = 0; i < this.dupT.length; i++) if (this.dupT[i] === sec && this.dupKind[i] === k) return i;
    return -1;
  }

  rememberDup(t: number, kind: DataKind, hash: number): void {
    this.dupT[this.dupHead] = Math.floor(t / 1000) >>> 0;
    this.dupHash[this.dupHead] = hash;
    this.dupKind[this.dupHead] = KINDS.indexOf(kind) + 1;
    this.dupHead = (this.dupHead + 1) % this.dupT.length;
  }

  toJSON() {
    return {
      mn: this.mn,
      seqKind: this.seqKind,
      ring: this.ring.toJSON(),
      intervals: toB64(this.intervals),
      intervalCount: this.intervalCount,
      intervalHead: this.intervalHead,
      cadence: this.cadence,
      minuteWindow: this.minuteWindow,
      lastMinuteT: this.lastMinuteT,
      watermark: this.watermark,
      lastEvaluatedHour: this.lastEvaluatedHour,
      slots: [...this.slots.values()],
      hourly: this.hourly.toJSON(),
      ruleState: Object.fromEntries(this.ruleState),
      copy: Object.fromEntries([...this.copy].map(([k, v]) => [k, v.toJSON()])),
      digits: Object.fromEntries([...this.digits].map(([k, v]) => [k, v.toJSON()])),
      typical: Object.fromEntries(this.typical),
      flowRef: this.flowRef,
      pendingGaps: this.pendingGaps,
      dup: { t: toB64(this.dupT), hash: toB64(this.dupHash), kind: toB64(this.dupKind), head: this.dupHead },
      episodes: this.episodes.toJSON(),
    };
  }

  static fromJSON(j: DeviceJSON, site: Site | undefined, overrides: RuleParamOverrides | undefined, updateEveryMs: number): DeviceState {
    const d = new DeviceState(j.mn, site, overrides, j.ring.cap, updateEveryMs);
    d.seqKind = j.seqKind;
    d.ring = SampleRing.fromJSON(j.ring as RingJSON);
    d.intervals = fromB64(j.intervals, Int32Array);
    d.intervalCount = j.intervalCount;
    d.intervalHead = j.intervalHead;
    d.cadence = j.cadence ?? Number.NaN;
    d.minuteWindow = j.minuteWindow ?? Number.NaN;
    d.lastMinuteT = j.lastMinuteT ?? Number.NEGATIVE_INFINITY;
    d.watermark = j.watermark ?? Number.NEGATIVE_INFINITY;
    d.lastEvaluatedHour = j.lastEvaluatedHour ?? Number.NEGATIVE_INFINITY;
    for (const s of j.slots) {
      // JSON turns ±Infinity into null: put the sentinels back.
      for (const acc of Object.values(s.factors)) {
        acc.minRaw ??= Number.POSITIVE_INFINITY;
        acc.maxRaw ??= Number.NEGATIVE_INFINITY;
      }
      d.slots.set(s.hour, s);
    }
    d.hourly = HourlyStore.fromJSON(j.hourly);
    d.ruleState = new Map(Object.entries(j.ruleState));
    for (const [k, v] of Object.entries(j.copy)) d.copy.set(k, CopyIndex.fromJSON(v));
    for (const [k, v] of Object.entries(j.digits)) d.digits.set(k, DigitWindow.fromJSON(v));
    d.typical = new Map(Object.entries(j.typical).map(([k, v]) => [k, v ?? Number.NaN]));
    d.flowRef = j.flowRef ?? Number.NaN;
    d.pendingGaps = j.pendingGaps;
    d.dupT = fromB64(j.dup.t, Uint32Array);
    d.dupHash = fromB64(j.dup.hash, Uint32Array);
    d.dupKind = fromB64(j.dup.kind, Uint8Array);
    d.dupHead = j.dup.head;
    d.episodes = Episodes.fromJSON(j.mn, updateEveryMs, j.episodes as Record<string, Episode>);
    return d;
  }
}

export type DeviceJSON = ReturnType<DeviceState['toJSON']>;
