/**
 * Raw kernels of the `ddpm` area, shared with `elbo` (not re-exported): plain loops over
 * Float64Arrays in blocks of one step each (see `StepRows` in steps.ts). They do not
 * validate; the public functions validate and then call them.
 *
 * @see proofs/ddpm/forward.md
 * @see proofs/ddpm/reverse.md
 */
import type { Schedule } from '../schedule/from-betas.js';

/**
 * The per-step coefficient of each block: table(t) for the step t of block r.
 */
export function coefficientRows(steps: Int32Array, rows: number, table: (t: number) => number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = table(steps[r]!);
  return out;
}

/**
 * out_i = a_r u_i + b_r v_i over blocks of `rowSize` values, block r with coefficients
 * (a_r, b_r): the one loop behind every two-term linear map of the area (the forward
 * kernel, the closed form, the posterior mean, x_0 from eps). Returns the finiteness
 * check of the output (see `checkFiniteResult` in steps.ts).
 */
export function affineRowsInto(out: Float64Array, a: Float64Array, u: Float64Array, b: Float64Array, v: Float64Array, rowSize: number): number {
  let check = 0;
  for (let r = 0; r < a.length; r++) {
    const ar = a[r]!;
    const br = b[r]!;
    const end = (r + 1) * rowSize;
    for (let i = r * rowSize; i < end; i++) {
      const w = ar * u[i]! + br * v[i]!;
      out[i] = w;
      check += w * 0;
    }
  }
  return check;
}

/**
 * out = sqrt(alphaBar_t) x0 + sqrt(1 - alphaBar_t) eps over `rows` blocks of `rowSize`
 * values at steps `steps` (Ho et al. 2020, Eq. 4). Returns the finiteness check of the
 * output.
 */
export function qSampleInto(
  out: Float64Array,
  s: Schedule,
  x0: Float64Array,
  eps: Float64Array,
  rows: number,
  rowSize: number,
  steps: Int32Array,
): number {
  const a = coefficientRows(steps, rows, (t) => s.sqrtAlphaBar[t]!);
  const b = coefficientRows(steps, rows, (t) => s.sqrtOneMinusAlphaBar[t]!);
  return affineRowsInto(out, a, x0, b, eps, rowSize);
}

/**
 * The coefficients of Eq. 11 at step t: mu_theta = a x_t - b eps with a = 1/sqrt(alpha_t)
 * and b = beta_t / (sqrt(alpha_t) sqrt(1 - alphaBar_t)) (finite: fromBetas keeps beta_t < 1).
 */
export function epsMeanCoefficients(s: Schedule, t: number): { a: number; b: number } {
  const sqrtAlpha = Math.sqrt(s.alpha[t]!);
  return { a: 1 / sqrtAlpha, b: s.beta[t]! / (sqrtAlpha * s.sqrtOneMinusAlphaBar[t]!) };
}

/**
 * The reverse-process mean from an eps prediction, and the predicted x_0, per block:
 *
 *     x0Pred = sqrt(1/alphaBar_t) x_t - sqrt(1/alphaBar_t - 1) eps,
 *     mean   = (x_t - beta_t/sqrt(1 - alphaBar_t) eps)/sqrt(alpha_t)          (Eq. 11), or, with clip,
 *     x0Pred = clip(x0Pred, -1, 1),  mean = mu-tilde_t(x0Pred, x_t)            (Eq. 7).
 *
 * `x0Pred` may be null when only the mean is needed (then the clip must be false).
 * Returns the finiteness check of both outputs (see `finiteCheck`).
 */
export function pMeanInto(
  mean: Float64Array,
  x0Pred: Float64Array | null,
  s: Schedule,
  xt: Float64Array,
  eps: Float64Array,
  rows: number,
  rowSize: number,
  steps: Int32Array,
  clip: boolean,
): number {
  let check = 0;
  for (let r = 0; r < rows; r++) {
    const k = steps[r]!;
    const start = r * rowSize;
    const end = start + rowSize;
    const recipSqrtAlphaBar = s.sqrtRecipAlphaBar[k]!;
    const recipM1 = s.sqrtRecipM1AlphaBar[k]!;
    if (clip && x0Pred !== null) {
      const c1 = s.posteriorMeanCoef1[k]!;
      const c2 = s.posteriorMeanCoef2[k]!;
      for (let i = start; i < end; i++) {
        const x = xt[i]!;
        const raw = recipSqrtAlphaBar * x - recipM1 * eps[i]!;
        const x0 = raw < -1 ? -1 : raw > 1 ? 1 : raw;
        const m = c1 * x0 + c2 * x;
        x0Pred[i] = x0;
        mean[i] = m;
        check += m * 0; // a clipped x0 is finite; a NaN one makes m NaN
      }
      continue;
    }
    const { a, b } = epsMeanCoefficients(s, k);
    if (x0Pred !== null) {
      for (let i = start; i < end; i++) {
        const x = xt[i]!;
        const e = eps[i]!;
        const x0 = recipSqrtAlphaBar * x - recipM1 * e;
        const m = a * x - b * e;
        x0Pred[i] = x0;
        mean[i] = m;
        check += x0 * 0 + m * 0;
      }
    } else {
      for (let i = start; i < end; i++) {
        const m = a * xt[i]! - b * eps[i]!;
        mean[i] = m;
        check += m * 0;
      }
    }
  }
  return check;
}
