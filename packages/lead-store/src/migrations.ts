import type { SqlDriver } from './sql.js';

/**
 * Numbered schema migrations, applied in order at start and recorded in lead_schema_migrations.
 * Never edit an applied migration: add the next number. Tables are prefixed lead_/auth_ so the
 * all-in-one can share one database (PGlite) with series_ tables. Times are epoch ms (bigint).
 */
export const migrations: Array<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'leads, anomalies, audit, users, webhooks',
    sql: `
CREATE TABLE lead_anomalies (
  id text PRIMARY KEY,
  mn text NOT NULL,
  region text NOT NULL,
  enterprise text,
  pollutant text,
  rule text NOT NULL,
  category text NOT NULL,
  start_at bigint NOT NULL,
  end_at bigint NOT NULL,
  severity text NOT NULL,
  detected_at bigint NOT NULL,
  evidence jsonb NOT NULL,
  content_sha256 text NOT NULL,
  lead_id text,
  suppressed_by text,
  received_at bigint NOT NULL
);
CREATE INDEX lead_anomalies_start ON lead_anomalies (start_at DESC, id DESC);
CREATE INDEX lead_anomalies_mn ON lead_anomalies (mn, start_at DESC);
CREATE INDEX lead_anomalies_lead ON lead_anomalies (lead_id);

CREATE TABLE lead_leads (
  id text PRIMARY KEY,
  mn text NOT NULL,
  region text NOT NULL,
  enterprise text,
  category text NOT NULL,
  categories text[] NOT NULL,
  status text NOT NULL CHECK (status IN ('new','acknowledged','assigned','investigating','closed')),
  resolution text CHECK (resolution IN ('confirmed','dismissed','duplicate')),
  duplicate_of text REFERENCES lead_leads(id),
  close_reason text,
  team text,
  score integer NOT NULL,
  priority text NOT NULL,
  breakdown jsonb NOT NULL,
  anomaly_ids text[] NOT NULL,
  first_at bigint NOT NULL,
  last_at bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  closed_at bigint,
  evidence_version integer NOT NULL,
  evidence_sha256 text NOT NULL,
  evidence jsonb NOT NULL
);
CREATE INDEX lead_leads_updated ON lead_leads (updated_at DESC, id DESC);
CREATE INDEX lead_leads_created ON lead_leads (created_at DESC, id DESC);
CREATE INDEX lead_leads_score ON lead_leads (score DESC, id DESC);
CREATE INDEX lead_leads_mn_open ON lead_leads (mn) WHERE status <> 'closed';
CREATE INDEX lead_leads_enterprise_open ON lead_leads (enterprise) WHERE status <> 'closed';
CREATE INDEX lead_leads_mn_resolution ON lead_leads (mn, resolution);

-- Each frozen evidence package, kept: what the officer saw at version N stays retrievable.
CREATE TABLE lead_evidence (
  lead_id text NOT NULL REFERENCES lead_leads(id),
  version integer NOT NULL,
  frozen_at bigint NOT NULL,
  package jsonb NOT NULL,
  sha256 text NOT NULL,
  PRIMARY KEY (lead_id, version)
);

CREATE TABLE lead_audit (
  lead_id text NOT NULL,
  seq integer NOT NULL,
  at bigint NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  before jsonb,
  after jsonb,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (lead_id, seq)
);
CREATE FUNCTION lead_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'lead_audit is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER lead_audit_no_update BEFORE UPDATE OR DELETE ON lead_audit
  FOR EACH ROW EXECUTE FUNCTION lead_audit_append_only();

CREATE TABLE lead_comments (
  id bigserial PRIMARY KEY,
  lead_id text NOT NULL REFERENCES lead_leads(id),
  author text NOT NULL,
  text text NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX lead_comments_lead ON lead_comments (lead_id, id);

CREATE TABLE lead_assignments (
  id bigserial PRIMARY KEY,
  lead_id text NOT NULL REFERENCES lead_leads(id),
  team text NOT NULL,
  assigned_by text NOT NULL,
  note text,
  at bigint NOT NULL
);
CREATE INDEX lead_assignments_lead ON lead_assignments (lead_id, id);

CREATE TABLE lead_suppressions (
  id text PRIMARY KEY,
  mn text NOT NULL,
  rule text NOT NULL,
  until_at bigint NOT NULL,
  reason text NOT NULL,
  created_by text NOT NULL,
  created_at bigint NOT NULL,
  lead_id text
);
CREATE INDEX lead_suppressions_mn_rule ON lead_suppressions (mn, rule, until_at);

CREATE TABLE auth_users (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('operator','officer','supervisor','admin')),
  region text NOT NULL,
  created_at bigint NOT NULL,
  revoked_at bigint
);
-- Only the sha256 of a token is stored, never the token.
CREATE TABLE auth_tokens (
  token_sha256 text PRIMARY KEY,
  user_id text NOT NULL REFERENCES auth_users(id),
  created_at bigint NOT NULL,
  revoked_at bigint
);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);

CREATE TABLE auth_denials (
  id bigserial PRIMARY KEY,
  at bigint NOT NULL,
  user_id text NOT NULL,
  role text NOT NULL,
  region_scope text NOT NULL,
  action text NOT NULL,
  resource text,
  resource_region text,
  reason text NOT NULL
);

CREATE TABLE lead_webhooks (
  id text PRIMARY KEY,
  url text NOT NULL,
  secret text NOT NULL,
  region text NOT NULL,
  region_prefix text NOT NULL,
  created_by text NOT NULL,
  created_at bigint NOT NULL,
  active boolean NOT NULL DEFAULT true
);
CREATE TABLE lead_webhook_deliveries (
  id bigserial PRIMARY KEY,
  webhook_id text NOT NULL REFERENCES lead_webhooks(id),
  lead_id text NOT NULL,
  event jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  last_error text,
  created_at bigint NOT NULL,
  delivered_at bigint
);
CREATE INDEX lead_webhook_deliveries_due ON lead_webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
`,
  },
  {
    version: 2,
    name: 'audit chain head on the lead row',
    // Lets a lead's change, its evidence version and its audit entry go in one statement.
    sql: `
ALTER TABLE lead_leads ADD COLUMN audit_seq integer NOT NULL DEFAULT 0;
ALTER TABLE lead_leads ADD COLUMN audit_head text NOT NULL DEFAULT '${'0'.repeat(64)}';
UPDATE lead_leads l SET audit_seq = a.seq, audit_head = a.hash
  FROM (SELECT DISTINCT ON (lead_id) lead_id, seq, hash FROM lead_audit ORDER BY lead_id, seq DESC) a
  WHERE a.lead_id = l.id;
`,
  },
  {
    version: 3,
    name: 'lead event outbox',
    // Lead events are written with the change and relayed to the bus after commit, so a crash
    // between commit and publish delays an event instead of losing it.
    sql: `
CREATE TABLE lead_outbox (
  id bigserial PRIMARY KEY,
  lead_id text NOT NULL,
  event jsonb NOT NULL,
  created_at bigint NOT NULL
);
`,
  },
];

/** Apply pending migrations; concurrent starters serialise on an advisory lock. */
export async function migrate(db: SqlDriver): Promise<number[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS lead_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('lead_schema_migrations'))`);
    const done = new Set((await tx.query<{ version: number }>(`SELECT version FROM lead_schema_migrations`)).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query(`INSERT INTO lead_schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [m.version, m.name, Date.now()]);
      applied.push(m.version);
    }
    return applied;
  });
}
