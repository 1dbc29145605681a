import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '@offsite/bus';
import { SiteIndex, type Site } from '@offsite/domain';
import { createLogger, createMetrics } from '@offsite/runtime';
import { createDetectService } from '../src/detector-service.js';

const logger = createLogger('detect-test', 'silent');
const base: Site = { mn: 'MN-RULES-0001', name: 'Boiler 1', enterprise: 'Test Power', region: '330106', kind: 'air', standard: 'GB13223-2011', o2Ref: 6, limits: { a21026: 35 }, ranges: {}, positiveList: false, utcOffsetMinutes: 480 };

function start(sites: Site[]) {
  return createDetectService({ bus: createMemoryBus({ logger }), sites: new SiteIndex(sites), logger, registry: createMetrics('d', false) });
}

describe('detect service start-up', () => {
  it('refuses a registry whose per-site rule overrides are invalid, naming the entry, rule and parameter', () => {
    const bad: Site = { ...base, mn: 'MN-RULES-0002', rules: { flatline: { minMinutez: 45 } } };
    expect(() => start([base, bad])).toThrow(/sites\[1\] \(mn MN-RULES-0002\): rules\.flatline\.minMinutez/);
    const wrongType: Site = { ...base, rules: { 'zero-value': { minMinutes: 'soon' } } };
    expect(() => start([wrongType])).toThrow(/sites\[0\] \(mn MN-RULES-0001\): rules\.zero-value\.minMinutes/);
    const unknownRule: Site = { ...base, rules: { 'no-such-rule': {} } };
    expect(() => start([unknownRule])).toThrow(/rules\.no-such-rule: unknown rule id/);
  });

  it('accepts valid overrides', () => {
    expect(() => start([{ ...base, rules: { flatline: { minMinutes: 45 } } }])).not.toThrow();
  });
});
