import type { RuleParams } from '../params.js';
import type { StepContext, StepResult } from '../types.js';
import { detectionFloor, fmtNum, fmtTime, isValidFlag, label, readingAt, unitOf } from '../context.js';
import { flowRunning, minutes, runDuration, runReadings, severityByDuration, type RunState } from './common.js';

export interface FlatlineState extends RunState {
  value: number;
  decimals: number;
  cycles: number;
  lastSampleTime: number;
}

/**
 * flatline: the same written value (value and precision) on consecutive valid samples while the
 * process runs, for ≥ minMinutes (gas), ≥ waterMinCycles measurement cycles (water, by
 * SampleTime), or ≥ hourlyMinHours (hourly data). Values at or below the detection floor are
 * skipped: a gas unit honestly reading 0.0 SO2 is not tampering.
 */
export function flatlineStep(state: FlatlineState | null, ctx: StepContext, p: RuleParams['flatline']): StepResult<FlatlineState> {
  const w = ctx.window;
  const i = w.size() - 1;
  const v = w.value(ctx.code, i);
  const dec = w.decimals(ctx.code, i);
  const floor = detectionFloor(ctx.code, ctx.site, p.floorAbs, p.floorLimitShare);
  const eligible = Number.isFinite(v) && isValidFlag(w.flag(ctx.code, i)) && flowRunning(ctx, p.runningFlowShare) && Math.abs(v) > floor && !(ctx.o2 >= 19);
  if (!eligible) return { state: null, finding: null };
  let s = state;
  if (!s || s.value !== v || s.decimals !== dec) {
    // Cheap start (most samples start a new run); the first reading is captured on the second.
    s = { startT: ctx.t, n: 1, first: [], value: v, decimals: dec, cycles: Number.isFinite(ctx.sampleTime) ? 1 : 0, lastSampleTime: ctx.sampleTime };
    return { state: s, finding: null };
  } else {
    s = { ...s, n: s.n + 1, first: s.n === 1 ? [readingAt(w, ctx.code, i - 1)] : s.first };
    if (Number.isFinite(ctx.sampleTime) && ctx.sampleTime !== s.lastSampleTime) {
      s.cycles++;
      s.lastSampleTime = ctx.sampleTime;
    }
  }
  const dur = runDuration(s.startT, ctx.t, ctx.interval);
  let met: boolean;
  let stat: { name: string; value: number };
  let thr: { name: string; value: number };
  if (ctx.hourly) {
    met = dur >= p.hourlyMinHours * 3_600_000;
    stat = { name: 'identical hourly values (h)', value: dur / 3_600_000 };
    thr = { name: 'hourlyMinHours', value: p.hourlyMinHours };
  } else if (ctx.water && s.cycles > 0) {
    met = s.cycles >= p.waterMinCycles;
    stat = { name: 'identical measurement cycles', value: s.cycles };
    thr = { name: 'waterMinCycles', value: p.waterMinCycles };
  } else if (ctx.water) {
    met = dur >= p.waterMinHoursWithoutSampleTime * 3_600_000 && s.n >= p.minSamples;
    stat = { name: 'identical value duration (h)', value: dur / 3_600_000 };
    thr = { name: 'waterMinHoursWithoutSampleTime', value: p.waterMinHoursWithoutSampleTime };
  } else {
    met = dur >= p.minMinutes * 60_000 && s.n >= p.minSamples;
    stat = { name: 'identical value duration (min)', value: dur / 60_000 };
    thr = { name: 'minMinutes', value: p.minMinutes };
  }
  if (!met) return { state: s, finding: null };
  const text = w.text(ctx.code, i);
  return {
    state: s,
    finding: {
      rule: 'flatline',
      pollutant: ctx.code,
      start: s.startT,
      end: ctx.t,
      severity: severityByDuration(dur),
      summary:
        `${label(ctx.code)} reported exactly ${text ?? fmtNum(v)} ${unitOf(ctx.code)} on ${s.n} consecutive valid samples` +
        `${s.cycles > 0 ? ` (${s.cycles} measurement cycles)` : ''} from ${fmtTime(s.startT, ctx.site)} to ${fmtTime(ctx.t, ctx.site)} ` +
        `(${minutes(dur)}) while the process was running; a working analyzer shows measurement noise.`,
      statistic: stat,
      threshold: thr,
      params: { ...p, detectionFloor: floor },
      readings: runReadings(ctx, s, [ctx.code]),
      detectedAt: ctx.t,
    },
  };
}
