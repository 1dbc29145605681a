import { describe, expect, it } from 'vitest';
import { createLogger } from '@offsite/runtime';
import { createSeriesStore, SeriesStoreEnv } from '../src/index.js';
import { isLoopback } from '../src/influx/influx-store.js';

const logger = createLogger('series-store-test');

describe('createSeriesStore', () => {
  it('is embedded when no INFLUX_* is set', async () => {
    const s = await createSeriesStore(SeriesStoreEnv.parse({}), { logger, memory: true });
    expect(s.kind).toBe('embedded');
    expect(await s.health()).toEqual({ ok: true });
    await s.close();
    expect(await s.health()).toMatchObject({ ok: false });
  }, 60_000); // PGlite start-up: 2-3 s quiet, far more on a loaded machine

  it('refuses half an InfluxDB configuration, naming what is missing', async () => {
    const env = SeriesStoreEnv.parse({ INFLUX_URL: 'http://127.0.0.1:18086', INFLUX_TOKEN: 't' });
    await expect(createSeriesStore(env, { logger, memory: true })).rejects.toThrow(/INFLUX_ORG, INFLUX_BUCKET/);
  });

  it('picks influx when all INFLUX_* are set (no connection is made until used)', async () => {
    const env = SeriesStoreEnv.parse({ INFLUX_URL: 'http://127.0.0.1:9', INFLUX_TOKEN: 't', INFLUX_ORG: 'o', INFLUX_BUCKET: 'b', INFLUX_BATCH_SIZE: '2000' });
    expect(env.INFLUX_BATCH_SIZE).toBe(2000);
    const s = await createSeriesStore(env, { logger });
    expect(s.kind).toBe('influx');
    expect((await s.health()).ok).toBe(false);
    await s.close();
  });

  it('reads the write tunables, refusing a gzip mode it does not know', () => {
    expect(SeriesStoreEnv.parse({})).toMatchObject({ INFLUX_MAX_IN_FLIGHT: 4, INFLUX_GZIP: 'auto' });
    expect(SeriesStoreEnv.parse({ INFLUX_MAX_IN_FLIGHT: '8', INFLUX_GZIP: 'off' })).toMatchObject({ INFLUX_MAX_IN_FLIGHT: 8, INFLUX_GZIP: 'off' });
    const bad = SeriesStoreEnv.safeParse({ INFLUX_GZIP: 'yes' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['INFLUX_GZIP']);
  });
});

describe('isLoopback (gzip auto)', () => {
  it('is true only for hosts whose bytes stay on the machine', () => {
    for (const url of ['http://localhost:8086', 'http://127.0.0.1:18086', 'https://127.3.4.5', 'http://[::1]:8086']) expect(isLoopback(url), url).toBe(true);
    for (const url of ['http://10.0.0.5:8086', 'https://influx.example.org', 'http://128.0.0.1', 'http://localhost.example.org']) expect(isLoopback(url), url).toBe(false);
  });
});
