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
