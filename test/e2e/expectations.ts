import { expect } from 'vitest';
import { outcomes, ruleCategory, type PipelineRun } from './pipeline.js';

/** Every truth label of `scenario` is an anomaly of its rule, overlapping its window, in a lead of the right category. */
export async function expectTruthAsLeads(run: PipelineRun, scenario: string): Promise<void> {
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
}

/** No site of `scenario` has a lead; the message lists any anomalies it did get. */
export async function expectNoLeads(run: PipelineRun, scenario: string): Promise<void> {
  const mns = run.runs.filter((r) => r.name === scenario).flatMap((r) => r.sites.map((s) => s.mn));
  expect(mns.length).toBeGreaterThan(0);
  for (const mn of mns) {
    const { leads, anomalies } = await outcomes(run.stack, mn);
    expect(leads, `${mn}: ${anomalies.map((a) => `${a.rule}@${new Date(a.start).toISOString()}: ${a.evidence.summary}`).join(' | ')}`).toEqual([]);
  }
}
