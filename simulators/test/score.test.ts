import { ruleCategory, anomalyId, type Anomaly, type RuleId } from '@offsite/domain';
import { describe, expect, it } from 'vitest';
import { score } from '../src/eval/score.js';
import { truthLabel } from '../src/truth.js';

const H = 3_600_000;
const T0 = Date.parse('2024-03-01T00:00:00Z');

function anomaly(mn: string, rule: RuleId, startH: number, endH: number, pollutant: string | null = 'a21026'): Anomaly {
  return {
    id: anomalyId(mn, pollutant, rule, T0 + startH * H),
    mn,
    pollutant,
    rule,
    category: ruleCategory[rule],
    start: T0 + startH * H,
    end: T0 + endH * H,
    severity: 'medium',
    evidence: { summary: 'test', statistic: { name: 's', value: 1 }, threshold: { name: 't', value: 1 }, params: {}, readings: [] },
    detectedAt: T0 + endH * H,
  };
}

describe('eval score', () => {
  it('per rule and overall (micro over all windows and anomalies, macro over rules)', () => {
    const truth = [
      truthLabel('s', 'A', 'a21026', 'flatline', T0, T0 + 2 * H),
      truthLabel('s', 'B', 'a21026', 'flatline', T0, T0 + 2 * H),
      truthLabel('s', 'A', 'a21026', 'low-variance', T0 + 10 * H, T0 + 20 * H),
    ];
    const anomalies = [
      anomaly('A', 'flatline', 1, 2),
      anomaly('A', 'low-variance', 12, 18),
      anomaly('A', 'low-variance', 30, 31), // after the window: unmatched
      anomaly('C', 'correlation-break', 5, 29), // honest device
    ];
    const s = score(anomalies, truth, new Map([['C', 2]]), 30 * 60_000);
    const rule = (r: RuleId) => s.rules.find((x) => x.rule === r);
    expect(rule('flatline')).toMatchObject({ truthWindows: 2, hit: 1, recall: 0.5, anomalies: 1, matched: 1, precision: 1 });
    expect(rule('low-variance')).toMatchObject({ truthWindows: 1, hit: 1, recall: 1, anomalies: 2, matched: 1, precision: 0.5 });
    expect(rule('correlation-break')).toMatchObject({ truthWindows: 0, recall: null, anomalies: 1, precision: 0 });
    expect(s.overall).toEqual({ truthWindows: 3, hit: 2, anomalies: 4, matched: 2, recall: 2 / 3, precision: 0.5, macroRecall: 0.75, macroPrecision: 0.5 });
    expect(s.falsePerHonestSiteDay).toBe(0.5);
  });

  it('overall is null without truth or anomalies', () => {
    const s = score([], [], new Map(), 0);
    expect(s.overall.recall).toBeNull();
    expect(s.overall.precision).toBeNull();
    expect(s.overall.macroRecall).toBeNull();
  });
});
