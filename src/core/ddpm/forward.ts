/**
 * The DDPM forward (noising) process: the single-step kernel q(x_t | x_{t-1}) and its
 * closed-form t-step marginal q(x_t | x_0) (Ho et al. 2020, Eqs. 2 and 4).
 *
 * @see proofs/ddpm/forward.md
 * @see docs/ddpm/forward.md
 */
import { checkSchedule } from '../../_internal/schedule-check.js';
import { checkArrayDeferred, checkSameShape, rejectNonFinite, type Float64NdArray } from '../../_internal/validate.js';
import type { Key } from '../random/keys.js';
import { checkKey } from '../random/checks.js';
import { normal } from '../random/normal.js';
import type { Schedule } from '../schedule/from-betas.js';
import { affineRowsInto, coefficientRows, qSampleInto } from './kernels.js';
import { checkFiniteResult, checkLike, checkSteps, like, logOneMinusAlphaBar, perStep, type PerStep, type Steps } from './steps.js';

/** A Gaussian with an array mean and an isotropic variance per step (a number, or one per example). */
export interface StepGaussian<S extends Steps> {
  /** The mean, in the shape of the input array. */
  readonly mean: Float64NdArray;
  /** The variance of every coordinate: a number for a scalar t, one value per example for per-example t. */
  readonly variance: PerStep<S>;
}

/** q(x_t | x_0): mean, variance and log-variance (as `StepGaussian`, plus `logVariance`). */
export interface MarginalGaussian<S extends Steps> extends StepGaussian<S> {
  /** log(1 - alphaBar_t), to a few EPS relative at every t (log1p(-alphaBar_t) once alphaBar_t <= 1/2). */
  readonly logVariance: PerStep<S>;
}

/**
 * One forward step's kernel (Ho et al. 2020, Eq. 2):
 *
 *     q(x_t | x_{t-1}) = N(x_t; sqrt(1 - beta_t) x_{t-1}, beta_t I).
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param xPrev - x_{t-1}, a float64 ndarray of any shape, finite values
 * @param t - the step t: an integer in 1..T, or one per example along the leading axis
 * @returns `{ mean: sqrt(alpha_t) x_{t-1}, variance: beta_t }` (variance per example when t is an array)
 * @throws InvalidArgumentError for a foreign schedule, a non-finite x_{t-1}, or t outside 1..T
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.linearBetas(1000));
 * ddpm.qStep(s, ndarray(new Float64Array([1]), [1]), 1).variance; // returns ~1e-4
 * @see proofs/ddpm/forward.md (claim ddpm/forward#composition)
 */
export function qStep<S extends Steps>(s: Schedule, xPrev: Float64NdArray, t: S): StepGaussian<S> {
  const api = 'ddpm.qStep';
  const sch = checkSchedule(api, 's', s);
  const x = checkLike(api, 'xPrev', xPrev);
  const plan = checkSteps(api, 't', t, sch, x.shape);
  const out = new Float64Array(x.data.length);
  const { rows, rowSize, steps } = plan;
  for (let r = 0; r < rows; r++) {
    const sqrtAlpha = Math.sqrt(sch.alpha[steps[r]!]!);
    const end = (r + 1) * rowSize;
    for (let i = r * rowSize; i < end; i++) out[i] = sqrtAlpha * x.data[i]!;
  }
  return { mean: like(out, x), variance: perStep<S>(plan, (k) => sch.beta[k]!) };
}

/**
 * A draw from q(x_t | x_{t-1}) with the given standard normal noise (Ho et al. 2020, Eq. 2):
 *
 *     x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) z,   z ~ N(0, I).
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param xPrev - x_{t-1}, a float64 ndarray, finite values
 * @param t - the step t: an integer in 1..T, or one per example along the leading axis
 * @param noise - z, a float64 ndarray of the shape of x_{t-1}, finite values
 * @returns x_t, a new array of the shape of x_{t-1}
 * @throws InvalidArgumentError, ShapeError for invalid or mismatched arguments, or a result that overflows
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.erasureBetas(4).slice(0, 4)); // T = 3, alphaBar_t = 1 - t/4
 * const x = ndarray(new Float64Array([2]), [1]);
 * ddpm.qStepSample(s, x, 3, ndarray(new Float64Array([0.5]), [1])).get(0); // returns ~1.7678 (= sqrt(0.5) 2 + sqrt(0.5) 0.5)
 * @see proofs/ddpm/forward.md (claim ddpm/forward#composition)
 */
export function qStepSample(s: Schedule, xPrev: Float64NdArray, t: Steps, noise: Float64NdArray): Float64NdArray {
  return qStepSampleAs('ddpm.qStepSample', s, xPrev, t, noise);
}

/** `qStepSample` reporting errors as `api`. */
function qStepSampleAs(api: string, s: unknown, xPrev: unknown, t: unknown, noise: unknown): Float64NdArray {
  const sch = checkSchedule(api, 's', s);
  const x = checkLike(api, 'xPrev', xPrev);
  const plan = checkSteps(api, 't', t, sch, x.shape);
  const z = checkLike(api, 'noise', noise, 'xPrev', x);
  const out = new Float64Array(x.data.length);
  const { rows, rowSize, steps } = plan;
  const sqrtAlpha = coefficientRows(steps, rows, (k) => Math.sqrt(sch.alpha[k]!));
  const sqrtBeta = coefficientRows(steps, rows, (k) => Math.sqrt(sch.beta[k]!));
  const check = affineRowsInto(out, sqrtAlpha, x.data, sqrtBeta, z.data, rowSize);
  if (check !== 0) checkFiniteResult(api, 'xPrev', out, 'sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) z');
  return like(out, x);
}

/**
 * `qStepSample` with the noise drawn from a PRNG key: z = random.normal(key, xPrev.shape).
 *
 * @param s - the schedule
 * @param xPrev - x_{t-1}
 * @param t - the step (an integer in 1..T, or one per example)
 * @param key - a PRNG key, used once
 * @returns x_t ~ q(x_t | x_{t-1})
 * @throws as `qStepSample`, and for an invalid key
 * @example
 * import { ddpm, random, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.linearBetas(1000));
 * ddpm.qStepSampleWithKey(s, ndarray(new Float64Array(4), [4]), 10, random.key(0)).size; // returns ~4
 * @see proofs/ddpm/forward.md (claim ddpm/forward#composition)
 */
export function qStepSampleWithKey(s: Schedule, xPrev: Float64NdArray, t: Steps, key: Key): Float64NdArray {
  const api = 'ddpm.qStepSampleWithKey';
  const x = checkLike(api, 'xPrev', xPrev);
  const k = checkKey(api, 'key', key);
  return qStepSampleAs(api, s, xPrev, t, normal(k, x.shape.slice()));
}

/**
 * The closed-form marginal of t forward steps (Ho et al. 2020, Eq. 4):
 *
 *     q(x_t | x_0) = N(x_t; sqrt(alphaBar_t) x_0, (1 - alphaBar_t) I),   alphaBar_t = prod_{s<=t} (1 - beta_s).
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param x0 - x_0, a float64 ndarray, finite values
 * @param t - the step t: an integer in 1..T, or one per example along the leading axis
 * @returns `{ mean: sqrt(alphaBar_t) x_0, variance: 1 - alphaBar_t, logVariance: log(1 - alphaBar_t) }`
 * @throws InvalidArgumentError for a foreign schedule, a non-finite x_0, or t outside 1..T
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.erasureBetas(4).slice(0, 4)); // T = 3, alphaBar_t = 1 - t/4
 * ddpm.q(s, ndarray(new Float64Array([2]), [1]), 1).variance; // returns ~0.25
 * @see proofs/ddpm/forward.md (claim ddpm/forward#composition)
 */
export function q<S extends Steps>(s: Schedule, x0: Float64NdArray, t: S): MarginalGaussian<S> {
  const api = 'ddpm.q';
  const sch = checkSchedule(api, 's', s);
  const x = checkLike(api, 'x0', x0);
  const plan = checkSteps(api, 't', t, sch, x.shape);
  const out = new Float64Array(x.data.length);
  const { rows, rowSize, steps } = plan;
  for (let r = 0; r < rows; r++) {
    const sqrtAlphaBar = sch.sqrtAlphaBar[steps[r]!]!;
    const end = (r + 1) * rowSize;
    for (let i = r * rowSize; i < end; i++) out[i] = sqrtAlphaBar * x.data[i]!;
  }
  return {
    mean: like(out, x),
    variance: perStep<S>(plan, (k) => sch.oneMinusAlphaBar[k]!),
    logVariance: perStep<S>(plan, (k) => logOneMinusAlphaBar(sch, k)),
  };
}

/**
 * A draw from q(x_t | x_0) with the given noise (Ho et al. 2020, Eq. 4 and Algorithm 1):
 *
 *     x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps,   eps ~ N(0, I).
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param x0 - x_0, a float64 ndarray, finite values
 * @param t - the step t: an integer in 1..T, or one per example along the leading axis
 * @param noise - eps, a float64 ndarray of the shape of x_0, finite values
 * @returns x_t, a new array of the shape of x_0
 * @throws InvalidArgumentError, ShapeError for invalid or mismatched arguments, or a result that overflows
 * @example
 * import { ddpm, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.erasureBetas(4).slice(0, 4)); // T = 3, alphaBar_t = 1 - t/4
 * const x0 = ndarray(new Float64Array([2]), [1]);
 * ddpm.qSample(s, x0, 3, ndarray(new Float64Array([1]), [1])).get(0); // returns ~1.866 (= 0.5 * 2 + sqrt(0.75))
 * @see proofs/ddpm/forward.md (claim ddpm/forward#composition)
 */
export function qSample(s: Schedule, x0: Float64NdArray, t: Steps, noise: Float64NdArray): Float64NdArray {
  return qSampleAs('ddpm.qSample', s, x0, t, noise);
}

/** `qSample` reporting errors as `api`. */
function qSampleAs(api: string, s: unknown, x0: unknown, t: unknown, noise: unknown): Float64NdArray {
  const sch = checkSchedule(api, 's', s);
  // Finiteness of x0 and noise is checked through the result (finite coefficients: a NaN
  // or infinity in either input makes x_t non-finite).
  const x = checkArrayDeferred(api, 'x0', x0);
  const plan = checkSteps(api, 't', t, sch, x.shape);
  const z = checkArrayDeferred(api, 'noise', noise);
  checkSameShape(api, 'noise', z.shape, 'x0', x.shape);
  const out = new Float64Array(x.data.length);
  const check = qSampleInto(out, sch, x.data, z.data, plan.rows, plan.rowSize, plan.steps);
  if (check !== 0) rejectNonFinite(api, [['x0', x0], ['noise', noise]], out, 'x0', 'sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps');
  return like(out, x);
}

/**
 * `qSample` with the noise drawn from a PRNG key: eps = random.normal(key, x0.shape).
 *
 * @param s - the schedule
 * @param x0 - x_0
 * @param t - the step (an integer in 1..T, or one per example)
 * @param key - a PRNG key, used once
 * @returns x_t ~ q(x_t | x_0)
 * @throws as `qSample`, and for an invalid key
 * @example
 * import { ddpm, random, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.linearBetas(1000));
 * ddpm.qSampleWithKey(s, ndarray(new Float64Array(4), [4]), 500, random.key(0)).size; // returns ~4
 * @see proofs/ddpm/forward.md (claim ddpm/forward#composition)
 */
export function qSampleWithKey(s: Schedule, x0: Float64NdArray, t: Steps, key: Key): Float64NdArray {
  const api = 'ddpm.qSampleWithKey';
  const x = checkLike(api, 'x0', x0);
  const k = checkKey(api, 'key', key);
  return qSampleAs(api, s, x0, t, normal(k, x.shape.slice()));
}
