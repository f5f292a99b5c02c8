/**
 * One term of the DDPM bound: the KL between the forward posterior and the reverse step
 * for t >= 2, and the decoder's negative log-likelihood at t = 1 (Ho et al. 2020, Eq. 5).
 *
 * @see proofs/elbo/term.md
 * @see docs/elbo/term.md
 */
import { checkSchedule } from '../../_internal/schedule-check.js';
import type { Dense, Float64NdArray } from '../../_internal/validate.js';
import { checkFiniteResult, checkLike, checkSteps, checkVariance, like, type StepRows, type Steps, type VarianceKind } from '../ddpm/steps.js';
import type { Schedule } from '../schedule/from-betas.js';
import { checkBoundOptions, checkGrid, checkDecoderScale, MAX_DECODER_MEAN, termInto, type BoundOptions, type Decoder } from './kernels.js';

/** Validated arguments of a term evaluation. */
export interface TermArgs {
  readonly sch: Schedule;
  readonly x0: Dense;
  readonly xt: Dense;
  readonly eps: Dense;
  readonly plan: StepRows;
  readonly kind: VarianceKind;
  readonly decoder: Decoder;
}

/** Validates the arguments of `term` and `vlbEstimate` (shared). */
export function checkTermArgs(
  api: string,
  s: unknown,
  x0: unknown,
  xt: unknown,
  t: unknown,
  epsPred: unknown,
  variance: unknown,
  options: unknown,
): TermArgs {
  const sch = checkSchedule(api, 's', s);
  const a = checkLike(api, 'x0', x0);
  const b = checkLike(api, 'xt', xt, 'x0', a);
  const plan = checkSteps(api, 't', t, sch, a.shape);
  const e = checkLike(api, 'epsPred', epsPred, 'x0', a);
  const kind = checkVariance(api, 'variance', variance);
  const decoder = checkBoundOptions(api, options);
  checkDecoderScale(api, sch, plan, kind, decoder);
  if (decoder === 'discretized') checkGrid(api, 'x0', a.data, plan);
  return { sch, x0: a, xt: b, eps: e, plan, kind, decoder };
}

/** Runs the term kernel and checks its result (finite; decoder mean in its domain). */
export function evaluateTerms(api: string, args: TermArgs): Float64Array {
  const { sch, x0, xt, eps, plan, kind, decoder } = args;
  const out = new Float64Array(x0.data.length);
  const check = termInto(out, sch, x0.data, xt.data, eps.data, plan.rows, plan.rowSize, plan.steps, kind, decoder);
  if (check !== 0) {
    checkFiniteResult(api, 'epsPred', out, `the bound term (and, for the discretized decoder, the mean mu_theta(x_1, 1) lies in [-${MAX_DECODER_MEAN}, ${MAX_DECODER_MEAN}])`);
  }
  return out;
}

/**
 * One term of the variational bound, elementwise, in nats (Ho et al. 2020, Eq. 5):
 *
 *     t >= 2:  L_{t-1} = KL(q(x_{t-1} | x_t, x_0) || p_theta(x_{t-1} | x_t))
 *                      = 1/2 [log(sigma_t^2 / beta-tilde_t) + beta-tilde_t / sigma_t^2 - 1
 *                             + (mu-tilde_t - mu_theta)^2 / sigma_t^2],
 *     t = 1:   L_0 = -log p_theta(x_0 | x_1),
 *
 * with mu_theta from the eps prediction (Eq. 11) and sigma_t^2 from `variance` as in
 * `ddpm.pMeanVariance`. The difference of means is evaluated as
 * mu-tilde_t - mu_theta = beta_t / (sqrt(alpha_t) sqrt(1 - alphaBar_t)) (eps_theta - eps),
 * eps = (x_t - sqrt(alphaBar_t) x_0)/sqrt(1 - alphaBar_t), an exact identity that avoids
 * the cancellation of two nearly equal means (so the term is 0 to rounding for the exact
 * eps with 'fixedSmall', and Ho et al.'s Eq. 12 weighting of the eps error is explicit).
 * The decoder of L_0 is DDPM's discretized Gaussian (Eq. 13; x_0 must be on the 8-bit
 * grid 2k/255 - 1) with log-scale log(sigma_1^2)/2, or with `{ decoder: 'gaussian' }` the
 * continuous density N(x_0; mu_theta, sigma_1^2); for 'fixedSmall' sigma_1^2 is then
 * beta-tilde_2 (the clipped log-variance), since beta-tilde_1 = 0.
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param x0 - x_0, a float64 ndarray, finite values (on the 8-bit grid in [-1, 1] where t = 1 with the discretized decoder)
 * @param xt - x_t, a float64 ndarray of the shape of x_0, finite values
 * @param t - the step: an integer in 1..T, or one per example along the leading axis
 * @param epsPred - eps_theta(x_t, t), a float64 ndarray of the shape of x_0, finite values
 * @param variance - 'fixedSmall' (sigma_t^2 = beta-tilde_t) or 'fixedLarge' (sigma_t^2 = beta_t)
 * @param options - `{ decoder: 'discretized' | 'gaussian' }` (default 'discretized')
 * @returns the term per coordinate, a new array of the shape of x_0 (>= 0 for t >= 2)
 * @throws InvalidArgumentError for invalid arguments, x_0 off the grid at t = 1 (discretized
 *   decoder), or a result that overflows; ShapeError for mismatched shapes
 * @example
 * import { ddpm, elbo, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.linearBetas(1000));
 * const x0 = ndarray(new Float64Array([0.5]), [1]);
 * const noise = ndarray(new Float64Array([0.3]), [1]);
 * const xt = ddpm.qSample(s, x0, 10, noise);
 * elbo.term(s, x0, xt, 10, noise, 'fixedSmall').get(0); // returns ~0 (exact eps: the KL vanishes)
 * @see proofs/elbo/term.md (claims elbo/term#exact-eps, elbo/term#kl, elbo/term#decoder)
 */
export function term(
  s: Schedule,
  x0: Float64NdArray,
  xt: Float64NdArray,
  t: Steps,
  epsPred: Float64NdArray,
  variance: VarianceKind,
  options?: BoundOptions,
): Float64NdArray {
  const api = 'elbo.term';
  const args = checkTermArgs(api, s, x0, xt, t, epsPred, variance, options);
  return like(evaluateTerms(api, args), args.x0);
}
