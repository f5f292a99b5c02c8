/**
 * The DDPM reverse (generative) process: p_theta(x_{t-1} | x_t) = N(mu_theta, sigma_t^2 I)
 * with the eps-parameterized mean (Ho et al. 2020, Eq. 11) and a fixed variance
 * (Section 3.2), and one step of ancestral sampling (Algorithm 2).
 *
 * @see proofs/ddpm/reverse.md
 * @see docs/ddpm/reverse.md
 */
import { checkSchedule } from '../../_internal/schedule-check.js';
import type { Float64NdArray } from '../../_internal/validate.js';
import { checkKey } from '../random/checks.js';
import type { Key } from '../random/keys.js';
import { normal } from '../random/normal.js';
import type { Schedule } from '../schedule/from-betas.js';
import { pMeanInto } from './kernels.js';
import {
  checkFiniteResult,
  checkInvertible,
  checkLike,
  checkReverseOptions,
  checkSteps,
  checkVariance,
  like,
  modelLogVariance,
  modelVariance,
  perStep,
  type PerStep,
  type StepRows,
  type Steps,
  type VarianceKind,
} from './steps.js';

/** Options of the reverse step. */
export interface ReverseOptions {
  /**
   * Clip the predicted x_0 to [-1, 1] (the data range of images) and recompute the mean
   * through the posterior, mu = mu-tilde_t(clip(x0Pred), x_t). Default false.
   */
  readonly clipDenoised?: boolean;
}

/** The reverse kernel p_theta(x_{t-1} | x_t) = N(mean, variance I), and the x_0 it implies. */
export interface ReverseGaussian<S extends Steps> {
  /** mu_theta(x_t, t), in the shape of x_t. */
  readonly mean: Float64NdArray;
  /** sigma_t^2: a number, or one per example. */
  readonly variance: PerStep<S>;
  /** log sigma_t^2 (for 'fixedSmall' at t = 1, log beta-tilde_2: see `pMeanVariance`): a number, or one per example. */
  readonly logVariance: PerStep<S>;
  /** The predicted x_0 = sqrt(1/alphaBar_t) x_t - sqrt(1/alphaBar_t - 1) eps (clipped with `clipDenoised`). */
  readonly x0Pred: Float64NdArray;
}

/** Validates the arguments shared by `pMeanVariance` and `ancestralStep`. */
function prepare(api: string, s: unknown, xt: unknown, t: unknown, epsPred: unknown, variance: unknown, options: unknown) {
  const sch = checkSchedule(api, 's', s);
  const x = checkLike(api, 'xt', xt);
  const plan = checkSteps(api, 't', t, sch, x.shape);
  const e = checkLike(api, 'epsPred', epsPred, 'xt', x);
  const kind = checkVariance(api, 'variance', variance);
  const { clipDenoised } = checkReverseOptions(api, options);
  checkInvertible(api, sch, plan);
  return { sch, x, plan, e, kind, clipDenoised };
}

function meanAndX0(api: string, sch: Schedule, xt: Float64Array, eps: Float64Array, plan: StepRows, clip: boolean) {
  const mean = new Float64Array(xt.length);
  const x0Pred = new Float64Array(xt.length);
  const check = pMeanInto(mean, x0Pred, sch, xt, eps, plan.rows, plan.rowSize, plan.steps, clip);
  if (check !== 0) {
    checkFiniteResult(api, 'epsPred', x0Pred, 'the predicted x_0');
    checkFiniteResult(api, 'epsPred', mean, 'the mean mu_theta');
  }
  return { mean, x0Pred };
}

/**
 * The reverse kernel's mean and variance from an eps prediction (Ho et al. 2020, Eq. 11
 * and Section 3.2; improved-diffusion's `p_mean_variance` with fixed variances):
 *
 *     mu_theta(x_t, t) = 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - alphaBar_t) eps_theta(x_t, t)),
 *     'fixedSmall': sigma_t^2 = beta-tilde_t,   log sigma_t^2 = log beta-tilde_t (log beta-tilde_2 at t = 1),
 *     'fixedLarge': sigma_t^2 = beta_t,         log sigma_t^2 = log beta_t at every t.
 *
 * The mean equals the posterior mean mu-tilde_t(x0Pred, x_t) at the predicted x_0, so with
 * the exact eps of a pair (x_0, x_t) it is mu-tilde_t itself. 'fixedSmall' at t = 1 has
 * sigma_1^2 = beta-tilde_1 = 0 (the last step adds no noise) and the finite log-variance
 * log beta-tilde_2 for the decoder. 'fixedLarge' is beta_t for both the variance and its
 * log at every t; DDPM's original code instead pairs the variance beta_1 with the
 * log-variance log beta-tilde_2 at t = 1, an inconsistency not copied here.
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param xt - x_t, a float64 ndarray, finite values
 * @param t - the step: an integer in 1..T, or one per example along the leading axis
 * @param epsPred - eps_theta(x_t, t), a float64 ndarray of the shape of x_t, finite values
 * @param variance - 'fixedSmall' (beta-tilde_t) or 'fixedLarge' (beta_t)
 * @param options - `{ clipDenoised }`: clip x0Pred to [-1, 1] and take the mean through the posterior
 * @returns `{ mean, variance, logVariance, x0Pred }`
 * @throws InvalidArgumentError where 1/sqrt(alphaBar_t) is not finite (x0Pred divides by
 *   sqrt(alphaBar_t), which underflows for very long or very noisy schedules), for invalid
 *   arguments or results that overflow; ShapeError for mismatched shapes
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.erasureBetas(4).slice(0, 4)); // T = 3, alphaBar_t = 1 - t/4
 * const xt = ndarray(new Float64Array([1]), [1]);
 * const eps = ndarray(new Float64Array([0]), [1]);
 * ddpm.pMeanVariance(s, xt, 2, eps, 'fixedLarge').mean.get(0); // returns ~1.2247 (= 1/sqrt(2/3))
 * @see proofs/ddpm/reverse.md (claim ddpm/reverse#exact-eps)
 */
export function pMeanVariance<S extends Steps>(
  s: Schedule,
  xt: Float64NdArray,
  t: S,
  epsPred: Float64NdArray,
  variance: VarianceKind,
  options?: ReverseOptions,
): ReverseGaussian<S> {
  const api = 'ddpm.pMeanVariance';
  const { sch, x, plan, e, kind, clipDenoised } = prepare(api, s, xt, t, epsPred, variance, options);
  const { mean, x0Pred } = meanAndX0(api, sch, x.data, e.data, plan, clipDenoised);
  return {
    mean: like(mean, x),
    variance: perStep<S>(plan, (k) => modelVariance(sch, kind, k)),
    logVariance: perStep<S>(plan, (k) => modelLogVariance(sch, kind, k)),
    x0Pred: like(x0Pred, x),
  };
}

/**
 * One step of ancestral sampling (Ho et al. 2020, Algorithm 2, line 4):
 *
 *     x_{t-1} = mu_theta(x_t, t) + sigma_t z,   z ~ N(0, I) for t > 1,   z = 0 for t = 1,
 *
 * with mu_theta and sigma_t^2 as in `pMeanVariance`. Deterministic: the noise is an
 * argument (ignored, though still validated, at t = 1, where x = xMean).
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param xt - x_t, a float64 ndarray, finite values
 * @param t - the step: an integer in 1..T, or one per example along the leading axis
 * @param epsPred - eps_theta(x_t, t), a float64 ndarray of the shape of x_t, finite values
 * @param variance - 'fixedSmall' (sigma_t^2 = beta-tilde_t) or 'fixedLarge' (beta_t)
 * @param noise - z, a float64 ndarray of the shape of x_t, finite values
 * @param options - `{ clipDenoised }` as in `pMeanVariance`
 * @returns `{ x: x_{t-1}, xMean: mu_theta(x_t, t) }`
 * @throws as `pMeanVariance`, and ShapeError for a noise of another shape
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.erasureBetas(4).slice(0, 4)); // T = 3, alphaBar_t = 1 - t/4
 * const one = ndarray(new Float64Array([1]), [1]);
 * const zero = ndarray(new Float64Array([0]), [1]);
 * ddpm.ancestralStep(s, one, 1, zero, 'fixedSmall', one).x.get(0); // returns ~1.1547 (= 1/sqrt(3/4), no noise at t = 1)
 * @see proofs/ddpm/reverse.md (claim ddpm/reverse#ancestral)
 */
export function ancestralStep(
  s: Schedule,
  xt: Float64NdArray,
  t: Steps,
  epsPred: Float64NdArray,
  variance: VarianceKind,
  noise: Float64NdArray,
  options?: ReverseOptions,
): { x: Float64NdArray; xMean: Float64NdArray } {
  return ancestralStepAs('ddpm.ancestralStep', s, xt, t, epsPred, variance, noise, options);
}

/** `ancestralStep` reporting errors as `api`. */
function ancestralStepAs(
  api: string,
  s: unknown,
  xt: unknown,
  t: unknown,
  epsPred: unknown,
  variance: unknown,
  noise: unknown,
  options: unknown,
): { x: Float64NdArray; xMean: Float64NdArray } {
  const { sch, x, plan, e, kind, clipDenoised } = prepare(api, s, xt, t, epsPred, variance, options);
  const z = checkLike(api, 'noise', noise, 'xt', x);
  const { mean } = meanAndX0(api, sch, x.data, e.data, plan, clipDenoised);
  const out = new Float64Array(mean.length);
  const { rows, rowSize, steps } = plan;
  let check = 0;
  for (let r = 0; r < rows; r++) {
    const k = steps[r]!;
    // z = 0 at t = 1 (Algorithm 2): the last step returns the mean.
    const sigma = k === 1 ? 0 : Math.sqrt(modelVariance(sch, kind, k));
    const end = (r + 1) * rowSize;
    for (let i = r * rowSize; i < end; i++) {
      const v = mean[i]! + sigma * z.data[i]!;
      out[i] = v;
      check += v * 0;
    }
  }
  if (check !== 0) checkFiniteResult(api, 'noise', out, 'mu_theta + sigma_t z');
  return { x: like(out, x), xMean: like(mean, x) };
}

/**
 * `ancestralStep` with the noise drawn from a PRNG key: z = random.normal(key, xt.shape).
 *
 * @param s - the schedule
 * @param xt - x_t
 * @param t - the step (an integer in 1..T, or one per example)
 * @param epsPred - eps_theta(x_t, t)
 * @param variance - 'fixedSmall' or 'fixedLarge'
 * @param key - a PRNG key, used once
 * @param options - `{ clipDenoised }`
 * @returns `{ x: x_{t-1}, xMean }`
 * @throws as `ancestralStep`, and for an invalid key
 * @example
 * import { ddpm, random, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.linearBetas(1000));
 * const xt = ndarray(new Float64Array(4), [4]);
 * ddpm.ancestralStepWithKey(s, xt, 1000, xt, 'fixedLarge', random.key(0)).x.size; // returns ~4
 * @see proofs/ddpm/reverse.md (claim ddpm/reverse#ancestral)
 */
export function ancestralStepWithKey(
  s: Schedule,
  xt: Float64NdArray,
  t: Steps,
  epsPred: Float64NdArray,
  variance: VarianceKind,
  key: Key,
  options?: ReverseOptions,
): { x: Float64NdArray; xMean: Float64NdArray } {
  const api = 'ddpm.ancestralStepWithKey';
  const x = checkLike(api, 'xt', xt);
  const k = checkKey(api, 'key', key);
  return ancestralStepAs(api, s, xt, t, epsPred, variance, normal(k, x.shape.slice()), options);
}
