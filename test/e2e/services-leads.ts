/**
 * Lead-side checks of the separate-process e2e (services.test.ts): what the leads process stored for
 * this run's devices, read straight from its PostgreSQL database, and the audit chains as the
 * console serves them.
 */
import type { LeadRecord, LeadStore, StoredAnomaly } from '@offsite/lead-store';

const NATIONAL = '000000';

export interface DeviceLeads {
  mn: string;
  leads: LeadRecord[];
  anomalies: StoredAnomaly[];
}

/** Every lead and anomaly of each MN (national scope; one page is plenty for a short run). */
export async function leadsOf(store: LeadStore, mns: readonly string[]): Promise<DeviceLeads[]> {
  return Promise.all(
    mns.map(async (mn) => ({
      mn,
      leads: (await store.listLeads(NATIONAL, { mn }, null, 500)).items,
      anomalies: (await store.listAnomalies(NATIONAL, { mn }, null, 1000)).items,
    })),
  );
}

/** One token per stored anomaly version: changes whenever leads absorbs something new. */
export function anomalyVersions(devices: readonly DeviceLeads[]): Set<string> {
  return new Set(devices.flatMap((d) => d.anomalies.map((a) => `${a.id}@${a.end}@${a.detectedAt}`)));
}

/**
 * Ways the stored leads could show a replayed or doubly-absorbed anomaly: a lead listing an anomaly
 * twice, an anomaly listed by two leads, an anomaly whose leadId disagrees with the lead listing it,
 * or two leads of one category for one device (the run is far shorter than the correlation window,
 * so they would have been one lead).
 */
export function leadDuplicates(devices: readonly DeviceLeads[]): string[] {
  const problems: string[] = [];
  for (const d of devices) {
    const owner = new Map<string, string>();
    const byCategory = new Map<string, string[]>();
    for (const lead of d.leads) {
      if (new Set(lead.anomalies).size !== lead.anomalies.length) problems.push(`${d.mn}: lead ${lead.id} lists an anomaly twice`);
      for (const a of lead.anomalies) {
        const other = owner.get(a);
        if (other && other !== lead.id) problems.push(`${d.mn}: anomaly ${a} in leads ${other} and ${lead.id}`);
        owner.set(a, lead.id);
      }
      byCategory.set(lead.category, [...(byCategory.get(lead.category) ?? []), lead.id]);
    }
    for (const [category, ids] of byCategory) if (ids.length > 1) problems.push(`${d.mn}: ${ids.length} ${category} leads (${ids.join(', ')})`);
    for (const a of d.anomalies) {
      const listed = owner.get(a.id);
      if (a.leadId && listed !== a.leadId) problems.push(`${d.mn}: anomaly ${a.id} says lead ${a.leadId}, listed by ${listed ?? 'none'}`);
    }
  }
  return problems;
}

export interface AuditVerdict {
  leadId: string;
  status: number;
  ok: boolean;
  entries: number;
}

/** GET /api/v1/leads/:id/audit/verify on the console, as the admin. */
export async function verifyAudit(consolePort: number, token: string, leadId: string): Promise<AuditVerdict> {
  const res = await fetch(`http://127.0.0.1:${consolePort}/api/v1/leads/${encodeURIComponent(leadId)}/audit/verify`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json().catch(() => null)) as { verdict?: { ok?: unknown; entries?: unknown } } | null;
  return { leadId, status: res.status, ok: body?.verdict?.ok === true, entries: typeof body?.verdict?.entries === 'number' ? body.verdict.entries : -1 };
}
