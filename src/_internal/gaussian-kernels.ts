/**
 * Raw float64 kernels of the `gaussian` area, for hot loops in other core modules (elbo,
 * ddpm, mixture). They do not validate: NaN propagates, and the caller guarantees the
 * domains stated on each function. Nothing here is re-exported publicly; the validated
 * API is `src/core/gaussian/index.ts`.
 *
 * Broadcasting convention of the array kernels (`...Into`): every input is a
 * Float64Array of length `out.length`, or of length 1 (a broadcast scalar). Kernels
 * write into `out` only, never into an input, and allocate nothing per element.
 *
 * The normal CDF is W. J. Cody's rational Chebyshev approximation of erf / erfcx
 * (Cody 1969, "Rational Chebyshev approximations for the error function", Math. Comp.
 * 23, 631-638; the coefficient sets of Netlib SPECFUN's CALERF), evaluated so that the
 * Gaussian factor exp(-x^2/2) is computed from x itself, not from the rounded x/sqrt(2).
 *
 * @see proofs/gaussian/cdf.md
 * @see proofs/gaussian/kl.md
 * @see proofs/gaussian/discretized.md
 */

/** log(2 pi) = 1.8378770664093454835606594728112... */
export const LOG_2PI = 1.8378770664093453;
/** log(sqrt(2 pi)) = 0.91893853320467274178032973640562... */
export const LOG_SQRT_2PI = 0.9189385332046727;
/** 1/sqrt(pi) = 0.56418958354775628694807945156077... */
const INV_SQRT_PI = 0.5641895835477563;
/** Cody's switch from erf to erfcx: |z| <= 0.46875 with z = x / sqrt(2). */
const ERF_SWITCH = 0.46875;
/** Phi(-x) < MIN_VALUE / 2 for x > 38.47, so the lower tail is 0 in float64 beyond 40. */
const TAIL_UNDERFLOW = 40;
/** x^2 / 2 overflows float64 beyond about 1.895e154; log Phi(-x) is then -Infinity. */
const HALF_SQUARE_OVERFLOW = 1.8e154;

// Cody (1969), erf(z) = z * A(z^2) / B(z^2) for |z| <= 0.46875.
const A0 = 3.1611237438705656;
const A1 = 113.864154151050156;
const A2 = 377.485237685302021;
const A3 = 3209.37758913846947;
const A4 = 0.185777706184603153;
const B0 = 23.6012909523441209;
const B1 = 244.024637934444173;
const B2 = 1282.61652607737228;
const B3 = 2844.23683343917062;

// Cody (1969), erfcx(z) = exp(z^2) erfc(z) = C(z) / D(z) for 0.46875 <= z <= 4.
const C0 = 0.564188496988670089;
const C1 = 8.88314979438837594;
const C2 = 66.1191906371416295;
const C3 = 298.635138197400131;
const C4 = 881.95222124176909;
const C5 = 1712.04761263407058;
const C6 = 2051.07837782607147;
const C7 = 1230.33935479799725;
const C8 = 2.15311535474403846e-8;
const D0 = 15.7449261107098347;
const D1 = 117.693950891312499;
const D2 = 537.181101862009858;
const D3 = 1621.38957456669019;
const D4 = 3290.79923573345963;
const D5 = 4362.61909014324716;
const D6 = 3439.36767414372164;
const D7 = 1230.33935480374942;

// Cody (1969), erfcx(z) = (1/sqrt(pi) - w P(w) / Q(w)) / z with w = 1/z^2, for z > 4.
const P0 = 0.305326634961232344;
const P1 = 0.360344899949804439;
const P2 = 0.125781726111229246;
const P3 = 0.0160837851487422766;
const P4 = 6.58749161529837803e-4;
const P5 = 0.0163153871373020978;
const Q0 = 2.56852019228982242;
const Q1 = 1.87295284992346047;
const Q2 = 0.527905102951428412;
const Q3 = 0.0605183413124413191;
const Q4 = 0.00233520497626869185;

/** erf(z) for |z| <= 0.46875 (Cody's first interval); relative error a few EPS. */
function erfSmall(z: number): number {
  const zSq = z * z;
  const num = (((A4 * zSq + A0) * zSq + A1) * zSq + A2) * zSq + A3;
  const den = (((zSq + B0) * zSq + B1) * zSq + B2) * zSq + B3;
  return (z * num) / den;
}

/** The scaled complementary error function erfcx(z) = exp(z^2) erfc(z), for z > 0.46875. */
export function erfcxLarge(z: number): number {
  if (z <= 4) {
    const num = (((((((C8 * z + C0) * z + C1) * z + C2) * z + C3) * z + C4) * z + C5) * z + C6) * z + C7;
    const den = (((((((z + D0) * z + D1) * z + D2) * z + D3) * z + D4) * z + D5) * z + D6) * z + D7;
    return num / den;
  }
  // w = 1/z^2 (0 once z^2 overflows, where erfcx(z) = 1/(sqrt(pi) z) to float64 precision).
  const w = 1 / (z * z);
  const num = ((((P5 * w + P0) * w + P1) * w + P2) * w + P3) * w + P4;
  const den = ((((w + Q0) * w + Q1) * w + Q2) * w + Q3) * w + Q4;
  return (INV_SQRT_PI - (w * num) / den) / z;
}

/**
 * The upper tail Q(u) = Phi(-u) = 1/2 erfc(u / sqrt 2) for u > 0.66 (z = u/sqrt(2) >
 * 0.46875), as Q(u) = 1/2 erfcx(z) exp(-delta) exp(-t^2/2) with t = floor(16 u)/16 and
 * delta = (u - t)(u + t)/2, so that u^2/2 = t^2/2 + delta is formed without the rounding
 * of z = u/sqrt(2) (Cody's splitting, applied to u). `z` is u * SQRT1_2.
 */
function upperTail(u: number, z: number): number {
  if (!(u < TAIL_UNDERFLOW)) return u === u ? 0 : NaN;
  const t = Math.trunc(u * 16) / 16;
  const delta = (u - t) * (u + t) * 0.5;
  // The normal-range factors first, the possibly subnormal exp(-t^2/2) last: one rounding
  // in the subnormal range at most.
  return 0.5 * erfcxLarge(z) * Math.exp(-delta) * Math.exp(-(0.5 * t) * t);
}

/** log Q(u) = log Phi(-u) for u > 0.66: -t^2/2 - delta + log(erfcx(z)/2), all terms < 0. */
function logUpperTail(u: number, z: number): number {
  if (!(u <= HALF_SQUARE_OVERFLOW)) return u === u ? -Infinity : NaN;
  const t = Math.trunc(u * 16) / 16;
  const delta = (u - t) * (u + t) * 0.5;
  return -((0.5 * t) * t) - delta + Math.log(0.5 * erfcxLarge(z));
}

/**
 * The standard normal CDF Phi(x) = 1/2 erfc(-x / sqrt 2) to a few EPS relative, for every
 * float64 x (0 below x = -38.5, 1 above x = 8.3; NaN for NaN).
 *
 * @see proofs/gaussian/cdf.md
 */
export function ndtr(x: number): number {
  const u = Math.abs(x);
  const z = u * Math.SQRT1_2;
  if (z <= ERF_SWITCH) return 0.5 + 0.5 * erfSmall(x * Math.SQRT1_2);
  const q = upperTail(u, z);
  return x < 0 ? q : 1 - q;
}

/**
 * log Phi(x) to a few EPS relative for every float64 x: log of the erf form near 0,
 * -x^2/2 + log(erfcx(|x|/sqrt 2)/2) for x < -0.66 (no underflow: log Phi(-40) is
 * -804.608...), and log1p(-Phi(-x)) for x > 0 (so log Phi(x) ~ -Phi(-x) for large x).
 *
 * @see proofs/gaussian/cdf.md
 */
export function logNdtr(x: number): number {
  const u = Math.abs(x);
  const z = u * Math.SQRT1_2;
  if (z <= ERF_SWITCH) return Math.log(0.5 + 0.5 * erfSmall(x * Math.SQRT1_2));
  if (x > 0) return Math.log1p(-upperTail(u, z));
  if (x < 0) return logUpperTail(u, z);
  return NaN;
}

/**
 * Phi(u) - 1/2 for u >= 0, to a few EPS relative even as u -> 0 (where Phi(u) - 1/2 by
 * subtraction would cancel): 1/2 erf(u / sqrt 2) near 0, 1/2 - Phi(-u) beyond.
 */
function ndtrMinusHalf(u: number): number {
  const z = u * Math.SQRT1_2;
  if (z <= ERF_SWITCH) return 0.5 * erfSmall(z);
  return 0.5 - upperTail(u, z);
}

// 1/n! for n = 2..19 (n! is exact in float64 up to 22!, so each is correctly rounded).
const INV_FACT = [
  1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320, 1 / 362880, 1 / 3628800, 1 / 39916800,
  1 / 479001600, 1 / 6227020800, 1 / 87178291200, 1 / 1307674368000, 1 / 20922789888000,
  1 / 355687428096000, 1 / 6402373705728000, 1 / 121645100408832000,
];

/**
 * e^d - 1 - d, to a few EPS relative for every d (the cancellation-free core of the
 * Gaussian KL): its Taylor series sum_{n>=2} d^n/n! by Horner for |d| <= 1 (terms up to
 * n = 19; the remainder is below 1/20! < 4.2e-19 relative), expm1(d) - d beyond (the
 * difference then keeps at least 0.36 of its operands).
 *
 * @see proofs/gaussian/kl.md
 */
export function expm1MinusX(d: number): number {
  if (Math.abs(d) <= 1) {
    let s = INV_FACT[17]!;
    for (let n = 16; n >= 0; n--) s = s * d + INV_FACT[n]!;
    return d * d * s;
  }
  return Math.expm1(d) - d;
}

/**
 * KL(N(m1, e^lv1) || N(m2, e^lv2)) in nats for one coordinate:
 * 1/2 (e^D - 1 - D + (m1 - m2)^2 e^{-lv2}) with D = lv1 - lv2. Both terms are >= 0, so
 * the result is >= 0 and has relative error of a few EPS. D is formed exactly as
 * d + dErr (Knuth's TwoSum), and e^D - 1 - D = f(d) + dErr (e^d - 1) to first order, with
 * e^d - 1 = d + f(d): so a large |D| does not turn the rounding of lv1 - lv2 into a
 * relative error |D| EPS of e^D.
 *
 * @see proofs/gaussian/kl.md
 */
export function normalKLScalar(m1: number, lv1: number, m2: number, lv2: number): number {
  const d = lv1 - lv2;
  const bVirtual = d - lv1;
  const dErr = lv1 - (d - bVirtual) + (-lv2 - bVirtual);
  const f = expm1MinusX(d);
  const dm = m1 - m2;
  return 0.5 * (f + dErr * (d + f) + dm * dm * Math.exp(-lv2));
}

/** Elementwise KL into `out` (inputs: length out.length, or 1 to broadcast). */
export function normalKLInto(
  out: Float64Array,
  m1: Float64Array,
  lv1: Float64Array,
  m2: Float64Array,
  lv2: Float64Array,
): Float64Array {
  const sm1 = m1.length === 1 ? 0 : 1;
  const sl1 = lv1.length === 1 ? 0 : 1;
  const sm2 = m2.length === 1 ? 0 : 1;
  const sl2 = lv2.length === 1 ? 0 : 1;
  for (let i = 0; i < out.length; i++) {
    out[i] = normalKLScalar(m1[i * sm1]!, lv1[i * sl1]!, m2[i * sm2]!, lv2[i * sl2]!);
  }
  return out;
}

/** log N(x; mean, e^logVar) = -1/2 (log 2 pi + logVar + (x - mean)^2 e^{-logVar}). */
export function logPdfScalar(x: number, mean: number, logVar: number): number {
  const d = x - mean;
  return -0.5 * (LOG_2PI + logVar + d * d * Math.exp(-logVar));
}

/** Elementwise log-density into `out` (inputs: length out.length, or 1 to broadcast). */
export function logPdfInto(out: Float64Array, x: Float64Array, mean: Float64Array, logVar: Float64Array): Float64Array {
  const sx = x.length === 1 ? 0 : 1;
  const sm = mean.length === 1 ? 0 : 1;
  const sl = logVar.length === 1 ? 0 : 1;
  for (let i = 0; i < out.length; i++) out[i] = logPdfScalar(x[i * sx]!, mean[i * sm]!, logVar[i * sl]!);
  return out;
}

/** Elementwise score -(x - mean) e^{-logVar} into `out` (inputs: length out.length, or 1). */
export function scoreInto(out: Float64Array, x: Float64Array, mean: Float64Array, logVar: Float64Array): Float64Array {
  const sx = x.length === 1 ? 0 : 1;
  const sm = mean.length === 1 ? 0 : 1;
  if (logVar.length === 1) {
    // One variance for all: exp(-logVar) once (the same value each element would compute).
    const precision = Math.exp(-logVar[0]!);
    if (sx === 1 && sm === 0) {
      const m = mean[0]!;
      for (let i = 0; i < out.length; i++) out[i] = -(x[i]! - m) * precision;
    } else {
      for (let i = 0; i < out.length; i++) out[i] = -(x[i * sx]! - mean[i * sm]!) * precision;
    }
    return out;
  }
  for (let i = 0; i < out.length; i++) out[i] = -(x[i * sx]! - mean[i * sm]!) * Math.exp(-logVar[i]!);
  return out;
}

/** Elementwise entropy 1/2 (1 + log 2 pi + logVar) into `out` (logVar: length out.length, or 1). */
export function entropyInto(out: Float64Array, logVar: Float64Array): Float64Array {
  const sl = logVar.length === 1 ? 0 : 1;
  for (let i = 0; i < out.length; i++) out[i] = 0.5 + LOG_SQRT_2PI + 0.5 * logVar[i * sl]!;
  return out;
}

// Dekker's splitter 2^27 + 1: b = bHi + bLo with 26-bit halves, so 255 * bHi and
// 255 * bLo are exact (255 has 8 significant bits).
const SPLITTER = 134217729;

/** The series switch of the bin probability: h max(|c|, 1) <= 1/4 (proofs/gaussian/discretized.md). */
export const BIN_SERIES_SWITCH = 0.25;
/**
 * Terms m = 0..8 of the bin series: with h max(|c|, 1) <= 1/4, |He_n(c)| h^n <= I(n)/4^n
 * (I(n) the involution numbers), so the terms from m = 9 on add up to less than 1.2e-19,
 * and S >= 1 - 0.0212.
 */
const SERIES_TERMS = 9;

/**
 * log P_k for the DDPM decoder (Ho et al. 2020, Eq. 13): the probability that
 * N(mean, s^2), s = e^logScale, puts on pixel bin k of the 8-bit grid in [-1, 1]:
 * bin k in 1..254 is [x_k - 1/255, x_k + 1/255] with x_k = 2k/255 - 1, bin 0 is
 * (-inf, x_0 + 1/255], bin 255 is [x_255 - 1/255, +inf).
 *
 * With the standardized centre c = (x_k - mean)/s and half-width h = 1/(255 s), so the
 * bin is [a, b] = [c - h, c + h]:
 * - bin 0: log Phi(b); bin 255: log Phi(-a);
 * - a narrow bin, h max(|c|, 1) <= 1/4: log(Phi(b) - Phi(a)) = log phi(c) + log(2h S) with
 *   S = sum_m He_{2m}(c) h^{2m} / (2m+1)! (the exact midpoint-rule correction), which
 *   never cancels and never underflows;
 * - otherwise on the side where the CDFs do not cancel: a >= 0 gives Phi(-a) - Phi(-b),
 *   b <= 0 gives Phi(b) - Phi(a) (in the tails as log Q + log1p(-ratio), the ratio of
 *   the two tails from e^{-2ch} and erfcx), a < 0 < b gives log1p of the two small
 *   tails when they hold at most half the mass, else (Phi(b) - 1/2) + (1/2 - Phi(a)).
 * `k` must be an integer in 0..255. The result is finite on the public domain
 * (|mean| <= 1e100, |logScale| <= 100), where c^2 and e^{-logScale} stay finite.
 *
 * @see proofs/gaussian/discretized.md
 */
export function discretizedBinLogProb(k: number, mean: number, logScale: number): number {
  // h = 1/(255 s) and c = (x_k - mean)/s = (2k - 255 - 255 mean) h. The product 255 mean
  // is formed exactly as p + pErr (Dekker), so the centre has a relative error of a
  // few EPS even when x_k and mean nearly cancel.
  const h = Math.exp(-logScale) / 255;
  const p = 255 * mean;
  let pErr = 0;
  if (Math.abs(mean) < 1e290) {
    const split = SPLITTER * mean;
    const hi = split - (split - mean);
    const lo = mean - hi;
    pErr = 255 * hi - p + 255 * lo;
  }
  const c = (2 * k - 255 - p - pErr) * h;
  return binLogProb(k, c, h);
}

/**
 * log P for the bin [c - h, c + h] (open to -inf for k = 0, to +inf for k = 255), given
 * the standardized centre c and half-width h > 0.
 */
export function binLogProb(k: number, c: number, h: number): number {
  if (k <= 0) return logNdtr(c + h);
  if (k >= 255) return logNdtr(h - c);
  const ac = Math.abs(c);
  if (h * (ac > 1 ? ac : 1) <= BIN_SERIES_SWITCH) {
    // Phi(c + h) - Phi(c - h) = phi(c) int_{-h}^{h} e^{-cu - u^2/2} du
    //                         = 2 h phi(c) sum_m He_{2m}(c) h^{2m} / (2m+1)!,
    // from the generating function e^{xt - t^2/2} = sum_n He_n(x) t^n / n!. The terms
    // g_n = He_n(c) h^n follow the probabilists' Hermite recurrence scaled by h^n,
    // g_{n+1} = (c h) g_n - n h^2 g_{n-1}, and stay below 1 (no overflow for large c).
    const ch = c * h;
    const hSq = h * h;
    let gEven = 1; // g_{2m}
    let gOdd = ch; // g_{2m+1}
    let fact = 1; // (2m+1)!
    let series = 1;
    for (let m = 1; m < SERIES_TERMS; m++) {
      const n = 2 * m;
      gEven = ch * gOdd - (n - 1) * hSq * gEven;
      gOdd = ch * gEven - n * hSq * gOdd;
      fact *= n * (n + 1);
      series += gEven / fact;
    }
    return -(0.5 * c) * c - LOG_SQRT_2PI + Math.log(2 * h * series);
  }
  const a = c - h;
  const b = c + h;
  // Both edges on one side of 0: the difference of the two tails on that side.
  if (a >= 0) return logTailDifference(a, b, c * h);
  if (b <= 0) return logTailDifference(-b, -a, -c * h);
  // a < 0 < b: P = 1 - Q(b) - Q(-a) with Q(u) = Phi(-u) = 1 - Phi(u); when P > 1/2 take
  // log1p of the (accurate, small) complement, else add the two positive halves
  // P = (Phi(b) - 1/2) + (Phi(-a) - 1/2).
  const zb = b * Math.SQRT1_2;
  const za = -a * Math.SQRT1_2;
  if (zb > ERF_SWITCH && za > ERF_SWITCH) {
    const complement = upperTail(b, zb) + upperTail(-a, za);
    if (complement <= 0.5) return Math.log1p(-complement);
  }
  return Math.log(ndtrMinusHalf(b) + ndtrMinusHalf(-a));
}

/**
 * log(Q(lo) - Q(hi)) with Q(u) = Phi(-u), for 0 <= lo < hi with hi^2 - lo^2 = 4 ch, on a
 * bin outside the series region, where Q(hi)/Q(lo) <= Q(1/2)/Q(0) = 0.617 (Q is
 * log-concave), so the difference keeps at least 0.38 of Q(lo). In the tail (lo > 0.66)
 * the ratio is formed from c h instead of the rounded edges,
 * log(Q(hi)/Q(lo)) = -2 c h + log(erfcx(hi/sqrt 2) / erfcx(lo/sqrt 2)),
 * which neither cancels nor underflows, and stays right when lo and hi round to the
 * same float64 (a bin narrower than EPS |c| far in a tail).
 */
function logTailDifference(lo: number, hi: number, ch: number): number {
  const zLo = lo * Math.SQRT1_2;
  if (zLo <= ERF_SWITCH) return Math.log(ndtr(-lo) - ndtr(-hi));
  const logRatio = -2 * ch + Math.log(erfcxLarge(hi * Math.SQRT1_2) / erfcxLarge(zLo));
  return logUpperTail(lo, zLo) + Math.log1p(-Math.exp(logRatio));
}

/**
 * Elementwise decoder log-likelihood into `out`: x snapped to the nearest grid point
 * k = round((x + 1) 255/2) clamped to 0..255 (the public API rejects x off the grid);
 * inputs of length out.length, or 1 to broadcast.
 *
 * @see proofs/gaussian/discretized.md
 */
export function discretizedLogLikelihoodInto(
  out: Float64Array,
  x: Float64Array,
  mean: Float64Array,
  logScale: Float64Array,
): Float64Array {
  const sx = x.length === 1 ? 0 : 1;
  const sm = mean.length === 1 ? 0 : 1;
  const sl = logScale.length === 1 ? 0 : 1;
  for (let i = 0; i < out.length; i++) {
    const xi = x[i * sx]!;
    if (xi !== xi) {
      out[i] = NaN;
      continue;
    }
    const k = Math.min(255, Math.max(0, Math.round((xi + 1) * 127.5)));
    out[i] = discretizedBinLogProb(k, mean[i * sm]!, logScale[i * sl]!);
  }
  return out;
}
