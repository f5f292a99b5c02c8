/**
 * The binomial forward (bit-flipping) process: the one-step kernel q(x_t | x_{t-1}) and its
 * closed-form t-step marginal q(x_t | x_0) (Sohl-Dickstein et al. 2015, Section 2.1 and
 * Table App.1), their log-probabilities, and samplers that take their uniforms.
 *
 * Bits are float64 values 0 or 1 in an ndarray of any shape; every function is
 * elementwise (each bit diffuses independently) and returns a new array of that shape.
 *
 * @see proofs/binomial/forward.md
 * @see docs/binomial/forward.md
 */
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import { checkKey } from '../random/checks.js';
import type { Key } from '../random/keys.js';
import { uniform } from '../random/uniform.js';
import { checkBinomialSchedule, checkBits, checkStep, checkUniforms } from './checks.js';
import { logTables, type BinomialSchedule } from './schedule.js';

/** P(x = 1) for a bit that keeps the value of `bit` with probability 1 - flip: `bit ? 1 - flip : flip`. */
function onesInto(out: Float64Array, bits: Float64Array, flip: number): void {
  const stay = 1 - flip;
  for (let i = 0; i < bits.length; i++) out[i] = bits[i] === 1 ? stay : flip;
}

/** log P(x = to | from) for a bit kept with log-probability logStay and flipped with logFlip. */
function logProbInto(out: Float64Array, from: Float64Array, to: Float64Array, logStay: number, logFlip: number): void {
  for (let i = 0; i < from.length; i++) out[i] = from[i] === to[i] ? logStay : logFlip;
}

/** x = 1{u < P(x = 1)} for P(x = 1) = `bit ? 1 - flip : flip`. */
function sampleInto(out: Float64Array, bits: Float64Array, u: Float64Array, flip: number): void {
  const stay = 1 - flip;
  for (let i = 0; i < bits.length; i++) out[i] = u[i]! < (bits[i] === 1 ? stay : flip) ? 1 : 0;
}

/**
 * The one-step kernel's mean, elementwise (Sohl-Dickstein et al. 2015, Table App.1):
 *
 *     q(x_t | x_{t-1}) = B(x_t; x_{t-1} (1 - beta_t) + beta_t / 2),
 *
 * i.e. P(x_t = 1 | x_{t-1}) = 1 - beta_t / 2 for x_{t-1} = 1 and beta_t / 2 for x_{t-1} = 0:
 * with probability beta_t the bit is replaced by a fair coin.
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param xPrev - x_{t-1}, a float64 ndarray of bits (0 or 1), any shape
 * @param t - the step t, an integer in 1..T
 * @returns P(x_t = 1 | x_{t-1}) per bit, a new array of the shape of xPrev
 * @throws InvalidArgumentError for a foreign schedule, t outside 1..T, or an entry of xPrev that is not a bit
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * binomial.kernel(s, ndarray(new Float64Array([1, 0]), [1, 2]), 1).data; // returns ~Float64Array [0.875, 0.125]
 * @see proofs/binomial/forward.md (claim binomial/forward#kernel)
 */
export function kernel(s: BinomialSchedule, xPrev: Float64NdArray, t: number): Float64NdArray {
  const api = 'binomial.kernel';
  const sch = checkBinomialSchedule(api, 's', s);
  const step = checkStep(api, 't', t, sch);
  const x = checkBits(api, 'xPrev', xPrev);
  const out = new Float64Array(x.data.length);
  onesInto(out, x.data, sch.flip[step]!);
  return wrap(out, x.shape);
}

/**
 * The one-step kernel's log-probability, elementwise (Sohl-Dickstein et al. 2015, Table App.1):
 *
 *     log q(x_t | x_{t-1}) = log(1 - beta_t / 2) where x_t = x_{t-1},   log(beta_t / 2) where they differ.
 *
 * Sum over the bits of an example for the log-probability of the whole vector.
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param xPrev - x_{t-1}, a float64 ndarray of bits
 * @param xt - x_t, a float64 ndarray of bits of the shape of xPrev
 * @param t - the step t, an integer in 1..T
 * @returns log q(x_t | x_{t-1}) per bit in nats (<= 0), a new array of the shape of xPrev
 * @throws InvalidArgumentError, ShapeError for invalid or mismatched arguments
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * const x = ndarray(new Float64Array([1, 0]), [2]);
 * binomial.kernelLogProb(s, x, ndarray(new Float64Array([1, 1]), [2]), 1).data; // returns ~Float64Array [-0.1335, -2.0794]
 * @see proofs/binomial/forward.md (claim binomial/forward#kernel)
 */
export function kernelLogProb(s: BinomialSchedule, xPrev: Float64NdArray, xt: Float64NdArray, t: number): Float64NdArray {
  const api = 'binomial.kernelLogProb';
  const sch = checkBinomialSchedule(api, 's', s);
  const step = checkStep(api, 't', t, sch);
  const a = checkBits(api, 'xPrev', xPrev);
  const b = checkBits(api, 'xt', xt, 'xPrev', a);
  const out = new Float64Array(a.data.length);
  const L = logTables(sch);
  logProbInto(out, a.data, b.data, L.logStay[step]!, L.logFlip[step]!);
  return wrap(out, a.shape);
}

/**
 * A draw from q(x_t | x_{t-1}) with the given uniforms (Sohl-Dickstein et al. 2015, Table App.1):
 *
 *     x_t = 1{u < P(x_t = 1 | x_{t-1})},   u ~ U[0, 1),
 *
 * so that P(x_t = 1) is exactly the kernel's mean for u uniform on [0, 1). Deterministic.
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param xPrev - x_{t-1}, a float64 ndarray of bits
 * @param t - the step t, an integer in 1..T
 * @param u - the uniforms, a float64 ndarray of the shape of xPrev with entries in [0, 1]
 * @returns x_t, a new array of bits of the shape of xPrev
 * @throws InvalidArgumentError, ShapeError for invalid or mismatched arguments
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * const x = ndarray(new Float64Array([1, 1]), [2]);
 * binomial.kernelSample(s, x, 1, ndarray(new Float64Array([0.5, 0.9]), [2])).data; // returns ~Float64Array [1, 0] (0.9 >= 0.875)
 * @see proofs/binomial/forward.md (claim binomial/forward#sample)
 */
export function kernelSample(s: BinomialSchedule, xPrev: Float64NdArray, t: number, u: Float64NdArray): Float64NdArray {
  return kernelSampleAs('binomial.kernelSample', s, xPrev, t, u);
}

function kernelSampleAs(api: string, s: unknown, xPrev: unknown, t: unknown, u: unknown): Float64NdArray {
  const sch = checkBinomialSchedule(api, 's', s);
  const step = checkStep(api, 't', t, sch);
  const x = checkBits(api, 'xPrev', xPrev);
  const v = checkUniforms(api, 'u', u, 'xPrev', x);
  const out = new Float64Array(x.data.length);
  sampleInto(out, x.data, v.data, sch.flip[step]!);
  return wrap(out, x.shape);
}

/**
 * `kernelSample` with the uniforms drawn from a PRNG key: u = random.uniform(key, xPrev.shape).
 *
 * @param s - the schedule
 * @param xPrev - x_{t-1}, bits
 * @param t - the step, an integer in 1..T
 * @param key - a PRNG key, used once
 * @returns x_t ~ q(x_t | x_{t-1})
 * @throws as `kernelSample`, and for an invalid key
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, random, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * binomial.kernelSampleWithKey(s, ndarray(new Float64Array(8), [8]), 4, random.key(0)).size; // returns ~8
 * @see proofs/binomial/forward.md (claim binomial/forward#sample)
 */
export function kernelSampleWithKey(s: BinomialSchedule, xPrev: Float64NdArray, t: number, key: Key): Float64NdArray {
  const api = 'binomial.kernelSampleWithKey';
  const x = checkBits(api, 'xPrev', xPrev);
  const k = checkKey(api, 'key', key);
  return kernelSampleAs(api, s, xPrev, t, uniform(k, x.shape.slice()));
}

/**
 * The closed-form t-step marginal, elementwise (Sohl-Dickstein et al. 2015, Section 2.1 and
 * Table App.1, composed over t steps):
 *
 *     q(x_t | x_0) = B(x_t; x_0 gamma_t + (1 - gamma_t) / 2),   gamma_t = prod_{s<=t} (1 - beta_s),
 *
 * i.e. P(x_t = 1 | x_0) = 1 - (1 - gamma_t)/2 for x_0 = 1 and (1 - gamma_t)/2 for x_0 = 0,
 * with (1 - gamma_t)/2 = -expm1(log gamma_t)/2 accurate to a few EPS relative.
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param x0 - x_0, a float64 ndarray of bits
 * @param t - the step t, an integer in 1..T
 * @returns P(x_t = 1 | x_0) per bit, a new array of the shape of x0
 * @throws InvalidArgumentError for a foreign schedule, t outside 1..T, or an entry of x0 that is not a bit
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * binomial.marginal(s, ndarray(new Float64Array([1, 0]), [1, 2]), 2).data; // returns ~Float64Array [0.75, 0.25] (gamma_2 = 1/2)
 * @see proofs/binomial/forward.md (claim binomial/forward#composition)
 */
export function marginal(s: BinomialSchedule, x0: Float64NdArray, t: number): Float64NdArray {
  const api = 'binomial.marginal';
  const sch = checkBinomialSchedule(api, 's', s);
  const step = checkStep(api, 't', t, sch);
  const x = checkBits(api, 'x0', x0);
  const out = new Float64Array(x.data.length);
  onesInto(out, x.data, sch.marginalFlip[step]!);
  return wrap(out, x.shape);
}

/**
 * The marginal's log-probability, elementwise:
 *
 *     log q(x_t | x_0) = log((1 + gamma_t)/2) where x_t = x_0,   log((1 - gamma_t)/2) where they differ.
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param x0 - x_0, a float64 ndarray of bits
 * @param xt - x_t, a float64 ndarray of bits of the shape of x0
 * @param t - the step t, an integer in 1..T
 * @returns log q(x_t | x_0) per bit in nats, a new array of the shape of x0
 * @throws InvalidArgumentError, ShapeError for invalid or mismatched arguments
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * const x = ndarray(new Float64Array([1]), [1]);
 * binomial.marginalLogProb(s, x, x, 4).data; // returns ~Float64Array [-0.6931] (log 1/2: gamma_4 = 0)
 * @see proofs/binomial/forward.md (claim binomial/forward#composition)
 */
export function marginalLogProb(s: BinomialSchedule, x0: Float64NdArray, xt: Float64NdArray, t: number): Float64NdArray {
  const api = 'binomial.marginalLogProb';
  const sch = checkBinomialSchedule(api, 's', s);
  const step = checkStep(api, 't', t, sch);
  const a = checkBits(api, 'x0', x0);
  const b = checkBits(api, 'xt', xt, 'x0', a);
  const out = new Float64Array(a.data.length);
  const L = logTables(sch);
  logProbInto(out, a.data, b.data, L.logMarginalStay[step]!, L.logMarginalFlip[step]!);
  return wrap(out, a.shape);
}

/**
 * A draw from q(x_t | x_0) with the given uniforms: x_t = 1{u < P(x_t = 1 | x_0)}.
 *
 * @param s - the schedule (from `binomial.fromBetas`)
 * @param x0 - x_0, a float64 ndarray of bits
 * @param t - the step t, an integer in 1..T
 * @param u - the uniforms, a float64 ndarray of the shape of x0 with entries in [0, 1]
 * @returns x_t, a new array of bits of the shape of x0
 * @throws InvalidArgumentError, ShapeError for invalid or mismatched arguments
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * const x0 = ndarray(new Float64Array([1, 1]), [2]);
 * binomial.marginalSample(s, x0, 2, ndarray(new Float64Array([0.7, 0.8]), [2])).data; // returns ~Float64Array [1, 0] (P(x_2 = 1) = 0.75)
 * @see proofs/binomial/forward.md (claim binomial/forward#sample)
 */
export function marginalSample(s: BinomialSchedule, x0: Float64NdArray, t: number, u: Float64NdArray): Float64NdArray {
  return marginalSampleAs('binomial.marginalSample', s, x0, t, u);
}

function marginalSampleAs(api: string, s: unknown, x0: unknown, t: unknown, u: unknown): Float64NdArray {
  const sch = checkBinomialSchedule(api, 's', s);
  const step = checkStep(api, 't', t, sch);
  const x = checkBits(api, 'x0', x0);
  const v = checkUniforms(api, 'u', u, 'x0', x);
  const out = new Float64Array(x.data.length);
  sampleInto(out, x.data, v.data, sch.marginalFlip[step]!);
  return wrap(out, x.shape);
}

/**
 * `marginalSample` with the uniforms drawn from a PRNG key: u = random.uniform(key, x0.shape).
 *
 * @param s - the schedule
 * @param x0 - x_0, bits
 * @param t - the step, an integer in 1..T
 * @param key - a PRNG key, used once
 * @returns x_t ~ q(x_t | x_0)
 * @throws as `marginalSample`, and for an invalid key
 * @example
 * import ndarray from 'ndarray';
 * import { binomial, random, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * binomial.marginalSampleWithKey(s, ndarray(new Float64Array(8), [8]), 2, random.key(0)).size; // returns ~8
 * @see proofs/binomial/forward.md (claim binomial/forward#sample)
 */
export function marginalSampleWithKey(s: BinomialSchedule, x0: Float64NdArray, t: number, key: Key): Float64NdArray {
  const api = 'binomial.marginalSampleWithKey';
  const x = checkBits(api, 'x0', x0);
  const k = checkKey(api, 'key', key);
  return marginalSampleAs(api, s, x0, t, uniform(k, x.shape.slice()));
}
