import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
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
    for (const bad of ['20230230101500', '20231315101500', '20230315241500', '2023031510150', 'x0230315101500', '20240230000000', '19000229000000', '00990101000000'])
      expect(parseDataTime(bad), bad).toBeNull();
    expect(parseDataTime('20240229235959999')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999) - 8 * 3_600_000);
    expect(parseDataTime('20000229000000')).not.toBeNull();
  });
  it('agrees with the calendar (Date.UTC round trip) on any 14- or 17-digit string', () => {
    // The obvious reading, as the oracle: take the digits, let Date.UTC normalise, keep it only
    // if nothing rolled over.
    const oracle = (text: string): number | null => {
      const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec(text);
      if (!m) return null;
      const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i])) as [number, number, number, number, number, number];
      const utc = Date.UTC(y, mo - 1, d, h, mi, s, m[7] ? Number(m[7]) : 0);
      const c = new Date(utc);
      return c.getUTCFullYear() === y && c.getUTCMonth() === mo - 1 && c.getUTCDate() === d && h < 24 && mi < 60 && s < 60 ? utc - 480 * 60_000 : null;
    };
    const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((a) => a.join(''));
    const plausible = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }), fc.option(fc.integer({ min: 0, max: 999 })))
      .map(([y, mo, d, h, mi, s, ms]) => [String(y).padStart(4, '0'), ...[mo, d, h, mi, s].map((v) => String(v).padStart(2, '0')), ms === null ? '' : String(ms).padStart(3, '0')].join(''));
    fc.assert(
      fc.property(fc.oneof(plausible, digits(14), digits(17), fc.string({ maxLength: 18 })), (text) => {
        expect(parseDataTime(text)).toBe(oracle(text));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('anomaly ids', () => {
  it('are deterministic and distinguish every part', () => {
    const a = anomalyId('MN1', 'a21026', 'breach', 1000);
    expect(anomalyId('MN1', 'a21026', 'breach', 1000)).toBe(a);
    expect(new Set([a, anomalyId('MN2', 'a21026', 'breach', 1000), anomalyId('MN1', 'a21002', 'breach', 1000), anomalyId('MN1', 'a21026', 'flatline', 1000), anomalyId('MN1', 'a21026', 'breach', 2000), anomalyId('MN1', null, 'breach', 1000)]).size).toBe(6);
  });
});
