/**
 * The NCSN training objective (Song and Ermon 2019, Eq. 5-6): denoising score matching of
 * a noise-conditional score model, weighted by lambda(sigma) and averaged over the noise
 * levels sigma_1 > ... > sigma_L.
 *
 * @see proofs/score-matching/ncsn.md
 * @see docs/score-matching/ncsn.md
 */
import { DiffusionError, InvalidArgumentError, describeValue, got } from '../errors.js';
import { checkArray, checkFloat64Array, checkSameShape, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import { callField, checkFunction } from '../../_internal/fields.js';
import { normalArray, split, uniformArray, type Key } from '../random/index.js';
import type { NoiseScoreFn } from '../fields.js';
import { checkTerms, dsmTerms, perturbPoints } from './denoising.js';
import { checkBatch, drawFromKey, finish, readFlag, readOptions, type Batch, type Objective } from './internal.js';

/** A weight lambda(sigma) > 0 of the level sigma in the NCSN objective. */
export type NoiseWeight = (sigma: number) => number;

/** Options of `ncsnObjective`. */
export interface NcsnOptions {
  /** lambda(sigma): a function returning a positive finite weight (default sigma^2). */
  readonly lambda?: NoiseWeight;
  /**
   * One level per point, as the NCSN code trains: labels[i] = c in 0..L-1 evaluates row i
   * at sigma_{c+1} = sigmas[c] only, and `noise` then has the shape of x. Default: every
   * point at every level (noise of shape [L, ...x.shape]).
   */
  readonly labels?: ArrayLike<number>;
}

/** Options of `ncsnObjectiveWithKey`. */
export interface NcsnKeyOptions {
  /** lambda(sigma): a function returning a positive finite weight (default sigma^2). */
  readonly lambda?: NoiseWeight;
  /** Draw one level per point uniformly (the NCSN code) instead of using every level (default false). */
  readonly perPointLevel?: boolean;
}

/**
 * The NCSN objective (Song and Ermon 2019, Eq. 5-6), per example x_i:
 *
 *     l_i = (1/L) sum_{c=1..L} lambda(sigma_c) 1/2 |s(x~_ci, sigma_c) + z_ci / sigma_c|^2,
 *     x~_ci = x_i + sigma_c z_ci,
 *
 * where z_ci / sigma_c = (x~_ci - x_i) / sigma_c^2, so each bracket is `denoising` at level
 * sigma_c; lambda(sigma) = sigma^2 by default, which makes every level's optimal term of
 * order 1 (|s*(x, sigma)| ~ 1/sigma). Every point is evaluated at every level (an exact
 * average over the levels, noise of shape [L, ...x.shape]); the sum over c runs in order
 * c = 1..L and is divided once by L, so l_i is, bit for bit, the weighted average of the
 * `denoising` terms computed with the same noise.
 *
 * With `options.labels` each point is evaluated at one level only, as the NCSN code does
 * (labels drawn uniformly): l_i = lambda(sigma_c) 1/2 |s(x~_i, sigma_c) + z_i / sigma_c|^2,
 * c = labels[i], an unbiased estimate of the same objective when c is uniform on the levels.
 *
 * @param score - s(x, sigma), a noise-conditional score function (returns the shape of x)
 * @param x - the clean data x_i ~ p, a Float64NdArray of shape [n, d] or [n, ...], n >= 1, finite
 * @param sigmas - the L >= 1 noise levels sigma_1 > ... > sigma_L > 0 (a Float64Array,
 *   strictly decreasing, finite; `sigmas[c - 1]` = sigma_c)
 * @param noise - z ~ N(0, I): shape [L, ...x.shape] (z_c = noise[c - 1]), or the shape of x
 *   when `options.labels` is given; finite
 * @param options - `{ lambda, labels }`: the weight (default sigma^2) and optional per-point
 *   level indices in 0..L-1 (an array of integers of length n)
 * @returns `{ value, perExample }`: the batch mean of l_i and the l_i, shape [n]
 * @throws InvalidArgumentError for a `score` that is not a function or returns anything but
 *   a finite float64 array of the shape of its input (ShapeError for a wrong shape); bad
 *   `x`; `sigmas` not a Float64Array (DTypeError), empty, with NaN, infinite, non-positive
 *   or not strictly decreasing entries; non-finite `noise` or one of the wrong shape
 *   (ShapeError); `options.lambda` not a function or returning anything but a positive finite
 *   number; `options.labels` not n integers in 0..L-1; on `sigmas` when x + sigma z or
 *   z / sigma overflows, and on the model (or lambda) when the objective overflows
 * @example
 * import { scoreMatching } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * // p = delta_0, whose perturbed score is -x~ / sigma^2: every term is 0.
 * const x = ndarray(new Float64Array(2), [2, 1]);
 * const z = ndarray(new Float64Array([1, -1, 0.5, 2]), [2, 2, 1]);
 * const s = (y, sigma) => ndarray(y.data.map((v) => -v / sigma ** 2), y.shape);
 * scoreMatching.ncsnObjective(s, x, new Float64Array([1, 0.1]), z).value; // returns ~0
 * @see proofs/score-matching/ncsn.md (claims score-matching/ncsn#weighted-denoising, #minimum, #per-point-level)
 * @see Song and Ermon (2019), "Generative modeling by estimating gradients of the data distribution", Eq. 5-6
 */
export function ncsnObjective(score: NoiseScoreFn, x: Float64NdArray, sigmas: Float64Array, noise: Float64NdArray, options?: NcsnOptions): Objective {
  const api = 'scoreMatching.ncsnObjective';
  checkFunction(api, 'score', score);
  const batch = checkBatch(api, 'x', x);
  const sig = checkSigmas(api, sigmas);
  const opts = readOptions(api, options);
  const weight = readWeight(api, opts);
  const labels = opts.labels === undefined ? undefined : readLabels(api, opts.labels, batch.n, sig.length);
  const z = checkArray(api, 'noise', noise);
  if (labels === undefined) {
    checkSameShape(api, 'noise', z.shape, '[sigmas.length, ...x.shape]', [sig.length, ...batch.dense.shape]);
    return allLevels(api, score, batch, sig, z.data, weight, blameOf(opts));
  }
  checkSameShape(api, 'noise', z.shape, 'x', batch.dense.shape);
  return onePerPoint(api, score, batch, sig, z.data, labels, weight, blameOf(opts));
}

/**
 * `ncsnObjective` with its noise (and labels) drawn from a key: [k1, k2] = random.split(key, 2);
 * by default z = random.normal(k1, [L, ...x.shape]) (every level); with `perPointLevel`,
 * z = random.normal(k1, x.shape) and labels c_i = min(L - 1, floor(L u_i)) with
 * u = random.uniform(k2, [n]) (uniform levels, as the NCSN code's torch.randint).
 *
 * @param score - s(x, sigma), a noise-conditional score function
 * @param x - the clean data, a Float64NdArray of shape [n, d] or [n, ...], n >= 1, finite
 * @param sigmas - sigma_1 > ... > sigma_L > 0, a Float64Array
 * @param key - a PRNG Key (from `random.key` or `random.split`); use it once
 * @param options - `{ perPointLevel, lambda }` (default false and sigma^2)
 * @returns `{ value, perExample }` as `ncsnObjective`
 * @throws as `ncsnObjective`, and InvalidArgumentError on `key` (not a Key record),
 *   `options.perPointLevel` (not a boolean), or on `x` when the draw exceeds 2^31 values
 * @example
 * import { scoreMatching, schedule, random } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const x = ndarray(new Float64Array(1000), [1000, 1]); // p = delta_0
 * const s = (y, sigma) => ndarray(y.data.map((v) => -v / sigma ** 2), y.shape); // exact
 * const sigmas = schedule.geometricSigmas(1, 0.01, 10);
 * scoreMatching.ncsnObjectiveWithKey(s, x, sigmas, random.key(0), { perPointLevel: true }).value; // returns ~0
 * @see proofs/score-matching/ncsn.md (claim score-matching/ncsn#per-point-level)
 */
export function ncsnObjectiveWithKey(score: NoiseScoreFn, x: Float64NdArray, sigmas: Float64Array, key: Key, options?: NcsnKeyOptions): Objective {
  const api = 'scoreMatching.ncsnObjectiveWithKey';
  checkFunction(api, 'score', score);
  const batch = checkBatch(api, 'x', x);
  const sig = checkSigmas(api, sigmas);
  const opts = readOptions(api, options);
  const weight = readWeight(api, opts);
  const perPoint = readFlag(api, opts, 'perPointLevel');
  let keys: Key[];
  try {
    keys = split(key, 2);
  } catch (e) {
    if (e instanceof DiffusionError) throw new InvalidArgumentError(api, 'key', 'a Key record { k0, k1 } (from random.key or random.split)', key);
    throw e;
  }
  const L = sig.length;
  const { n, d } = batch;
  if (!perPoint) {
    const z = drawFromKey(api, keys[0]!, L * n * d, normalArray);
    return allLevels(api, score, batch, sig, z, weight, blameOf(opts));
  }
  const z = drawFromKey(api, keys[0]!, n * d, normalArray);
  const u = drawFromKey(api, keys[1]!, n, uniformArray);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = Math.min(L - 1, Math.floor(L * u[i]!));
  return onePerPoint(api, score, batch, sig, z, labels, weight, blameOf(opts));
}

/** The argument blamed when lambda(sigma) times a finite loss overflows: a user's weight, else the model. */
function blameOf(opts: Record<string, unknown>): string {
  return opts.lambda === undefined ? 'score' : 'options.lambda';
}

/** Throws unless sigmas is a non-empty Float64Array of finite, positive, strictly decreasing levels. */
export function checkSigmas(api: string, sigmas: unknown): Float64Array {
  const s = checkFloat64Array(api, 'sigmas', sigmas);
  const expected = 'noise levels sigma_1 > ... > sigma_L > 0 (strictly decreasing, positive)';
  if (s.length < 1) throw new InvalidArgumentError(api, 'sigmas', expected, got('an empty Float64Array'));
  for (let i = 0; i < s.length; i++) {
    if (!(s[i]! > 0)) throw new InvalidArgumentError(api, 'sigmas', expected, got(`sigmas[${i}] = ${describeValue(s[i])}`));
    if (i > 0 && !(s[i]! < s[i - 1]!)) {
      throw new InvalidArgumentError(api, 'sigmas', expected, got(`sigmas[${i - 1}] = ${s[i - 1]} <= sigmas[${i}] = ${s[i]}`));
    }
  }
  return s;
}

/** lambda(sigma), validated: a positive finite number; the default is sigma^2. */
type Weight = (sigma: number) => number;

function readWeight(api: string, opts: Record<string, unknown>): Weight {
  const lambda = opts.lambda;
  if (lambda === undefined) {
    return (sigma) => {
      const w = sigma * sigma;
      if (!(w > 0 && w < Infinity)) {
        throw new InvalidArgumentError(api, 'sigmas', 'noise levels whose weight sigma^2 is positive and finite in float64', got(`sigma = ${sigma}`));
      }
      return w;
    };
  }
  const fn = checkFunction<(sigma: number) => unknown>(api, 'options.lambda', lambda);
  return (sigma) => {
    const w = fn(sigma);
    if (typeof w !== 'number' || !(w > 0 && w < Infinity)) {
      throw new InvalidArgumentError(api, 'options.lambda', 'a function returning a positive finite weight lambda(sigma)', got(`lambda(${sigma}) = ${describeValue(w)}`));
    }
    return w;
  };
}

/** n integer labels in 0..L-1 (an Array or a typed array). */
function readLabels(api: string, labels: unknown, n: number, L: number): Int32Array {
  const isTyped = ArrayBuffer.isView(labels) && !(labels instanceof DataView) && !(labels instanceof BigInt64Array) && !(labels instanceof BigUint64Array);
  if (!Array.isArray(labels) && !isTyped) {
    throw new InvalidArgumentError(api, 'options.labels', `an array of ${n} level indices in 0..${L - 1}`, labels);
  }
  const a = labels as ArrayLike<unknown>;
  if (a.length !== n) throw new InvalidArgumentError(api, 'options.labels', `an array of ${n} level indices (one per row of x)`, got(`length ${a.length}`));
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = a[i];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > L - 1) {
      throw new InvalidArgumentError(api, 'options.labels', `level indices that are integers in 0..${L - 1}`, got(`labels[${i}] = ${describeValue(c)}`));
    }
    out[i] = c;
  }
  return out;
}

/** l_i = (1/L) sum_c lambda_c dsm_ci, summed in order c = 1..L. */
function allLevels(api: string, score: NoiseScoreFn, batch: Batch, sigmas: Float64Array, z: Float64Array, weight: Weight, blame: string): Objective {
  const { n, d } = batch;
  const L = sigmas.length;
  const acc = new Float64Array(n);
  for (let c = 0; c < L; c++) {
    const sigma = sigmas[c]!;
    const zOff = c * n * d;
    const lambda = weight(sigma);
    const xt = perturbPoints(api, 'sigmas', batch.dense, z, zOff, sigma);
    const s = callField(api, 'score', score, xt, sigma);
    const l = dsmTerms(s, z, zOff, sigma, n, d);
    checkTerms(api, 'sigmas', 'score', l, z, zOff, sigma, d);
    for (let i = 0; i < n; i++) acc[i] = acc[i]! + lambda * l[i]!;
  }
  for (let i = 0; i < n; i++) acc[i] = acc[i]! / L;
  return finish(api, blame, acc, 'the weighted loss lambda(sigma) |s(x~, sigma) + z / sigma|^2 / 2');
}

/** l_i = lambda(sigma_c) dsm_i at c = labels[i]: the rows of each level in one call of the score. */
function onePerPoint(
  api: string,
  score: NoiseScoreFn,
  batch: Batch,
  sigmas: Float64Array,
  z: Float64Array,
  labels: Int32Array,
  weight: Weight,
  blame: string,
): Objective {
  const { n, d } = batch;
  const L = sigmas.length;
  const x = batch.dense.data;
  const rest = batch.dense.shape.slice(1);
  const per = new Float64Array(n);
  const counts = new Int32Array(L);
  for (let i = 0; i < n; i++) counts[labels[i]!]!++;
  for (let c = 0; c < L; c++) {
    const count = counts[c]!;
    if (count === 0) continue;
    const sigma = sigmas[c]!;
    const lambda = weight(sigma);
    // Gather the rows at this level (x and z), in row order.
    const rows = new Int32Array(count);
    const xs = new Float64Array(count * d);
    const zs = new Float64Array(count * d);
    let r = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== c) continue;
      rows[r] = i;
      xs.set(x.subarray(i * d, (i + 1) * d), r * d);
      zs.set(z.subarray(i * d, (i + 1) * d), r * d);
      r++;
    }
    const sub: Dense = { data: xs, shape: [count, ...rest] };
    const xt = perturbPoints(api, 'sigmas', sub, zs, 0, sigma);
    const s = callField(api, 'score', score, xt, sigma);
    const l = dsmTerms(s, zs, 0, sigma, count, d);
    checkTerms(api, 'sigmas', 'score', l, zs, 0, sigma, d);
    for (let k = 0; k < count; k++) per[rows[k]!] = lambda * l[k]!;
  }
  return finish(api, blame, per, 'the weighted loss lambda(sigma) |s(x~, sigma) + z / sigma|^2 / 2');
}
