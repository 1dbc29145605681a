import type { Anomaly } from '@offsite/domain';
import { createDetectionEngine } from '@offsite/detectors';
import { parsePacket, toReadingBatch } from '@offsite/hj212';
import { generateScenario, type GenerateOptions } from '../generate.js';
import type { TruthLabel } from '../truth.js';

export interface ScenarioEval {
  scenario: string;
  truth: TruthLabel[];
  anomalies: Anomaly[];
  /** Devices without any truth label → simulated days. */
  honestDevices: Map<string, number>;
  packets: number;
  deadLetters: number;
}

/** Replay one scenario through the detection engine, in send order (receivedAt = send time). */
export function evaluateScenario(opts: GenerateOptions): ScenarioEval {
  const run = generateScenario(opts);
  const sites = new Map(run.sites.map((s) => [s.mn, s]));
  const engine = createDetectionEngine({ sites: (mn) => sites.get(mn) });
  const latest = new Map<string, Anomaly>();
  const keep = (list: Anomaly[]) => list.forEach((a) => latest.set(a.id, a));
  let packets = 0;
  let deadLetters = 0;
  let lastTick = run.start;
  for (const p of run.packets) {
    packets++;
    try {
      keep(engine.ingest(toReadingBatch(parsePacket(p.frame), { receivedAt: p.sendAt, source: 'replay' })));
    } catch {
      deadLetters++;
    }
    if (p.sendAt - lastTick >= 60_000) {
      keep(engine.tick(p.sendAt));
      lastTick = p.sendAt;
    }
  }
  keep(engine.flush(run.end + 3 * 3_600_000));
  const labelled = new Set(run.truth.map((l) => l.mn));
  const days = (run.end - run.start) / 86_400_000;
  const honestDevices = new Map(run.sites.filter((s) => !labelled.has(s.mn)).map((s) => [s.mn, days]));
  return { scenario: run.name, truth: run.truth, anomalies: [...latest.values()], honestDevices, packets, deadLetters };
}
