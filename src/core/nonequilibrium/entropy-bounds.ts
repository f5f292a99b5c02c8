/**
 * Upper and lower bounds on the conditional entropy of each reverse step of a Gaussian
 * diffusion, H_q(X^{t-1} | X^t), that depend only on the forward process (Sohl-Dickstein et
 * al. 2015, Section 2.6 and Appendix A).
 *
 * @see proofs/nonequilibrium/entropy-bounds.md
 * @see docs/nonequilibrium/entropy-bounds.md
 */
import { checkSchedule } from '../../_internal/schedule-check.js';
import { LOG_2PI } from '../../_internal/gaussian-kernels.js';
import { checkInteger } from '../../_internal/validate.js';
import type { Schedule } from '../schedule/from-betas.js';

/**
 * The bounds per reverse step t = 2..T (the steps a model learns; the first reverse step is
 * fixed to the forward one), arrays of length T + 1 indexed by t, in nats for `dim`
 * coordinates. Indices 0 and 1 are unused and hold 0 (at t = 1 the lower bound is vacuous:
 * H_q(X^0 | X^0) is the entropy of a point mass, -Infinity).
 */
export interface EntropyBounds {
  /**
   * H_q(X^t|X^{t-1}) + H_q(X^{t-1}|X^0) - H_q(X^t|X^0) = dim/2 (1 + log 2 pi + log beta-tilde_t): a lower
   * bound for every data distribution (the data processing inequality).
   */
  readonly lower: Float64Array;
  /**
   * H_q(X^t|X^{t-1}) = dim/2 (1 + log 2 pi + log beta_t): the paper's upper bound, valid when the
   * forward step does not lower the entropy, H_q(X^t) >= H_q(X^{t-1}) (for N(mu, s^2 I) data: s^2 <= 1).
   */
  readonly upper: Float64Array;
  /**
   * dim/2 (1 + log 2 pi + log(beta_t / (1 - beta_t))): an upper bound for every data distribution
   * with a density (H(sqrt(alpha_t) X + sqrt(beta_t) Z) >= H(sqrt(alpha_t) X)).
   */
  readonly upperAnyData: Float64Array;
}

/**
 * Bounds on the conditional entropy of each reverse step (Sohl-Dickstein et al. 2015,
 * Section 2.6 and Appendix A), for q(x_t | x_{t-1}) = N(sqrt(1 - beta_t) x_{t-1}, beta_t I) in `dim`
 * coordinates:
 *
 *     H_q(X^t|X^{t-1}) + H_q(X^{t-1}|X^0) - H_q(X^t|X^0)  <=  H_q(X^{t-1}|X^t)  <=  H_q(X^t|X^{t-1}),
 *     i.e.   dim/2 log(2 pi e beta-tilde_t)  <=  H_q(X^{t-1}|X^t)  <=  dim/2 log(2 pi e beta_t),
 *
 * and the upper bound valid for any data, dim/2 log(2 pi e beta_t / alpha_t). None depends on the
 * data distribution or its entropy H_q(X^0): only on the betas. The lower bound holds for all
 * data and is attained as the data concentrate on a point; the paper's upper bound assumes the
 * step raises the entropy (true for N(mu, s^2 I) data exactly when s^2 <= 1, attained at s^2 = 1);
 * `upperAnyData` holds always and is approached as s^2 -> infinity.
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param dim - the number of coordinates D, an integer >= 1 (default 1)
 * @returns `{ lower, upper, upperAnyData }`, Float64Arrays of length T + 1 indexed by t (t = 2..T; 0 at t = 0, 1), in nats
 * @throws InvalidArgumentError for a foreign schedule or dim not an integer >= 1
 * @example
 * import { nonequilibrium, schedule } from 'diffusion-ts';
 * const s = schedule.fromBetas(schedule.linearBetas(40, 1e-3, 0.2));
 * const b = nonequilibrium.entropyBounds(s, 2);
 * [b.lower[20], b.upper[20], b.upperAnyData[20]]; // returns ~[0.4518, 0.5146, 0.6176] (nats, for 2 coordinates)
 * @see proofs/nonequilibrium/entropy-bounds.md (claims nonequilibrium/entropy-bounds#gaussian-data, nonequilibrium/entropy-bounds#closed-form)
 */
export function entropyBounds(s: Schedule, dim = 1): EntropyBounds {
  const api = 'nonequilibrium.entropyBounds';
  const sch = checkSchedule(api, 's', s);
  const D = checkInteger(api, 'dim', dim, 1, 2 ** 31);
  const T = sch.T;
  const lower = new Float64Array(T + 1);
  const upper = new Float64Array(T + 1);
  const upperAnyData = new Float64Array(T + 1);
  const half = 0.5 * D;
  const c = 1 + LOG_2PI;
  for (let t = 2; t <= T; t++) {
    const logBeta = Math.log(sch.beta[t]!);
    // log beta-tilde_t (exact for t >= 2).
    lower[t] = half * (c + sch.posteriorLogVarianceClipped[t]!);
    upper[t] = half * (c + logBeta);
    upperAnyData[t] = half * (c + logBeta - sch.logAlpha[t]!);
  }
  return { lower, upper, upperAnyData };
}
