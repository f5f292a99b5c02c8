/**
 * Goodness-of-fit tests used by the statistical tests. Each test in the suite runs at a
 * fixed key, so it is deterministic; its threshold ALPHA is the false-positive rate the
 * test would have over random keys.
 */

/** Per-test false-positive rate of every goodness-of-fit check in the suite. */
export const ALPHA = 1e-3;

/**
 * One-sample Kolmogorov-Smirnov test: D = sup |F_n - F| and its asymptotic p-value with
 * Stephens' (1970) small-sample correction, Q_KS((sqrt(n) + 0.12 + 0.11/sqrt(n)) D).
 */
export function ksTest(samples: ArrayLike<number>, cdf: (x: number) => number): { d: number; pValue: number } {
  const xs = Float64Array.from(samples).sort();
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  const sn = Math.sqrt(n);
  return { d, pValue: kolmogorovQ((sn + 0.12 + 0.11 / sn) * d) };
}

/** Q_KS(lambda) = 2 sum_{j>=1} (-1)^{j-1} exp(-2 j^2 lambda^2), the Kolmogorov tail. */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += (j % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-18) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** Pearson's chi-square test of counts against probabilities (expected counts >= 5). */
export function chiSquareTest(counts: ArrayLike<number>, probs: ArrayLike<number>): { stat: number; df: number; pValue: number } {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i]!;
  let stat = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = n * probs[i]!;
    if (e < 5) throw new Error(`chiSquareTest: expected count ${e} < 5 in bin ${i}; merge bins`);
    stat += (counts[i]! - e) ** 2 / e;
  }
  const df = counts.length - 1;
  return { stat, df, pValue: gammaQ(df / 2, stat / 2) };
}

/** Two-sided p-value of a standard normal statistic. */
export function zTestPValue(z: number): number {
  return gammaQ(0.5, (z * z) / 2);
}

/**
 * Regularized upper incomplete gamma Q(a, x) (Numerical Recipes 6.2: series for x < a+1,
 * Lentz continued fraction otherwise), accurate to ~1e-14 relative: ample for p-values.
 */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnPre = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(lnPre);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(lnPre) * h;
}

/** log Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; ~1e-15 relative). */
export function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Sample mean and the standard error of the mean. */
export function meanAndStdErr(xs: ArrayLike<number>): { mean: number; stdErr: number } {
  const n = xs.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i]!;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (xs[i]! - m) ** 2;
  v /= n - 1;
  return { mean: m, stdErr: Math.sqrt(v / n) };
}

/**
 * z such that a two-sided normal test at level ALPHA = 1e-3 rejects |Z| > z:
 * Phi^{-1}(1 - 5e-4) = 3.2905267314918945.
 */
export const Z_CRIT = 3.2905267314918945;
