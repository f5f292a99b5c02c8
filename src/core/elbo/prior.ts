/**
 * The prior term of the DDPM bound, L_T (Ho et al. 2020, Eq. 5): how far the end of the
 * forward process is from the reverse process's fixed start N(0, I).
 *
 * @see proofs/elbo/prior.md
 * @see docs/elbo/prior.md
 */
import { checkSchedule } from '../../_internal/schedule-check.js';
import type { Float64NdArray } from '../../_internal/validate.js';
import { expm1MinusX } from '../../_internal/gaussian-kernels.js';
import { checkFiniteResult, checkLike, like, logOneMinusAlphaBar } from '../ddpm/steps.js';
import type { Schedule } from '../schedule/from-betas.js';

/**
 * Fills `out` with the elementwise prior KL 1/2 (e^D - 1 - D) + 1/2 alphaBar_T x_0^2,
 * D = log(1 - alphaBar_T) (not validated). Returns the finiteness check of the output.
 */
export function priorKLInto(out: Float64Array, s: Schedule, x0: Float64Array): number {
  const T = s.T;
  // KL(N(m, v) || N(0, 1)) = 1/2 (v - 1 - log v + m^2); with v = e^D, v - 1 - log v = e^D - 1 - D
  // is formed without cancellation (it is ~ alphaBar_T^2 / 2 when alphaBar_T is small), from
  // D = log(1 - alphaBar_T) accurate to a few EPS relative.
  const c = 0.5 * expm1MinusX(logOneMinusAlphaBar(s, T));
  const h = 0.5 * s.alphaBar[T]!;
  let check = 0;
  for (let i = 0; i < x0.length; i++) {
    const x = x0[i]!;
    const v = c + h * x * x;
    out[i] = v;
    check += v * 0;
  }
  return check;
}

/**
 * The prior term L_T of the bound, elementwise, in nats (Ho et al. 2020, Eq. 5):
 *
 *     L_T = KL(q(x_T | x_0) || N(0, I))
 *         = 1/2 (alphaBar_T x_0^2 - alphaBar_T - log(1 - alphaBar_T))   per coordinate,
 *
 * with q(x_T | x_0) = N(sqrt(alphaBar_T) x_0, (1 - alphaBar_T) I). It has no parameters to
 * learn; it is small when alphaBar_T is (about 1e-5 nats per coordinate for the linear
 * schedule with T = 1000 and |x_0| <= 1), and exactly 0 where alphaBar_T = 0.
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param x0 - x_0, a float64 ndarray, finite values
 * @returns L_T per coordinate (>= 0), a new array of the shape of x_0
 * @throws InvalidArgumentError for a foreign schedule, a non-finite x_0 or a result that overflows
 * @example
 * import { elbo, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.linearBetas(1000));
 * elbo.priorKL(s, ndarray(new Float64Array([1]), [1])).get(0); // returns ~2.0e-5
 * @see proofs/elbo/prior.md (claim elbo/prior#closed-form)
 */
export function priorKL(s: Schedule, x0: Float64NdArray): Float64NdArray {
  const api = 'elbo.priorKL';
  const sch = checkSchedule(api, 's', s);
  const x = checkLike(api, 'x0', x0);
  const out = new Float64Array(x.data.length);
  if (priorKLInto(out, sch, x.data) !== 0) checkFiniteResult(api, 'x0', out, 'alphaBar_T x_0^2 / 2');
  return like(out, x);
}
