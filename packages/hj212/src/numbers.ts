/** Exact powers of ten: m / 10^k with m < 2^53 and k <= 22 is the correctly rounded decimal. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** At most this many digits: the mantissa stays below 2^53, so it is exact. */
const FAST_DIGITS = 15;

/**
 * Strict decimal: optional sign, digits with at most one '.', optional exponent. Rejects what
 * Number() would wrongly accept ('', ' 1', '0x10', 'Infinity'). Returns null when not a number.
 * Short plain decimals (the usual `12.30`) are computed from the digits (same double as Number():
 * an exact mantissa divided by an exact power of ten is correctly rounded); others use Number().
 */
export function parseDecimal(text: string): number | null {
  const n = text.length;
  if (n === 0) return null;
  let i = 0;
  let c = text.charCodeAt(0);
  const negative = c === 0x2d;
  if (negative || c === 0x2b) i++;
  let digits = 0;
  let dotAt = -1;
  let mantissa = 0;
  for (; i < n; i++) {
    c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      digits++;
      mantissa = mantissa * 10 + (c - 0x30);
    } else if (c === 0x2e && dotAt < 0) dotAt = i;
    else break;
  }
  if (digits === 0) return null;
  if (i === n) {
    if (digits <= FAST_DIGITS) {
      const value = dotAt < 0 ? mantissa : mantissa / (POW10[n - 1 - dotAt] as number);
      return negative ? -value : value;
    }
  } else {
    if (c !== 0x65 && c !== 0x45) return null; // e / E
    i++;
    c = text.charCodeAt(i);
    if (c === 0x2d || c === 0x2b) i++;
    let expDigits = 0;
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return null;
      expDigits++;
    }
    if (expDigits === 0) return null;
  }
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** True when every char is an ASCII digit (and there is at least one). */
export function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
