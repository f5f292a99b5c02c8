/**
 * Denoising score matching (Vincent 2011) for Gaussian noise: regress the model's score at
 * a noisy point onto the score of the noising kernel, -(x~ - x) / sigma^2 = -z / sigma.
 *
 * @see proofs/score-matching/denoising.md
 * @see docs/score-matching/denoising.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkArray, checkNumber, checkSameShape, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import { checkFunction } from '../../_internal/fields.js';
import { normalArray, type Key } from '../random/index.js';
import type { ScoreFn } from '../fields.js';
import { checkBatch, drawFromKey, evalScore, finish, type Objective } from './internal.js';

/**
 * Denoising score matching with Gaussian noise (Vincent 2011, Eq. 11 and Section 4.2), the
 * Monte Carlo average over the rows of x of
 *
 *     l_i = 1/2 |s(x~_i) + (x~_i - x_i) / sigma^2|^2 = 1/2 |s(x~_i) + z_i / sigma|^2,
 *     x~_i = x_i + sigma z_i,
 *
 * an estimate of 1/2 E_{x ~ p, x~ ~ N(x, sigma^2 I)} |s(x~) - grad_x~ log q_sigma(x~ | x)|^2.
 * It equals 1/2 E |s(x~) - grad log q_sigma(x~)|^2 plus a constant that does not depend on
 * s (for p = N(mu, s0^2 I) in d dimensions, d/(2 sigma^2) - d/(2 (s0^2 + sigma^2))), so its
 * minimizer is the score of the perturbed density q_sigma = p * N(0, sigma^2 I).
 * The regression target is computed as z / sigma (one rounding), not from x~ - x.
 *
 * @param score - s, a score function x~ -> s(x~) (returns the shape of its input)
 * @param x - the clean data x_i ~ p, a Float64NdArray of shape [n, d] or [n, ...], n >= 1, finite
 * @param sigma - the noise level sigma > 0, finite
 * @param noise - z_i ~ N(0, I), a Float64NdArray of the shape of x, finite
 * @returns `{ value, perExample }`: the batch mean of l_i and the l_i, shape [n]
 * @throws InvalidArgumentError for a `score` that is not a function or returns anything but
 *   a finite float64 array of the shape of x (ShapeError for a wrong shape); bad `x`;
 *   `sigma` not a positive finite number, or so small or large that x + sigma z or z / sigma
 *   overflows; non-finite `noise` (ShapeError when it is not the shape of x); on `score`
 *   when the loss overflows
 * @example
 * import { scoreMatching } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * // The score of q_sigma for p = N(0, 1) is -x~ / (1 + sigma^2).
 * const x = ndarray(new Float64Array([0.5]), [1, 1]);
 * const z = ndarray(new Float64Array([1]), [1, 1]);
 * const s = (y) => ndarray(y.data.map((v) => -v / 2), y.shape); // sigma = 1
 * scoreMatching.denoising(s, x, 1, z).value; // returns ~0.03125 (x~ = 1.5: 1/2 (-0.75 + 1)^2)
 * @see proofs/score-matching/denoising.md (claims score-matching/denoising#definition, #esm-equivalence, #minimizer)
 * @see Vincent (2011), "A connection between score matching and denoising autoencoders", Eq. 11 and Section 4.2
 */
export function denoising(score: ScoreFn, x: Float64NdArray, sigma: number, noise: Float64NdArray): Objective {
  const api = 'scoreMatching.denoising';
  checkFunction(api, 'score', score);
  const batch = checkBatch(api, 'x', x);
  checkNumber(api, 'sigma', sigma, { min: 0 });
  const z = checkArray(api, 'noise', noise);
  checkSameShape(api, 'noise', z.shape, 'x', batch.dense.shape);
  const xt = perturbPoints(api, 'sigma', batch.dense, z.data, 0, sigma);
  const s = evalScore(api, 'score', score, xt);
  const per = dsmTerms(s, z.data, 0, sigma, batch.n, batch.d);
  checkTerms(api, 'sigma', 'score', per, z.data, 0, sigma, batch.d);
  return finish(api, 'score', per, 'the loss 1/2 |s(x~) + z / sigma|^2');
}

/**
 * `denoising` with its noise drawn from a key: z = random.normal(key, x.shape), then
 * `denoising(score, x, sigma, z)`.
 *
 * @param score - s, a score function (returns the shape of its input)
 * @param x - the clean data, a Float64NdArray of shape [n, d] or [n, ...], n >= 1, finite
 * @param sigma - the noise level sigma > 0, finite
 * @param key - a PRNG Key (from `random.key` or `random.split`); use it once
 * @returns `{ value, perExample }` as `denoising`
 * @throws as `denoising`, and InvalidArgumentError on `key` when it is not a Key record
 * @example
 * import { scoreMatching, random } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const x = ndarray(new Float64Array(2000), [1000, 2]); // p = delta_0
 * const s = (y) => ndarray(y.data.map((v) => -v / 0.25), y.shape); // the score of N(0, 0.25 I)
 * scoreMatching.denoisingWithKey(s, x, 0.5, random.key(0)).value; // returns ~0 (s is the exact score of q_sigma, and here z / sigma = x~ / sigma^2)
 * @see proofs/score-matching/denoising.md (claim score-matching/denoising#esm-equivalence)
 */
export function denoisingWithKey(score: ScoreFn, x: Float64NdArray, sigma: number, key: Key): Objective {
  const api = 'scoreMatching.denoisingWithKey';
  checkFunction(api, 'score', score);
  const batch = checkBatch(api, 'x', x);
  checkNumber(api, 'sigma', sigma, { min: 0 });
  const z = drawFromKey(api, key, batch.n * batch.d, normalArray);
  const xt = perturbPoints(api, 'sigma', batch.dense, z, 0, sigma);
  const s = evalScore(api, 'score', score, xt);
  const per = dsmTerms(s, z, 0, sigma, batch.n, batch.d);
  checkTerms(api, 'sigma', 'score', per, z, 0, sigma, batch.d);
  return finish(api, 'score', per, 'the loss 1/2 |s(x~) + z / sigma|^2');
}

/**
 * x~ = x + sigma z (z read from offset zOff), as a dense batch of the shape of x; throws on
 * `blame` when a coordinate overflows.
 */
export function perturbPoints(api: string, blame: string, x: Dense, z: Float64Array, zOff: number, sigma: number): Dense {
  const xd = x.data;
  const size = xd.length;
  const out = new Float64Array(size);
  let check = 0;
  for (let k = 0; k < size; k++) {
    const v = xd[k]! + sigma * z[zOff + k]!;
    out[k] = v;
    check += v * 0;
  }
  // v * 0 is 0 for finite v and NaN otherwise: one test for the whole batch.
  if (check !== 0) {
    for (let k = 0; k < size; k++) {
      if (!Number.isFinite(out[k]!)) {
        throw new InvalidArgumentError(api, blame, 'a noise level for which x + sigma z is finite in float64', got(`${sigma} (overflow at flat index ${k})`));
      }
    }
  }
  return { data: out, shape: x.shape };
}

/**
 * l_i = 1/2 sum_j (s_ij + z_ij / sigma)^2 for the n rows of d coordinates (z read from
 * offset zOff). The kernel shared by `denoising` and `ncsnObjective`, so that the NCSN
 * objective is, bit for bit, the weighted average of the per-level DSM terms.
 */
export function dsmTerms(s: Float64Array, z: Float64Array, zOff: number, sigma: number, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    const off = i * d;
    for (let j = 0; j < d; j++) {
      const r = s[off + j]! + z[zOff + off + j]! / sigma;
      acc += r * r;
    }
    out[i] = 0.5 * acc;
  }
  return out;
}

/**
 * Throws when a DSM term is not finite, naming its cause: `sigmaName` when z / sigma
 * overflows in that row (a noise level too small for the noise), else `scoreName` (the
 * model's values are too large to square). Returns when every term is finite.
 */
export function checkTerms(
  api: string,
  sigmaName: string,
  scoreName: string,
  per: Float64Array,
  z: Float64Array,
  zOff: number,
  sigma: number,
  d: number,
): void {
  let check = 0;
  for (let i = 0; i < per.length; i++) check += per[i]! * 0;
  if (check === 0) return;
  for (let i = 0; i < per.length; i++) {
    if (Number.isFinite(per[i]!)) continue;
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(z[zOff + i * d + j]! / sigma)) {
        throw new InvalidArgumentError(api, sigmaName, 'a noise level for which z / sigma is finite in float64', got(`${sigma} (overflow at example ${i})`));
      }
    }
    throw new InvalidArgumentError(api, scoreName, 'a model whose loss 1/2 |s(x~) + z / sigma|^2 is finite in float64', got(`an overflow at example ${i} (sigma = ${sigma})`));
  }
}
