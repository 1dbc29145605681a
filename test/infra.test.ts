/**
 * Checks each real server that infra/local/up.sh starts (or docker-compose / testcontainers):
 * one real round trip per server, so a broken server fails here with a plain message rather
 * than deep inside a service's test. Endpoints come from env.sh's variables.
 */
import { randomUUID } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import mqtt from 'mqtt';
import pg from 'pg';
import { infraAvailable } from '@offsite/runtime/testing';

const env = process.env;
const runId = randomUUID().slice(0, 8);

describe.skipIf(!infraAvailable('kafka'))('kafka (KAFKA_BROKERS)', () => {
  it('creates a topic, produces one message and consumes it back', async () => {
    const kafka = new Kafka({
      clientId: `infra-test-${runId}`,
      brokers: (env.KAFKA_BROKERS ?? '').split(','),
      logLevel: logLevel.NOTHING,
    });
    const topic = `infra-test.${runId}`;
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `infra-test-${runId}` });
    try {
      await admin.connect();
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(true);
      await producer.connect();
      await producer.send({ topic, messages: [{ key: 'mn-1', value: `hello ${runId}` }] });

      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const received = await new Promise<{ key: string; value: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message consumed within 30 s')), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
          },
        });
      });
      expect(received).toEqual({ key: 'mn-1', value: `hello ${runId}` });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});

describe.skipIf(!infraAvailable('influx'))('influxdb (INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET)', () => {
  it('writes one point and reads it back with Flux', async () => {
    const client = new InfluxDB({ url: env.INFLUX_URL ?? '', token: env.INFLUX_TOKEN ?? '' });
    const org = env.INFLUX_ORG ?? '';
    const bucket = env.INFLUX_BUCKET ?? '';
    const measurement = `infra_test_${runId}`;
    const writer = client.getWriteApi(org, bucket, 'ms');
    const at = Date.now();
    writer.writePoint(new Point(measurement).tag('mn', 'mn-1').floatField('value', 42.5).timestamp(at));
    await writer.close();

    const rows = await client.getQueryApi(org).collectRows<{ _value: number; mn: string; _time: string }>(
      `from(bucket: "${bucket}") |> range(start: -1h) |> filter(fn: (r) => r._measurement == "${measurement}")`,
    );
    expect(rows.map((r) => ({ value: r._value, mn: r.mn, time: Date.parse(r._time) }))).toEqual([
      { value: 42.5, mn: 'mn-1', time: at },
    ]);
  });
});

describe.skipIf(!infraAvailable('postgres'))('postgresql (DATABASE_URL)', () => {
  it('runs queries against the offsite database', async () => {
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      const info = await client.query<{ db: string; major: number }>(
        "SELECT current_database() AS db, current_setting('server_version_num')::int / 10000 AS major",
      );
      expect(info.rows[0]?.major).toBeGreaterThanOrEqual(15);
      await client.query('CREATE TEMP TABLE infra_check (id int PRIMARY KEY, note text)');
      await client.query('INSERT INTO infra_check VALUES ($1, $2), ($3, $4)', [1, 'a', 2, runId]);
      const rows = await client.query<{ note: string }>('SELECT note FROM infra_check WHERE id = $1', [2]);
      expect(rows.rows).toEqual([{ note: runId }]);
    } finally {
      await client.end();
    }
  });
});

describe.skipIf(!infraAvailable('mqtt'))('mqtt broker (MQTT_URL)', () => {
  const url = env.MQTT_URL ?? '';

  it('delivers a QoS 1 publish to a subscriber', async () => {
    const topic = `offsite/infra-test/${runId}/one`;
    const sub = await mqtt.connectAsync(url, { clientId: `infra-sub-${runId}` });
    const pub = await mqtt.connectAsync(url, { clientId: `infra-pub-${runId}` });
    try {
      await sub.subscribeAsync(topic, { qos: 1 });
      const got = new Promise<string>((resolve) => sub.on('message', (_t, payload) => resolve(payload.toString())));
      await pub.publishAsync(topic, `ping ${runId}`, { qos: 1 });
      expect(await got).toBe(`ping ${runId}`);
    } finally {
      await Promise.all([sub.endAsync(), pub.endAsync()]);
    }
  });

  // A broker with default queue limits acknowledges every publish yet drops messages for a
  // subscriber that falls behind several publishers: count what arrives.
  it('loses no QoS 1 message from several concurrent publishers', async () => {
    const publishers = 4;
    const perPublisher = 2_500;
    const topic = `offsite/infra-test/${runId}/many`;
    const sub = await mqtt.connectAsync(url, { clientId: `infra-many-sub-${runId}` });
    const pubs = await Promise.all(
      Array.from({ length: publishers }, (_, i) => mqtt.connectAsync(url, { clientId: `infra-many-pub-${runId}-${i}` })),
    );
    try {
      await sub.subscribeAsync(topic, { qos: 1 });
      const seen = new Set<string>();
      const all = new Promise<void>((resolve) =>
        sub.on('message', (_t, payload) => {
          seen.add(payload.toString());
          if (seen.size === publishers * perPublisher) resolve();
        }),
      );
      await Promise.all(
        pubs.map((p, i) =>
          Promise.all(Array.from({ length: perPublisher }, (_, n) => p.publishAsync(topic, `${i}:${n}`, { qos: 1 }))),
        ),
      );
      await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      expect(seen.size).toBe(publishers * perPublisher);
    } finally {
      await Promise.all([sub.endAsync(), ...pubs.map((p) => p.endAsync())]);
    }
  });
});
