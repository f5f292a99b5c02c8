/**
 * The log-likelihood lower bound K of binomial diffusion (Sohl-Dickstein et al. 2015,
 * Eq. 14 with the binomial kernels of Table App.1), per example: exactly, by enumerating
 * the expectation over x_t, or by Monte Carlo over forward trajectories drawn from given
 * uniforms.
 *
 * @see proofs/binomial/bound.md
 * @see docs/binomial/bound.md
 */
import { InvalidArgumentError, ShapeError, got } from '../errors.js';
import { checkFunction, checkFieldValue } from '../../_internal/fields.js';
import { checkArray, isNdArray, wrap, type Float64NdArray } from '../../_internal/validate.js';
import { checkKey } from '../random/checks.js';
import { foldIn, type Key } from '../random/keys.js';
import { fillUniform } from '../random/uniform.js';
import { checkBatchBits, checkBinomialSchedule, checkModelValue } from './checks.js';
import { posteriorTable } from './posterior.js';
import type { BitModel } from './reverse.js';
import { logTables, type BinomialSchedule } from './schedule.js';

/** The uniforms of the forward trajectory at step t (1..T): an array [n, d] with entries in [0, 1]. */
export type UniformSource = (t: number) => Float64NdArray;

/** The bound K of a batch, per example, with its parts. All values in nats unless named bits. */
export interface BinomialBound {
  /** K per example (nats): a lower bound on log p(x_0) of the model (exact, or a Monte Carlo estimate). */
  readonly K: Float64Array;
  /** K per example in bits (K / ln 2). */
  readonly bits: Float64Array;
  /** The mean of K over the examples (nats): the paper's K for the data set given. */
  readonly mean: number;
  /** `mean` in bits. */
  readonly meanBits: number;
  /** Length T + 1: klByStep[t] is the mean over examples of E KL(q(x_{t-1}|x_t,x_0) || p(x_{t-1}|x_t)) summed over bits (0 at t = 0, 1). */
  readonly klByStep: Float64Array;
  /** H_q(X^T | X^0) = d h((1 - gamma_T)/2), per example. */
  readonly entropyT: number;
  /** H_q(X^1 | X^0) = d h(beta_1 / 2), per example. */
  readonly entropy1: number;
  /** H_p(X^T) = d log 2: the entropy of the prior B(1/2), per example. */
  readonly priorEntropy: number;
}

/** The largest number of bits per example `boundKExact` enumerates (2^16 states of x_t). */
export const MAX_EXACT_BITS = 16;

const LN2 = Math.LN2;

/** h(p) = -p log p - (1 - p) log(1 - p) from the logs of both probabilities (0 log 0 = 0). */
function binaryEntropy(p: number, logP: number, logQ: number): number {
  const q = 1 - p;
  return -(p > 0 ? p * logP : 0) - (q > 0 ? q * logQ : 0);
}

/**
 * The three entropy terms of Eq. 14 for d bits: H_q(X^T|X^0), H_q(X^1|X^0), H_p(X^T).
 * Every bit of x_t given x_0 is a Bernoulli with flip probability (1 - gamma_t)/2 whatever x_0,
 * so the conditional entropies do not depend on the data.
 */
export function entropyTerms(s: BinomialSchedule, d: number): { entropyT: number; entropy1: number; priorEntropy: number } {
  const T = s.T;
  const L = logTables(s);
  const hT = binaryEntropy(s.marginalFlip[T]!, L.logMarginalFlip[T]!, L.logMarginalStay[T]!);
  const h1 = binaryEntropy(s.flip[1]!, L.logFlip[1]!, L.logStay[1]!);
  return { entropyT: d * hT, entropy1: d * h1, priorEntropy: d * LN2 };
}

function finish(K: Float64Array, klByStep: Float64Array, terms: { entropyT: number; entropy1: number; priorEntropy: number }): BinomialBound {
  const n = K.length;
  const bits = new Float64Array(n);
  let sum = 0;
  for (let b = 0; b < n; b++) {
    bits[b] = K[b]! / LN2;
    sum += K[b]!;
  }
  const mean = n === 0 ? 0 : sum / n;
  return { K, bits, mean, meanBits: mean / LN2, klByStep, ...terms };
}

/** Reports a step whose KL is infinite: the model gave probability 0 to a bit the posterior allows. */
function infiniteKL(api: string, t: number, index: number, p: number): never {
  throw new InvalidArgumentError(
    api,
    'model',
    'probabilities for which K is finite (never 0 or 1 where the forward posterior q(x_{t-1} | x_t, x_0) gives the other value positive probability)',
    got(`P(x_{t-1} = 1 | x_t) = ${p} at step t = ${t}, flat index ${index}`),
  );
}

/**
 * The per-bit KL of step t for a posterior pair c = 2 x_0 + x_t and a model probability p:
 * sum_y q(y) log q(y) - q1 log p - q0 log(1 - p). The products q log p are 0 where q = 0
 * (0 * -Infinity is NaN, mapped to 0 by `|| 0`: the 0 log 0 = 0 convention).
 */
function klBit(negEntropy: number, q1: number, q0: number, p: number): number {
  return negEntropy - (q1 * Math.log(p) || 0) - (q0 * Math.log1p(-p) || 0);
}

/**
 * The bound K of Eq. 14 for binomial diffusion, per example, estimated along one forward
 * trajectory per example (Sohl-Dickstein et al. 2015, Eqs. 13-14 and Appendix B):
 *
 *     K(x_0) = - sum_{t=2}^T E_{q(x_t|x_0)} KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t))
 *              + H_q(X^T | X^0) - H_q(X^1 | X^0) - H_p(X^T),
 *
 * with the prior p(x_T) = B(1/2), the reverse kernels p(x_{t-1} | x_t) = B(x_{t-1}; f(x_t, t))
 * of the model for t = 2..T, and the first step's reverse kernel fixed to the forward one,
 * p(x_0 | x_1) = B(x_0; x_1 (1 - beta_1) + beta_1 / 2) (Appendix B.2). For binomial
 * diffusion every step of Appendix B is an identity (the cross-entropy of q(x_T | x_0) to
 * B(1/2) is d log 2 = H_p(X^T) exactly, and pi = B(1/2) is uniform), so K(x_0) is exactly
 * the evidence lower bound E_q[log p(x_{0:T}) / q(x_{1:T} | x_0)] <= log p(x_0).
 *
 * The trajectory is drawn step by step, x_t = 1{u_t < P(x_t = 1 | x_{t-1})} (as
 * `kernelSample`), with u_t = random.uniform(random.foldIn(key, t), [n, d]), or noise(t),
 * or noise[t - 1] for an array [T, n, d]; the KL of step t is taken in closed form at
 * (x_0, x_t). The result is an unbiased estimate of the exact K (`boundKExact`).
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param x0 - x_0, a float64 ndarray [n, d] of bits (n examples of d bits)
 * @param model - the reverse model (x_t, t) => f(x_t, t) = P(x_{t-1} = 1 | x_t), an array [n, d] of
 *   probabilities; called once for each t = 2..T, never at t = 1. Its x_t argument is a view of a
 *   buffer that the next step overwrites: read it during the call, copy it to keep it
 * @param noise - a PRNG key, a function t => u_t (an array [n, d] of uniforms in [0, 1]), or an
 *   array [T, n, d] of uniforms whose row t - 1 is u_t
 * @returns `{ K, bits, mean, meanBits, klByStep, entropyT, entropy1, priorEntropy }` (nats unless bits)
 * @throws InvalidArgumentError for invalid arguments, non-binary x0, a model or noise returning
 *   anything but probabilities of shape [n, d], or a model whose probability 0 or 1 makes K
 *   infinite; ShapeError for mismatched shapes (a noise array whose leading axis is not T included)
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, random, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(100));
 * const x0 = ndarray(new Float64Array([1, 0, 1, 1]), [2, 2]);
 * // The exact reverse kernel of uniform bits: keep x_t with the forward step's probability.
 * const keep = (xt, t) => ndarray(xt.data.map((b) => (b === 1 ? 1 - s.beta[t] / 2 : s.beta[t] / 2)), xt.shape);
 * binomial.boundK(s, x0, keep, random.key(0)).meanBits; // returns ~-2.45 (one trajectory per example; the exact K is -2 bits)
 * @see proofs/binomial/bound.md (claims binomial/bound#unbiased, binomial/bound#lower-bound)
 */
export function boundK(s: BinomialSchedule, x0: Float64NdArray, model: BitModel, noise: Key | UniformSource | Float64NdArray): BinomialBound {
  const api = 'binomial.boundK';
  const sch = checkBinomialSchedule(api, 's', s);
  const x = checkBatchBits(api, 'x0', x0);
  const f = checkFunction<BitModel>(api, 'model', model);
  const { n, d } = x;
  const T = sch.T;
  const size = n * d;
  // The noise: a key, a function, or a [T, n, d] array validated once here.
  let key: Key | null = null;
  let source: UniformSource | null = null;
  let table: Float64Array | null = null;
  if (typeof noise === 'function') source = noise as UniformSource;
  else if (isNdArray(noise)) {
    const u = checkArray(api, 'noise', noise, { min: 0, minClosed: true, max: 1, maxClosed: true });
    if (u.shape.length !== 3 || u.shape[0] !== T || u.shape[1] !== n || u.shape[2] !== d) {
      throw new ShapeError(api, 'noise', u.shape, [T, n, d], '[T, ...x0.shape]');
    }
    table = u.data;
  } else key = checkKey(api, 'noise', noise);

  const x0Bits = new Uint8Array(size);
  for (let i = 0; i < size; i++) x0Bits[i] = x.data[i] === 1 ? 1 : 0;
  const cur = x0Bits.slice(); // the trajectory's current state x_{t-1}, then x_t
  const xtBuffer = new Float64Array(size); // the model's argument (it may not write into it; we never read it back)
  const xtView = wrap(xtBuffer, [n, d]);
  const u = key !== null ? new Float64Array(size) : null;
  const K = new Float64Array(n);
  const klByStep = new Float64Array(T + 1);

  for (let t = 1; t <= T; t++) {
    let ut: Float64Array;
    if (table !== null) ut = table.subarray((t - 1) * size, t * size);
    else if (u !== null) {
      const k = foldIn(key!, t);
      fillUniform(k.k0, k.k1, u);
      ut = u;
    } else {
      ut = checkFieldValue(api, 'noise', source!(t), [n, d], 'x0');
      for (let i = 0; i < size; i++) {
        const v = ut[i]!;
        if (!(v >= 0 && v <= 1)) throw new InvalidArgumentError(api, 'noise', 'a function returning uniforms in [0, 1]', got(`${v} at flat index ${i}, step t = ${t}`));
      }
    }
    // One forward step, x_t = 1{u < P(x_t = 1 | x_{t-1})}, written without branches (their outcomes are random here)
    // when that is exact: the threshold flip + x rise is flip for x = 0 and, when the check holds,
    // stay = 1 - flip for x = 1; and ceil(thr - u) + 0 is 1 when u < thr and 0 (not -0) otherwise,
    // exactly (thr - u > 0 iff thr > u in IEEE arithmetic, and thr - u > -1).
    const flip = sch.flip[t]!;
    const stay = 1 - flip;
    const rise = stay - flip;
    if (flip + rise === stay) {
      for (let i = 0; i < size; i++) {
        const b = Math.ceil(flip + cur[i]! * rise - ut[i]!) + 0;
        cur[i] = b;
        xtBuffer[i] = b;
      }
    } else {
      for (let i = 0; i < size; i++) {
        const b = ut[i]! < (cur[i] === 1 ? stay : flip) ? 1 : 0;
        cur[i] = b;
        xtBuffer[i] = b;
      }
    }
    if (t === 1) continue;
    const probs = checkModelValue(api, 'model', f(xtView, t), [n, d], t);
    const { q1, q0, negEntropy } = posteriorTable(sch, t);
    // The logs of a model probability are the cost of this loop; a model often repeats a
    // probability (one value per bit value, per step), so the last two are remembered.
    let pA = NaN;
    let logA = 0;
    let log1mA = 0;
    let pB = NaN;
    let logB = 0;
    let log1mB = 0;
    let stepSum = 0;
    for (let b = 0; b < n; b++) {
      let acc = 0;
      const end = (b + 1) * d;
      for (let i = b * d; i < end; i++) {
        const c = 2 * x0Bits[i]! + cur[i]!;
        const p = probs[i]!;
        let lp: number;
        let l1p: number;
        if (p === pA) {
          lp = logA;
          l1p = log1mA;
        } else if (p === pB) {
          lp = logB;
          l1p = log1mB;
        } else {
          lp = Math.log(p);
          l1p = Math.log1p(-p);
          pB = pA;
          logB = logA;
          log1mB = log1mA;
          pA = p;
          logA = lp;
          log1mA = l1p;
        }
        // sum_y q log q - q1 log p - q0 log(1 - p), with 0 log 0 = 0 (0 * -Infinity is NaN, mapped to 0 by || 0).
        acc += negEntropy[c]! - (q1[c]! * lp || 0) - (q0[c]! * l1p || 0);
      }
      K[b] = K[b]! - acc;
      stepSum += acc;
    }
    if (!(stepSum < Infinity)) {
      for (let i = 0; i < size; i++) {
        const c = 2 * x0Bits[i]! + cur[i]!;
        if (!(klBit(negEntropy[c]!, q1[c]!, q0[c]!, probs[i]!) < Infinity)) infiniteKL(api, t, i, probs[i]!);
      }
    }
    klByStep[t] = n === 0 ? 0 : stepSum / n;
  }
  const terms = entropyTerms(sch, d);
  const constant = terms.entropyT - terms.entropy1 - terms.priorEntropy;
  for (let b = 0; b < n; b++) K[b] = K[b]! + constant;
  return finish(K, klByStep, terms);
}

/** The 2^d bit vectors as rows of a [2^d, d] array, in lexicographic order (bit 0 most significant). */
export function allStates(d: number): Float64Array {
  const S = 2 ** d;
  const out = new Float64Array(S * d);
  for (let j = 0; j < S; j++) for (let i = 0; i < d; i++) out[j * d + i] = (j >> (d - 1 - i)) & 1;
  return out;
}

/**
 * The bound K of Eq. 14 for binomial diffusion, per example, exactly: as `boundK`, with each
 * expectation E_{q(x_t|x_0)} evaluated as a sum over all 2^d values of x_t,
 *
 *     E_{q(x_t|x_0)} KL_t = sum_{x_t in {0,1}^d} prod_i q(x_{t,i} | x_{0,i}) KL(q(x_{t-1}|x_t,x_0) || p(x_{t-1}|x_t)).
 *
 * The model is called once per step t = 2..T on the [2^d, d] array of every bit vector
 * (rows in lexicographic order, the first bit most significant). Cost: T 2^d d logarithms and
 * T n 2^d d multiply-adds, so d is limited to 16.
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param x0 - x_0, a float64 ndarray [n, d] of bits with 1 <= d <= 16
 * @param model - the reverse model, as in `boundK` (called with x_t of shape [2^d, d])
 * @returns `{ K, bits, mean, meanBits, klByStep, entropyT, entropy1, priorEntropy }` (nats unless bits), exact up to rounding
 * @throws as `boundK`, and InvalidArgumentError for d > 16
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(100));
 * const data = ndarray(new Float64Array([1, 0, 1, 1]), [2, 2]);
 * const model = binomial.optimalReverse(s, data);
 * binomial.boundKExact(s, data, model).meanBits; // returns ~-1.045 (the data's entropy is 1 bit: K <= log p <= -1 on average)
 * @see proofs/binomial/bound.md (claims binomial/bound#trajectory, binomial/bound#lower-bound, binomial/bound#tight)
 */
export function boundKExact(s: BinomialSchedule, x0: Float64NdArray, model: BitModel): BinomialBound {
  const api = 'binomial.boundKExact';
  const sch = checkBinomialSchedule(api, 's', s);
  const x = checkBatchBits(api, 'x0', x0);
  const f = checkFunction<BitModel>(api, 'model', model);
  const { n, d } = x;
  if (d > MAX_EXACT_BITS) {
    throw new InvalidArgumentError(api, 'x0', `at most ${MAX_EXACT_BITS} bits per example (the expectation enumerates 2^d states)`, got(`${d} bits`));
  }
  const T = sch.T;
  const S = 2 ** d;
  const states = allStates(d);
  const x0Bits = new Uint8Array(n * d);
  for (let i = 0; i < n * d; i++) x0Bits[i] = x.data[i] === 1 ? 1 : 0;
  const K = new Float64Array(n);
  const klByStep = new Float64Array(T + 1);
  // klState[(j d + i) 2 + a]: the KL of bit i at state x_t = j when x_{0,i} = a.
  const klState = new Float64Array(S * d * 2);
  const statesView = wrap(states.slice(), [S, d]);

  for (let t = 2; t <= T; t++) {
    const probs = checkModelValue(api, 'model', f(statesView, t), [S, d], t);
    const { q1, q0, negEntropy } = posteriorTable(sch, t);
    for (let j = 0; j < S; j++) {
      for (let i = 0; i < d; i++) {
        const z = states[j * d + i]!;
        const p = probs[j * d + i]!;
        const at = (j * d + i) * 2;
        klState[at] = klBit(negEntropy[z]!, q1[z]!, q0[z]!, p); // x_{0,i} = 0: c = z
        klState[at + 1] = klBit(negEntropy[2 + z]!, q1[2 + z]!, q0[2 + z]!, p); // x_{0,i} = 1: c = 2 + z
      }
    }
    const flip = sch.marginalFlip[t]!;
    const stay = 1 - flip;
    let stepSum = 0;
    for (let b = 0; b < n; b++) {
      const row = b * d;
      let expectation = 0;
      for (let j = 0; j < S; j++) {
        // q(x_t = j | x_0) = prod_i (1 - r) or r, and the state's KL summed over bits.
        let w = 1;
        let kl = 0;
        for (let i = 0; i < d; i++) {
          const a = x0Bits[row + i]!;
          w *= states[j * d + i] === a ? stay : flip;
          kl += klState[(j * d + i) * 2 + a]!;
        }
        if (w > 0) expectation += w * kl;
        if (!(kl < Infinity) && w > 0) {
          for (let i = 0; i < d; i++) {
            if (!(klState[(j * d + i) * 2 + x0Bits[row + i]!]! < Infinity)) infiniteKL(api, t, j * d + i, probs[j * d + i]!);
          }
        }
      }
      K[b] = K[b]! - expectation;
      stepSum += expectation;
    }
    klByStep[t] = n === 0 ? 0 : stepSum / n;
  }
  const terms = entropyTerms(sch, d);
  const constant = terms.entropyT - terms.entropy1 - terms.priorEntropy;
  for (let b = 0; b < n; b++) K[b] = K[b]! + constant;
  return finish(K, klByStep, terms);
}
