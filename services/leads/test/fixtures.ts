import { anomalyId, ruleCategory, SiteIndex, type Anomaly, type RuleId, type Site } from '@offsite/domain';
import { createLogger } from '@offsite/runtime';

export const H = 3600_000;
export const T0 = Date.UTC(2025, 2, 1);
export const logger = createLogger('leads-test', 'silent');

const site = (mn: string, region: string, extra: Partial<Site> = {}): Site => ({
  mn,
  name: `outlet ${mn}`,
  enterprise: `ent-${mn}`,
  region,
  kind: 'air',
  standard: 'GB 13271-2014',
  limits: { a21026: 100 },
  ranges: {},
  positiveList: false,
  utcOffsetMinutes: 480,
  ...extra,
});

export const sites = new SiteIndex([site('ZJ0001', '330106'), site('ZJ0002', '330106', { positiveList: true }), site('GD0001', '440305'), site('ZJ0003', '330106'), site('ZJ0004', '330106')]);

export function anomaly(mn: string, o: { rule?: RuleId; start?: number; hours?: number } = {}): Anomaly {
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
    severity: 'high',
    detectedAt: end,
    evidence: {
      summary: `${rule} hourly average 150 mg/m³ above 100`,
      statistic: { name: 'hourly converted average', value: 150 },
      threshold: { name: 'hourly limit', value: 100 },
      params: { minHours: 1 },
      readings: [
        { t: start, code: 'a21026', value: 148.2, flag: 'N' },
        { t: start + H / 2, code: 'a21026', value: 151.8, flag: 'N' },
      ],
    },
  };
}
