import type { Injection } from '../injections.js';
import type { TimeWindow } from '../models/row.js';
import type { Rng } from '../random.js';
import type { Profile, SiteKind } from '../sites.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** What a scenario knows when it sets up device `index`. */
export interface DeviceContext {
  index: number;
  start: number;
  end: number;
  stepMs: number;
  /** The device's own seeded stream for placing windows. */
  rng: Rng;
}

export interface DeviceConfig {
  kind: SiteKind;
  protocol?: '2017' | '2005';
  ackRequested?: boolean;
  injections?: Injection[];
  shutdowns?: TimeWindow[];
  maintenance?: TimeWindow[];
  /** Process model of this device instead of its kind's (same medium), e.g. a load-following NOx. */
  profile?: Profile;
  /** Daily zero/span calibration (default true). */
  calibrate?: boolean;
}

export interface ScenarioDef {
  name: string;
  /** Six letters put in the MN, so scenarios never share a device id. */
  tag: string;
  description: string;
  /** Whether the scenario is honest (its truth file is empty). */
  honest: boolean;
  defaultDurationMs: number;
  device(ctx: DeviceContext): DeviceConfig;
}

/**
 * A window of `hours` whole hours starting near `frac` of the run, clipped to the run. Whole
 * hours keep hourly statistics of the truth window clean.
 */
export function hourWindow(ctx: DeviceContext, frac: number, hours: number): TimeWindow {
  const span = ctx.end - ctx.start;
  const lastStart = Math.floor((ctx.end - HOUR) / HOUR) * HOUR;
  let start = Math.ceil((ctx.start + frac * span) / HOUR) * HOUR;
  start = Math.max(Math.ceil(ctx.start / HOUR) * HOUR, Math.min(start, lastStart));
  let end = Math.min(start + hours * HOUR, Math.floor(ctx.end / HOUR) * HOUR);
  if (end <= start) {
    // A run shorter than an hour: use what there is.
    start = ctx.start;
    end = Math.min(ctx.end, start + hours * HOUR);
  }
  return { start, end };
}
