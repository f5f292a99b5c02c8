/**
 * The one conversion between continuous time t in [0, 1] and the discrete steps of an
 * SDE's N-step discretization (STYLE rule 4): `timeStep(t, N)` gives the step k in 1..N
 * that the discretizations (`discretize`, the reverse-diffusion and ancestral predictors,
 * the Langevin corrector's alpha_k) use at time t, and `stepTime(k, N)` the first time that
 * maps to step k. Nothing else in the library turns a t into a step or back.
 *
 * The rule is score_sde's (`timestep = (t * (N - 1) / T).long()`, Song et al. 2021,
 * sampling.py), shifted to the library's 1-based steps: k = floor(t (N - 1)) + 1. On the
 * predictor-corrector grid t_j = 1 - j (1 - eps)/(N - 1), j = 0..N-1 (linspace(1, eps, N)),
 * it visits k = N, N-1, ..., 1 in turn whenever (N - 1) eps < 1 (the paper's settings: N =
 * 1000 with eps = 1e-3 or 1e-5).
 *
 * @see proofs/sde/steps.md
 * @see docs/sde/discretization.md
 */
import { checkInteger, checkNumber } from '../../_internal/validate.js';
import { MAX_STEPS } from '../schedule/betas.js';

/**
 * Rounding slack, in units of N EPS: t (N - 1) computed in float64 from a t that was itself
 * computed as k/(N-1), or as 1 - j (1 - eps)/(N - 1), is within a few ulps of N below the
 * integer it stands for, and must still map to that integer.
 */
const SLACK_ULPS = 16;

/**
 * The step k of `timeStep` without validation (the library's internal use, after t and N
 * were checked at the boundary).
 */
export function stepOf(t: number, N: number): number {
  if (N === 1) return 1;
  const scaled = t * (N - 1) + SLACK_ULPS * N * Number.EPSILON;
  return Math.min(N, Math.floor(scaled) + 1);
}

/** `stepTime` without validation. */
export function timeOf(k: number, N: number): number {
  return N === 1 ? 0 : (k - 1) / (N - 1);
}

/**
 * The discrete step of continuous time t in an N-step discretization (Song et al. 2021,
 * Appendix E and score_sde's sampling.py):
 *
 *     k = floor(t (N - 1)) + 1,   t in [0, 1],  k in 1..N,
 *
 * so step k covers t in [(k-1)/(N-1), k/(N-1)) and t = 1 is step N. A t(N - 1) within 16 N
 * ulps below an integer counts as that integer (rounding of a computed grid), and N = 1 has
 * the single step k = 1.
 *
 * @param t - continuous time, a finite number in [0, 1]
 * @param N - the number of discretization steps, an integer in 1..10^7
 * @returns the step k, an integer in 1..N
 * @throws InvalidArgumentError for t outside [0, 1] or N not an integer in 1..10^7
 * @example
 * import { sde } from 'diffusion-ts';
 * sde.timeStep(1, 1000); // returns ~1000
 * sde.timeStep(1e-3, 1000); // returns ~1 (floor(0.999) + 1)
 * @see proofs/sde/steps.md (claim sde/steps#round-trip)
 */
export function timeStep(t: number, N: number): number {
  const api = 'sde.timeStep';
  checkNumber(api, 't', t, { min: 0, minClosed: true, max: 1, maxClosed: true });
  checkInteger(api, 'N', N, 1, MAX_STEPS);
  return stepOf(t, N);
}

/**
 * The first time of step k in an N-step discretization, the inverse of `timeStep`:
 *
 *     t_k = (k - 1)/(N - 1)   (0 when N = 1),   timeStep(stepTime(k, N), N) = k.
 *
 * @param k - the step, an integer in 1..N
 * @param N - the number of discretization steps, an integer in 1..10^7
 * @returns t_k in [0, 1]
 * @throws InvalidArgumentError for N not an integer in 1..10^7 or k not an integer in 1..N
 * @example
 * import { sde } from 'diffusion-ts';
 * sde.stepTime(1000, 1000); // returns ~1
 * sde.stepTime(1, 1000); // returns ~0
 * @see proofs/sde/steps.md (claim sde/steps#round-trip)
 */
export function stepTime(k: number, N: number): number {
  const api = 'sde.stepTime';
  checkInteger(api, 'N', N, 1, MAX_STEPS);
  checkInteger(api, 'k', k, 1, N);
  return timeOf(k, N);
}
