/**
 * The forward posterior of binomial diffusion, q(x_{t-1} | x_t, x_0), by Bayes' rule: the
 * tractable target every reverse step is compared with in the bound K (Sohl-Dickstein et
 * al. 2015, Eq. 14 and Appendix B).
 *
 * @see proofs/binomial/posterior.md
 * @see docs/binomial/posterior.md
 */
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import { checkBinomialSchedule, checkBits, checkStep } from './checks.js';
import { logTables, type BinomialSchedule } from './schedule.js';

/**
 * The four posterior probabilities of step t, one per pair (x_0, x_t) of bit values, and
 * their logs: `q1[c]`, `q0[c]` = P(x_{t-1} = 1 | .), P(x_{t-1} = 0 | .) for c = 2 x_0 + x_t.
 * Each is a product of two factors over their sum, formed separately for both outcomes
 * (never as 1 - the other), so the smaller one keeps full relative precision.
 */
export interface PosteriorTable {
  readonly q1: Float64Array;
  readonly q0: Float64Array;
  readonly logQ1: Float64Array;
  readonly logQ0: Float64Array;
  /** sum over the two outcomes of q log q: minus the posterior's entropy, per pair. */
  readonly negEntropy: Float64Array;
}

/**
 * Fills the posterior table of step t (internal; t in 1..T of a validated schedule).
 *
 * With f = beta_t / 2 (one step's flip) and r = (1 - gamma_{t-1})/2 (the flip after t - 1
 * steps), Bayes' rule weighs x_{t-1} = y by q(x_t | y) q(y | x_0):
 *   x_t = x_0:  y = x_0 has weight (1 - f)(1 - r), y != x_0 has f r;
 *   x_t != x_0: y = x_0 has weight f (1 - r),     y != x_0 has (1 - f) r.
 */
export function posteriorTable(s: BinomialSchedule, t: number): PosteriorTable {
  const q1 = new Float64Array(4);
  const q0 = new Float64Array(4);
  const logQ1 = new Float64Array(4);
  const logQ0 = new Float64Array(4);
  const negEntropy = new Float64Array(4);
  const L = logTables(s);
  const lf = L.logFlip[t]!;
  const ls = L.logStay[t]!;
  const lr = L.logMarginalFlip[t - 1]!; // -Infinity at t = 1: x_{t-1} = x_0 is known
  const lrs = L.logMarginalStay[t - 1]!; // 0 at t = 1
  // Log-weights of "y = x_0" and "y != x_0" for the two cases, normalized by log-sum-exp.
  const cases: readonly [number, number][] = [
    [ls + lrs, lf + lr], // x_t = x_0
    [lf + lrs, ls + lr], // x_t != x_0
  ];
  for (let c = 0; c < 4; c++) {
    const x0 = c >> 1;
    const xt = c & 1;
    const [wSame, wDiff] = cases[x0 === xt ? 0 : 1]!;
    // wSame is finite (f > 0, r <= 1/2) and the larger weight whenever wDiff is -Infinity.
    const m = Math.max(wSame, wDiff);
    const logZ = m + Math.log1p(Math.exp(Math.min(wSame, wDiff) - m));
    const logSame = wSame - logZ;
    const logDiff = wDiff - logZ;
    const same = Math.exp(logSame);
    const diff = Math.exp(logDiff);
    if (x0 === 1) {
      q1[c] = same;
      q0[c] = diff;
      logQ1[c] = logSame;
      logQ0[c] = logDiff;
    } else {
      q1[c] = diff;
      q0[c] = same;
      logQ1[c] = logDiff;
      logQ0[c] = logSame;
    }
    // 0 log 0 = 0: a term with q = 0 (log q = -Infinity) contributes nothing.
    negEntropy[c] = (q1[c]! > 0 ? q1[c]! * logQ1[c]! : 0) + (q0[c]! > 0 ? q0[c]! * logQ0[c]! : 0);
  }
  return { q1, q0, logQ1, logQ0, negEntropy };
}

/**
 * The posterior of one forward step given both ends, elementwise (Bayes' rule; the
 * binomial analogue of Ho et al. 2020, Eqs. 6-7, used by Sohl-Dickstein et al. 2015, Eq. 14):
 *
 *     q(x_{t-1} | x_t, x_0) = q(x_t | x_{t-1}) q(x_{t-1} | x_0) / q(x_t | x_0)
 *                           = B(x_{t-1}; pi),   pi = P(x_{t-1} = 1 | x_t, x_0),
 *
 * with q(x_t | x_{t-1}) = B(x_t; x_{t-1}(1 - beta_t) + beta_t/2) and
 * q(x_{t-1} | x_0) = B(x_{t-1}; x_0 gamma_{t-1} + (1 - gamma_{t-1})/2). At t = 1 the
 * posterior is the point mass at x_0 (pi = x_0 exactly).
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param x0 - x_0, a float64 ndarray of bits
 * @param xt - x_t, a float64 ndarray of bits of the shape of x0
 * @param t - the step t, an integer in 1..T
 * @returns P(x_{t-1} = 1 | x_t, x_0) per bit, a new array of the shape of x0
 * @throws InvalidArgumentError, ShapeError for invalid or mismatched arguments
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * const one = ndarray(new Float64Array([1]), [1]);
 * binomial.posterior(s, one, one, 2).data; // returns ~Float64Array [0.9722] (= (5/6)(7/8) / ((5/6)(7/8) + (1/6)(1/8)) = 35/36)
 * @see proofs/binomial/posterior.md (claims binomial/posterior#bayes, binomial/posterior#first-step)
 */
export function posterior(s: BinomialSchedule, x0: Float64NdArray, xt: Float64NdArray, t: number): Float64NdArray {
  const api = 'binomial.posterior';
  const sch = checkBinomialSchedule(api, 's', s);
  const step = checkStep(api, 't', t, sch);
  const a = checkBits(api, 'x0', x0);
  const b = checkBits(api, 'xt', xt, 'x0', a);
  const table = posteriorTable(sch, step);
  const out = new Float64Array(a.data.length);
  const q1 = table.q1;
  for (let i = 0; i < out.length; i++) out[i] = q1[2 * a.data[i]! + b.data[i]!]!;
  return wrap(out, a.shape);
}
