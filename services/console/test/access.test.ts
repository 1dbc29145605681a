import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { responses } from '../src/index.js';
import { anomaly, auth, H, startStack, T0, tokens, waitFor, type Stack } from './stack.js';

let s: Stack;
let hzLead: string;
let otherLead: string;
let szLead: string;
const get = (url: string, token?: string) => s.console.app.inject({ url, headers: token ? auth(token) : {} });

beforeAll(async () => {
  s = await startStack();
  await s.publishAnomalies([anomaly('HZ0001'), anomaly('HZ0101'), anomaly('SZ0001', { pollutant: 'w01018', rule: 'flatline', start: T0 + 5 * H })]);
  const leads = await waitFor(async () => {
    const page = await s.store.listLeads('000000', {}, null, 100);
    return page.items.length === 3 ? page.items : undefined;
  });
  hzLead = leads.find((l) => l.mn === 'HZ0001')!.id;
  otherLead = leads.find((l) => l.mn === 'HZ0101')!.id;
  szLead = leads.find((l) => l.mn === 'SZ0001')!.id;
}, 120_000);
afterAll(() => s?.close());

describe('authentication', () => {
  it('answers 401 with the error body without a token, with a bad token, or a malformed header', async () => {
    for (const headers of [{}, auth('not-a-real-token'), { authorization: `Basic ${tokens.admin}` }]) {
      const r = await s.console.app.inject({ url: '/api/v1/leads', headers });
      expect(r.statusCode).toBe(401);
      expect(responses.LeadPage.safeParse(r.json()).success).toBe(false);
      expect(r.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    }
  });

  it('keeps /healthz, /metrics and /docs public', async () => {
    expect((await get('/healthz')).statusCode).toBe(200);
    expect((await get('/metrics')).body).toContain('console_alert_log_size');
    const doc = (await get('/docs/json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/leads', '/api/v1/anomalies', '/api/v1/sites', '/api/v1/alerts/stream', '/api/v1/sites/{mn}/hourly']));
  });
});

describe('region isolation', () => {
  it('a county officer lists only their county: leads, anomalies, sites', async () => {
    const leads = responses.LeadPage.parse((await get('/api/v1/leads', tokens.county)).json());
    expect(leads.items.map((l) => l.id)).toEqual([hzLead]);
    const anomalies = responses.AnomalyPage.parse((await get('/api/v1/anomalies', tokens.county)).json());
    expect(anomalies.items.map((a) => a.mn)).toEqual(['HZ0001']);
    expect(anomalies.items[0]).toMatchObject({ rule: 'breach', pollutant: 'a21026', severity: 'high', start: T0, end: T0 + H });
    const sites = responses.SitePage.parse((await get('/api/v1/sites', tokens.county)).json());
    expect(sites.items.map((x) => x.mn).sort()).toEqual(['HZ0001', 'HZ0002']);
  });

  it('a city supervisor sees both counties, not Shenzhen', async () => {
    const leads = responses.LeadPage.parse((await get('/api/v1/leads', tokens.city)).json());
    expect(leads.items.map((l) => l.mn).sort()).toEqual(['HZ0001', 'HZ0101']);
    const sites = responses.SitePage.parse((await get('/api/v1/sites', tokens.city)).json());
    expect(sites.items.map((x) => x.mn).sort()).toEqual(['HZ0001', 'HZ0002', 'HZ0101']);
  });

  it('refuses another county’s lead by id, export, audit, and commands with 403', async () => {
    for (const url of [`/api/v1/leads/${otherLead}`, `/api/v1/leads/${otherLead}/export?format=csv`, `/api/v1/leads/${otherLead}/audit/verify`, `/api/v1/leads/${szLead}`]) {
      const r = await get(url, tokens.county);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.code).toBe('access-denied');
    }
    const post = await s.console.app.inject({ method: 'POST', url: `/api/v1/leads/${otherLead}/transitions`, headers: auth(tokens.county), payload: { action: 'acknowledge' } });
    expect(post.statusCode).toBe(403);
    const comment = await s.console.app.inject({ method: 'POST', url: `/api/v1/leads/${otherLead}/comments`, headers: auth(tokens.county), payload: { text: 'peek' } });
    expect(comment.statusCode).toBe(403);
  });

  it('refuses another region’s site series, hourly values and region filter', async () => {
    expect((await get('/api/v1/sites/HZ0101/series', tokens.county)).statusCode).toBe(403);
    expect((await get('/api/v1/sites/SZ0001/hourly?pollutant=w01018', tokens.county)).statusCode).toBe(403);
    expect((await get('/api/v1/sites?region=330105', tokens.county)).statusCode).toBe(403);
    expect((await get('/api/v1/sites?region=330106', tokens.city)).statusCode).toBe(200);
  });

  it('records every cross-region refusal the console makes: alert acknowledgement, site views, region filter', async () => {
    const alerts = responses.AlertPage.parse((await get('/api/v1/alerts', tokens.admin)).json());
    const otherAlert = await waitFor(() => alerts.items.find((a) => a.region === '330105'), 5000, 'an alert of county 330105');
    const ack = await s.console.app.inject({ method: 'POST', url: `/api/v1/alerts/${otherAlert.id}/ack`, headers: auth(tokens.county), payload: {} });
    expect(ack.statusCode).toBe(403);
    expect(ack.json().error.code).toBe('access-denied');
    expect((await get('/api/v1/sites/HZ0101', tokens.county)).statusCode).toBe(403);
    expect((await get('/api/v1/sites?region=330105', tokens.county)).statusCode).toBe(403);
    const denials = (await s.store.listAccessDenied(50)).filter((d) => d.userId === 'u_county');
    expect(denials).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'acknowledge', resource: `alert ${otherAlert.id}`, resourceRegion: '330105', regionScope: '330106', role: 'officer' }),
        expect.objectContaining({ action: 'view', resource: 'HZ0101', resourceRegion: '330105' }),
        expect.objectContaining({ action: 'view', resource: null, resourceRegion: '330105' }),
      ]),
    );
    // The alert stays unacknowledged.
    expect(responses.AlertPage.parse((await get('/api/v1/alerts?unacked=true', tokens.admin)).json()).items.map((a) => a.id)).toContain(otherAlert.id);
  });

  it('refuses a list filter naming another region’s site (403, recorded) like the site itself; an unknown MN is an empty list', async () => {
    for (const url of ['/api/v1/anomalies?mn=HZ0101', '/api/v1/leads?mn=SZ0001']) {
      const r = await get(url, tokens.county);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.code).toBe('access-denied');
    }
    const denials = (await s.store.listAccessDenied(50)).filter((d) => d.userId === 'u_county' && d.reason.startsWith('search on site'));
    expect(denials.map((d) => d.resource).sort()).toEqual(['HZ0101', 'SZ0001']);
    expect(responses.AnomalyPage.parse((await get('/api/v1/anomalies?mn=NOPE01', tokens.county)).json()).items).toEqual([]);
    expect(responses.LeadPage.parse((await get('/api/v1/leads?mn=NOPE01', tokens.county)).json()).items).toEqual([]);
    expect(responses.AnomalyPage.parse((await get('/api/v1/anomalies?mn=HZ0001', tokens.county)).json()).items.map((a) => a.mn)).toEqual(['HZ0001']);
    expect(responses.LeadPage.parse((await get('/api/v1/leads?mn=HZ0101', tokens.city)).json()).items.map((l) => l.id)).toEqual([otherLead]);
  });

  it('says what from/to accept when they are neither epoch ms nor ISO 8601', async () => {
    for (const url of ['/api/v1/anomalies?from=abc', '/api/v1/leads?to=abc', '/api/v1/sites/HZ0001/series?from=abc']) {
      const r = await get(url, tokens.admin);
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error.message, url).toMatch(/(from|to): expected epoch milliseconds or an ISO 8601 date, got "abc"/);
    }
    expect((await get(`/api/v1/anomalies?from=${new Date(T0).toISOString()}&to=${T0 + H}`, tokens.admin)).statusCode).toBe(200);
  });

  it('answers 404 for an unknown lead or site and 400 for bad input', async () => {
    expect((await get('/api/v1/leads/ld_nope', tokens.admin)).statusCode).toBe(404);
    expect((await get('/api/v1/sites/NOPE01/series', tokens.admin)).json().error.code).toBe('not-found');
    const bad = await get('/api/v1/anomalies?rule=nonsense&limit=0', tokens.admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/rule/);
    expect((await get('/api/v1/leads?limit=1001', tokens.admin)).statusCode).toBe(400);
    expect((await get('/api/v1/anomalies?from=yesterday', tokens.admin)).statusCode).toBe(400);
  });

  it('exports in scope with the checksum header matching the body', async () => {
    for (const format of ['json', 'csv']) {
      const r = await get(`/api/v1/leads/${hzLead}/export?format=${format}`, tokens.county);
      expect(r.statusCode).toBe(200);
      expect(r.headers['x-evidence-sha256']).toBe(createHash('sha256').update(r.body, 'utf8').digest('hex'));
      expect(r.headers['content-disposition']).toContain(hzLead);
    }
    const csv = await get(`/api/v1/leads/${hzLead}/export?format=csv`, tokens.county);
    expect(csv.body.split('\r\n')[0]).toContain('anomaly_id');
    expect(csv.body).toContain('50.2');
  });
});

describe('roles', () => {
  it('an operator may acknowledge but not close; officers may not manage users', async () => {
    const close = await s.console.app.inject({ method: 'POST', url: `/api/v1/leads/${hzLead}/transitions`, headers: auth(tokens.operator), payload: { action: 'close', resolution: 'dismissed', reason: 'x' } });
    expect(close.statusCode).toBe(403);
    expect((await get('/api/v1/users', tokens.county)).statusCode).toBe(403);
    expect((await get('/api/v1/webhooks', tokens.city)).statusCode).toBe(403);
  });

  it('admin adds a user (token shown once, works at once) and revokes it (401 after)', async () => {
    const add = await s.console.app.inject({ method: 'POST', url: '/api/v1/users', headers: auth(tokens.admin), payload: { name: 'desk 2', role: 'operator', region: '330106' } });
    expect(add.statusCode).toBe(201);
    const { user, token } = add.json() as { user: { id: string }; token: string };
    expect(token).toMatch(/^ofs_/);
    expect((await get('/api/v1/leads', token)).statusCode).toBe(200);
    const list = responses.UserPage.parse((await get('/api/v1/users', tokens.admin)).json());
    expect(list.items.some((u) => u.id === user.id)).toBe(true);
    expect(JSON.stringify(list)).not.toContain(token);
    const del = await s.console.app.inject({ method: 'DELETE', url: `/api/v1/users/${user.id}`, headers: auth(tokens.admin) });
    expect(del.statusCode).toBe(204);
    expect((await get('/api/v1/leads', token)).statusCode).toBe(401);
    const bad = await s.console.app.inject({ method: 'POST', url: '/api/v1/users', headers: auth(tokens.admin), payload: { name: 'x', role: 'king', region: '33' } });
    expect(bad.statusCode).toBe(400);
  });

  it('admin adds and lists webhooks; the secret is answered once', async () => {
    const add = await s.console.app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: auth(tokens.admin), payload: { url: 'http://127.0.0.1:9/hook', region: '330106' } });
    expect(add.statusCode).toBe(201);
    expect(add.json().secret.length).toBeGreaterThanOrEqual(16);
    const list = responses.WebhookPage.parse((await get('/api/v1/webhooks', tokens.admin)).json());
    expect(list.items.map((w) => w.url)).toContain('http://127.0.0.1:9/hook');
    expect(JSON.stringify(list)).not.toContain(add.json().secret);
  });
});
