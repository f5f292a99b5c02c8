/**
 * The three equivalent targets of a DDPM network and the exact maps between them: the
 * clean data x_0, the noise eps, and the score of the noisy marginal (Ho et al. 2020,
 * Eqs. 4, 9-12; Song et al. 2021, Eq. 8 and Appendix).
 *
 * On x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps the first two are related by
 * solving for one given the other; the optimal eps is -sqrt(1 - alphaBar_t) times the score
 * of q_t (Tweedie's formula), so score = -eps / sqrt(1 - alphaBar_t).
 *
 * @see proofs/ddpm/parameterization.md
 * @see docs/ddpm/parameterization.md
 */
import { checkSchedule } from '../../_internal/schedule-check.js';
import type { Float64NdArray } from '../../_internal/validate.js';
import type { Schedule } from '../schedule/from-betas.js';
import { affineRowsInto, coefficientRows } from './kernels.js';
import { checkFiniteResult, checkInvertible, checkLike, checkSteps, like, type Steps } from './steps.js';

/**
 * The clean data implied by x_t and its noise (Ho et al. 2020, Eq. 4 solved for x_0;
 * the form of Eq. 15 and of improved-diffusion's `_predict_xstart_from_eps`):
 *
 *     x_0 = sqrt(1/alphaBar_t) x_t - sqrt(1/alphaBar_t - 1) eps.
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param xt - x_t, a float64 ndarray, finite values
 * @param t - the step: an integer in 1..T, or one per example along the leading axis
 * @param eps - eps, a float64 ndarray of the shape of x_t, finite values
 * @returns x_0, a new array of the shape of x_t
 * @throws InvalidArgumentError where 1/sqrt(alphaBar_t) is not finite (alphaBar_t underflows
 *   to 0 for very long or very noisy schedules: x_t then holds no usable trace of x_0),
 *   for invalid arguments, or when the result overflows; ShapeError for mismatched shapes
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.erasureBetas(4).slice(0, 4)); // T = 3, alphaBar_t = 1 - t/4
 * const xt = ndarray(new Float64Array([1]), [1]);
 * ddpm.x0FromEps(s, xt, 3, ndarray(new Float64Array([0]), [1])).get(0); // returns ~2 (= 1/sqrt(0.25))
 * @see proofs/ddpm/parameterization.md (claim ddpm/parameterization#round-trip)
 */
export function x0FromEps(s: Schedule, xt: Float64NdArray, t: Steps, eps: Float64NdArray): Float64NdArray {
  const api = 'ddpm.x0FromEps';
  const sch = checkSchedule(api, 's', s);
  const x = checkLike(api, 'xt', xt);
  const plan = checkSteps(api, 't', t, sch, x.shape);
  const e = checkLike(api, 'eps', eps, 'xt', x);
  checkInvertible(api, sch, plan);
  const out = new Float64Array(x.data.length);
  const { rows, rowSize, steps } = plan;
  // a x_t + (-b) eps is a x_t - b eps exactly (negation is exact in IEEE arithmetic).
  const recipSqrtAlphaBar = coefficientRows(steps, rows, (k) => sch.sqrtRecipAlphaBar[k]!);
  const minusRecipM1 = coefficientRows(steps, rows, (k) => -sch.sqrtRecipM1AlphaBar[k]!);
  const check = affineRowsInto(out, recipSqrtAlphaBar, x.data, minusRecipM1, e.data, rowSize);
  if (check !== 0) checkFiniteResult(api, 'xt', out, 'sqrt(1/alphaBar_t) x_t - sqrt(1/alphaBar_t - 1) eps');
  return like(out, x);
}

/**
 * The noise that takes x_0 to x_t (Ho et al. 2020, Eq. 4 solved for eps):
 *
 *     eps = (x_t - sqrt(alphaBar_t) x_0) / sqrt(1 - alphaBar_t).
 *
 * Defined at every step (1 - alphaBar_t >= beta_1 > 0), including where alphaBar_t
 * underflows to 0 (then eps = x_t).
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param xt - x_t, a float64 ndarray, finite values
 * @param t - the step: an integer in 1..T, or one per example along the leading axis
 * @param x0 - x_0, a float64 ndarray of the shape of x_t, finite values
 * @returns eps, a new array of the shape of x_t
 * @throws InvalidArgumentError, ShapeError for invalid or mismatched arguments, or a result that overflows
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.erasureBetas(4).slice(0, 4)); // T = 3, alphaBar_2 = 0.5
 * const x0 = ndarray(new Float64Array([1]), [1]);
 * const xt = ndarray(new Float64Array([Math.SQRT1_2]), [1]);
 * ddpm.epsFromX0(s, xt, 2, x0).get(0); // returns ~0
 * @see proofs/ddpm/parameterization.md (claim ddpm/parameterization#round-trip)
 */
export function epsFromX0(s: Schedule, xt: Float64NdArray, t: Steps, x0: Float64NdArray): Float64NdArray {
  const api = 'ddpm.epsFromX0';
  const sch = checkSchedule(api, 's', s);
  const x = checkLike(api, 'xt', xt);
  const plan = checkSteps(api, 't', t, sch, x.shape);
  const z = checkLike(api, 'x0', x0, 'xt', x);
  const out = new Float64Array(x.data.length);
  const { rows, rowSize, steps } = plan;
  let check = 0;
  for (let r = 0; r < rows; r++) {
    const k = steps[r]!;
    const sqrtAlphaBar = sch.sqrtAlphaBar[k]!;
    const recipSigma = 1 / sch.sqrtOneMinusAlphaBar[k]!;
    const end = (r + 1) * rowSize;
    for (let i = r * rowSize; i < end; i++) {
      const v = (x.data[i]! - sqrtAlphaBar * z.data[i]!) * recipSigma;
      out[i] = v;
      check += v * 0;
    }
  }
  if (check !== 0) checkFiniteResult(api, 'xt', out, '(x_t - sqrt(alphaBar_t) x_0)/sqrt(1 - alphaBar_t)');
  return like(out, x);
}

/**
 * The score of the noisy marginal from an eps prediction (Song et al. 2021, Appendix B;
 * Ho et al. 2020, Section 3.2): the optimal eps is eps*(x_t) = -sqrt(1 - alphaBar_t)
 * grad log q_t(x_t) for any data distribution, so
 *
 *     score = grad_x log q_t(x_t) = -eps / sqrt(1 - alphaBar_t).
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param t - the step: an integer in 1..T, or one per example along the leading axis of eps
 * @param eps - an eps prediction, a float64 ndarray, finite values
 * @returns the score, a new array of the shape of eps
 * @throws InvalidArgumentError for invalid arguments or a result that overflows
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.erasureBetas(4).slice(0, 4)); // T = 3, 1 - alphaBar_1 = 0.25
 * ddpm.scoreFromEps(s, 1, ndarray(new Float64Array([1]), [1])).get(0); // returns ~-2
 * @see proofs/ddpm/parameterization.md (claim ddpm/parameterization#score)
 */
export function scoreFromEps(s: Schedule, t: Steps, eps: Float64NdArray): Float64NdArray {
  const api = 'ddpm.scoreFromEps';
  const sch = checkSchedule(api, 's', s);
  const e = checkLike(api, 'eps', eps);
  const plan = checkSteps(api, 't', t, sch, e.shape);
  const out = new Float64Array(e.data.length);
  const { rows, rowSize, steps } = plan;
  let check = 0;
  for (let r = 0; r < rows; r++) {
    const minusRecipSigma = -1 / sch.sqrtOneMinusAlphaBar[steps[r]!]!;
    const end = (r + 1) * rowSize;
    for (let i = r * rowSize; i < end; i++) {
      const v = minusRecipSigma * e.data[i]!;
      out[i] = v;
      check += v * 0;
    }
  }
  if (check !== 0) checkFiniteResult(api, 'eps', out, '-eps/sqrt(1 - alphaBar_t)');
  return like(out, e);
}

/**
 * The eps prediction equivalent to a score (the inverse of `scoreFromEps`):
 *
 *     eps = -sqrt(1 - alphaBar_t) grad_x log q_t(x_t).
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param t - the step: an integer in 1..T, or one per example along the leading axis of score
 * @param score - a score, a float64 ndarray, finite values
 * @returns eps, a new array of the shape of score
 * @throws InvalidArgumentError for invalid arguments
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.erasureBetas(4).slice(0, 4)); // T = 3, 1 - alphaBar_1 = 0.25
 * ddpm.epsFromScore(s, 1, ndarray(new Float64Array([-2]), [1])).get(0); // returns ~1
 * @see proofs/ddpm/parameterization.md (claim ddpm/parameterization#score)
 */
export function epsFromScore(s: Schedule, t: Steps, score: Float64NdArray): Float64NdArray {
  const api = 'ddpm.epsFromScore';
  const sch = checkSchedule(api, 's', s);
  const g = checkLike(api, 'score', score);
  const plan = checkSteps(api, 't', t, sch, g.shape);
  const out = new Float64Array(g.data.length);
  const { rows, rowSize, steps } = plan;
  for (let r = 0; r < rows; r++) {
    const minusSigma = -sch.sqrtOneMinusAlphaBar[steps[r]!]!;
    const end = (r + 1) * rowSize;
    for (let i = r * rowSize; i < end; i++) out[i] = minusSigma * g.data[i]!;
  }
  return like(out, g);
}
