const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "6h", "1.5d", "250ms" → ms. Throws naming `what` on anything else. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`${what} must be a duration like 90s, 30m, 6h or 2d, got "${text}"`);
  const ms = Number(m[1]) * (UNITS[m[2] as string] as number);
  if (!(ms > 0)) throw new Error(`${what} must be positive, got "${text}"`);
  return ms;
}
