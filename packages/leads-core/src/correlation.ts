import type { Anomaly, AnomalyCategory, LeadStatus, RuleId } from '@offsite/domain';

/** What correlation needs to know about a lead of the same site (or enterprise). */
export interface LeadCandidate {
  id: string;
  mn: string;
  enterprise: string | null;
  category: AnomalyCategory;
  status: LeadStatus;
  /** Event-time span of the lead's anomalies, epoch ms. */
  firstAt: number;
  lastAt: number;
  /** Categories of the anomalies already in the lead. */
  categories: AnomalyCategory[];
}

export interface Suppression {
  id: string;
  mn: string;
  rule: RuleId;
  /** Anomalies starting before this instant (epoch ms) are muted. */
  until: number;
  reason: string;
}

export interface CorrelationParams {
  /** Anomalies of one category join a lead whose span is within this gap (default 72 h). */
  sameCategoryWindowMs: number;
  /** A breach and falsification signs (tampering) join when this close (default 24 h). */
  crossCategoryWindowMs: number;
  /** 'enterprise': anomalies of other outlets of the same enterprise join too (default 'mn'). */
  scope: 'mn' | 'enterprise';
}

export const defaultCorrelationParams: CorrelationParams = {
  sameCategoryWindowMs: 72 * 3600_000,
  crossCategoryWindowMs: 24 * 3600_000,
  scope: 'mn',
};

export type CorrelationDecision =
  | { kind: 'suppressed'; suppressionId: string; reason: string }
  | { kind: 'join'; leadId: string; reason: string }
  | { kind: 'open'; reason: string };

/** Exceedance and tampering belong together: a breach hidden or flanked by falsification. */
function categoriesJoin(lead: LeadCandidate, category: AnomalyCategory): 'same' | 'cross' | null {
  if (lead.categories.includes(category) || lead.category === category) return 'same';
  const related = new Set<AnomalyCategory>(['exceedance', 'tampering']);
  if (related.has(category) && lead.categories.some((c) => related.has(c))) return 'cross';
  return null;
}

/** Gap between the anomaly's interval and the lead's span (0 when they overlap). */
function gapMs(lead: LeadCandidate, anomaly: Pick<Anomaly, 'start' | 'end'>): number {
  if (anomaly.end < lead.firstAt) return lead.firstAt - anomaly.end;
  if (anomaly.start > lead.lastAt) return anomaly.start - lead.lastAt;
  return 0;
}

/**
 * Which lead an anomaly joins. Pure: the caller passes the site's (or enterprise's) leads and
 * suppressions. Closed leads never absorb (a new lead opens); a live suppression for the
 * site + rule mutes the anomaly. Among candidates: same category first, then the smallest gap,
 * then the most recent lead.
 */
export function correlate(
  anomaly: Pick<Anomaly, 'mn' | 'rule' | 'category' | 'start' | 'end'>,
  enterprise: string | null,
  candidates: readonly LeadCandidate[],
  suppressions: readonly Suppression[],
  params: CorrelationParams = defaultCorrelationParams,
): CorrelationDecision {
  const mute = suppressions.find((s) => s.mn === anomaly.mn && s.rule === anomaly.rule && anomaly.start < s.until);
  if (mute) return { kind: 'suppressed', suppressionId: mute.id, reason: `muted by suppression ${mute.id} (${mute.reason}) until ${new Date(mute.until).toISOString()}` };

  let best: { lead: LeadCandidate; same: boolean; gap: number } | undefined;
  for (const lead of candidates) {
    if (lead.status === 'closed') continue;
    const sameSite = lead.mn === anomaly.mn;
    const sameEnterprise = params.scope === 'enterprise' && enterprise !== null && lead.enterprise === enterprise;
    if (!sameSite && !sameEnterprise) continue;
    const relation = categoriesJoin(lead, anomaly.category);
    if (!relation) continue;
    const gap = gapMs(lead, anomaly);
    const window = relation === 'same' ? params.sameCategoryWindowMs : params.crossCategoryWindowMs;
    if (gap > window) continue;
    const cand = { lead, same: relation === 'same', gap };
    if (
      !best ||
      (cand.same && !best.same) ||
      (cand.same === best.same && (cand.gap < best.gap || (cand.gap === best.gap && lead.lastAt > best.lead.lastAt)))
    ) {
      best = cand;
    }
  }
  if (!best) return { kind: 'open', reason: `no open ${anomaly.category} lead for ${anomaly.mn} within the window` };
  const hours = Math.round(best.gap / 360_000) / 10;
  return {
    kind: 'join',
    leadId: best.lead.id,
    reason: best.same
      ? `same category (${anomaly.category}) on ${best.lead.mn}, ${hours} h from the lead's span`
      : `${anomaly.category} next to ${best.lead.category} on ${best.lead.mn}, ${hours} h from the lead's span`,
  };
}

/** The lead's category: tampering outranks exceedance outranks data quality. */
export function leadCategory(categories: readonly AnomalyCategory[]): AnomalyCategory {
  if (categories.includes('tampering')) return 'tampering';
  if (categories.includes('exceedance')) return 'exceedance';
  return 'data-quality';
}
