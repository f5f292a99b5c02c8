/**
 * The exact log-likelihood of a binomial diffusion model on few bits (Sohl-Dickstein et al.
 * 2015, Eqs. 5-6): the reverse chain's marginal p(x_0), summed over every path by
 * propagating the distribution of x_t over all 2^d bit vectors, from the prior down.
 *
 * @see proofs/binomial/likelihood.md
 * @see docs/binomial/bound.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkFunction } from '../../_internal/fields.js';
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import { allStates } from './bound.js';
import { checkBatchBits, checkBinomialSchedule, checkModelValue } from './checks.js';
import type { BitModel } from './reverse.js';
import type { BinomialSchedule } from './schedule.js';

/** The largest number of bits per example `exactLogLikelihood` accepts (4^d work per step). */
export const MAX_LIKELIHOOD_BITS = 12;

/**
 * The exact log-likelihood of each example under the reverse chain whose bound is K
 * (Sohl-Dickstein et al. 2015, Eqs. 4-6, with the first step of Appendix B.2):
 *
 *     p(x_0) = sum_{x_1..x_T} p(x_T) prod_{t=2}^T p(x_{t-1} | x_t) p(x_0 | x_1),
 *     p(x_T) = B(x_T; 1/2),   p(x_{t-1} | x_t) = prod_i B(x_{t-1,i}; f_i(x_t, t)),
 *     p(x_0 | x_1) = B(x_0; x_1 (1 - beta_1) + beta_1 / 2),
 *
 * computed by propagating the distribution p(x_t) over all 2^d bit vectors from t = T down to
 * t = 0 (a sum over 2^d x 2^d pairs per step, each row built as a product of Bernoullis).
 * This is the quantity K bounds: K(x_0) <= log p(x_0) for every example (`boundKExact`).
 * The model is called once per step t = 2..T with the [2^d, d] array of every bit vector
 * (lexicographic rows, the first bit most significant), as in `boundKExact`.
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param x0 - x_0, a float64 ndarray [n, d] of bits with 1 <= d <= 12
 * @param model - the reverse model (x_t, t) => f(x_t, t) = P(x_{t-1} = 1 | x_t), [2^d, d] probabilities
 * @returns log p(x_0) per example, in nats (a Float64Array of length n)
 * @throws InvalidArgumentError for invalid arguments, d > 12, a model returning anything but
 *   probabilities of shape [2^d, d], or a model under which an example has probability 0
 *   (log p = -Infinity, reported on `model`)
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(100));
 * const data = ndarray(new Float64Array([1, 0, 1, 1]), [2, 2]);
 * const logp = binomial.exactLogLikelihood(s, data, binomial.optimalReverse(s, data));
 * logp[0] / Math.LN2; // returns ~-1.014 (the data give each row probability 1/2, -1 bit; K is -1.045)
 * @see proofs/binomial/likelihood.md (claim binomial/likelihood#paths)
 */
export function exactLogLikelihood(s: BinomialSchedule, x0: Float64NdArray, model: BitModel): Float64Array {
  const api = 'binomial.exactLogLikelihood';
  const sch = checkBinomialSchedule(api, 's', s);
  const x = checkBatchBits(api, 'x0', x0);
  const f = checkFunction<BitModel>(api, 'model', model);
  const { n, d } = x;
  if (d > MAX_LIKELIHOOD_BITS) {
    throw new InvalidArgumentError(api, 'x0', `at most ${MAX_LIKELIHOOD_BITS} bits per example (the likelihood sums over 4^d pairs of states per step)`, got(`${d} bits`));
  }
  const T = sch.T;
  const S = 2 ** d;
  const states = allStates(d);
  const statesView = wrap(states.slice(), [S, d]);
  let p = new Float64Array(S).fill(1 / S); // p(x_T) = B(1/2): uniform over the 2^d states
  let next = new Float64Array(S);
  const row = new Float64Array(S);
  for (let t = T; t >= 2; t--) {
    const probs = checkModelValue(api, 'model', f(statesView, t), [S, d], t);
    next.fill(0);
    for (let z = 0; z < S; z++) {
      const pz = p[z]!;
      if (pz === 0) continue;
      // row[y] = p(x_t = z) prod_i B(y_i; f_i(z)), built bit by bit: after bit i the first 2^(i+1)
      // entries hold the products over bits 0..i (index = those bits read as a binary number).
      row[0] = pz;
      let len = 1;
      for (let i = 0; i < d; i++) {
        const one = probs[z * d + i]!;
        const zero = 1 - one;
        for (let k = len - 1; k >= 0; k--) {
          const v = row[k]!;
          row[2 * k + 1] = v * one;
          row[2 * k] = v * zero;
        }
        len *= 2;
      }
      for (let y = 0; y < S; y++) next[y] = next[y]! + row[y]!;
    }
    const swap = p;
    p = next;
    next = swap;
  }
  // The first step's reverse kernel is the forward one: each bit flips with probability beta_1 / 2.
  const flip = sch.flip[1]!;
  const stay = 1 - flip;
  for (let i = 0; i < d; i++) {
    const bit = 1 << (d - 1 - i);
    for (let y = 0; y < S; y++) {
      if ((y & bit) !== 0) continue;
      const a = p[y]!;
      const b = p[y | bit]!;
      p[y] = stay * a + flip * b;
      p[y | bit] = flip * a + stay * b;
    }
  }
  const out = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    let index = 0;
    for (let i = 0; i < d; i++) index = 2 * index + (x.data[b * d + i] === 1 ? 1 : 0);
    const lp = Math.log(p[index]!);
    if (lp === -Infinity) {
      throw new InvalidArgumentError(api, 'model', 'a model under which every example has positive probability', got(`p(x_0) = 0 for example ${b}`));
    }
    out[b] = lp;
  }
  return out;
}
