/**
 * p50/p99 latency of GET /api/v1/leads and GET /api/v1/sites over fastify.inject (no socket), on
 * the real in-process stack: PGlite lead store with LEADS leads, 5,000 registered sites with live
 * state from the memory bus. One JSON line per metric on stdout; progress on stderr.
 */
import { performance } from 'node:perf_hooks';
import { Topics, type DeviceStatus, type ReadingBatch } from '@offsite/domain';
import { anomaly, H, site, startStack, T0, tokens, waitFor } from '../test/stack.js';

const SITES = 5000;
const LEADS = Number(process.env.BENCH_LEADS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const log = (m: string) => process.stderr.write(`${m}\n`);

const counties = ['330106', '330105', '330102', '440305', '440304'];
const sites = Array.from({ length: SITES }, (_, i) => site(`BM${String(i).padStart(5, '0')}`, counties[i % counties.length]!, { industry: ['power', 'cement', 'steel'][i % 3]! }));
const s = await startStack({ sites, options: { seedLatest: false } });
log('stack up; loading state');
const now = Date.now();
const readings: ReadingBatch[] = sites.map((x, i) => ({
  mn: x.mn, st: '31', cn: '2011', kind: 'rtd', qn: null, dataTime: now - 60_000, receivedAt: now, protocol: '2017', source: 'mqtt',
  readings: [
    { code: 'a21026', value: 20 + (i % 30), text: null, converted: 24 + (i % 30), flag: 'N' },
    { code: 'a21002', value: 30, text: null, converted: 36, flag: 'N' },
    { code: 'a34013', value: 4, text: null, converted: 5, flag: i % 50 ? 'N' : 'M' },
  ],
}));
const statuses: DeviceStatus[] = sites.map((x, i) => ({ mn: x.mn, state: i % 17 ? 'online' : 'offline', at: now, lastSeen: now }));
for (let i = 0; i < SITES; i += 1000) {
  await s.bus.send(Topics.readings, readings.slice(i, i + 1000).map((b) => ({ key: b.mn, value: Buffer.from(JSON.stringify(b)) })));
  await s.bus.send(Topics.deviceStatus, statuses.slice(i, i + 1000).map((b) => ({ key: b.mn, value: Buffer.from(JSON.stringify(b)) })));
}
for (let i = 0; i < LEADS; i += 500) {
  await s.publishAnomalies(Array.from({ length: Math.min(500, LEADS - i) }, (_, j) => anomaly(sites[(i + j) % SITES]!.mn, { start: T0 + Math.floor((i + j) / SITES) * 300 * H })));
}
await waitFor(() => s.console.state.sites.stats().seen === SITES && s.console.state.sites.stats().openLeads >= LEADS, 120_000, 'state loaded');
const stats = s.console.state.sites.stats();
log(`state: ${JSON.stringify(stats)}`);

async function measure(name: string, url: string, token: string): Promise<void> {
  const app = s.console.app;
  for (let i = 0; i < 20; i++) await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
  const times: number[] = [];
  let bytes = 0;
  let items = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    const r = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    times.push(performance.now() - t);
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    bytes = r.body.length;
    items = (r.json() as { items: unknown[] }).items.length;
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))]! * 100) / 100;
  const ctx = { url, rounds: ROUNDS, items, responseBytes: bytes, sites: stats.registered + stats.unregistered, openLeads: stats.openLeads, leads: LEADS };
  console.log(JSON.stringify({ bench: `console.${name}`, metric: 'p99', value: q(0.99), unit: 'ms', ...ctx }));
  console.log(JSON.stringify({ bench: `console.${name}`, metric: 'p50', value: q(0.5), unit: 'ms', ...ctx }));
}

await measure('leads', '/api/v1/leads?limit=100', tokens.admin);
await measure('leads-county', '/api/v1/leads?limit=100&status=new', tokens.county);
await measure('sites', '/api/v1/sites?limit=100', tokens.admin);
await measure('sites-filtered', '/api/v1/sites?limit=100&status=offline&industry=power&q=BM0', tokens.city);
await measure('sites-1000', '/api/v1/sites?limit=1000&sort=mn', tokens.admin);
await s.close();
