/**
 * Exact sampling from a Gaussian mixture in two stages: a component by the inverse CDF of
 * the weights, then mu_k + L_k z. The kernel takes its noise (u, z) as arguments; the
 * wrapper draws it from a PRNG key.
 *
 * @see proofs/mixture/sample.md
 * @see docs/mixture/sample.md
 */
import { DiffusionError, InvalidArgumentError } from '../errors.js';
import { checkArray, checkInteger, checkSameShape, wrap, type Float64NdArray } from '../../_internal/validate.js';
import { split, normalArray, uniformArray, type Key } from '../random/index.js';
import { checkFiniteOutput, checkMixture, type GaussianMixture } from './internal.js';

/** Largest number of values (n d) one `sample` call draws: 2^31, as `random` allows. */
const MAX_VALUES = 2 ** 31;

/**
 * Exact sampler with its noise as arguments: for each i, the component
 *
 *     k_i = min { k : u_i < C_k },   C_k = w_1 + ... + w_k   (inverse CDF of the weights),
 *
 * then x_i = mu_{k_i} + L_{k_i} z_i with Sigma_k = L_k L_k^T (Cholesky). If u_i ~ U[0, 1)
 * and z_i ~ N(0, I) independently, then P(k_i = k) = w_k and x_i | k_i ~ N(mu_k, Sigma_k),
 * so x_i ~ p exactly (up to the rounding of C_k, a few EPS in probability). Deterministic:
 * the same (u, z) give the same x.
 *
 * @param mix - the mixture p (from `create`)
 * @param u - n uniforms u_i in [0, 1), a Float64NdArray of shape [n] (n >= 0)
 * @param z - n standard normal vectors z_i, a Float64NdArray of shape [n, d], finite
 * @returns x, a Float64NdArray of shape [n, d]
 * @throws InvalidArgumentError for a bad `mix`, `u` outside [0, 1) or non-finite `z`
 *   (and when mu_k + L_k z overflows float64); ShapeError when `u` is not [n] or `z` not [n, d]
 * @example
 * const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
 * const x = sampleWith(mix, ndarray(new Float64Array([0.1, 0.9]), [2]), ndarray(new Float64Array(4), [2, 2]));
 * x.get(0, 0); // returns ~-5 (u = 0.1 < 0.2 picks mode 1; z = 0 gives its mean)
 * @see proofs/mixture/sample.md (claims mixture/sample#inverse-cdf, #exact)
 * @see Bishop (2006), Section 11.1.1 (ancestral sampling of a mixture)
 */
export function sampleWith(mix: GaussianMixture, u: Float64NdArray, z: Float64NdArray): Float64NdArray {
  const api = 'mixture.sampleWith';
  const m = checkMixture(api, mix);
  const uu = checkArray(api, 'u', u, { min: 0, minClosed: true, max: 1 });
  if (uu.shape.length !== 1) throw new InvalidArgumentError(api, 'u', 'an array of shape [n]', u);
  const n = uu.shape[0]!;
  const zz = checkArray(api, 'z', z);
  checkSameShape(api, 'z', zz.shape, '[u.length, mix.dim]', [n, m.dim]);
  const out = sampleKernel(m, uu.data, zz.data, n);
  checkFiniteOutput(api, 'z', z, out, 'noise for which mu_k + L_k z is representable in float64');
  return wrap(out, [n, m.dim]);
}

/**
 * n iid draws from the mixture: u = uniformArray(k1, n), z = normalArray(k2, n d) with
 * [k1, k2] = split(key, 2), then `sampleWith(mix, u, z)`.
 *
 * @param mix - the mixture p (from `create`)
 * @param key - a PRNG Key (from `random.key` or `random.split`); use it once
 * @param n - the number of draws, an integer in 0..floor(2^31 / d)
 * @returns x ~ p, a Float64NdArray of shape [n, d]
 * @throws InvalidArgumentError for a bad `mix`, a `key` that is not a Key record, or `n`
 *   out of range
 * @example
 * const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
 * const x = sample(mix, random.key(0), 10000);
 * x.shape; // returns ~[10000, 2] (about 8000 rows near (5, 5))
 * @see proofs/mixture/sample.md (claim mixture/sample#exact)
 */
export function sample(mix: GaussianMixture, key: Key, n: number): Float64NdArray {
  const api = 'mixture.sample';
  const m = checkMixture(api, mix);
  const count = checkInteger(api, 'n', n, 0, Math.floor(MAX_VALUES / m.dim));
  let keys: Key[];
  try {
    keys = split(key, 2);
  } catch (err) {
    if (err instanceof DiffusionError) {
      throw new InvalidArgumentError(api, 'key', 'a Key record { k0, k1 } (from random.key or random.split)', key);
    }
    throw err;
  }
  let u: Float64Array;
  let z: Float64Array;
  let out: Float64Array;
  try {
    u = uniformArray(keys[0]!, count);
    z = normalArray(keys[1]!, count * m.dim);
    out = sampleKernel(m, u, z, count);
  } catch {
    // Only an allocation the engine refuses can fail here (the sizes are valid).
    throw new InvalidArgumentError(api, 'n', `a number of draws whose ${count} x ${m.dim} values can be allocated`, n);
  }
  // |z| < 12.23 for random.normal (the ziggurat bound), so overflow needs covariances near 1e306: reported as such.
  checkFiniteOutput(api, 'mix', mix, out, 'a mixture whose draws are representable in float64');
  return wrap(out, [count, m.dim]);
}

/** x_i = mu_{k_i} + L_{k_i} z_i with k_i found by binary search of u_i in the cumulative weights. */
function sampleKernel(m: GaussianMixture, u: Float64Array, z: Float64Array, n: number): Float64Array {
  const d = m.dim;
  const dd = d * d;
  const K = m.components;
  const cdf = m.cumulativeWeights;
  const chol = m.cholesky;
  const means = m.means;
  const out = new Float64Array(n * d);
  for (let p = 0; p < n; p++) {
    const ui = u[p]!;
    // Smallest k with u < C_k; C_{K-1} = 1 > u, so the search always ends inside 0..K-1.
    let lo = 0;
    let hi = K - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ui < cdf[mid]!) hi = mid;
      else lo = mid + 1;
    }
    const mOff = lo * d;
    const lOff = lo * dd;
    const zOff = p * d;
    for (let i = 0; i < d; i++) {
      // (L z)_i = sum_{j <= i} L_ij z_j: L is lower triangular.
      let s = means[mOff + i]!;
      const row = lOff + i * d;
      for (let j = 0; j <= i; j++) s += chol[row + j]! * z[zOff + j]!;
      out[zOff + i] = s;
    }
  }
  return out;
}
