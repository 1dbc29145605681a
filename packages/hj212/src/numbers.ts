/**
 * Strict decimal: optional sign, digits with at most one '.', optional exponent. Rejects what
 * Number() would wrongly accept ('', ' 1', '0x10', 'Infinity'). Returns null when not a number.
 */
export function parseDecimal(text: string): number | null {
  const n = text.length;
  if (n === 0) return null;
  let i = 0;
  let c = text.charCodeAt(0);
  if (c === 0x2d || c === 0x2b) i++;
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c === 0x2e && !dot) dot = true;
    else break;
  }
  if (digits === 0) return null;
  if (i < n) {
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
