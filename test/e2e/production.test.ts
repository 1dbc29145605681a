import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraAvailable } from '@offsite/runtime/testing';
import { eventually, outcomes, startPipeline, type PipelineRun } from './pipeline.js';
import { expectNoLeads, expectTruthAsLeads } from './expectations.js';
import { freshDatabase, runStamp } from './production-infra.js';

// The scenario check of embedded.test.ts, with every port on its production adapter: Mosquitto,
// Kafka, InfluxDB, PostgreSQL (startStack picks them from the environment).
const dishonest = ['breach', 'flatline', 'dilution', 'zero-value'];
const honest = ['honest', 'startup-shutdown'];
const ready = infraAvailable('kafka') && infraAvailable('influx') && infraAvailable('postgres') && infraAvailable('mqtt');

describe.skipIf(!ready)('e2e on the production adapters (Mosquitto, Kafka, InfluxDB, PostgreSQL)', () => {
  const stamp = runStamp();
  let run: PipelineRun;
  let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;

  beforeAll(async () => {
    // Leads go to a database of this run; points and bus messages carry this run's MNs.
    db = await freshDatabase(process.env.DATABASE_URL!, `offsite_e2e_${stamp.id}`);
    run = await startPipeline({
      scenarios: [...dishonest, ...honest].map((name) => ({ name, devices: name === 'honest' ? 2 : 1 })),
      seed: 11,
      firstIndex: stamp.firstIndex,
      mqttGroup: `e2e-${stamp.id}`,
      env: {
        MQTT_URL: process.env.MQTT_URL,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        INFLUX_URL: process.env.INFLUX_URL,
        INFLUX_TOKEN: process.env.INFLUX_TOKEN,
        INFLUX_ORG: process.env.INFLUX_ORG,
        INFLUX_BUCKET: process.env.INFLUX_BUCKET,
        DATABASE_URL: db.url,
      },
    });
    expect(run.stack.bus.kind).toBe('kafka');
    expect(run.stack.seriesStore.kind).toBe('influx');
    const { sent } = await run.play();
    expect(sent).toBeGreaterThan(1000);
    // waitDrained covers archive and detect; leads consume the anomalies after them.
    const expected = run.truth.map((t) => t.mn);
    await eventually(async () => {
      for (const mn of expected) if ((await outcomes(run.stack, mn)).leads.length === 0) return false;
      return true;
    }, 30_000);
  }, 600_000);

  afterAll(async () => {
    await run?.stop();
    await db?.drop();
  }, 60_000);

  it('archives every real-time point sent, once, in InfluxDB', async () => {
    expect(run.rtdPointsSent.size).toBe(run.sites.length);
    for (const r of run.runs) {
      for (const site of r.sites) {
        const points = await run.stack.seriesStore.range({ mn: site.mn, kind: 'rtd', from: r.start - 86_400_000, to: r.end + 86_400_000 });
        const keys = new Set(points.map((p) => `${p.time}|${p.pollutant}`));
        expect(keys.size, `${site.mn}: duplicate keys`).toBe(points.length);
        expect(points.length, `${site.mn} (${r.name})`).toBe(run.rtdPointsSent.get(site.mn));
      }
    }
  });

  it.each(dishonest)('turns the injected %s into a lead of the right category', (scenario) => expectTruthAsLeads(run, scenario));

  it.each(honest)('raises no lead for %s sites', (scenario) => expectNoLeads(run, scenario));
});
