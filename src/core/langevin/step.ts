/**
 * Unadjusted Langevin dynamics (ULA): one step x' = x + eps/2 score(x) + sqrt(eps) z
 * (Song and Ermon 2019, Eq. 4) and chains of such steps.
 *
 * @see proofs/langevin/step.md
 * @see docs/langevin/step.md
 */
import { callField, checkFunction } from '../../_internal/fields.js';
import { checkArray, checkSameShape, wrap, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import { InvalidArgumentError, got } from '../errors.js';
import type { NoiseSource, ScoreFn, StepResult } from '../fields.js';
import { checkKey } from '../random/checks.js';
import { foldIn, type Key } from '../random/keys.js';
import { normal } from '../random/normal.js';
import { checkEps, checkOptions, checkSteps, checkTrajectory, dense, drawNoise, field, finish, overflow, record, recorder, sizeOf } from './checks.js';

/** Options of `chain` and `chainWithKey`. */
export interface ChainOptions {
  /** The step size eps > 0 (finite). ULA is stable on N(mu, s^2) iff eps < 4 s^2. */
  readonly eps: number;
  /** The number of steps K, an integer >= 1. */
  readonly steps: number;
  /**
   * Record a trajectory: an integer k in 1..steps records the start x_0 and the states
   * x_k, x_2k, ... (1 + floor(steps / k) states of x.size values; at most 2^27 values).
   * Default: no record.
   */
  readonly trajectory?: number;
}

/** The result of a chain: the final state, its noise-free part and the optional record. */
export interface ChainResult extends StepResult {
  /** The recorded states, shape [1 + floor(steps / k), ...x.shape]; present when asked for. */
  readonly trajectory?: Float64NdArray;
}

/**
 * One unadjusted Langevin step (Song and Ermon 2019, Eq. 4; Roberts and Tweedie 1996):
 *
 *     xMean = x + eps/2 s(x),   x' = xMean + sqrt(eps) z,   z ~ N(0, I)
 *
 * where `score` holds s(x) = grad_x log p(x), already evaluated at x. The Euler-Maruyama
 * step of the Langevin diffusion dx = 1/2 grad log p(x) dt + dW over a time eps; its chain
 * is biased for eps > 0 (on N(mu, s^2) its stationary law is N(mu, s^2 / (1 - eps/(4 s^2))),
 * proofs/langevin/step.md).
 *
 * @param x - the state x, a Float64NdArray of any shape (points are its rows), finite
 * @param score - s(x), a Float64NdArray of the shape of x, finite
 * @param eps - the step size eps > 0, finite
 * @param noise - z, standard normal noise of the shape of x, finite
 * @returns `{ x: x', xMean }`, new arrays of the shape of x
 * @throws InvalidArgumentError for non-finite entries, eps <= 0 or non-finite, and where the
 *   result overflows float64 (on `x`); ShapeError when `score` or `noise` is not of the shape
 *   of x; DTypeError for arrays that are not float64
 * @example
 * import ndarray from 'ndarray';
 * import { langevin } from 'diffusion-ts';
 * const x = ndarray(new Float64Array([1]), [1, 1]);
 * // N(0, 1): s(x) = -x
 * langevin.step(x, ndarray(new Float64Array([-1]), [1, 1]), 0.5, ndarray(new Float64Array([0.2]), [1, 1])).x.get(0, 0); // returns ~0.8914 (1 - 0.25 + 0.7071 * 0.2)
 * @see proofs/langevin/step.md (claim langevin/step#ar1)
 */
export function step(x: Float64NdArray, score: Float64NdArray, eps: number, noise: Float64NdArray): StepResult {
  const api = 'langevin.step';
  const xs = checkArray(api, 'x', x);
  const s = checkArray(api, 'score', score);
  checkSameShape(api, 'score', s.shape, 'x', xs.shape);
  const e = checkEps(api, 'eps', eps);
  const z = checkArray(api, 'noise', noise);
  checkSameShape(api, 'noise', z.shape, 'x', xs.shape);
  const n = xs.data.length;
  const out = new Float64Array(n);
  const mean = new Float64Array(n);
  if (ulaInto(xs.data, s.data, z.data, e / 2, Math.sqrt(e), out, mean) !== 0) {
    throw new InvalidArgumentError(api, 'x', 'inputs for which x + eps/2 score + sqrt(eps) noise is finite in float64', got(overflowAt(out)));
  }
  return { x: wrap(out, xs.shape), xMean: wrap(mean, xs.shape) };
}

/**
 * The ULA kernel: mean = x + h s, out = mean + c z (h = eps/2, c = sqrt(eps)), over flat
 * arrays. Returns sum (out_j * 0): 0 when every value is finite, NaN otherwise. Not validated.
 */
function ulaInto(
  x: Float64Array,
  s: Float64Array,
  z: Float64Array,
  h: number,
  c: number,
  out: Float64Array,
  mean: Float64Array,
): number {
  let check = 0;
  for (let j = 0; j < out.length; j++) {
    const m = x[j]! + h * s[j]!;
    const v = m + c * z[j]!;
    mean[j] = m;
    out[j] = v;
    check += v * 0;
  }
  return check;
}

function overflowAt(out: Float64Array): string {
  let at = 0;
  while (at < out.length && out[at]! - out[at]! === 0) at++;
  return `${out[at]} at flat index ${at} of the result`;
}

/** Validated arguments of a chain. */
interface ChainArgs {
  readonly score: ScoreFn;
  readonly x: Dense;
  readonly eps: number;
  readonly steps: number;
  readonly every: number;
  readonly count: number;
}

function prepareChain(api: string, score: unknown, x: unknown, options: unknown): ChainArgs {
  const fn = checkFunction<ScoreFn>(api, 'score', score);
  const xs = checkArray(api, 'x', x);
  const o = checkOptions(api, options, '{ eps, steps, trajectory? }');
  const eps = checkEps(api, 'options.eps', field(o, 'eps'));
  const steps = checkSteps(api, 'options.steps', field(o, 'steps'));
  const { every, count } = checkTrajectory(api, field(o, 'trajectory'), steps, xs.data.length);
  return { score: fn, x: xs, eps, steps, every, count };
}

/** Runs K ULA steps from a validated start; noise(k) is drawn for step k = 0..K-1. */
function runChain(api: string, a: ChainArgs, noise: (i: number) => unknown): ChainResult {
  const shape = a.x.shape;
  const n = sizeOf(shape);
  const h = a.eps / 2;
  const c = Math.sqrt(a.eps);
  // Two state buffers used in turn (the user's score sees a copy made by callField).
  let cur = Float64Array.from(a.x.data);
  let next = new Float64Array(n);
  const mean = new Float64Array(n);
  const rec = recorder(a.count, n);
  record(rec, cur);
  for (let k = 0; k < a.steps; k++) {
    const s = callField(api, 'score', a.score, dense(cur, shape));
    const z = drawNoise(api, noise, k, shape);
    if (ulaInto(cur, s, z, h, c, next, mean) !== 0) throw overflow(api, 'options.eps', 'the chain', k, next);
    const t = cur;
    cur = next;
    next = t;
    if (a.every > 0 && (k + 1) % a.every === 0) record(rec, cur);
  }
  const trajectory = finish(rec, shape);
  const result = { x: wrap(cur, shape), xMean: wrap(mean, shape) };
  return trajectory === undefined ? result : { ...result, trajectory };
}

/**
 * A chain of K unadjusted Langevin steps (Song and Ermon 2019, Eq. 4):
 *
 *     x_{k+1} = x_k + eps/2 s(x_k) + sqrt(eps) z_k,   k = 0..K-1,   z_k = noise(k)
 *
 * On N(mu, s^2) (s(x) = -(x - mu)/s^2) this is the AR(1) process x_{k+1} = a x_k + (1 - a) mu
 * + sqrt(eps) z_k with a = 1 - eps/(2 s^2): stable iff 0 < eps < 4 s^2, stationary law
 * N(mu, s^2 / (1 - eps/(4 s^2))), exact only as eps -> 0 (use `mala` for an exact chain).
 *
 * @param score - s(x) ~ grad_x log p(x): a function of an array of the shape of x
 *   returning an array of that shape with finite values (it receives a copy of the state)
 * @param x - the start x_0, a Float64NdArray of any shape (points are its rows), finite
 * @param options - `{ eps, steps, trajectory? }`: eps > 0 finite; steps K an integer >= 1;
 *   trajectory k in 1..K records x_0, x_k, x_2k, ... (default none)
 * @param noise - the noise source: noise(k) is z_k, an array of the shape of x
 * @returns `{ x: x_K, xMean: x_{K-1} + eps/2 s(x_{K-1}), trajectory? }` (trajectory of shape
 *   [1 + floor(K/k), ...x.shape])
 * @throws InvalidArgumentError on `score`, `noise` (not functions, or returning arrays that are
 *   not finite float64 of the shape of x), `x`, `options`, `options.eps`, `options.steps`,
 *   `options.trajectory`, and on `options.eps` when the chain overflows float64
 * @example
 * import ndarray from 'ndarray';
 * import { langevin, random } from 'diffusion-ts';
 * const x0 = ndarray(new Float64Array(1000).fill(3), [1000, 1]);
 * const score = (x) => ndarray(x.data.map((v) => -v), x.shape); // N(0, 1)
 * const k = random.key(0);
 * const { x } = langevin.chain(score, x0, { eps: 0.1, steps: 200 }, (i) => random.normal(random.foldIn(k, i), [1000, 1]));
 * x.data.reduce((m, v) => m + v * v, 0) / 1000; // returns ~0.961 (the stationary variance is 1/(1 - 0.1/4) = 1.026)
 * @see proofs/langevin/step.md (claims langevin/step#ar1, #moments, #stationary)
 */
export function chain(score: ScoreFn, x: Float64NdArray, options: ChainOptions, noise: NoiseSource): ChainResult {
  const api = 'langevin.chain';
  const a = prepareChain(api, score, x, options);
  const src = checkFunction<(i: number) => unknown>(api, 'noise', noise);
  return runChain(api, a, src);
}

/**
 * `chain` with its noise drawn from a PRNG key: z_k = random.normal(random.foldIn(key, k),
 * x.shape).
 *
 * @param score - s(x), as for `chain`
 * @param x - the start x_0, as for `chain`
 * @param options - `{ eps, steps, trajectory? }`, as for `chain`
 * @param key - a Key record; use it once
 * @returns as `chain`
 * @throws as `chain`, and InvalidArgumentError on `key` for a value that is not a Key record
 * @example
 * import ndarray from 'ndarray';
 * import { langevin, random } from 'diffusion-ts';
 * const score = (x) => ndarray(x.data.map((v) => -v), x.shape);
 * langevin.chainWithKey(score, ndarray(new Float64Array(4), [4, 1]), { eps: 0.1, steps: 10 }, random.key(1)).x.shape; // returns ~[4, 1]
 * @see proofs/langevin/step.md (claim langevin/step#ar1)
 */
export function chainWithKey(score: ScoreFn, x: Float64NdArray, options: ChainOptions, key: Key): ChainResult {
  const api = 'langevin.chainWithKey';
  const a = prepareChain(api, score, x, options);
  const k = checkKey(api, 'key', key);
  const shape = a.x.shape.slice();
  return runChain(api, a, (i) => normal(foldIn(k, i), shape));
}
