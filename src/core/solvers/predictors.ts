/**
 * The predictors of the predictor-corrector samplers (Song et al. 2021, Section 4.2 and
 * Appendix E): reverse diffusion, which discretizes the reverse SDE the way the forward
 * one is discretized, and ancestral sampling, DDPM's and SMLD's reverse chains.
 *
 * Both take one step of the N-step discretization at the step k = `sde.timeStep(t, N)`.
 * Orders (STYLE rule 16): as samplers of p_0 with an exact score, both have weak order 1
 * in 1/N (proofs/solvers/predictors.md); one step of either differs from the other by
 * O(beta_k^2) (VP).
 *
 * @see proofs/solvers/predictors.md
 * @see docs/solvers/predictors.md
 */
import { InvalidArgumentError } from '../errors.js';
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import type { StepResult, TimeScoreFn } from '../fields.js';
import { stepOf } from '../sde/steps.js';
import type { ReverseSde, Sde } from '../sde/types.js';
import { affineStepInto, callScore, checkFiniteOut, checkNoise, checkPoints, checkReverseSde, checkScoreFn, checkSde, checkTime, reverseOf, specOf } from './checks.js';
import type { Dense } from '../../_internal/validate.js';
import type { LinearSdeSpec, ReverseParts } from '../sde/internal.js';

/** The reverse-diffusion step on validated inputs (shared with `pcSample`). Internal: not part of the public API (not re-exported by the area index). */
export function reverseDiffusionKernel(api: string, parts: ReverseParts, x: Dense, t: number, N: number, z: Float64Array, xOut: Float64Array, mean: Float64Array): void {
  const { spec, score, lambda } = parts;
  const { fScale, G } = spec.step(t, N);
  const s = callScore(api, 'score', score, x, t);
  // xMean = x - rev_f = (1 - fScale) x + lambda G^2 s;  x' = xMean + rev_G z.
  const check = affineStepInto(xOut, mean, x.data, 1 - fScale, s, lambda * G * G, lambda === 1 ? G : 0, z);
  if (check !== 0) {
    checkFiniteOut(api, 'score', mean, 'x - f_k + G_k^2 s');
    checkFiniteOut(api, 'noise', xOut, 'xMean + G_k z');
  }
}

/** The ancestral step on validated inputs (shared with `pcSample`); the SDE must have one. Internal: not part of the public API (not re-exported by the area index). */
export function ancestralKernel(api: string, spec: LinearSdeSpec, score: TimeScoreFn, x: Dense, t: number, N: number, z: Float64Array, xOut: Float64Array, mean: Float64Array): void {
  const { A, B, C } = spec.ancestral!(stepOf(t, N), N);
  const s = callScore(api, 'score', score, x, t);
  const check = affineStepInto(xOut, mean, x.data, A, s, B, C, z);
  if (check !== 0) {
    checkFiniteOut(api, 'score', mean, 'the ancestral mean');
    checkFiniteOut(api, 'noise', xOut, 'xMean + std z');
  }
}

/** Throws unless the SDE has an ancestral sampler (VP and VE). Internal: not part of the public API (not re-exported by the area index). */
export function checkAncestral(api: string, name: string, spec: LinearSdeSpec, sde: Sde): void {
  if (spec.ancestral === null) {
    throw new InvalidArgumentError(api, name, "a VP or VE Sde (ancestral sampling is DDPM's or SMLD's chain; sub-VP has none)", sde);
  }
}

/**
 * The reverse-diffusion predictor (Song et al. 2021, Eq. 46 and Appendix E): one step of
 * the reverse SDE discretized like the forward one,
 *
 *     xMean = x_k - f_k(x_k) + lambda G_k^2 s(x_k, t),   x_{k-1} = xMean + G_k z,
 *
 * with (f_k, G_k) = `sde.discretize(x, t, N)` at k = `timeStep(t, N)` (DDPM's kernel for
 * VP, SMLD's for VE, Euler's for sub-VP); lambda = 1, or 1/2 with G_k z dropped for a
 * probability-flow record. For VP, xMean = (2 - sqrt(1 - beta_k)) x + beta_k s: DDPM's
 * ancestral mean (x + beta_k s)/sqrt(1 - beta_k) up to O(beta_k^2).
 *
 * @param reverse - a ReverseSde record (`Sde.reverse(score, options)`); its score is used
 * @param x - x_k, a float64 ndarray of shape [n, ...], finite values
 * @param t - the time t in [0, 1] of the step (k = timeStep(t, N))
 * @param N - the number of discretization steps (VP: an integer > betaMax)
 * @param noise - z ~ N(0, I), of the shape of x (validated even for a probability flow)
 * @returns `{ x: x_{k-1}, xMean }`
 * @throws InvalidArgumentError for a foreign `reverse`, t outside [0, 1], a bad N, non-finite
 *   entries or score values, or a result that overflows; ShapeError for mismatched shapes
 * @example
 * import ndarray from 'ndarray';
 * import { sde, solvers } from 'diffusion-ts';
 * const rev = sde.ve().reverse((x) => ndarray(x.data.map((v) => -v), x.shape));
 * const x = ndarray(new Float64Array([1]), [1, 1]);
 * solvers.reverseDiffusionPredictor(rev, x, 1, 1000, ndarray(new Float64Array([0]), [1, 1])).xMean.get(0, 0); // returns ~-41.27 (1 - G_1000^2, G_1000^2 = 50^2 - sigma_999^2)
 * @see proofs/solvers/predictors.md (claims solvers/predictors#reverse-diffusion, solvers/predictors#ddpm-first-order)
 */
export function reverseDiffusionPredictor(reverse: ReverseSde, x: Float64NdArray, t: number, N: number, noise: Float64NdArray): StepResult {
  const api = 'solvers.reverseDiffusionPredictor';
  const r = checkReverseSde(api, 'reverse', reverse);
  const d = checkPoints(api, 'x', x);
  const tt = checkTime(api, 't', t);
  const parts = reverseOf(r);
  const n = parts.spec.checkN(api, N);
  const z = checkNoise(api, 'noise', noise, 'x', d);
  const xOut = new Float64Array(d.data.length);
  const mean = new Float64Array(d.data.length);
  reverseDiffusionKernel(api, parts, d, tt, n, z.data, xOut, mean);
  return { x: wrap(xOut, d.shape), xMean: wrap(mean, d.shape) };
}

/**
 * The ancestral-sampling predictor (Song et al. 2021, Appendix F, Eqs. 45-47): one step of
 * DDPM's reverse chain for VP and of SMLD's for VE, at k = `timeStep(t, N)`:
 *
 *     VP:  xMean = (x_k + beta_k s(x_k, t)) / sqrt(1 - beta_k),              std^2 = beta_k,
 *     VE:  xMean = x_k + (sigma_k^2 - sigma_{k-1}^2) s(x_k, t),
 *          std^2 = sigma_{k-1}^2 (sigma_k^2 - sigma_{k-1}^2) / sigma_k^2        (sigma_0 = 0),
 *     x_{k-1} = xMean + std z,
 *
 * with the discrete beta_k and sigma_k of `Sde.discretize`. For VP it is
 * `ddpm.ancestralStep(s, x, k, epsFromScore(s, k, score), 'fixedLarge', z)` on the schedule
 * `schedule.fromBetas(schedule.linearBetas(N, betaMin/N, betaMax/N))`, except that noise is
 * added at k = 1 too (score_sde's convention; DDPM's Algorithm 2 takes z = 0 there, which
 * the samplers' final xMean matches).
 *
 * @param sde - a VP or VE Sde record (sub-VP has no ancestral sampler)
 * @param score - the score model s(x, t)
 * @param x - x_k, a float64 ndarray of shape [n, ...], finite values
 * @param t - the time t in [0, 1] of the step (k = timeStep(t, N))
 * @param N - the number of discretization steps (VP: an integer > betaMax)
 * @param noise - z ~ N(0, I), of the shape of x
 * @returns `{ x: x_{k-1}, xMean }`
 * @throws InvalidArgumentError for a foreign or sub-VP `sde`, t outside [0, 1], a bad N,
 *   non-finite entries or score values, or a result that overflows; ShapeError for
 *   mismatched shapes
 * @example
 * import ndarray from 'ndarray';
 * import { sde, solvers } from 'diffusion-ts';
 * const x = ndarray(new Float64Array([1]), [1, 1]);
 * const zero = ndarray(new Float64Array([0]), [1, 1]);
 * solvers.ancestralPredictor(sde.vp(), () => zero, x, 1, 1000, zero).xMean.get(0, 0); // returns ~1.0102 (1/sqrt(1 - 0.02))
 * @see proofs/solvers/predictors.md (claims solvers/predictors#ancestral-ddpm, solvers/predictors#ancestral-smld)
 */
export function ancestralPredictor(sde: Sde, score: TimeScoreFn, x: Float64NdArray, t: number, N: number, noise: Float64NdArray): StepResult {
  const api = 'solvers.ancestralPredictor';
  const record = checkSde(api, 'sde', sde);
  const spec = specOf(record);
  checkAncestral(api, 'sde', spec, record);
  const fn = checkScoreFn(api, 'score', score);
  const d = checkPoints(api, 'x', x);
  const tt = checkTime(api, 't', t);
  const n = spec.checkN(api, N);
  const z = checkNoise(api, 'noise', noise, 'x', d);
  const xOut = new Float64Array(d.data.length);
  const mean = new Float64Array(d.data.length);
  ancestralKernel(api, spec, fn, d, tt, n, z.data, xOut, mean);
  return { x: wrap(xOut, d.shape), xMean: wrap(mean, d.shape) };
}
