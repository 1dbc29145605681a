/**
 * LeadStore contract: every adapter runs this suite (PGlite in the unit project, PostgreSQL in
 * the integration project). `superuserExec` runs raw SQL as a superuser on the same database,
 * for the tamper test.
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { anomalyId, ruleCategory, type Anomaly, type RuleId, type Severity, type Site } from '@offsite/domain';
import { InvalidTransitionError, NotFoundError, ValidationError, sha256Hex, verifyChain } from '@offsite/leads-core';
import type { AbsorbContext, LeadStore } from '../src/index.js';

export interface ContractHarness {
  store: LeadStore;
  superuserExec(sql: string): Promise<void>;
  cleanup(): Promise<void>;
}

const H = 3600_000;
const T0 = Date.UTC(2025, 2, 1);

function site(mn: string, region: string, extra: Partial<Site> = {}): Site {
  return { mn, name: `outlet ${mn}`, enterprise: `ent-${mn}`, region, kind: 'air', standard: 'GB 13271-2014', limits: { a21026: 100 }, ranges: {}, positiveList: false, utcOffsetMinutes: 480, ...extra };
}

function anomaly(mn: string, o: { rule?: RuleId; start?: number; hours?: number; severity?: Severity; detectedAt?: number } = {}): Anomaly {
  const rule = o.rule ?? 'breach';
  const start = o.start ?? T0;
  const end = start + (o.hours ?? 1) * H;
  return {
    id: anomalyId(mn, 'a21026', rule, start),
    mn,
    pollutant: 'a21026',
    rule,
    category: ruleCategory[rule],
    start,
    end,
    severity: o.severity ?? 'medium',
    detectedAt: o.detectedAt ?? end,
    evidence: {
      summary: `${rule} test`,
      statistic: { name: 'avg', value: 150 },
      threshold: { name: 'limit', value: 100 },
      params: { minHours: 1 },
      readings: [
        { t: start, code: 'a21026', value: 150, flag: 'N' },
        { t: start + H / 2, code: 'a21026', value: 0.1 + 0.2, flag: 'N' },
      ],
    },
  };
}

export function runLeadStoreContract(name: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`LeadStore contract: ${name}`, () => {
    let h: ContractHarness;
    let store: LeadStore;
    const sites = new Map<string, Site>();
    const ctx = (now = T0 + 100 * H): AbsorbContext => ({ now, site: (mn) => sites.get(mn) });
    let n = 0;
    /** A fresh MN per test, so tests share one database without seeing each other. */
    const newSite = (region: string, extra: Partial<Site> = {}) => {
      const mn = `CT${name.length}${String(++n).padStart(5, '0')}${Math.random().toString(36).slice(2, 8)}`;
      sites.set(mn, site(mn, region, extra));
      return mn;
    };

    beforeAll(async () => {
      h = await makeHarness();
      store = h.store;
    }, 60_000); // PGlite start-up takes seconds on a busy machine
    afterAll(async () => {
      await h?.cleanup();
    });

    it('walks a lead through its lifecycle, auditing every step, and a closed lead absorbs nothing', async () => {
      const mn = newSite('330106');
      const [created] = await store.absorbAnomalies([anomaly(mn)], ctx());
      expect(created).toMatchObject({ result: 'created' });
      const id = created!.leadId!;
      const merged = await store.absorbAnomalies([anomaly(mn, { rule: 'flatline', start: T0 + 3 * H })], ctx());
      expect(merged[0]).toMatchObject({ result: 'merged', leadId: id });

      await store.applyCommand(id, '330000', { action: 'acknowledge' }, 'op1', T0 + 101 * H);
      await expect(store.applyCommand(id, '330000', { action: 'close', resolution: 'confirmed' }, 'off1', T0 + 102 * H)).rejects.toBeInstanceOf(InvalidTransitionError);
      const assigned = await store.applyCommand(id, '330000', { action: 'assign', team: 'team-hz', note: 'go' }, 'off1', T0 + 102 * H);
      expect(assigned.event.change).toBe('assigned');
      await store.applyCommand(id, '330000', { action: 'investigate' }, 'off1', T0 + 103 * H);
      const { comment } = await store.addComment(id, '330000', 'off1', '现场检查已安排', T0 + 104 * H);
      const closed = await store.applyCommand(id, '330000', { action: 'close', resolution: 'confirmed', reason: 'confirmed on site' }, 'off1', T0 + 105 * H);
      expect(closed.lead).toMatchObject({ status: 'closed', resolution: 'confirmed', team: 'team-hz', closedAt: T0 + 105 * H });

      expect((await store.listComments(id)).map((c) => c.text)).toEqual([comment.text]);
      expect((await store.listAssignments(id)).map((a) => a.team)).toEqual(['team-hz']);
      const trail = await store.auditTrail(id);
      expect(trail.map((e) => e.action)).toEqual(['created', 'merged', 'acknowledge', 'assign', 'investigate', 'comment', 'close']);
      expect(verifyChain(trail)).toMatchObject({ ok: true, entries: 7 });

      const [after] = await store.absorbAnomalies([anomaly(mn, { start: T0 + 6 * H })], ctx());
      expect(after).toMatchObject({ result: 'created' });
      expect(after!.leadId).not.toBe(id);
      const fresh = await store.getLead(after!.leadId!);
      expect(fresh!.breakdown.find((f) => f.factor === 'history')!.contribution).toBeGreaterThan(0);
    });

    it('keeps regions apart in lists, search, anomalies and commands', async () => {
      const zj = newSite('330106');
      const gd = newSite('440305');
      const loose = `UNREG${n}${Math.random().toString(36).slice(2, 6)}`;
      const out = await store.absorbAnomalies([anomaly(zj), anomaly(gd), anomaly(loose)], ctx());
      expect(out.map((o) => o.result)).toEqual(['created', 'created', 'unassigned']);
      const [zjLead, gdLead, looseLead] = out.map((o) => o.leadId!);

      const ids = async (scope: string, q?: string) => (await store.listLeads(scope, q ? { q } : {}, null, 1000)).items.map((l) => l.id);
      expect(await ids('330000')).toContain(zjLead);
      expect(await ids('330000')).not.toContain(gdLead);
      expect(await ids('330106')).toContain(zjLead);
      expect(await ids('330100')).toContain(zjLead);
      expect(await ids('330200')).not.toContain(zjLead);
      expect(await ids('440000', zj)).toEqual([]);
      expect(await ids('440000', zjLead!)).toEqual([]);
      expect(await ids('440000', gd)).toEqual([gdLead]);
      expect(await ids('330000')).not.toContain(looseLead);
      expect(await ids('000000')).toEqual(expect.arrayContaining([zjLead, gdLead, looseLead]));

      const anomalies = await store.listAnomalies('440000', { mn: zj }, null, 100);
      expect(anomalies.items).toEqual([]);
      expect((await store.listAnomalies('330000', { mn: zj }, null, 100)).items.map((a) => a.id)).toEqual([anomaly(zj).id]);

      await expect(store.applyCommand(zjLead!, '440000', { action: 'acknowledge' }, 'gd-officer', T0)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.addComment(zjLead!, '440000', 'gd-officer', 'x', T0)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.listLeads('33%', {}, null, 10)).rejects.toBeInstanceOf(ValidationError);

      await store.logAccessDenied({ at: T0, userId: 'gd-officer', role: 'officer', regionScope: '440000', action: 'acknowledge', resource: zjLead!, resourceRegion: '330106', reason: 'outside region' });
      expect((await store.listAccessDenied(10))[0]).toMatchObject({ userId: 'gd-officer', resource: zjLead, resourceRegion: '330106' });
    });

    it('detects a tampered audit row and refuses plain updates', async () => {
      const mn = newSite('330106');
      const [o] = await store.absorbAnomalies([anomaly(mn)], ctx());
      const id = o!.leadId!;
      await store.applyCommand(id, '330000', { action: 'acknowledge' }, 'op1', T0 + 101 * H);
      await store.applyCommand(id, '330000', { action: 'assign', team: 't1' }, 'off1', T0 + 102 * H);
      expect(verifyChain(await store.auditTrail(id))).toMatchObject({ ok: true, entries: 3 });

      await expect(h.superuserExec(`UPDATE lead_audit SET actor = 'mallory' WHERE lead_id = '${id}' AND seq = 2`)).rejects.toThrow(/append-only/);
      await expect(h.superuserExec(`DELETE FROM lead_audit WHERE lead_id = '${id}'`)).rejects.toThrow(/append-only/);
      // A superuser can get past the trigger; the hash chain still gives it away.
      await h.superuserExec(
        `SET session_replication_role = replica; UPDATE lead_audit SET after = jsonb_set(after, '{team}', '"t-forged"') WHERE lead_id = '${id}' AND seq = 2; SET session_replication_role = origin;`,
      );
      expect(verifyChain(await store.auditTrail(id))).toMatchObject({ ok: false, brokenSeq: 2 });
    });

    it('absorbs replays idempotently and takes a newer version of an anomaly once', async () => {
      const mn = newSite('330106');
      const batch = [anomaly(mn), anomaly(mn, { start: T0 + 2 * H }), anomaly(mn, { rule: 'data-gap', start: T0 + H })];
      const first = await store.absorbAnomalies(batch, ctx());
      expect(first.map((o) => o.result)).toEqual(['created', 'merged', 'created']);
      const leadId = first[0]!.leadId!;
      const snapshot = async () => ({
        leads: (await store.listLeads('330000', { mn }, null, 100)).items.map((l) => [l.id, l.anomalies.length, l.evidenceVersion]),
        anomalies: (await store.listAnomalies('330000', { mn }, null, 100)).items.length,
        audit: (await store.auditTrail(leadId)).length,
      });
      const before = await snapshot();
      const replay = await store.absorbAnomalies([...batch, ...batch], ctx(T0 + 200 * H));
      expect(replay.every((o) => o.result === 'duplicate')).toBe(true);
      expect(replay.some((o) => o.event)).toBe(false);
      expect(await snapshot()).toEqual(before);

      const longer = anomaly(mn, { hours: 4, severity: 'high', detectedAt: T0 + 10 * H });
      expect((await store.absorbAnomalies([longer], ctx()))[0]).toMatchObject({ result: 'updated', leadId });
      expect((await store.absorbAnomalies([longer, anomaly(mn)], ctx()))!.map((o) => o.result)).toEqual(['duplicate', 'duplicate']);
      const lead = await store.getLead(leadId);
      // v1 at creation (both breaches arrived in one batch: one write), v2 on the update.
      expect(lead!.evidenceVersion).toBe(2);
      expect(lead!.evidence.anomalies.find((a) => a.id === longer.id)!.end).toBe(longer.end);
      // Evidence is frozen per version: version 1 still shows what was seen first.
      const v1 = await store.evidenceVersion(leadId, 1);
      expect(v1!.anomalies.map((a) => [a.id, a.end])).toEqual([
        [batch[0]!.id, batch[0]!.end],
        [batch[1]!.id, batch[1]!.end],
      ]);
      expect(v1!.anomalies[0]!.evidence.readings[1]!.value).toBe(0.1 + 0.2);
      expect((await store.auditTrail(leadId)).map((e) => e.action)).toEqual(['created', 'anomaly-updated']);
      expect(verifyChain(await store.auditTrail(leadId))).toMatchObject({ ok: true, entries: 2 });
    });

    it('serialises concurrent batches for one site: one lead, no duplicate from a concurrent replay', async () => {
      const mn = newSite('330106');
      const a1 = anomaly(mn);
      const a2 = anomaly(mn, { start: T0 + 2 * H });
      const results = await Promise.all([store.absorbAnomalies([a1], ctx()), store.absorbAnomalies([a2], ctx()), store.absorbAnomalies([a1], ctx())]);
      const flat = results.flat().map((o) => o.result).sort();
      expect(flat).toEqual(['created', 'duplicate', 'merged']);
      const leads = (await store.listLeads('330000', { mn }, null, 10)).items;
      expect(leads).toHaveLength(1);
      expect([...leads[0]!.anomalies].sort()).toEqual([a1.id, a2.id].sort());
      expect(verifyChain(await store.auditTrail(leads[0]!.id))).toMatchObject({ ok: true, entries: 2 });
    });

    it('pages with an opaque keyset cursor, without gaps or repeats, in every sort', async () => {
      const region = '330782';
      const mns = Array.from({ length: 25 }, () => newSite(region));
      await store.absorbAnomalies(
        mns.map((mn, i) => anomaly(mn, { severity: (['low', 'medium', 'high', 'critical'] as const)[i % 4] })),
        ctx(),
      );
      for (const sort of ['updated', 'created', 'score'] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: Awaited<ReturnType<LeadStore['listLeads']>> = await store.listLeads(region, { sort }, cursor, 10);
          seen.push(...page.items.map((l) => l.id));
          cursor = page.next;
          pages++;
        } while (cursor);
        expect(pages).toBe(3);
        expect(new Set(seen).size).toBe(25);
        if (sort === 'score') {
          const scores = (await store.listLeads(region, { sort }, null, 1000)).items.map((l) => l.score);
          expect(scores).toEqual([...scores].sort((a, b) => b - a));
        }
      }
      const full = await store.listLeads(region, {}, null, 25);
      expect(full.next).toBeNull();
      const p1 = await store.listLeads(region, { sort: 'score' }, null, 10);
      await expect(store.listLeads(region, { sort: 'created' }, p1.next, 10)).rejects.toBeInstanceOf(ValidationError);
      await expect(store.listLeads(region, {}, 'garbage!', 10)).rejects.toBeInstanceOf(ValidationError);
      await expect(store.listLeads(region, {}, null, 1001)).rejects.toBeInstanceOf(ValidationError);
      const highs = await store.listLeads(region, { priority: ['P1', 'P2'], status: ['new'] }, null, 100);
      expect(highs.items.every((l) => l.priority === 'P1' || l.priority === 'P2')).toBe(true);
      const pageA = await store.listAnomalies(region, {}, null, 20);
      const pageB = await store.listAnomalies(region, {}, pageA.next, 20);
      expect(pageA.items.length + pageB.items.length).toBe(25);
      expect(pageB.next).toBeNull();
    });

    it('mutes matching anomalies after a dismissal with suppression, until it expires', async () => {
      const mn = newSite('330106');
      const [o] = await store.absorbAnomalies([anomaly(mn)], ctx());
      const now = T0 + 2 * H;
      const { suppressions } = await store.applyCommand(o!.leadId!, '330000', { action: 'close', resolution: 'dismissed', reason: 'analyzer calibration', suppressDays: 1 }, 'off1', now);
      expect(suppressions).toHaveLength(1);
      expect(suppressions[0]).toMatchObject({ mn, rule: 'breach', until: now + 24 * H });
      const muted = anomaly(mn, { start: T0 + 10 * H });
      const otherRule = anomaly(mn, { rule: 'flatline', start: T0 + 10 * H });
      const expired = anomaly(mn, { start: now + 60 * H }); // beyond the 24 h cross-category window of the flatline lead
      const out = await store.absorbAnomalies([muted, otherRule, expired], ctx());
      expect(out.map((x) => x.result)).toEqual(['suppressed', 'created', 'created']);
      const listed = await store.listAnomalies('330000', { mn, rule: 'breach' }, null, 10);
      expect(listed.items.find((a) => a.id === muted.id)).toMatchObject({ suppressedBy: suppressions[0]!.id, leadId: null });
      expect(await store.listSuppressions({ mn, activeAt: now + 60 * H })).toEqual([]);
    });

    it('authenticates by token hash only, and revocation ends it', async () => {
      const id = `u_${Math.random().toString(36).slice(2, 10)}`;
      const hash = sha256Hex(`token-${id}`);
      await store.addUser({ id, name: 'Li', role: 'officer', region: '330100', createdAt: T0 }, hash);
      expect(await store.userByTokenHash(hash)).toMatchObject({ id, role: 'officer', region: '330100' });
      expect(await store.userByTokenHash(sha256Hex('nope'))).toBeNull();
      const hash2 = sha256Hex(`token2-${id}`);
      await store.setUserToken(id, hash2, T0 + 1);
      expect(await store.userByTokenHash(hash)).toBeNull();
      expect(await store.userByTokenHash(hash2)).toMatchObject({ id });
      expect((await store.listUsers('330000')).map((u) => u.id)).toContain(id);
      expect((await store.listUsers('440000')).map((u) => u.id)).not.toContain(id);
      expect(await store.revokeUser(id, T0 + 2)).toBe(true);
      expect(await store.userByTokenHash(hash2)).toBeNull();
      expect(await store.revokeUser(id, T0 + 3)).toBe(false);
    });

    it('queues webhook deliveries for leads in the hook region, in the same transaction', async () => {
      const hookId = `wh_${Math.random().toString(36).slice(2, 10)}`;
      await store.addWebhook({ id: hookId, url: 'http://127.0.0.1:9/hook', region: '350000', createdBy: 'admin', createdAt: T0 }, 's3cret');
      const fj = newSite('350102');
      const other = newSite('330106');
      await store.absorbAnomalies([anomaly(fj), anomaly(other)], ctx(T0));
      const queued = await store.listDeliveries(hookId);
      expect(queued.map((d) => d.status)).toEqual(['pending']);
      const due = (await store.claimDeliveries(T0, 100, 30_000)).filter((d) => d.webhookId === hookId);
      expect(due).toHaveLength(1);
      expect(due[0]).toMatchObject({ url: 'http://127.0.0.1:9/hook', secret: 's3cret', attempts: 1 });
      expect(due[0]!.event.mn).toBe(fj);
      expect((await store.claimDeliveries(T0 + 1000, 100, 30_000)).filter((d) => d.webhookId === hookId)).toEqual([]);
      await store.markDeliveryFailed(due[0]!.id, 'HTTP 500', T0 + 5000);
      const again = (await store.claimDeliveries(T0 + 5000, 100, 30_000)).filter((d) => d.webhookId === hookId);
      expect(again[0]!.attempts).toBe(2);
      await store.markDelivered(again[0]!.id, T0 + 6000);
      expect((await store.listDeliveries(hookId))[0]).toMatchObject({ status: 'delivered', attempts: 2, deliveredAt: T0 + 6000 });
      expect((await store.listWebhooks('350000')).map((w) => w.id)).toContain(hookId);
    });

    it('keeps lead events in the outbox until marked published', async () => {
      const mn = newSite('330106');
      const [o] = await store.absorbAnomalies([anomaly(mn)], ctx());
      await store.applyCommand(o!.leadId!, '330000', { action: 'acknowledge' }, 'op1', T0 + 101 * H);
      const mine = (await store.pendingLeadEvents(1000)).filter((p) => p.event.id === o!.leadId);
      expect(mine.map((p) => [p.event.change, p.event.status])).toEqual([
        ['created', 'new'],
        ['transition', 'acknowledged'],
      ]);
      await store.markLeadEventsPublished(mine.map((p) => p.id));
      expect((await store.pendingLeadEvents(1000)).filter((p) => p.event.id === o!.leadId)).toEqual([]);
    });

    it('reports health', async () => {
      expect(await store.health()).toMatchObject({ ok: true });
    });
  });
}
