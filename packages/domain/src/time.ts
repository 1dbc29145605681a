/**
 * HJ 212 timestamps are local time without a zone (UTC+8 by the standard). Sites may declare
 * another fixed offset; China has no DST, so a fixed offset in minutes is exact.
 */
export const CHINA_OFFSET_MINUTES = 480;

const DATA_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/;

/** `YYYYMMDDhhmmss[zzz]` in local time → epoch ms, or null when it is not a real instant. */
export function parseDataTime(text: string, offsetMinutes = CHINA_OFFSET_MINUTES): number | null {
  const m = DATA_TIME.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Number(m[7]) : 0;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return null;
  }
  return utc - offsetMinutes * 60_000;
}

/** epoch ms → `YYYYMMDDhhmmss` (or with milliseconds, for QN) in local time. */
export function formatDataTime(epochMs: number, withMillis = false, offsetMinutes = CHINA_OFFSET_MINUTES): string {
  const t = new Date(epochMs + offsetMinutes * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}`;
  return withMillis ? base + p(t.getUTCMilliseconds(), 3) : base;
}
