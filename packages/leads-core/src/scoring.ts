import { severityRank, type Anomaly, type AnomalyCategory } from '@offsite/domain';
import { leadCategory } from './correlation.js';

export type Priority = 'P1' | 'P2' | 'P3' | 'P4';

export interface ScoreFactor {
  factor: 'severity' | 'duration' | 'repetition' | 'category' | 'history' | 'positive-list';
  /** Most points this factor can add. */
  weight: number;
  /** Points it added (0..weight). */
  contribution: number;
  /** Plain-language reason, shown to the officer. */
  reason: string;
}

export interface LeadScore {
  score: number;
  priority: Priority;
  breakdown: ScoreFactor[];
}

export interface SiteHistory {
  /** Leads of this site closed as confirmed before this one. */
  priorConfirmed: number;
}

/**
 * Weights sum to 100, so the score is the sum of contributions. Why these weights: the rule's own
 * severity says most; long and repeated patterns are harder to explain away; tampering is the
 * graver legal basis; a site with confirmed cases is more likely to offend again; for sites on
 * the positive list (正面清单) on-site inspections are rare, so remote evidence must weigh more.
 */
export const SCORE_WEIGHTS = { severity: 35, duration: 15, repetition: 15, category: 10, history: 15, 'positive-list': 10 } as const;

const severityShare: Record<string, number> = { low: 0.25, medium: 0.5, high: 0.8, critical: 1 };
const categoryShare: Record<AnomalyCategory, number> = { tampering: 1, exceedance: 0.6, 'data-quality': 0.2 };

/** Hours covered by the union of the anomalies' intervals (overlaps counted once). */
export function coveredHours(anomalies: readonly Pick<Anomaly, 'start' | 'end'>[]): number {
  const spans = anomalies.map((a) => [a.start, Math.max(a.start, a.end)] as const).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [s, e] of spans) {
    if (s > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else curEnd = Math.max(curEnd, e);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total / 3600_000;
}

export function priorityOf(score: number): Priority {
  if (score >= 75) return 'P1';
  if (score >= 50) return 'P2';
  if (score >= 25) return 'P3';
  return 'P4';
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function scoreLead(anomalies: readonly Pick<Anomaly, 'rule' | 'category' | 'severity' | 'start' | 'end'>[], history: SiteHistory, positiveList: boolean): LeadScore {
  const breakdown: ScoreFactor[] = [];
  const add = (factor: ScoreFactor['factor'], share: number, reason: string) =>
    breakdown.push({ factor, weight: SCORE_WEIGHTS[factor], contribution: round1(SCORE_WEIGHTS[factor] * Math.min(1, Math.max(0, share))), reason });

  const worst = anomalies.reduce((w, a) => (severityRank[a.severity] > severityRank[w] ? a.severity : w), anomalies[0]?.severity ?? 'low');
  add('severity', severityShare[worst] ?? 0, `highest rule severity is ${worst}`);

  // log scale: 1 h ≈ 0.16, 24 h ≈ 0.75, 72 h or more = 1
  const hours = coveredHours(anomalies);
  add('duration', Math.log2(1 + hours) / Math.log2(1 + 72), `anomalies cover ${round1(hours)} h (72 h or more counts fully)`);

  const rules = new Set(anomalies.map((a) => a.rule));
  const repeats = Math.max(0, anomalies.length - 1);
  add('repetition', (repeats + 2 * (rules.size - 1)) / 6, `${anomalies.length} anomal${anomalies.length === 1 ? 'y' : 'ies'} from ${rules.size} rule(s): ${[...rules].join(', ')}`);

  const category = leadCategory(anomalies.map((a) => a.category));
  add('category', categoryShare[category], category === 'tampering' ? 'signs of tampering with monitoring data (篡改、伪造自动监测数据)' : category === 'exceedance' ? 'emission above the limit (超标排放)' : 'data quality only');

  add('history', history.priorConfirmed / 2, history.priorConfirmed === 0 ? 'no confirmed leads on this site before' : `${history.priorConfirmed} confirmed lead(s) on this site before`);

  add('positive-list', positiveList ? 1 : 0, positiveList ? 'enterprise on the positive list (正面清单): few on-site inspections, remote evidence weighs more' : 'not on the positive list');

  const score = Math.min(100, Math.max(0, Math.round(breakdown.reduce((s, f) => s + f.contribution, 0))));
  // A critical anomaly (e.g. an hour at 1.5× the limit) is worth a prompt look even on a first,
  // short offence: its priority never falls below P2, whatever the other factors add.
  const priority = worst === 'critical' && score < 50 ? 'P2' : priorityOf(score);
  return { score, priority, breakdown };
}
