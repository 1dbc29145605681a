import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcomes, ruleCategory, startPipeline, type PipelineRun } from './pipeline.js';

// Scenarios whose truth must end as leads, and honest ones that must produce none.
const dishonest = ['breach', 'flatline', 'dilution', 'zero-value'];
const honest = ['honest', 'startup-shutdown'];

describe('e2e on embedded adapters (aedes, memory bus, PGlite)', () => {
  let run: PipelineRun;
  beforeAll(async () => {
    run = await startPipeline({ scenarios: [...dishonest, ...honest].map((name) => ({ name, devices: name === 'honest' ? 2 : 1 })), seed: 11 });
    const { sent } = await run.play();
    expect(sent).toBeGreaterThan(1000);
  }, 600_000);
  afterAll(async () => run?.stop(), 60_000);

  it('archives what the loggers sent', async () => {
    const mn = run.sites[0]!.mn;
    const points = await run.stack.seriesStore.range({ mn, kind: 'rtd', from: run.runs[0]!.start, to: run.runs[0]!.end });
    expect(points.length).toBeGreaterThan(100);
  });

  it.each(dishonest)('turns the injected %s into a lead of the right category', async (scenario) => {
    const labels = run.truth.filter((t) => t.scenario === scenario);
    expect(labels.length).toBeGreaterThan(0);
    for (const label of labels) {
      const { leads, anomalies } = await outcomes(run.stack, label.mn);
      const from = Date.parse(label.start);
      const to = Date.parse(label.end);
      const hit = anomalies.find((a) => a.rule === label.pattern && a.start < to && a.end >= from && (label.pollutant === null || a.pollutant === null || a.pollutant === label.pollutant));
      expect(hit, `${label.pattern} on ${label.mn} ${label.pollutant ?? ''} ${label.start}–${label.end}; got ${anomalies.map((a) => a.rule).join(', ')}`).toBeDefined();
      const lead = leads.find((l) => l.id === hit!.leadId);
      expect(lead, `anomaly ${hit!.id} belongs to a lead`).toBeDefined();
      expect([ruleCategory[label.pattern], 'tampering']).toContain(lead!.category);
    }
  });

  it.each(honest)('raises no lead for %s sites', async (scenario) => {
    const mns = run.runs.filter((r) => r.name === scenario).flatMap((r) => r.sites.map((s) => s.mn));
    for (const mn of mns) {
      const { leads, anomalies } = await outcomes(run.stack, mn);
      expect(leads, `${mn}: ${anomalies.map((a) => `${a.rule}@${new Date(a.start).toISOString()}: ${a.evidence.summary}`).join(' | ')}`).toEqual([]);
    }
  });
});
