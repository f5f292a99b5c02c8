/**
 * Inpainting by annealed Langevin dynamics (Song and Ermon 2019, Section 5, image
 * inpainting, and the inpainting algorithm of its appendix): the known coordinates are
 * clamped to their perturbed values y + sigma_i z at each level while the others follow
 * Algorithm 1.
 *
 * @see proofs/langevin/inpaint.md
 * @see docs/langevin/inpaint.md
 */
import { checkFunction } from '../../_internal/fields.js';
import { checkArray, isNdArray, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import { InvalidArgumentError, ShapeError, got } from '../errors.js';
import type { NoiseScoreFn, NoiseSource } from '../fields.js';
import { checkKey } from '../random/checks.js';
import { foldIn, type Key } from '../random/keys.js';
import { normal } from '../random/normal.js';
import { prepareAnnealed, runAnnealed, type AnnealedOptions, type AnnealedResult, type KnownCoordinates } from './annealed.js';
import { field } from './checks.js';

/** What is known: a 0/1 mask (1 = known) and the known values, each of the shape of x or of one row of x. */
export interface InpaintCondition {
  /** m_j in {0, 1}: 1 where the coordinate is known. Shape of x, or of a row (x.shape.slice(1)). */
  readonly mask: Float64NdArray;
  /** y_j, the known values (read where mask = 1; finite everywhere). Shape of x, or of a row. */
  readonly known: Float64NdArray;
}

/** An array of the shape of x or of one row of x (then broadcast over the rows). */
function rowOrFull(api: string, name: string, a: Dense, xShape: readonly number[]): boolean {
  const same = (s: readonly number[]) => a.shape.length === s.length && a.shape.every((n, i) => n === s[i]);
  if (same(xShape)) return false;
  if (xShape.length >= 1 && same(xShape.slice(1))) return true;
  throw new ShapeError(api, name, a.shape, xShape, xShape.length >= 1 ? `x (or of one row of x, [${xShape.slice(1).join(', ')}])` : 'x');
}

/** Validates the condition against x and flattens it to the known indices and values. */
function checkCondition(api: string, condition: unknown, x: Dense): KnownCoordinates {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition) || isNdArray(condition) || ArrayBuffer.isView(condition)) {
    throw new InvalidArgumentError(api, 'condition', 'a record { mask, known } of float64 ndarrays', condition);
  }
  const o = condition as Record<string, unknown>;
  const mask = checkArray(api, 'condition.mask', field(o, 'mask'));
  const maskRow = rowOrFull(api, 'condition.mask', mask, x.shape);
  for (let j = 0; j < mask.data.length; j++) {
    const v = mask.data[j]!;
    if (v !== 0 && v !== 1) {
      throw new InvalidArgumentError(api, 'condition.mask', 'values 0 (unknown) or 1 (known)', got(`${v} at flat index ${j}`));
    }
  }
  const known = checkArray(api, 'condition.known', field(o, 'known'));
  const knownRow = rowOrFull(api, 'condition.known', known, x.shape);
  const size = x.data.length;
  const rows = x.shape.length >= 1 ? x.shape[0]! : 1;
  const rowSize = rows === 0 ? 0 : size / rows;
  let count = 0;
  for (let j = 0; j < size; j++) if (mask.data[maskRow ? j % rowSize : j] === 1) count++;
  const index = new Int32Array(count);
  const value = new Float64Array(count);
  let k = 0;
  for (let j = 0; j < size; j++) {
    if (mask.data[maskRow ? j % rowSize : j] === 1) {
      index[k] = j;
      value[k] = known.data[knownRow ? j % rowSize : j]!;
      k++;
    }
  }
  return { index, value };
}

/**
 * Inpainting with annealed Langevin dynamics (Song and Ermon 2019, Section 5 and the
 * appendix's inpainting algorithm, in the form of the NCSN code's
 * `anneal_Langevin_dynamics_inpainting`): with mask m (1 = known) and known values y, for
 * i = 1..L,
 *
 *     draw z~ ~ N(0, I);  x_j <- y~_j = y_j + sigma_i z~_j  where m_j = 1,
 *     repeat T times:  x <- x + alpha_i/2 s(x, sigma_i) + sqrt(alpha_i) z;  x_j <- y~_j where m_j = 1,
 *
 * alpha_i = eps sigma_i^2 / sigma_L^2. The known coordinates sit at the perturbed data
 * y + sigma_i z~ (a sample of q_{sigma_i} at the known coordinates), the unknown ones do
 * Langevin in q_{sigma_i}(x_unknown | x_known = y~). Noise indices: level i (0-based) draws
 * z~ = noise(i (T + 1)), then step t uses noise(i (T + 1) + 1 + t): L (T + 1) draws in the order
 * consumed. Known coordinates of `xMean` hold the clean y (their noise-free value); those of
 * `x` and of the trajectory the perturbed y~ of the last level.
 *
 * @param score - s(x, sigma) ~ grad_x log q_sigma(x) of the joint density, as for `annealed`
 * @param sigmas - sigma_1 > ... > sigma_L > 0, a Float64Array of L >= 1 finite values
 * @param options - `{ eps, stepsPerLevel, trajectory?, denoise? }`, as for `annealed`
 *   (trajectory 'levels' records the start and the state after each level; a stride k in
 *   1..L T counts Langevin steps, not the level draws; denoise applies x + sigma_L^2 s to
 *   the unknown coordinates and sets the known ones to y)
 * @param x - the start (its known coordinates are overwritten at level 1), any shape, finite
 * @param condition - `{ mask, known }`: mask of 0/1 values and finite known values y, each
 *   of the shape of x or of one row of x (broadcast over the rows)
 * @param noise - the noise source, noise(k) of the shape of x
 * @returns `{ x, xMean, trajectory? }` as for `annealed`
 * @throws as `annealed`, and InvalidArgumentError on `condition`, `condition.mask` (a value
 *   other than 0 or 1), `condition.known`; ShapeError when mask or known is neither the
 *   shape of x nor of a row
 * @example
 * import ndarray from 'ndarray';
 * import { langevin, random } from 'diffusion-ts';
 * // Two independent N(0, 1) coordinates; the first is known to be 2.
 * const score = (x, sigma) => ndarray(x.data.map((v) => -v / (1 + sigma * sigma)), x.shape);
 * const mask = ndarray(new Float64Array([1, 0]), [2]);
 * const known = ndarray(new Float64Array([2, 0]), [2]);
 * const r = langevin.annealedInpaint(score, new Float64Array([1, 0.1]), { eps: 0.01, stepsPerLevel: 20 }, ndarray(new Float64Array(8), [4, 2]), { mask, known }, (i) => random.normal(random.foldIn(random.key(0), i), [4, 2]));
 * r.xMean.get(3, 0); // returns ~2
 * @see proofs/langevin/inpaint.md (claims langevin/inpaint#known, #independent)
 */
export function annealedInpaint(
  score: NoiseScoreFn,
  sigmas: Float64Array,
  options: AnnealedOptions,
  x: Float64NdArray,
  condition: InpaintCondition,
  noise: NoiseSource,
): AnnealedResult {
  const api = 'langevin.annealedInpaint';
  const a = prepareAnnealed(api, score, sigmas, options, x);
  const known = checkCondition(api, condition, a.x);
  const src = checkFunction<(i: number) => unknown>(api, 'noise', noise);
  return runAnnealed(api, a, src, known);
}

/**
 * `annealedInpaint` with its noise drawn from a PRNG key: noise(k) = random.normal(
 * random.foldIn(key, k), x.shape) with the indices of `annealedInpaint`.
 *
 * @param score - s(x, sigma), as for `annealedInpaint`
 * @param sigmas - sigma_1 > ... > sigma_L > 0, as for `annealedInpaint`
 * @param options - `{ eps, stepsPerLevel, trajectory?, denoise? }`, as for `annealedInpaint`
 * @param x - the start, as for `annealedInpaint`
 * @param condition - `{ mask, known }`, as for `annealedInpaint`
 * @param key - a Key record; use it once
 * @returns as `annealedInpaint`
 * @throws as `annealedInpaint`, and InvalidArgumentError on `key`
 * @example
 * import ndarray from 'ndarray';
 * import { langevin, random } from 'diffusion-ts';
 * const score = (x, sigma) => ndarray(x.data.map((v) => -v / (1 + sigma * sigma)), x.shape);
 * const cond = { mask: ndarray(new Float64Array([1, 0]), [2]), known: ndarray(new Float64Array([2, 0]), [2]) };
 * langevin.annealedInpaintWithKey(score, new Float64Array([1, 0.1]), { eps: 0.01, stepsPerLevel: 20 }, ndarray(new Float64Array(8), [4, 2]), cond, random.key(0)).xMean.get(0, 0); // returns ~2
 * @see proofs/langevin/inpaint.md (claim langevin/inpaint#known)
 */
export function annealedInpaintWithKey(
  score: NoiseScoreFn,
  sigmas: Float64Array,
  options: AnnealedOptions,
  x: Float64NdArray,
  condition: InpaintCondition,
  key: Key,
): AnnealedResult {
  const api = 'langevin.annealedInpaintWithKey';
  const a = prepareAnnealed(api, score, sigmas, options, x);
  const known = checkCondition(api, condition, a.x);
  const k = checkKey(api, 'key', key);
  const shape = a.x.shape.slice();
  return runAnnealed(api, a, (i) => normal(foldIn(k, i), shape), known);
}
