/**
 * Leads benchmarks: anomalies/s absorbed into leads (correlation + scoring + evidence + audit in
 * one transaction per batch), and lead-list latency at 100,000 leads. PGlite always; PostgreSQL
 * too when DATABASE_URL is set (in a throw-away schema). JSON lines on stdout, progress on stderr.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { anomalyId, ruleCategory, SiteIndex, type Anomaly, type RuleId, type Site } from '@offsite/domain';
import { createPgliteLeadStore, createPostgresLeadStore, type LeadStore } from '@offsite/lead-store';

const H = 3600_000;
const T0 = Date.UTC(2025, 0, 1);
const SITES = 500;
const ANOMALIES = Number(process.env.LEADS_BENCH_ANOMALIES ?? 1000);
const BATCH = 250;
const LEADS = Number(process.env.LEADS_BENCH_LEADS ?? 100_000);
const QUERIES = 100;
const VARIANT_BUDGET_MS = 5_000;
const REGIONS = ['330106', '330102', '330212', '440305', '440106', '110105', '320102', '510104'];
const RULES: RuleId[] = ['breach', 'flatline', 'dilution', 'data-gap', 'flag-abuse', 'step-drop'];

const log = (msg: string) => process.stderr.write(`[leads.bench] ${msg}\n`);
const emit = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

const sites = new SiteIndex(
  Array.from({ length: SITES }, (_, i): Site => ({
    mn: `BENCH${String(i).padStart(6, '0')}`,
    name: `outlet ${i}`,
    enterprise: `ent ${i >> 1}`,
    region: REGIONS[i % REGIONS.length]!,
    kind: 'air',
    standard: 'GB 13223-2011',
    limits: { a21026: 35, a21002: 50 },
    ranges: {},
    positiveList: i % 7 === 0,
    utcOffsetMinutes: 480,
  })),
);

/** Deterministic anomaly stream: each site gets bursts over time, so both opens and merges happen. */
function anomalies(n: number): Anomaly[] {
  return Array.from({ length: n }, (_, i) => {
    const mn = sites.sites[i % SITES]!.mn;
    const rule = RULES[(i * 7) % RULES.length]!;
    const start = T0 + Math.floor(i / SITES) * 20 * H;
    return {
      id: anomalyId(mn, 'a21026', rule, start),
      mn,
      pollutant: 'a21026',
      rule,
      category: ruleCategory[rule],
      start,
      end: start + 2 * H,
      severity: (['low', 'medium', 'high', 'critical'] as const)[i % 4]!,
      detectedAt: start + 2 * H,
      evidence: {
        summary: `${rule} bench`,
        statistic: { name: 'avg', value: 40 },
        threshold: { name: 'limit', value: 35 },
        params: { minHours: 1 },
        readings: Array.from({ length: 12 }, (_, k) => ({ t: start + k * 600_000, code: 'a21026', value: 30 + k, flag: 'N' })),
      },
    };
  });
}

async function benchAbsorb(kind: string, store: LeadStore): Promise<void> {
  const all = anomalies(ANOMALIES);
  const ctx = { now: T0 + 1000 * H, site: (mn: string) => sites.get(mn) };
  const t = performance.now();
  const results: Record<string, number> = {};
  for (let i = 0; i < all.length; i += BATCH) {
    for (const o of await store.absorbAnomalies(all.slice(i, i + BATCH), ctx)) results[o.result] = (results[o.result] ?? 0) + 1;
  }
  const secs = (performance.now() - t) / 1000;
  emit({ bench: 'leads.absorb', metric: 'anomalies_per_s', value: Math.round(ANOMALIES / secs), unit: 'anomalies/s', store: kind, anomalies: ANOMALIES, batchSize: BATCH, sites: SITES, ...results });
  const t2 = performance.now();
  for (let i = 0; i < all.length; i += BATCH) await store.absorbAnomalies(all.slice(i, i + BATCH), ctx);
  emit({ bench: 'leads.absorb_replay', metric: 'anomalies_per_s', value: Math.round(ANOMALIES / ((performance.now() - t2) / 1000)), unit: 'anomalies/s', store: kind, anomalies: ANOMALIES, note: 'all duplicates' });
}

/** 100k leads in one INSERT ... SELECT (setup only; realistic columns, small evidence). */
const BULK_LEADS_SQL = (n: number) => `
INSERT INTO lead_leads (id, mn, region, enterprise, category, categories, status, score, priority, breakdown, anomaly_ids, first_at, last_at, created_at, updated_at, evidence_version, evidence_sha256, evidence)
SELECT 'ld_bulk_' || g, 'BULK' || (g % 5000), (ARRAY['${REGIONS.join("','")}'])[1 + g % ${REGIONS.length}], 'ent ' || (g % 2500),
  (ARRAY['exceedance','tampering','data-quality'])[1 + g % 3], ARRAY['exceedance'], (ARRAY['new','acknowledged','assigned','investigating','closed'])[1 + g % 5],
  (g * 37) % 101, (ARRAY['P1','P2','P3','P4'])[1 + g % 4], '[{"factor":"severity","weight":35,"contribution":17.5,"reason":"bench"}]'::jsonb, ARRAY['an_bulk_' || g],
  ${T0} + g * 60000, ${T0} + g * 60000 + 7200000, ${T0} + g * 60000, ${T0} + g * 60000 + (g % 13) * 1000, 1, 'x', '{"format":"offsite.evidence.v1"}'::jsonb
FROM generate_series(1::bigint, ${n}::bigint) AS g`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function benchList(kind: string, store: LeadStore, exec: (sql: string) => Promise<void>): Promise<void> {
  const t = performance.now();
  await exec(BULK_LEADS_SQL(LEADS));
  await exec('ANALYZE lead_leads');
  log(`${kind}: ${LEADS} leads inserted in ${Math.round(performance.now() - t)} ms`);
  const variants: Array<[string, () => Promise<unknown>]> = [];
  const first = await store.listLeads('330000', {}, null, 100);
  variants.push(['province_first_page', () => store.listLeads('330000', {}, null, 100)]);
  variants.push(['province_page2_cursor', () => store.listLeads('330000', {}, first.next, 100)]);
  variants.push(['county_status_new_by_score', () => store.listLeads('330106', { status: ['new'], sort: 'score' }, null, 100)]);
  variants.push(['national_search_enterprise', () => store.listLeads('000000', { q: 'ent 123' }, null, 50)]);
  for (const [name, run] of variants) {
    for (let i = 0; i < 3; i++) await run();
    const times: number[] = [];
    // Up to QUERIES runs or VARIANT_BUDGET_MS per variant, whichever comes first (bounded run time).
    const deadline = performance.now() + VARIANT_BUDGET_MS;
    for (let i = 0; i < QUERIES && performance.now() < deadline; i++) {
      const s = performance.now();
      await run();
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    emit({ bench: 'leads.list', metric: `p99_${name}`, value: Math.round(percentile(times, 99) * 100) / 100, unit: 'ms', p50: Math.round(percentile(times, 50) * 100) / 100, store: kind, leads: LEADS, queries: times.length, limit: 100 });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  {
    const db = new PGlite();
    const store = await createPgliteLeadStore({ db });
    log('pglite ready');
    await benchAbsorb('pglite', store);
    await benchList('pglite', store, async (sql) => void (await db.exec(sql)));
    await store.close();
    await db.close();
  }
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `lead_bench_${Date.now().toString(36)}`;
    const store = await createPostgresLeadStore({ connectionString: url, schema });
    const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      log('postgres ready');
      await benchAbsorb('postgres', store);
      await benchList('postgres', store, async (sql) => void (await client.query(sql)));
    } finally {
      await store.close();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    }
  } else log('DATABASE_URL not set: PostgreSQL skipped');
  log(`done in ${Math.round((performance.now() - started) / 1000)} s`);
}

await main();
