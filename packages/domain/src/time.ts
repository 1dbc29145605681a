/**
 * HJ 212 timestamps are local time without a zone (UTC+8 by the standard). Sites may declare
 * another fixed offset; China has no DST, so a fixed offset in minutes is exact.
 */
export const CHINA_OFFSET_MINUTES = 480;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
/** The two-digit number at text[i..i+2) (digits already checked). Module level: a closure per call showed in profiles. */
const twoDigits = (text: string, i: number) => (text.charCodeAt(i) - 48) * 10 + text.charCodeAt(i + 1) - 48;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * `YYYYMMDDhhmmss[zzz]` in local time → epoch ms, or null when it is not a real instant (or the
 * year is before 100, which Date.UTC would read as 19xx). Digit by digit: ingest reads two of
 * these per packet, and the regex-and-Date version was a visible share of its CPU.
 */
export function parseDataTime(text: string, offsetMinutes = CHINA_OFFSET_MINUTES): number | null {
  const n = text.length;
  if (n !== 14 && n !== 17) return null;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const y = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const mo = twoDigits(text, 4);
  const d = twoDigits(text, 6);
  const h = twoDigits(text, 8);
  const mi = twoDigits(text, 10);
  const s = twoDigits(text, 12);
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  if (d > (mo === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[mo - 1]!)) return null;
  const ms = n === 17 ? twoDigits(text, 14) * 10 + text.charCodeAt(16) - 48 : 0;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMinutes * 60_000;
}

/** epoch ms → `YYYYMMDDhhmmss` (or with milliseconds, for QN) in local time. */
export function formatDataTime(epochMs: number, withMillis = false, offsetMinutes = CHINA_OFFSET_MINUTES): string {
  const t = new Date(epochMs + offsetMinutes * 60_000);
  const base = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
  return withMillis ? base + pad(t.getUTCMilliseconds(), 3) : base;
}
