import type { DataFlag, DataKind, EvidenceReading, RuleId, Severity, Site } from '@offsite/domain';

/** One factor of one sample, as the rules see it. Missing numbers are NaN (cheap to test). */
export interface FactorValue {
  value: number;
  text: string | null;
  flag: DataFlag | null;
  /** Logger's converted value (ZsRtd/ZsAvg), NaN when absent. */
  reportedConverted: number;
  sampleTime: number;
}

/** One device sample: every factor of one packet at one DataTime. */
export interface DeviceSample {
  t: number;
  kind: DataKind;
  factors: ReadonlyMap<string, FactorValue>;
}

/**
 * Recent in-order samples of one device (oldest index 0, newest size()-1), read-only. The
 * engine backs it with a typed-array ring; tests build it from arrays.
 */
export interface RecentWindow {
  size(): number;
  time(i: number): number;
  /** Raw value, NaN when the factor is absent at that sample. */
  value(code: string, i: number): number;
  /** Concentration the rules compare (converted when the site converts), NaN when not computable. */
  converted(code: string, i: number): number;
  flag(code: string, i: number): DataFlag | null;
  text(code: string, i: number): string | null;
  /** Written decimals of the value (precision), -1 when unknown. */
  decimals(code: string, i: number): number;
  has(code: string): boolean;
}

/** What a rule step reports: the engine turns it into an Anomaly (id, category) and merges episodes. */
export interface Finding {
  rule: RuleId;
  pollutant: string | null;
  /** Extra discriminator for the id when one pollutant has two windows families (daily breach). */
  idScope?: string;
  start: number;
  end: number;
  severity: Severity;
  summary: string;
  statistic: { name: string; value: number };
  threshold: { name: string; value: number };
  params: Record<string, number | string | boolean>;
  readings: EvidenceReading[];
  limit?: { value: number; standard: string };
  /** Event time of the reading that completed the detection. */
  detectedAt: number;
}

/** Static context of one device for rule evaluation. */
export interface DeviceContext {
  mn: string;
  site: Site | undefined;
}

/** What a per-pollutant sequence rule sees at each in-order sample. */
export interface StepContext {
  mn: string;
  site: Site | undefined;
  /** The pollutant under test. */
  code: string;
  /** Event time of the current (newest) sample. */
  t: number;
  window: RecentWindow;
  /** O2 %, flow, flow / normal flow (NaN when unknown). */
  o2: number;
  flow: number;
  flowRatio: number;
  reportedConverted: number;
  sampleTime: number;
  /** Inferred sampling interval (ms), NaN until known. */
  interval: number;
  /** The device's own median valid hourly level of this pollutant, NaN until known. */
  typicalLevel: number;
  limit: number | undefined;
  range: number | undefined;
  water: boolean;
  /** Hourly stream (CN 2061) rather than real-time / minute data. */
  hourly: boolean;
}

export interface StepResult<S> {
  state: S | null;
  finding: Finding | null;
}

export type { Severity };

export const HOUR_MS = 3_600_000;

/** One closed hour of one factor. `value`: valid average (converted) when valid, else the average of all non-F values. */
export interface HourView {
  hour: number;
  value: number;
  /** Within-hour coefficient of variation of valid raw values (NaN when unknown). */
  cv: number;
  hasData: boolean;
  valid: boolean;
  /** Most samples carried an operator flag (M, C, D, S). */
  operatorFlagged: boolean;
  /** The hour's flag letter when not valid (dominant flag), else null. */
  flag: string | null;
  /** All valid samples had the same value. */
  constant: boolean;
  notRunning: boolean;
  /** Share of expected samples that were valid (0–1), 1 for an hourly packet flagged N. */
  validShare: number;
}

/** Closed hours of a device (read-only). */
export interface HourHistory {
  get(code: string, hourStart: number): HourView | null;
}

export interface HourRuleContext {
  mn: string;
  site: Site | undefined;
  code: string;
  /** Start of the hour just closed. */
  hour: number;
  history: HourHistory;
  /** Event time that closed the hour (deterministic detectedAt). */
  closedAt: number;
}
