import { Factor, formatDataTime, pollutantInfo, type DataFlag, type EvidenceReading, type Site } from '@offsite/domain';
import type { RecentWindow } from './types.js';

/** O2 at or above this means the plant is not running: no conversion, no breach. */
export const NOT_RUNNING_O2 = 19;

const PROCESS_CODES: ReadonlySet<string> = new Set([
  Factor.o2, Factor.velocity, Factor.temperature, Factor.pressure, Factor.moisture, Factor.flow, Factor.waterFlow,
  'w01010', 'w01009',
]);

export function isProcessFactor(code: string): boolean {
  return PROCESS_CODES.has(code);
}

/**
 * Pollutants the per-pollutant rules watch: those the site sets a limit, band or range for; a
 * site with none (or no site) falls back to the catalogue's pollutants.
 */
export function isMonitoredPollutant(code: string, site: Site | undefined): boolean {
  if (isProcessFactor(code)) return false;
  if (site) {
    const declared = Object.keys(site.limits).length + Object.keys(site.dailyLimits ?? {}).length + Object.keys(site.bands ?? {}).length;
    if (declared > 0) return code in site.limits || code in (site.dailyLimits ?? {}) || code in (site.bands ?? {});
  }
  const info = pollutantInfo(code);
  return info !== undefined && (info.correctable === true || info.medium === 'water');
}

export function isWaterPollutant(code: string, site: Site | undefined): boolean {
  if (site) return site.kind === 'water';
  return code.startsWith('w');
}

/** Whether this site's concentrations of `code` are O2-corrected. */
export function convertsO2(code: string, site: Site | undefined): boolean {
  if (!site || site.kind !== 'air') return false;
  if (site.o2Ref === null || site.o2Ref === undefined) return false;
  return pollutantInfo(code)?.correctable === true || code in site.limits;
}

/**
 * Concentration compared against limits: C_zs = C × (21 − O2_ref)/(21 − O2). The logger's own
 * converted value wins when present (converted-mismatch checks it). NaN when O2 ≥ 19 % (not running).
 */
export function convertedConcentration(code: string, raw: number, o2: number, reported: number, site: Site | undefined): number {
  if (!convertsO2(code, site)) return raw;
  if (Number.isFinite(o2) && o2 >= NOT_RUNNING_O2) return Number.NaN;
  if (Number.isFinite(reported)) return reported;
  if (!Number.isFinite(o2)) return raw;
  const ref = site!.o2Ref as number;
  return (raw * (21 - ref)) / (21 - o2);
}

export function formulaConverted(raw: number, o2: number, o2Ref: number): number {
  return (raw * (21 - o2Ref)) / (21 - o2);
}

/** Floor near the detection limit below which flatline / low-variance do not apply. */
export function detectionFloor(code: string, site: Site | undefined, floorAbs: number, floorLimitShare: number): number {
  const limit = site?.limits[code] ?? site?.dailyLimits?.[code];
  return Math.max(floorAbs, limit !== undefined ? floorLimitShare * limit : 0);
}

export function label(code: string): string {
  const info = pollutantInfo(code);
  return info ? `${info.en} (${code})` : code;
}

export function unitOf(code: string): string {
  return pollutantInfo(code)?.unit ?? '';
}

/** Local time for summaries, "2024-05-01 08:30" in the site's offset. */
export function fmtTime(t: number, site: Site | undefined): string {
  const s = formatDataTime(t, false, site?.utcOffsetMinutes ?? 480);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)} ${s.slice(8, 10)}:${s.slice(10, 12)}`;
}

export function fmtNum(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return String(v);
  return Number(v.toFixed(digits)).toString();
}

export function readingAt(w: RecentWindow, code: string, i: number): EvidenceReading {
  const v = w.value(code, i);
  return { t: w.time(i), code, value: Number.isFinite(v) ? v : null, text: w.text(code, i), flag: w.flag(code, i) };
}

/** Evidence readings of `codes` over window indexes [from, to], thinned to at most `max` samples. */
export function readingsRange(w: RecentWindow, codes: readonly string[], from: number, to: number, max = 24): EvidenceReading[] {
  const out: EvidenceReading[] = [];
  const n = to - from + 1;
  if (n <= 0) return out;
  const step = n <= max ? 1 : n / max;
  let last = -1;
  for (let k = 0; k < Math.min(n, max); k++) {
    const i = Math.min(to, from + Math.floor(k * step));
    if (i === last) continue;
    last = i;
    for (const c of codes) if (w.has(c) && w.flag(c, i) !== undefined && Number.isFinite(w.value(c, i))) out.push(readingAt(w, c, i));
  }
  if (last !== to) for (const c of codes) if (w.has(c) && Number.isFinite(w.value(c, to))) out.push(readingAt(w, c, to));
  return out;
}

export function isValidFlag(flag: DataFlag | null): boolean {
  return flag === null || flag === 'N';
}
