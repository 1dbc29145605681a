import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { ReadingBatch } from '@offsite/domain';
import { responses } from '../src/index.js';
import { anomaly, auth, H, startStack, T0, tokens, waitFor, type Stack } from './stack.js';
import { readSse } from './sse.js';

let s: Stack;
let base: string;
const get = (url: string, token: string) => s.console.app.inject({ url, headers: auth(token) });
const post = (url: string, token: string, payload: object) => s.console.app.inject({ method: 'POST', url, headers: auth(token), payload });
const ticket = async (token: string) => (await post('/api/v1/alerts/stream-tickets', token, {})).json().ticket as string;

beforeAll(async () => {
  s = await startStack();
  await s.console.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(s.console.app.server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(() => s?.close());

describe('pagination', () => {
  it('walks anomalies page by page with next/cursor, no duplicates, none missed', async () => {
    // Far apart in time so the correlator opens separate leads; two sites of one county.
    const batch = Array.from({ length: 7 }, (_, i) => anomaly(i % 2 ? 'HZ0001' : 'HZ0002', { start: T0 + i * 200 * H }));
    await s.publishAnomalies(batch);
    await waitFor(async () => (await s.store.listAnomalies('330106', {}, null, 100)).items.length === 7, 10_000, 'anomalies stored');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = responses.AnomalyPage.parse((await get(`/api/v1/anomalies?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, tokens.county)).json());
      seen.push(...page.items.map((a) => a.id));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    expect(seen.sort()).toEqual(batch.map((a) => a.id).sort());

    const leads = responses.LeadPage.parse((await get('/api/v1/leads?limit=2&sort=created', tokens.county)).json());
    expect(leads.items).toHaveLength(2);
    const rest = responses.LeadPage.parse((await get(`/api/v1/leads?sort=created&limit=1000&cursor=${encodeURIComponent(leads.next!)}`, tokens.county)).json());
    expect(new Set([...leads.items, ...rest.items].map((l) => l.id)).size).toBe(leads.items.length + rest.items.length);

    const sites1 = responses.SitePage.parse((await get('/api/v1/sites?limit=1&sort=mn', tokens.county)).json());
    const sites2 = responses.SitePage.parse((await get(`/api/v1/sites?limit=1&sort=mn&cursor=${sites1.next}`, tokens.county)).json());
    expect([sites1.items[0]!.mn, sites2.items[0]!.mn]).toEqual(['HZ0001', 'HZ0002']);
    expect(sites2.next).toBeNull();
  });
});

describe('lead lifecycle over HTTP', () => {
  it('acknowledge → assign → investigate → close confirmed; illegal moves are 409; the audit chain verifies', async () => {
    await s.publishAnomalies([anomaly('HZ0001', { start: T0 + 5000 * H, severity: 'critical' })]);
    const lead = await waitFor(async () => (await s.store.listLeads('330106', { q: 'HZ0001', from: T0 + 5000 * H }, null, 10)).items[0], 10_000, 'lead');
    const url = `/api/v1/leads/${lead.id}`;
    expect((await post(`${url}/transitions`, tokens.county, { action: 'investigate' })).statusCode).toBe(409);
    expect((await post(`${url}/transitions`, tokens.operator, { action: 'acknowledge', note: 'seen on the wall' })).json().status).toBe('acknowledged');
    expect((await post(`${url}/assign`, tokens.county, { team: 'team west' })).json()).toMatchObject({ status: 'assigned', team: 'team west' });
    expect((await post(`${url}/transitions`, tokens.county, { action: 'investigate' })).json().status).toBe('investigating');
    expect((await post(`${url}/comments`, tokens.county, { text: 'site visit booked' })).statusCode).toBe(201);
    const dismiss = await post(`${url}/transitions`, tokens.county, { action: 'close', resolution: 'dismissed' });
    expect(dismiss.statusCode).toBe(409);
    expect(dismiss.json().error.code).toBe('invalid-transition');
    expect((await post(`${url}/transitions`, tokens.county, { action: 'fly' })).statusCode).toBe(400);
    const closed = await post(`${url}/transitions`, tokens.county, { action: 'close', resolution: 'confirmed', reason: 'confirmed on site' });
    expect(closed.json()).toMatchObject({ status: 'closed', resolution: 'confirmed' });

    const detail = responses.LeadDetailBody.parse((await get(url, tokens.county)).json());
    expect(detail.comments.map((c) => c.text)).toEqual(['site visit booked']);
    expect(detail.anomalies[0]!.evidence.summary).toContain('breach');
    const audit = responses.AuditBody.parse((await get(`${url}/audit/verify`, tokens.county)).json());
    expect(audit.verdict.ok).toBe(true);
    expect(audit.entries.map((e) => e.action)).toEqual(['created', 'acknowledge', 'assign', 'investigate', 'comment', 'close']);
    expect((await get(`/api/v1/leads?status=closed&mn=HZ0001`, tokens.county)).json().items.map((l: { id: string }) => l.id)).toContain(lead.id);
  });
});

describe('sites, series and hourly values', () => {
  it('keeps status, last data time, latest values vs limits and open leads from the bus', async () => {
    const now = Date.now();
    const batch = (mn: string, value: number, flag: 'N' | 'M' = 'N'): ReadingBatch => ({
      mn, st: '31', cn: '2011', kind: 'rtd', qn: null, dataTime: now - 60_000, receivedAt: now, protocol: '2017', source: 'mqtt',
      readings: [{ code: 'a21026', value, text: String(value), converted: value * 1.2, flag }],
    });
    await s.publishReadings([batch('HZ0001', 40), batch('HZ0002', 40, 'M'), batch('ZZ9999', 1)]);
    await s.publishStatus([{ mn: 'HZ0001', state: 'online', at: now, lastSeen: now }, { mn: 'HZ0002', state: 'offline', at: now, lastSeen: now - H }]);
    await waitFor(() => s.console.state.sites.view('HZ0002')?.status === 'offline' && s.console.state.sites.view('ZZ9999'), 5000, 'site state');

    const sites = responses.SitePage.parse((await get('/api/v1/sites?sort=attention', tokens.county)).json());
    const hz1 = sites.items.find((x) => x.mn === 'HZ0001')!;
    expect(hz1).toMatchObject({ status: 'online', lastDataAt: now - 60_000, exceeding: 1 });
    // Air limit compares the O2-converted value: 48 > 35 (flagged M on HZ0002: not an exceedance).
    expect(hz1.latest[0]).toMatchObject({ pollutant: 'a21026', compared: 48, limit: 35, exceeded: true, unit: 'mg/m³' });
    expect(hz1.openLeads).toBeGreaterThan(0);
    expect(sites.items[0]!.mn).toBe('HZ0001');
    expect(sites.items.find((x) => x.mn === 'HZ0002')).toMatchObject({ status: 'offline', exceeding: 0 });
    expect(sites.items.some((x) => x.mn === 'ZZ9999')).toBe(false);

    const all = responses.SitePage.parse((await get('/api/v1/sites?registered=false', tokens.admin)).json());
    expect(all.items.map((x) => ({ mn: x.mn, registered: x.registered, status: x.status }))).toEqual([{ mn: 'ZZ9999', registered: false, status: 'online' }]);
    expect((await get('/api/v1/sites?status=offline', tokens.county)).json().items.map((x: { mn: string }) => x.mn)).toEqual(['HZ0002']);
    expect((await get('/api/v1/sites?industry=cement&q=hz', tokens.city)).json().items.map((x: { mn: string }) => x.mn)).toEqual(['HZ0002']);
  });

  it('serves raw series (ISO or epoch ms bounds, paged on time) and hourly averages with valid counts', async () => {
    const start = Date.UTC(2025, 5, 1, 0, 0); // 08:00 local
    const points = Array.from({ length: 120 }, (_, i) => ({ mn: 'HZ0001', kind: 'rtd' as const, pollutant: 'a21026', time: start + i * 60_000, value: 30 + (i % 10), converted: 36 + (i % 10), flag: i < 60 && i % 4 === 0 ? 'M' : 'N' }));
    await s.series.write(points);
    const iso = (t: number) => new Date(t).toISOString();
    const first = (await get(`/api/v1/sites/HZ0001/series?pollutant=a21026&from=${iso(start)}&to=${start + 2 * H}&limit=100`, tokens.county)).json();
    expect(first.items).toHaveLength(100);
    expect(first.limits).toMatchObject({ limit: 35, standard: 'GB 13223-2011', o2Ref: 6 });
    const second = (await get(`/api/v1/sites/HZ0001/series?pollutant=a21026&from=${start}&to=${start + 2 * H}&limit=100&cursor=${first.next}`, tokens.county)).json();
    expect(second.items).toHaveLength(20);
    expect(second.next).toBeNull();
    expect(second.items[0].time).toBe(start + 100 * 60_000);

    const hourly = (await get(`/api/v1/sites/HZ0001/hourly?pollutant=a21026&from=${iso(start)}&to=${iso(start + 2 * H)}&expectedPerHour=60`, tokens.county)).json();
    expect(hourly.items.map((h: { validCount: number; totalCount: number; valid: boolean }) => [h.validCount, h.totalCount, h.valid])).toEqual([
      [45, 60, true],
      [60, 60, true],
    ]);
    expect((await get(`/api/v1/sites/HZ0001/hourly?pollutant=a21026&from=${start + H}&to=${start}`, tokens.county)).statusCode).toBe(400);
  });
});

describe('live alerts', () => {
  it('streams only the caller region, replays after Last-Event-ID, and shares acknowledgements', async () => {
    const mine = anomaly('HZ0002', { start: T0 + 9000 * H, severity: 'critical' });
    const theirs = anomaly('HZ0101', { start: T0 + 9000 * H, severity: 'critical' });
    const county = readSse(`${base}/api/v1/alerts/stream?ticket=${await ticket(tokens.county)}`, {
      until: (ev) => ev.some((e) => e.event === 'alert' && JSON.parse(e.data).type === 'lead' && JSON.parse(e.data).mn === 'HZ0002'),
      onOpen: () => s.publishAnomalies([theirs, mine]),
    });
    const other = readSse(`${base}/api/v1/alerts/stream?ticket=${await ticket(tokens.otherCounty)}`, { until: (ev) => ev.some((e) => JSON.parse(e.data).mn === 'HZ0101' && JSON.parse(e.data).type === 'lead'), timeoutMs: 6000 });
    const [c, o] = await Promise.all([county, other]);
    const cAlerts = c.events.filter((e) => e.event === 'alert').map((e) => responses.AlertItem.parse(JSON.parse(e.data)));
    expect(cAlerts.length).toBeGreaterThanOrEqual(2);
    expect(cAlerts.every((a) => a.region === '330106')).toBe(true);
    expect(cAlerts.find((a) => a.type === 'anomaly')).toMatchObject({ mn: 'HZ0002', severity: 'critical', anomalyId: mine.id, rule: 'breach' });
    expect(o.events.map((e) => JSON.parse(e.data).mn).every((mn: string) => mn === 'HZ0101')).toBe(true);

    // Reconnect after the first alert: the rest is replayed from the bounded log.
    const firstId = cAlerts[0]!.id;
    const replay = await readSse(`${base}/api/v1/alerts/stream?ticket=${await ticket(tokens.county)}`, { headers: { 'last-event-id': String(firstId) }, until: (ev) => ev.filter((e) => e.event === 'alert').length >= cAlerts.length - 1 });
    expect(replay.events.filter((e) => e.event === 'alert').map((e) => Number(e.id))).toEqual(cAlerts.slice(1).map((a) => a.id));

    // Acknowledge: 403 from the other county, pushed to open streams as an `ack` event.
    expect((await post(`/api/v1/alerts/${firstId}/ack`, tokens.otherCounty, {})).statusCode).toBe(403);
    const ackSeen = readSse(`${base}/api/v1/alerts/stream?ticket=${await ticket(tokens.county)}`, {
      until: (ev) => ev.some((e) => e.event === 'ack'),
      onOpen: async () => {
        const r = await post(`/api/v1/alerts/${firstId}/ack`, tokens.operator, {});
        expect(r.json().ack.by).toBe('u_operator');
      },
    });
    expect(JSON.parse((await ackSeen).events.find((e) => e.event === 'ack')!.data)).toMatchObject({ id: firstId, ack: { by: 'u_operator' } });
    const list = responses.AlertPage.parse((await get('/api/v1/alerts?unacked=true', tokens.county)).json());
    expect(list.items.some((a) => a.id === firstId)).toBe(false);
    expect(responses.AlertPage.parse((await get('/api/v1/alerts', tokens.otherCounty)).json()).items.every((a) => a.region === '330105')).toBe(true);
  });

  it('sends heartbeats, refuses the stream without a valid ticket, never accepts the bearer token in the URL', async () => {
    const hb = await readSse(`${base}/api/v1/alerts/stream?ticket=${await ticket(tokens.county)}`, { until: () => false, timeoutMs: 700 });
    expect(hb.comments.filter((c) => c.startsWith('hb')).length).toBeGreaterThanOrEqual(2);
    expect((await fetch(`${base}/api/v1/alerts/stream`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/alerts/stream?ticket=${tokens.county}`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/alerts/stream?ticket=st_forged`)).status).toBe(401);
    expect((await post('/api/v1/alerts/stream-tickets', 'bad', {})).statusCode).toBe(401);
  });
});
