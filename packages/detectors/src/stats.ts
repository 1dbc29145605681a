import { gammaln } from 'simple-statistics';

/** Median of the finite numbers in `xs` (NaN when none). Copies; does not reorder the input. */
export function medianOf(xs: ArrayLike<number>): number {
  const vals: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i]!;
    if (Number.isFinite(v)) vals.push(v);
  }
  if (vals.length === 0) return Number.NaN;
  vals.sort((a, b) => a - b);
  const mid = vals.length >> 1;
  return vals.length % 2 ? vals[mid]! : (vals[mid - 1]! + vals[mid]!) / 2;
}

/** Regularized upper incomplete gamma Q(a, x) (Numerical Recipes: series / continued fraction). */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnPrefix = -x + a * Math.log(x) - gammaln(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPrefix));
  }
  let b = x + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(lnPrefix) * h);
}

/** p-value of a chi-square statistic with `df` degrees of freedom. */
export function chiSquarePValue(stat: number, df: number): number {
  return gammaQ(df / 2, stat / 2);
}

/** Chi-square statistic of observed counts against a uniform expectation. */
export function chiSquareUniform(counts: ArrayLike<number>): { stat: number; df: number; n: number } {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i]!;
  const e = n / counts.length;
  let stat = 0;
  for (let i = 0; i < counts.length; i++) stat += (counts[i]! - e) ** 2 / e;
  return { stat, df: counts.length - 1, n };
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed in log space (exact for the sizes the rules use). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const lnp = Math.log(p);
  const lnq = Math.log1p(-p);
  const lnNf = gammaln(n + 1);
  let total = 0;
  for (let i = k; i <= n; i++) {
    total += Math.exp(lnNf - gammaln(i + 1) - gammaln(n - i + 1) + i * lnp + (n - i) * lnq);
  }
  return Math.min(1, total);
}

/** Pearson correlation from running sums (NaN when a series is constant or n < 3). */
export function pearsonFromSums(n: number, sx: number, sy: number, sxx: number, syy: number, sxy: number): number {
  if (n < 3) return Number.NaN;
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  if (vx <= 1e-12 || vy <= 1e-12) return Number.NaN;
  return cov / Math.sqrt(vx * vy);
}

/** Decimals written in a number's text ("12.30" → 2, "7" → 0); -1 when there is no text. */
export function writtenDecimals(text: string | null): number {
  if (text === null) return -1;
  const dot = text.indexOf('.');
  if (dot < 0) return 0;
  let end = text.length;
  const e = text.search(/[eE]/);
  if (e >= 0) end = e;
  return end - dot - 1;
}
