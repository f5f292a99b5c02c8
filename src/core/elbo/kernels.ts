/**
 * Private machinery of the `elbo` area (not re-exported): validation of the decoder and
 * of 8-bit data, and the elementwise kernel of the bound's terms shared by `term`, `vlb`
 * and `vlbEstimate`.
 *
 * @see proofs/elbo/term.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import { discretizedBinLogProb, expm1MinusX, LOG_2PI } from '../../_internal/gaussian-kernels.js';
import { epsMeanCoefficients } from '../ddpm/kernels.js';
import { modelLogVariance, type StepRows, type VarianceKind } from '../ddpm/steps.js';
import type { Schedule } from '../schedule/from-betas.js';

/** The decoder of L_0: DDPM's discretized Gaussian over 8-bit bins, or a continuous Gaussian density. */
export type Decoder = 'discretized' | 'gaussian';

/** Options of the bound's functions. */
export interface BoundOptions {
  /**
   * The decoder p_theta(x_0 | x_1) of L_0: 'discretized' (default; Ho et al. 2020, Eq. 13:
   * x_0 must lie on the 8-bit grid 2k/255 - 1) or 'gaussian' (the continuous density
   * N(x_0; mu_theta(x_1, 1), sigma_1^2), for continuous data).
   */
  readonly decoder?: Decoder;
}

/** Validates the options object; returns the decoder. */
export function checkBoundOptions(api: string, options: unknown): Decoder {
  if (options === undefined) return 'discretized';
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(api, 'options', "an object { decoder?: 'discretized' | 'gaussian' } or undefined", options);
  }
  const d: unknown = (options as { decoder?: unknown }).decoder;
  if (d === undefined) return 'discretized';
  if (d !== 'discretized' && d !== 'gaussian') {
    throw new InvalidArgumentError(api, 'options.decoder', "'discretized' or 'gaussian'", d);
  }
  return d;
}

/** The discretized decoder's mean domain (that of gaussian.discretizedLogLikelihood). */
export const MAX_DECODER_MEAN = 1e100;

/** How far a pixel may lie from its grid point 2k/255 - 1 (the rule of gaussian.discretizedLogLikelihood). */
const GRID_TOLERANCE = 1e-6;

/**
 * Throws unless every value in the blocks at step 1 (all values when `plan` is null) is
 * within 1e-6 of a grid point 2k/255 - 1, k in 0..255: the discretized decoder's domain.
 */
export function checkGrid(api: string, name: string, x: Float64Array, plan: StepRows | null): void {
  const rows = plan === null ? 1 : plan.rows;
  const rowSize = plan === null ? x.length : plan.rowSize;
  for (let r = 0; r < rows; r++) {
    if (plan !== null && plan.steps[r] !== 1) continue;
    const end = (r + 1) * rowSize;
    for (let i = r * rowSize; i < end; i++) {
      const v = x[i]!;
      const k = Math.round((v + 1) * 127.5);
      if (!(k >= 0 && k <= 255 && Math.abs(v - ((2 * k) / 255 - 1)) <= GRID_TOLERANCE)) {
        throw new InvalidArgumentError(
          api,
          name,
          "values on the 8-bit grid 2k/255 - 1, k in 0..255 (within 1e-6), for the 'discretized' decoder of L_0",
          got(`${v} at flat index ${i}`),
        );
      }
    }
  }
}

/**
 * Throws unless, for the discretized decoder used at some block at t = 1, its log-scale
 * log(sigma_1^2)/2 lies in the decoder's domain [-100, 100] (a beta_1 below e^-200 puts it
 * out of range). Nothing else about the steps needs checking: the eps-parameterized mean
 * needs alpha_t > 0, which fromBetas guarantees (it rejects beta_t = 1).
 */
export function checkDecoderScale(api: string, s: Schedule, plan: StepRows, kind: VarianceKind, decoder: Decoder): void {
  if (decoder !== 'discretized') return;
  for (let r = 0; r < plan.rows; r++) {
    if (plan.steps[r] !== 1) continue;
    const logScale = 0.5 * modelLogVariance(s, kind, 1);
    if (!(logScale >= -100 && logScale <= 100)) {
      throw new InvalidArgumentError(api, 's', 'a decoder log-scale log(sigma_1^2)/2 in [-100, 100] (beta_1 not below e^-200)', logScale);
    }
    return;
  }
}

/**
 * The bound's terms elementwise, in nats, over blocks of one step each (Ho et al. 2020,
 * Eq. 5): for t >= 2, L_{t-1} = KL(q(x_{t-1}|x_t, x_0) || p_theta(x_{t-1}|x_t)) per
 * coordinate,
 *
 *     L_{t-1} = 1/2 (e^D - 1 - D) + b_t^2 / (2 sigma_t^2) (eps_theta - eps)^2,
 *     D = log beta-tilde_t - log sigma_t^2,   b_t = beta_t / (sqrt(alpha_t) sqrt(1 - alphaBar_t)),
 *     eps = (x_t - sqrt(alphaBar_t) x_0)/sqrt(1 - alphaBar_t),
 *
 * (mu-tilde_t - mu_theta = b_t (eps_theta - eps) exactly: proofs/elbo/term.md), and for
 * t = 1 the decoder's negative log-likelihood L_0 = -log p_theta(x_0 | x_1) at the mean
 * mu_theta = x_1/sqrt(alpha_1) - b_1 eps_theta of Eq. 11, with log-variance log sigma_1^2
 * (log-scale log(sigma_1^2)/2 for the discretized decoder, whose mean must lie in
 * [-1e100, 1e100]: outside, the value is set to NaN). Not validated. Returns the
 * finiteness check of the output (0, or NaN when a value is not finite: see
 * `checkFiniteResult` in src/core/ddpm/steps.ts).
 */
export function termInto(
  out: Float64Array,
  s: Schedule,
  x0: Float64Array,
  xt: Float64Array,
  eps: Float64Array,
  rows: number,
  rowSize: number,
  steps: Int32Array,
  kind: VarianceKind,
  decoder: Decoder,
): number {
  let check = 0;
  for (let r = 0; r < rows; r++) {
    const k = steps[r]!;
    const start = r * rowSize;
    const end = start + rowSize;
    if (k >= 2) {
      const { c, e, sqrtAlphaBar, recipSigma } = klCoefficients(s, k, kind);
      for (let i = start; i < end; i++) {
        const d = eps[i]! - (xt[i]! - sqrtAlphaBar * x0[i]!) * recipSigma;
        const v = c + e * d * d;
        out[i] = v;
        check += v * 0;
      }
      continue;
    }
    const { a, b } = epsMeanCoefficients(s, k);
    const logVar = modelLogVariance(s, kind, k);
    if (decoder === 'gaussian') {
      // -log N(x_0; mu_theta, e^logVar) = 1/2 (log 2 pi + logVar + (x_0 - mu_theta)^2 e^-logVar).
      const recipVar = Math.exp(-logVar);
      const constant = LOG_2PI + logVar;
      for (let i = start; i < end; i++) {
        const d = x0[i]! - (a * xt[i]! - b * eps[i]!);
        const v = 0.5 * (constant + d * d * recipVar);
        out[i] = v;
        check += v * 0;
      }
    } else {
      const logScale = 0.5 * logVar;
      for (let i = start; i < end; i++) {
        const mean = a * xt[i]! - b * eps[i]!;
        const bin = Math.min(255, Math.max(0, Math.round((x0[i]! + 1) * 127.5)));
        // Beyond the decoder's domain the kernel's accuracy is not guaranteed: flag the value.
        const v = Math.abs(mean) <= MAX_DECODER_MEAN ? -discretizedBinLogProb(bin, mean, logScale) : NaN;
        out[i] = v;
        check += v * 0;
      }
    }
  }
  return check;
}

/**
 * The constants of L_{t-1} = c + e (eps_theta - eps)^2 at a step t >= 2 (proofs/elbo/term.md):
 * c = 1/2 (e^D - 1 - D) with D = log(beta-tilde_t / sigma_t^2), e = b_t^2 / (2 sigma_t^2),
 * and the coefficients of eps = (x_t - sqrt(alphaBar_t) x_0) / sqrt(1 - alphaBar_t).
 */
export function klCoefficients(
  s: Schedule,
  t: number,
  kind: VarianceKind,
): { c: number; e: number; sqrtAlphaBar: number; recipSigma: number } {
  const { b } = epsMeanCoefficients(s, t);
  const logVar = modelLogVariance(s, kind, t);
  // D = 0 for fixedSmall. For fixedLarge, beta-tilde_t / beta_t = (1 - alphaBar_{t-1})/(1 - alphaBar_t)
  // = 1 - x with x = alphaBar_{t-1} beta_t/(1 - alphaBar_t) in [0, 1): D = log1p(-x) while x <= 1/2
  // (no cancellation when the two variances are close, at large t), the log of the quotient beyond
  // (where log1p(-x) would amplify x's rounding by x/(1 - x)).
  let logRatio = 0;
  if (kind === 'fixedLarge') {
    const x = (s.alphaBar[t - 1]! * s.beta[t]!) / s.oneMinusAlphaBar[t]!;
    logRatio = x <= 0.5 ? Math.log1p(-x) : Math.log(s.oneMinusAlphaBar[t - 1]! / s.oneMinusAlphaBar[t]!);
  }
  return {
    c: 0.5 * expm1MinusX(logRatio),
    e: 0.5 * b * b * Math.exp(-logVar),
    sqrtAlphaBar: s.sqrtAlphaBar[t]!,
    recipSigma: 1 / s.sqrtOneMinusAlphaBar[t]!,
  };
}

/**
 * The per-example sums of L_{t-1} at one step t >= 2 over `batch` contiguous examples of
 * `dim` coordinates, into sums[offset + b]: the same values as `termInto` summed in index
 * order (so bit for bit the sums of its output), without the elementwise array.
 */
export function klSumsInto(
  sums: Float64Array,
  offset: number,
  s: Schedule,
  x0: Float64Array,
  xt: Float64Array,
  eps: Float64Array,
  t: number,
  kind: VarianceKind,
  batch: number,
  dim: number,
): void {
  const { c, e, sqrtAlphaBar, recipSigma } = klCoefficients(s, t, kind);
  for (let bIndex = 0; bIndex < batch; bIndex++) {
    let acc = 0;
    const end = (bIndex + 1) * dim;
    for (let i = bIndex * dim; i < end; i++) {
      const d = eps[i]! - (xt[i]! - sqrtAlphaBar * x0[i]!) * recipSigma;
      acc += c + e * d * d;
    }
    sums[offset + bIndex] = acc;
  }
}
