import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createMetrics } from '../src/metrics.js';
import { createServiceHttp } from '../src/http.js';

describe('createServiceHttp', () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  afterEach(() => {
    process.off('warning', onWarning);
  });

  it('starts without a Fastify deprecation warning and writes no per-request log lines', async () => {
    process.on('warning', onWarning);
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const app = createServiceHttp({ service: 'test', logger, health: async () => ({ db: { ok: true } }), registries: [createMetrics('runtime_http_test', false)] });
    const health = await app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', service: 'test' });
    expect((await app.inject({ url: '/nope' })).statusCode).toBe(404);
    await app.close();
    await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on a later tick

    expect(warnings.filter((w) => w.name === 'FastifyDeprecation').map((w) => w.message)).toEqual([]);
    const messages = lines.map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '');
    expect(messages.filter((m) => /incoming request|request completed|not found/i.test(m))).toEqual([]);
  });
});
