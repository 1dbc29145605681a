import { describe, expect, it } from 'vitest';
import {
  applyCommand,
  chainAuditEntry,
  correlate,
  coveredHours,
  buildEvidencePackage,
  exportEvidenceCsv,
  exportEvidenceJson,
  InvalidTransitionError,
  roleMay,
  scoreLead,
  sha256Hex,
  verifyChain,
  canonicalJson,
  type AuditEntry,
  type LeadCandidate,
  type LifecycleState,
} from '../src/index.js';
import { H, T0, makeAnomaly } from './fixtures.js';

const lead = (o: Partial<LeadCandidate> = {}): LeadCandidate => ({
  id: 'ld_1',
  mn: 'MN0001',
  enterprise: 'E1',
  category: 'exceedance',
  status: 'new',
  firstAt: T0,
  lastAt: T0 + 2 * H,
  categories: ['exceedance'],
  ...o,
});

describe('correlation', () => {
  it('joins the same category on the same site within 72 h, opens a new lead beyond it', () => {
    expect(correlate(makeAnomaly({ start: T0 + 50 * H }), 'E1', [lead()], []).kind).toBe('join');
    expect(correlate(makeAnomaly({ start: T0 + 80 * H }), 'E1', [lead()], []).kind).toBe('open');
  });
  it('joins falsification signs to a breach lead around it, but not data-quality', () => {
    expect(correlate(makeAnomaly({ rule: 'flag-abuse', start: T0 + 10 * H }), 'E1', [lead()], [])).toMatchObject({ kind: 'join', leadId: 'ld_1' });
    expect(correlate(makeAnomaly({ rule: 'flag-abuse', start: T0 + 40 * H }), 'E1', [lead()], []).kind).toBe('open');
    expect(correlate(makeAnomaly({ rule: 'data-gap', start: T0 + H }), 'E1', [lead()], []).kind).toBe('open');
  });
  it('never joins a closed lead, another site, or (by default) another outlet of the enterprise', () => {
    expect(correlate(makeAnomaly(), 'E1', [lead({ status: 'closed' })], []).kind).toBe('open');
    expect(correlate(makeAnomaly({ mn: 'MN0002' }), 'E1', [lead()], []).kind).toBe('open');
    const enterpriseScope = { sameCategoryWindowMs: 72 * H, crossCategoryWindowMs: 24 * H, scope: 'enterprise' as const };
    expect(correlate(makeAnomaly({ mn: 'MN0002' }), 'E1', [lead()], [], enterpriseScope).kind).toBe('join');
  });
  it('prefers a same-category lead over a cross-category one', () => {
    const tamper = lead({ id: 'ld_t', category: 'tampering', categories: ['tampering'] });
    expect(correlate(makeAnomaly({ rule: 'flatline' }), 'E1', [lead(), tamper], [])).toMatchObject({ leadId: 'ld_t' });
  });
  it('mutes anomalies matching a live suppression (site + rule), until it expires', () => {
    const s = [{ id: 'sp1', mn: 'MN0001', rule: 'breach' as const, until: T0 + 10 * H, reason: 'plant start-up' }];
    expect(correlate(makeAnomaly({ start: T0 + 5 * H }), 'E1', [], s).kind).toBe('suppressed');
    expect(correlate(makeAnomaly({ start: T0 + 11 * H }), 'E1', [], s).kind).toBe('open');
    expect(correlate(makeAnomaly({ rule: 'flatline', start: T0 + 5 * H }), 'E1', [], s).kind).toBe('open');
  });
});

describe('scoring', () => {
  it('explains itself: contributions sum to the score, each bounded by its weight', () => {
    const s = scoreLead([makeAnomaly({ severity: 'high', hours: 5 })], { priorConfirmed: 0 }, false);
    const sum = s.breakdown.reduce((x, f) => x + f.contribution, 0);
    expect(Math.abs(sum - s.score)).toBeLessThanOrEqual(0.5);
    for (const f of s.breakdown) {
      expect(f.contribution).toBeGreaterThanOrEqual(0);
      expect(f.contribution).toBeLessThanOrEqual(f.weight);
      expect(f.reason.length).toBeGreaterThan(5);
    }
    expect(s.breakdown.reduce((x, f) => x + f.weight, 0)).toBe(100);
  });
  it('ranks a long repeated tampering case at a repeat offender on the positive list above a single short breach', () => {
    const small = scoreLead([makeAnomaly({ severity: 'low' })], { priorConfirmed: 0 }, false);
    const big = scoreLead(
      [makeAnomaly({ severity: 'critical', hours: 48 }), makeAnomaly({ rule: 'flatline', start: T0 + 50 * H, hours: 24 }), makeAnomaly({ rule: 'dilution', start: T0 + 80 * H })],
      { priorConfirmed: 2 },
      true,
    );
    expect(small.priority).toBe('P4');
    expect(big.priority).toBe('P1');
    expect(big.score).toBeGreaterThan(90);
    const pl = scoreLead([makeAnomaly()], { priorConfirmed: 0 }, true).score - scoreLead([makeAnomaly()], { priorConfirmed: 0 }, false).score;
    expect(pl).toBe(10);
  });
  it('never ranks a critical anomaly below P2, even a first short one', () => {
    const s = scoreLead([makeAnomaly({ severity: 'critical', hours: 1 })], { priorConfirmed: 0 }, false);
    expect(s.score).toBeLessThan(50);
    expect(s.priority).toBe('P2');
    expect(scoreLead([makeAnomaly({ severity: 'high', hours: 1 })], { priorConfirmed: 0 }, false).priority).toBe('P3');
  });
  it('counts overlapping hours once', () => {
    expect(coveredHours([makeAnomaly({ hours: 3 }), makeAnomaly({ start: T0 + H, hours: 3 }), makeAnomaly({ start: T0 + 10 * H, hours: 1 })])).toBe(5);
  });
});

describe('lifecycle', () => {
  const s0: LifecycleState = { id: 'ld_1', status: 'new', resolution: null, team: null, duplicateOf: null, closeReason: null };
  it('walks new → acknowledged → assigned → investigating → closed(confirmed)', () => {
    let s = applyCommand(s0, { action: 'acknowledge' });
    s = applyCommand(s, { action: 'assign', team: 'team-a' });
    s = applyCommand(s, { action: 'investigate' });
    s = applyCommand(s, { action: 'close', resolution: 'confirmed' });
    expect(s).toMatchObject({ status: 'closed', resolution: 'confirmed', team: 'team-a' });
  });
  it('rejects invalid transitions with a typed error naming from and to', () => {
    const err = (() => {
      try {
        applyCommand(s0, { action: 'investigate' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidTransitionError);
    expect(err).toMatchObject({ from: 'new', to: 'investigating', action: 'investigate' });
    expect(() => applyCommand(s0, { action: 'close', resolution: 'confirmed' })).toThrow(/new to closed.*investigation/);
    expect(() => applyCommand(s0, { action: 'close', resolution: 'dismissed' })).toThrow(/reason/);
    expect(() => applyCommand(s0, { action: 'close', resolution: 'duplicate' })).toThrow(/duplicateOf/);
    expect(applyCommand(s0, { action: 'close', resolution: 'dismissed', reason: 'calibration' })).toMatchObject({ status: 'closed', closeReason: 'calibration' });
  });
  it('grants by role', () => {
    expect(roleMay('operator', 'acknowledge')).toBe(true);
    expect(roleMay('operator', 'close')).toBe(false);
    expect(roleMay('officer', 'close')).toBe(true);
    expect(roleMay('officer', 'reopen')).toBe(false);
    expect(roleMay('supervisor', 'reopen')).toBe(true);
    expect(roleMay('supervisor', 'manage-users')).toBe(false);
    expect(roleMay('admin', 'manage-users')).toBe(true);
  });
});

describe('audit chain', () => {
  const build = (): AuditEntry[] => {
    const out: AuditEntry[] = [];
    for (const action of ['created', 'acknowledge', 'assign'] as const) {
      out.push(chainAuditEntry(out.at(-1), { leadId: 'ld_1', at: T0 + out.length, actor: 'u1', action, before: { s: out.length }, after: { s: out.length + 1, x: [1, 2] } }));
    }
    return out;
  };
  it('verifies an intact chain and survives key reordering', () => {
    const chain = build().map((e) => JSON.parse(JSON.stringify({ hash: e.hash, after: e.after, before: e.before, action: e.action, actor: e.actor, at: e.at, seq: e.seq, prevHash: e.prevHash, leadId: e.leadId })) as AuditEntry);
    expect(verifyChain(chain)).toMatchObject({ ok: true, entries: 3 });
  });
  it('reports the first broken seq on edited content, a broken link, or a missing entry', () => {
    const edited = build();
    edited[1] = { ...edited[1]!, after: { s: 99 } };
    expect(verifyChain(edited)).toMatchObject({ ok: false, brokenSeq: 2 });
    const relinked = build();
    relinked[2] = { ...relinked[2]!, prevHash: sha256Hex('x') };
    expect(verifyChain(relinked)).toMatchObject({ ok: false, brokenSeq: 3 });
    const gap = build();
    gap.splice(1, 1);
    expect(verifyChain(gap)).toMatchObject({ ok: false, brokenSeq: 2 });
  });
});

describe('evidence package', () => {
  const site = { mn: 'MN0001', name: 'Boiler 1', enterprise: 'E1', region: '330106', kind: 'air' as const, standard: 'GB 13271-2014', limits: { a21026: 100 }, ranges: {}, positiveList: false, utcOffsetMinutes: 480 };
  it('names the legal bases, and exports JSON and CSV with checksums', () => {
    const pkg = buildEvidencePackage({ leadId: 'ld_1', version: 1, frozenAt: T0, mn: 'MN0001', region: '330106', site, anomalies: [makeAnomaly({ rule: 'flatline', start: T0 + H }), makeAnomaly()] });
    expect(pkg.legalBasis.map((b) => b.category)).toEqual(['tampering', 'exceedance']);
    expect(pkg.anomalies[0]!.start).toBe(T0);
    const json = exportEvidenceJson(pkg);
    expect(json.sha256).toBe(sha256Hex(json.body));
    expect(JSON.parse(json.body)).toEqual(JSON.parse(canonicalJson(pkg)));
    const csv = exportEvidenceCsv(pkg);
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(1 + 4);
    expect(lines[1]).toContain(',120,N,100,GB 13271-2014');
    expect(csv.sha256).toBe(sha256Hex(csv.body));
  });
});
