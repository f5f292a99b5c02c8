/**
 * The reverse (generative) kernel of binomial diffusion, p(x_{t-1} | x_t) = B(x_{t-1}; f(x_t, t))
 * (Sohl-Dickstein et al. 2015, Section 2.2 and Table App.1), given by its per-bit
 * probabilities; and the optimal such kernel for a finite data distribution, computed
 * exactly.
 *
 * Convention: a reverse model returns, for each bit, the probability that x_{t-1} = 1
 * (the paper's f_b(x_t, t), "the bit-flip rate" read as the probability of a one); the
 * bits of x_{t-1} are independent given x_t.
 *
 * @see proofs/binomial/reverse.md
 * @see docs/binomial/reverse.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import { isNdArray, wrap, type Float64NdArray } from '../../_internal/validate.js';
import { checkBatchBits, checkBinomialSchedule, checkBits, checkProbabilities, checkStep, checkUniforms } from './checks.js';
import { posteriorTable } from './posterior.js';
import { logTables, type BinomialSchedule } from './schedule.js';

/**
 * A reverse model: for a batch x_t of shape [n, d] (bits) at step t, the per-bit
 * probabilities f(x_t, t) = P(x_{t-1} = 1 | x_t), an array of shape [n, d] with entries in [0, 1].
 */
export type BitModel = (xt: Float64NdArray, t: number) => Float64NdArray;

/**
 * The reverse kernel's log-probability, elementwise (Sohl-Dickstein et al. 2015, Table App.1):
 *
 *     log p(x_{t-1} | x_t) = x_{t-1} log f + (1 - x_{t-1}) log(1 - f),   f = f(x_t, t).
 *
 * A bit that the model makes impossible (f = 0 with x_{t-1} = 1, or f = 1 with x_{t-1} = 0) has
 * log-probability -Infinity: that is reported as an error naming `probs`, not returned.
 *
 * @param probs - f = P(x_{t-1} = 1 | x_t) per bit, a float64 ndarray with entries in [0, 1] (a model's output)
 * @param xPrev - x_{t-1}, a float64 ndarray of bits of the shape of probs
 * @returns log p(x_{t-1} | x_t) per bit in nats (finite, <= 0), a new array
 * @throws InvalidArgumentError for invalid arguments or a bit of probability 0; ShapeError for mismatched shapes
 * @example
 * import ndarray from 'ndarray';
 * import { binomial } from 'diffusion-ts';
 * const f = ndarray(new Float64Array([0.9, 0.9]), [2]);
 * binomial.reverseLogProb(f, ndarray(new Float64Array([1, 0]), [2])).data; // returns ~Float64Array [-0.1054, -2.3026]
 * @see proofs/binomial/reverse.md (claim binomial/reverse#kernel)
 */
export function reverseLogProb(probs: Float64NdArray, xPrev: Float64NdArray): Float64NdArray {
  const api = 'binomial.reverseLogProb';
  const f = checkProbabilities(api, 'probs', probs);
  const x = checkBits(api, 'xPrev', xPrev, 'probs', f);
  const out = new Float64Array(f.data.length);
  for (let i = 0; i < out.length; i++) {
    const p = f.data[i]!;
    const v = x.data[i] === 1 ? Math.log(p) : Math.log1p(-p);
    if (v === -Infinity) {
      throw new InvalidArgumentError(api, 'probs', 'probabilities that give the observed bits of xPrev positive probability', got(`${p} at flat index ${i}, where xPrev is ${x.data[i]}`));
    }
    out[i] = v;
  }
  return wrap(out, f.shape);
}

/**
 * A draw from the reverse kernel with the given uniforms: x_{t-1} = 1{u < f(x_t, t)}.
 *
 * @param probs - f = P(x_{t-1} = 1 | x_t) per bit, entries in [0, 1]
 * @param u - the uniforms, a float64 ndarray of the shape of probs with entries in [0, 1]
 * @returns x_{t-1}, a new array of bits
 * @throws InvalidArgumentError, ShapeError for invalid or mismatched arguments
 * @example
 * import ndarray from 'ndarray';
 * import { binomial } from 'diffusion-ts';
 * const f = ndarray(new Float64Array([0.9, 0.2]), [2]);
 * binomial.reverseSample(f, ndarray(new Float64Array([0.5, 0.5]), [2])).data; // returns ~Float64Array [1, 0]
 * @see proofs/binomial/reverse.md (claim binomial/reverse#kernel)
 */
export function reverseSample(probs: Float64NdArray, u: Float64NdArray): Float64NdArray {
  const api = 'binomial.reverseSample';
  const f = checkProbabilities(api, 'probs', probs);
  const v = checkUniforms(api, 'u', u, 'probs', f);
  const out = new Float64Array(f.data.length);
  for (let i = 0; i < out.length; i++) out[i] = v.data[i]! < f.data[i]! ? 1 : 0;
  return wrap(out, f.shape);
}

/** The largest data set `optimalReverse` accepts (its cost is N d per queried bit vector). */
export const MAX_SUPPORT = 1 << 20;

/**
 * The optimal factorized reverse kernel for a finite data distribution, exactly
 * (Sohl-Dickstein et al. 2015, Eq. 15: the kernel that maximizes K):
 *
 *     f_i(x_t, t) = q(x_{t-1,i} = 1 | x_t) = sum_j w_j(x_t) q(x_{t-1,i} = 1 | x_{t,i}, x_{0,i} = data_{j,i}),
 *     w_j(x_t) = q(data_j | x_t) = weight_j q(x_t | data_j) / sum_k weight_k q(x_t | data_k),
 *
 * the per-bit marginals of the true reverse of the forward process started at
 * q(x_0) = sum_j weight_j delta(x_0 - data_j). It maximizes every term of K over
 * factorized kernels B(x_{t-1}; f(x_t)); for d = 1 bit it is the exact reverse kernel
 * q(x_{t-1} | x_t). The posterior weights are computed in log space.
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param data - the support of q(x_0): a float64 ndarray [N, d] of bits, 1 <= N <= 2^20
 * @param weights - q(x_0 = data_j): a Float64Array of N non-negative finite numbers with a positive sum
 *   (normalized here; default uniform)
 * @returns a BitModel (x_t, t) => f(x_t, t), validating its own arguments (x_t: bits [n, d]; t in 1..T)
 * @throws InvalidArgumentError, ShapeError for invalid arguments (here, or when the model is called)
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * const model = binomial.optimalReverse(s, ndarray(new Float64Array([1, 1]), [1, 2]));
 * model(ndarray(new Float64Array([0, 0]), [1, 2]), 4).data; // returns ~Float64Array [0.625, 0.625]
 * @see proofs/binomial/reverse.md (claim binomial/reverse#optimal)
 */
export function optimalReverse(s: BinomialSchedule, data: Float64NdArray, weights?: Float64Array): BitModel {
  const api = 'binomial.optimalReverse';
  const sch = checkBinomialSchedule(api, 's', s);
  const x0 = checkBatchBits(api, 'data', data);
  const N = x0.n;
  const d = x0.d;
  if (N < 1 || N > MAX_SUPPORT) {
    throw new InvalidArgumentError(api, 'data', `a support of 1..${MAX_SUPPORT} bit vectors`, got(`${N} rows`));
  }
  const logWeight = new Float64Array(N);
  if (weights === undefined) {
    logWeight.fill(-Math.log(N));
  } else {
    if (!(weights instanceof Float64Array) || weights.length !== N) {
      throw new InvalidArgumentError(api, 'weights', `a Float64Array of ${N} weights (one per row of data)`, weights);
    }
    let total = 0;
    for (let j = 0; j < N; j++) {
      const w = weights[j]!;
      if (!(w >= 0 && w < Infinity)) throw new InvalidArgumentError(api, 'weights', 'non-negative finite weights', got(`${w} at index ${j}`));
      total += w;
    }
    if (!(total > 0 && total < Infinity)) throw new InvalidArgumentError(api, 'weights', 'weights with a positive finite sum', got(`sum ${total}`));
    for (let j = 0; j < N; j++) logWeight[j] = Math.log(weights[j]! / total);
  }
  const support = x0.data.slice(); // the caller may later write into `data`
  const model: BitModel = (xt: Float64NdArray, t: number) => {
    if (isNdArray(xt) && (xt.shape.length !== 2 || xt.shape[1] !== d)) {
      throw new InvalidArgumentError(api, 'xt', `a 2-d array [n, ${d}] of bits (the data have ${d} bits)`, got(`shape [${xt.shape.join(', ')}]`));
    }
    const x = checkBits(api, 'xt', xt);
    const step = checkStep(api, 't', t, sch);
    const n = x.shape[0]!;
    const out = new Float64Array(n * d);
    optimalInto(out, x.data, n, d, support, logWeight, sch, step);
    return wrap(out, [n, d]);
  };
  return model;
}

/** f(x_t, t) for n rows of x_t against the weighted support (internal, no validation). */
function optimalInto(
  out: Float64Array,
  xt: Float64Array,
  n: number,
  d: number,
  support: Float64Array,
  logWeight: Float64Array,
  s: BinomialSchedule,
  t: number,
): void {
  const N = logWeight.length;
  const lStay = logTables(s).logMarginalStay[t]!;
  const lFlip = logTables(s).logMarginalFlip[t]!;
  const { q1 } = posteriorTable(s, t);
  const logW = new Float64Array(N);
  for (let r = 0; r < n; r++) {
    const row = r * d;
    // log w_j = log weight_j + sum_i log q(x_{t,i} | data_{j,i}), then normalized.
    let max = -Infinity;
    for (let j = 0; j < N; j++) {
      let l = logWeight[j]!;
      if (l === -Infinity) {
        logW[j] = l;
        continue;
      }
      const base = j * d;
      let flips = 0;
      for (let i = 0; i < d; i++) if (support[base + i] !== xt[row + i]) flips++;
      // flips * (-Infinity) is NaN only for flips = 0, where the term is 0.
      l += (d - flips) * lStay + (flips === 0 ? 0 : flips * lFlip);
      logW[j] = l;
      if (l > max) max = l;
    }
    let z = 0;
    for (let j = 0; j < N; j++) z += logW[j] === -Infinity ? 0 : Math.exp(logW[j]! - max);
    for (let i = 0; i < d; i++) out[row + i] = 0;
    for (let j = 0; j < N; j++) {
      if (logW[j] === -Infinity) continue;
      const w = Math.exp(logW[j]! - max) / z;
      const base = j * d;
      for (let i = 0; i < d; i++) out[row + i] += w * q1[2 * support[base + i]! + xt[row + i]!]!;
    }
    // Rounding can carry a sum of probabilities a few ulps past 1.
    for (let i = 0; i < d; i++) if (out[row + i]! > 1) out[row + i] = 1;
  }
}
