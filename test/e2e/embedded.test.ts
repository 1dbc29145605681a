import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type PipelineRun } from './pipeline.js';
import { expectNoLeads, expectTruthAsLeads } from './expectations.js';

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

  it.each(dishonest)('turns the injected %s into a lead of the right category', (scenario) => expectTruthAsLeads(run, scenario));

  it.each(honest)('raises no lead for %s sites', (scenario) => expectNoLeads(run, scenario));
});
