import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteLeadStore, type LeadStore } from '@offsite/lead-store';
import { sha256Hex } from '@offsite/leads-core';
import {
  AccessDeniedError,
  InvalidTransitionError,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
  createLeadService,
  createWebhookDispatcher,
  ensureAdminToken,
  parseLeadListQuery,
  verifyWebhookSignature,
  type Caller,
  type LeadService,
} from '../src/index.js';
import { H, T0, anomaly, logger, sites } from './fixtures.js';

let store: LeadStore;
let service: LeadService;
let now = T0 + 100 * H;
const clock = () => now;
const admin: Caller = { userId: 'admin', role: 'admin', regionScope: '000000' };
const zjOfficer: Caller = { userId: 'zj-off', role: 'officer', regionScope: '330000' };
const gdOfficer: Caller = { userId: 'gd-off', role: 'officer', regionScope: '440000' };
const zjOperator: Caller = { userId: 'zj-op', role: 'operator', regionScope: '330100' };

beforeAll(async () => {
  store = await createPgliteLeadStore();
  service = createLeadService({ store, sites, clock, logger });
}, 60_000); // PGlite start-up takes seconds on a busy machine
afterAll(async () => {
  await store?.close();
});

describe('lead service', () => {
  it('enforces role and region, logs refused attempts, and maps failures to typed errors', async () => {
    const [o] = await service.absorb([anomaly('ZJ0001')]);
    const id = o!.leadId!;

    await expect(service.getLead(gdOfficer, id)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(service.transition(gdOfficer, id, { action: 'acknowledge' })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(service.exportEvidence(gdOfficer, id, 'csv')).rejects.toBeInstanceOf(AccessDeniedError);
    const denials = await store.listAccessDenied(10);
    expect(denials.filter((d) => d.userId === 'gd-off' && d.resource === id).map((d) => d.action).sort()).toEqual(['acknowledge', 'export', 'view']);
    expect((await service.listLeads(gdOfficer, {}, null, 100)).items.map((l) => l.id)).not.toContain(id);
    // A list filter naming another region's site or lead is refused (403) like GET of that site
    // or lead, and logged; an MN the registry does not know is just an empty search.
    await expect(service.listAnomalies(gdOfficer, { mn: 'ZJ0001' }, null, 100)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(service.listLeads(gdOfficer, { mn: 'ZJ0001' }, null, 100)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(service.listAnomalies(gdOfficer, { leadId: id }, null, 100)).rejects.toBeInstanceOf(AccessDeniedError);
    const searches = (await store.listAccessDenied(20)).filter((d) => d.userId === 'gd-off' && d.reason.startsWith('search on'));
    expect(searches.map((d) => [d.resource, d.resourceRegion]).sort()).toEqual([['ZJ0001', '330106'], ['ZJ0001', '330106'], [id, '330106']].sort());
    const before = (await store.listAccessDenied(100)).length;
    expect((await service.listLeads(gdOfficer, { mn: 'UNKNOWN00001' }, null, 100)).items).toEqual([]);
    expect((await service.listLeads(zjOfficer, { mn: 'ZJ0001' }, null, 100)).items.map((l) => l.id)).toEqual([id]);
    expect((await store.listAccessDenied(100)).length).toBe(before);
    // Checks made at another edge (the console's alerts) are recorded the same way.
    await expect(service.refuse(gdOfficer, 'acknowledge', 'alert region 330106 is outside scope 440000', 'alert 7', '330106')).rejects.toBeInstanceOf(AccessDeniedError);
    expect((await store.listAccessDenied(1))[0]).toMatchObject({ userId: 'gd-off', action: 'acknowledge', resource: 'alert 7', resourceRegion: '330106' });

    await expect(service.getLead(zjOfficer, 'ld_missing')).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.transition(zjOperator, id, { action: 'assign', team: 't' })).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(service.transition(zjOfficer, id, { action: 'investigate' })).rejects.toBeInstanceOf(InvalidTransitionError);
    await expect(service.transition(zjOfficer, id, { action: 'fly' } as never)).rejects.toBeInstanceOf(ValidationError);

    expect((await service.transition(zjOperator, id, { action: 'acknowledge' })).status).toBe('acknowledged');
    expect((await service.assign(zjOfficer, id, 'hz-team-1')).status).toBe('assigned');
    await service.comment(zjOperator, id, '企业已电话联系');
    const detail = await service.getLead(zjOfficer, id);
    expect(detail.lead.team).toBe('hz-team-1');
    expect(detail.anomalies.map((a) => a.id)).toEqual([anomaly('ZJ0001').id]);
    expect(detail.comments[0]).toMatchObject({ author: 'zj-op', text: '企业已电话联系' });
    expect(detail.lead.breakdown.map((f) => f.factor)).toContain('positive-list');

    const audit = await service.verifyAudit(zjOfficer, id);
    expect(audit.verdict).toMatchObject({ ok: true, entries: 4 });
    expect(audit.entries.map((e) => e.actor)).toEqual(['system:leads', 'zj-op', 'zj-off', 'zj-op']);
  });

  it('exports the frozen evidence as JSON and CSV with checksums', async () => {
    const [o] = await service.absorb([anomaly('ZJ0002', { start: T0 + 2 * H })]);
    const json = await service.exportEvidence(zjOfficer, o!.leadId!, 'json');
    expect(sha256Hex(json.body)).toBe(json.sha256);
    const pkg = JSON.parse(json.body);
    expect(pkg).toMatchObject({ leadId: o!.leadId, version: 1, site: { standard: 'GB 13271-2014', limits: { a21026: 100 } } });
    expect(pkg.legalBasis[0].title).toContain('超标排放');
    const csv = await service.exportEvidence(zjOfficer, o!.leadId!, 'csv');
    expect(csv.body.split('\r\n')[1]).toContain(',148.2,N,100,GB 13271-2014');
    expect(sha256Hex(csv.body)).toBe(csv.sha256);
    // Positive-list site: remote evidence weighs more.
    const lead = (await service.getLead(zjOfficer, o!.leadId!)).lead;
    expect(lead.breakdown.find((f) => f.factor === 'positive-list')!.contribution).toBe(10);
  });

  it('parses list queries from the HTTP layer', () => {
    expect(parseLeadListQuery({ status: 'new,assigned', minScore: '40', limit: '20', from: '2025-03-01T00:00:00Z' })).toEqual({
      filter: { status: ['new', 'assigned'], minScore: 40, from: T0 },
      cursor: null,
      limit: 20,
    });
    expect(() => parseLeadListQuery({ limit: '5000' })).toThrow(ValidationError);
    expect(() => parseLeadListQuery({ status: 'open' })).toThrow(/status/);
  });

  it('manages users by token, admin only and within scope', async () => {
    await expect(service.users.add(zjOfficer, { name: 'x', role: 'officer', region: '330100' })).rejects.toBeInstanceOf(AccessDeniedError);
    const { user, token } = await service.users.add(admin, { name: 'Wang', role: 'officer', region: '330100' });
    expect(await service.authenticate(token)).toEqual({ userId: user.id, role: 'officer', regionScope: '330100' });
    await expect(service.authenticate('ofs_wrong')).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(service.authenticate(undefined)).rejects.toBeInstanceOf(UnauthenticatedError);
    const zjAdmin: Caller = { userId: 'zj-admin', role: 'admin', regionScope: '330000' };
    await expect(service.users.add(zjAdmin, { name: 'y', role: 'officer', region: '440300' })).rejects.toBeInstanceOf(AccessDeniedError);
    expect((await service.users.list(zjAdmin)).map((u) => u.id)).toContain(user.id);
    await service.users.revoke(admin, user.id);
    await expect(service.authenticate(token)).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe('admin bootstrap', () => {
  it('generates a token once (0600 file, hash in store), reuses it, and ADMIN_TOKEN overrides', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'leads-admin-'));
    const printed: string[] = [];
    const first = await ensureAdminToken({ store, dataDir, print: (l) => printed.push(l) });
    expect(first.source).toBe('generated');
    const file = join(dataDir, 'admin-token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const token = (await readFile(file, 'utf8')).trim();
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(token);
    expect(await service.authenticate(token)).toMatchObject({ userId: 'admin', role: 'admin', regionScope: '000000' });

    expect((await ensureAdminToken({ store, dataDir, print: (l) => printed.push(l) })).source).toBe('file');
    expect(printed).toHaveLength(1);
    expect(await service.authenticate(token)).toMatchObject({ userId: 'admin' });

    const envToken = 'env-admin-token-0123456789';
    expect((await ensureAdminToken({ store, dataDir, envToken })).source).toBe('env');
    expect(await service.authenticate(envToken)).toMatchObject({ userId: 'admin' });
    await expect(service.authenticate(token)).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});

describe('webhooks', () => {
  let server: Server;
  let url = '';
  const received: Array<{ body: string; signature: string | undefined; event: string | undefined }> = [];
  let failNext = 0;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: req.headers['x-offsite-signature'] as string | undefined, event: req.headers['x-offsite-event'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('signs lead events with HMAC-SHA256 and retries with backoff from the persisted queue', async () => {
    await expect(service.webhooks.add(zjOfficer, { url })).rejects.toBeInstanceOf(AccessDeniedError);
    const { webhook, secret } = await service.webhooks.add(admin, { url, region: '330000' });
    const dispatcher = createWebhookDispatcher({ store, logger, clock, backoff: { initialMs: 1_000, maxMs: 60_000, maxAttempts: 3 }, timeoutMs: 2_000 });

    failNext = 1;
    const [o] = await service.absorb([anomaly('ZJ0003', { start: T0 + 5 * H })]);
    await service.absorb([anomaly('GD0001', { start: T0 + 5 * H })]); // outside the hook's region
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retrying: 1, failed: 0 });
    expect(received).toHaveLength(0);
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retrying: 0, failed: 0 }); // backing off
    now += 1_000;
    expect(await dispatcher.runOnce()).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(JSON.parse(got.body)).toMatchObject({ id: o!.leadId, mn: 'ZJ0003', change: 'created' });
    expect(got.event).toBe('lead.created');
    expect(verifyWebhookSignature(secret, got.signature, got.body, now)).toBe(true);
    expect(verifyWebhookSignature('wrong-secret-000000', got.signature, got.body, now)).toBe(false);
    expect(verifyWebhookSignature(secret, got.signature, got.body.replace('ZJ0003', 'ZJ9999'), now)).toBe(false);
    const deliveries = await store.listDeliveries(webhook.id);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });

    // A dead endpoint: attempts stop at maxAttempts and the delivery is marked failed.
    const dead = await service.webhooks.add(admin, { url: 'http://127.0.0.1:1/nothing', region: '330106' });
    await service.absorb([anomaly('ZJ0004', { start: T0 + 5 * H })]);
    for (let i = 0; i < 3; i++) {
      await dispatcher.runOnce();
      now += 60_000;
    }
    const failed = await store.listDeliveries(dead.webhook.id);
    expect(failed[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed[0]!.lastError).toBeTruthy();
  });
});
