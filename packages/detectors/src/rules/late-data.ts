import type { RuleParams } from '../params.js';
import type { Finding, StepResult } from '../types.js';
import { fmtTime } from '../context.js';
import { minutes } from './common.js';
import { dueAfter, type BatchInfo } from './timing.js';

export interface LateDataState {
  startT: number;
  minT: number;
  maxT: number;
  count: number;
  beyondBound: number;
  maxDelay: number;
  lastReceivedAt: number;
}

/**
 * late-data: a packet arriving more than maxDelayMinutes after its interval ended (backfill, or a
 * device holding data back), or arriving out of order beyond the engine's lateness bound.
 * Late packets arriving within episodeGapMinutes of each other form one episode.
 */
export function lateDataStep(
  state: LateDataState | null,
  b: BatchInfo,
  interval: number,
  beyondBound: boolean,
  p: RuleParams['late-data'],
): StepResult<LateDataState> {
  const delay = b.receivedAt - (b.dataTime + dueAfter(b.kind, interval));
  const late = delay > p.maxDelayMinutes * 60_000 || beyondBound;
  const gap = p.episodeGapMinutes * 60_000;
  let s = state && b.receivedAt - state.lastReceivedAt <= gap ? state : null;
  if (!late) return { state: s, finding: s ? lateFinding(s, b, p) : null };
  s = s
    ? {
        ...s,
        minT: Math.min(s.minT, b.dataTime),
        maxT: Math.max(s.maxT, b.dataTime),
        count: s.count + 1,
        beyondBound: s.beyondBound + (beyondBound ? 1 : 0),
        maxDelay: Math.max(s.maxDelay, delay),
        lastReceivedAt: b.receivedAt,
      }
    : { startT: b.dataTime, minT: b.dataTime, maxT: b.dataTime, count: 1, beyondBound: beyondBound ? 1 : 0, maxDelay: delay, lastReceivedAt: b.receivedAt };
  return { state: s, finding: lateFinding(s, b, p) };
}

function lateFinding(s: LateDataState, b: BatchInfo, p: RuleParams['late-data']): Finding {
  const hours = s.maxDelay / 3_600_000;
  return {
    rule: 'late-data',
    pollutant: null,
    start: s.startT,
    end: Math.max(s.maxT, s.startT),
    severity: hours >= 24 ? 'medium' : 'low',
    summary:
      `${s.count} packet(s) with DataTime ${fmtTime(s.minT, b.site)} – ${fmtTime(s.maxT, b.site)} arrived up to ${minutes(s.maxDelay)} after their ` +
      `interval ended (last at ${fmtTime(s.lastReceivedAt, b.site)})` +
      (s.beyondBound ? `; ${s.beyondBound} came out of order beyond the lateness bound and were not re-evaluated by hourly rules` : '') +
      '. Backfill (补发) after an outage is expected; data held back is not.',
    statistic: { name: 'max delay (min)', value: s.maxDelay / 60_000 },
    threshold: { name: 'maxDelayMinutes', value: p.maxDelayMinutes },
    params: { ...p, packets: s.count, earliestDataTime: s.minT },
    readings: [],
    detectedAt: s.lastReceivedAt > b.receivedAt ? s.maxT : b.dataTime,
  };
}
