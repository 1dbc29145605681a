/**
 * `YYYYMMDDhhmmss[zzz]` local time → epoch ms, or null when it is not a real instant. Same
 * result as `parseDataTime` from @offsite/domain (a test checks them against each other), but
 * without a regex, arrays or a Date object: it runs for every packet and every SampleTime.
 */
export function epochOfDataTime(text: string, offsetMinutes: number): number | null {
  const n = text.length;
  if (n !== 14 && n !== 17) return null;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 4, 6);
  const day = digits(text, 6, 8);
  const hour = digits(text, 8, 10);
  const minute = digits(text, 10, 12);
  const second = digits(text, 12, 14);
  // Date.UTC reads years 0-99 as 1900-1999, which the domain's round-trip check rejects.
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = n === 17 ? digits(text, 14, 17) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (text.charCodeAt(i) - 0x30);
  return n;
}

/** Proleptic Gregorian, as Date uses. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
