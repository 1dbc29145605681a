import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { anomalyId, formatDataTime, parseDataTime, parseSiteRegistry, regionCovers, regionPrefix, SiteRegistryError } from '../src/index.js';

describe('site registry', () => {
  it('parses the documented example', () => {
    const reg = parseSiteRegistry(readFileSync(new URL('../../../docs/sites.example.yaml', import.meta.url), 'utf8'));
    expect(reg.sites.map((s) => s.mn)).toEqual(['33010600000001', '33010600000002']);
    expect(reg.sites[0]).toMatchObject({ kind: 'air', o2Ref: 6, limits: { a21026: 35 }, positiveList: false, utcOffsetMinutes: 480 });
    expect(reg.sites[1]!.bands).toEqual({ w01001: [6, 9] });
  });

  it('names the bad entry and field', () => {
    const text = JSON.stringify({ sites: [{ mn: 'A1', name: 'x', enterprise: 'e', region: '330106', kind: 'air', standard: 's' }, { mn: 'B2', name: 'y', enterprise: 'e', region: '33', kind: 'gas', standard: 's' }] });
    let err: unknown;
    try {
      parseSiteRegistry(text, 'sites.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SiteRegistryError);
    const msg = (err as Error).message;
    expect(msg).toContain('sites[1].region (mn B2)');
    expect(msg).toContain('sites[1].kind (mn B2)');
    expect(msg).not.toContain('sites[0]');
  });

  it('refuses duplicate MNs and unreadable text', () => {
    const site = { mn: 'A1', name: 'x', enterprise: 'e', region: '330106', kind: 'air', standard: 's' };
    expect(() => parseSiteRegistry(JSON.stringify({ sites: [site, site] }))).toThrow(/duplicate MN A1/);
    expect(() => parseSiteRegistry('sites: [unclosed')).toThrow(/not valid JSON or YAML/);
  });
});

describe('regions', () => {
  it('covers by province, city and county', () => {
    expect(regionCovers('330000', '330106')).toBe(true);
    expect(regionCovers('330100', '330106')).toBe(true);
    expect(regionCovers('330100', '330206')).toBe(false);
    expect(regionCovers('330106', '330106')).toBe(true);
    expect(regionCovers('330106', '330108')).toBe(false);
    expect(regionCovers('000000', '440301')).toBe(true);
    expect([regionPrefix('000000'), regionPrefix('330000'), regionPrefix('330100'), regionPrefix('330106')]).toEqual(['', '33', '3301', '330106']);
  });
});

describe('HJ 212 time', () => {
  it('reads local UTC+8 DataTime and writes it back', () => {
    const t = parseDataTime('20230315101500');
    expect(new Date(t!).toISOString()).toBe('2023-03-15T02:15:00.000Z');
    expect(formatDataTime(t!)).toBe('20230315101500');
    expect(formatDataTime(parseDataTime('20230315101530123')!, true)).toBe('20230315101530123');
  });
  it('rejects impossible instants', () => {
    for (const bad of ['20230230101500', '20231315101500', '20230315241500', '2023031510150', 'x0230315101500']) expect(parseDataTime(bad)).toBeNull();
  });
});

describe('anomaly ids', () => {
  it('are deterministic and distinguish every part', () => {
    const a = anomalyId('MN1', 'a21026', 'breach', 1000);
    expect(anomalyId('MN1', 'a21026', 'breach', 1000)).toBe(a);
    expect(new Set([a, anomalyId('MN2', 'a21026', 'breach', 1000), anomalyId('MN1', 'a21002', 'breach', 1000), anomalyId('MN1', 'a21026', 'flatline', 1000), anomalyId('MN1', 'a21026', 'breach', 2000), anomalyId('MN1', null, 'breach', 1000)]).size).toBe(6);
  });
});
