import type { DataFlag } from '@offsite/domain';

/** One factor as the data logger holds it at one instant (values already at written precision). */
export interface Cell {
  value: number;
  /** O2-corrected value (air pollutants), computed by the logger. */
  zs?: number;
  flag: DataFlag;
  /** Epoch ms of the analyzer's measurement, for cyclic (water) analyzers. */
  sampleTime?: number;
}

/** Everything one device's logger sees at one real-time tick. `t` is true simulated time. */
export interface Row {
  t: number;
  /** The process runs at normal conditions (not shut down / starting up). */
  running: boolean;
  cells: Record<string, Cell>;
}

export interface TimeWindow {
  start: number;
  end: number;
}

export function inWindow(t: number, w: TimeWindow): boolean {
  return t >= w.start && t < w.end;
}

/** Process events of honest operation, and genuine process upsets (exceedances). */
export interface ProcessEvents {
  shutdowns: TimeWindow[];
  /** Emission level multiplied by `factor` for `code` (genuine upset, e.g. FGD trip). */
  upsets: (TimeWindow & { code: string; factor: number })[];
  calibrations: TimeWindow[];
  maintenance: TimeWindow[];
}

export const noEvents = (): ProcessEvents => ({ shutdowns: [], upsets: [], calibrations: [], maintenance: [] });

/** Local hour of day (fractional) at a fixed UTC offset. */
export function localHour(t: number, utcOffsetMinutes: number): number {
  const ms = (t + utcOffsetMinutes * 60_000) % 86_400_000;
  return (ms < 0 ? ms + 86_400_000 : ms) / 3_600_000;
}

const UPSET_RAMP_IN_MS = 10 * 60_000;
const UPSET_RAMP_OUT_MS = 20 * 60_000;

/**
 * Multiplier of an emission level under the upsets of `code` at t. Upsets build up over 10 min
 * and recover over the last 20 min of their window (a plant does not switch emissions instantly).
 */
export function upsetMultiplier(t: number, code: string, upsets: ProcessEvents['upsets']): number {
  let m = 1;
  for (const u of upsets) {
    if (u.code !== code || !inWindow(t, u)) continue;
    const ramp = Math.min(1, (t - u.start + 60_000) / UPSET_RAMP_IN_MS, (u.end - t) / UPSET_RAMP_OUT_MS);
    m *= 1 + (u.factor - 1) * ramp;
  }
  return m;
}
