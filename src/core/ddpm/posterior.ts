/**
 * The forward-process posterior q(x_{t-1} | x_t, x_0) (Ho et al. 2020, Eqs. 6-7): the
 * tractable target that every reverse step is trained to match.
 *
 * @see proofs/ddpm/posterior.md
 * @see docs/ddpm/posterior.md
 */
import { checkSchedule } from '../../_internal/schedule-check.js';
import { checkArrayDeferred, checkSameShape, rejectNonFinite, type Float64NdArray } from '../../_internal/validate.js';
import type { Schedule } from '../schedule/from-betas.js';
import { affineRowsInto, coefficientRows } from './kernels.js';
import { checkSteps, like, perStep, type PerStep, type Steps } from './steps.js';

/** q(x_{t-1} | x_t, x_0) = N(mu-tilde_t, beta-tilde_t I). */
export interface PosteriorGaussian<S extends Steps> {
  /** mu-tilde_t(x_t, x_0), in the shape of x_t. */
  readonly mean: Float64NdArray;
  /** beta-tilde_t = (1 - alphaBar_{t-1})/(1 - alphaBar_t) beta_t (0 at t = 1): a number, or one per example. */
  readonly variance: PerStep<S>;
  /** log beta-tilde_t, with t = 1 (where beta-tilde_1 = 0) replaced by log beta-tilde_2: a number, or one per example. */
  readonly logVarianceClipped: PerStep<S>;
}

/**
 * The posterior of one forward step given both ends (Ho et al. 2020, Eqs. 6-7):
 *
 *     q(x_{t-1} | x_t, x_0) = N(x_{t-1}; mu-tilde_t, beta-tilde_t I),
 *     mu-tilde_t   = sqrt(alphaBar_{t-1}) beta_t / (1 - alphaBar_t) x_0
 *                  + sqrt(alpha_t) (1 - alphaBar_{t-1}) / (1 - alphaBar_t) x_t,
 *     beta-tilde_t = (1 - alphaBar_{t-1}) / (1 - alphaBar_t) beta_t.
 *
 * At t = 1 the posterior is the point mass at x_0 (mu-tilde_1 = x_0, beta-tilde_1 = 0);
 * `logVarianceClipped` then holds log beta-tilde_2 (log beta_1 when T = 1), the finite
 * value the reverse process uses as its log-variance there.
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param x0 - x_0, a float64 ndarray, finite values
 * @param xt - x_t, a float64 ndarray of the shape of x_0, finite values
 * @param t - the step: an integer in 1..T, or one per example along the leading axis
 * @returns `{ mean, variance, logVarianceClipped }`
 * @throws InvalidArgumentError, ShapeError for invalid or mismatched arguments, or a mean that overflows
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.erasureBetas(4).slice(0, 4)); // T = 3, alphaBar_t = 1 - t/4
 * const x = ndarray(new Float64Array([1]), [1]);
 * ddpm.posterior(s, x, x, 2).variance; // returns ~0.16667 (= (1/4)/(1/2) * 1/3)
 * @see proofs/ddpm/posterior.md (claim ddpm/posterior#bayes)
 */
export function posterior<S extends Steps>(s: Schedule, x0: Float64NdArray, xt: Float64NdArray, t: S): PosteriorGaussian<S> {
  const api = 'ddpm.posterior';
  const sch = checkSchedule(api, 's', s);
  // Finiteness of x0 and xt is checked through the result: mu-tilde is c1 x0 + c2 xt with
  // finite c1, c2, so a NaN or infinity in either input makes it non-finite.
  const a = checkArrayDeferred(api, 'x0', x0);
  const b = checkArrayDeferred(api, 'xt', xt);
  checkSameShape(api, 'xt', b.shape, 'x0', a.shape);
  const plan = checkSteps(api, 't', t, sch, a.shape);
  const out = new Float64Array(a.data.length);
  const { rows, rowSize, steps } = plan;
  const c1 = coefficientRows(steps, rows, (k) => sch.posteriorMeanCoef1[k]!);
  const c2 = coefficientRows(steps, rows, (k) => sch.posteriorMeanCoef2[k]!);
  const check = affineRowsInto(out, c1, a.data, c2, b.data, rowSize);
  if (check !== 0) rejectNonFinite(api, [['x0', x0], ['xt', xt]], out, 'x0', 'mu-tilde_t');
  return {
    mean: like(out, a),
    variance: perStep<S>(plan, (k) => sch.posteriorVariance[k]!),
    logVarianceClipped: perStep<S>(plan, (k) => sch.posteriorLogVarianceClipped[k]!),
  };
}
