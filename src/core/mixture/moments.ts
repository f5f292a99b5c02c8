/**
 * The mean and covariance of a Gaussian mixture (laws of total expectation and total
 * covariance), for checking samplers' moments.
 *
 * @see proofs/mixture/moments.md
 * @see docs/mixture/moments.md
 */
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import { checkFiniteOutput, checkMixture, type GaussianMixture } from './internal.js';

/**
 * Mean of the mixture, E[x] = sum_k w_k mu_k (law of total expectation).
 *
 * @param mix - the mixture p (from `create`)
 * @returns m = E[x], a Float64NdArray of shape [d]
 * @throws InvalidArgumentError for a `mix` not made by `create`
 * @example
 * const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
 * mean(mix).get(0); // returns ~3 (0.2 * -5 + 0.8 * 5)
 * @see proofs/mixture/moments.md (claim mixture/moments#total-covariance)
 * @see Bishop (2006), Pattern Recognition and Machine Learning, Exercise 9.10 (moments of a mixture)
 */
export function mean(mix: GaussianMixture): Float64NdArray {
  const api = 'mixture.mean';
  const m = checkMixture(api, mix);
  const out = meanInto(m);
  checkFiniteOutput(api, 'mix', mix, out, 'a mixture whose mean is representable in float64');
  return wrap(out, [m.dim]);
}

/**
 * Covariance of the mixture by the law of total covariance,
 *
 *     Cov[x] = E[Cov[x | k]] + Cov[E[x | k]] = sum_k w_k (Sigma_k + (mu_k - m)(mu_k - m)^T),
 *
 * with m = sum_k w_k mu_k. Written with the centered means mu_k - m (not as
 * sum_k w_k (Sigma_k + mu_k mu_k^T) - m m^T, which cancels catastrophically for means far
 * from 0); the result is exactly symmetric.
 *
 * @param mix - the mixture p (from `create`)
 * @returns Cov[x], a symmetric positive definite Float64NdArray of shape [d, d]
 * @throws InvalidArgumentError for a bad `mix`, and when the covariance overflows float64
 * @example
 * const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
 * covariance(mix).get(0, 0); // returns ~17 (1 + 0.2 * 0.8 * 10^2)
 * @see proofs/mixture/moments.md (claim mixture/moments#total-covariance)
 * @see Bishop (2006), Exercise 9.10 (law of total covariance for a mixture)
 */
export function covariance(mix: GaussianMixture): Float64NdArray {
  const api = 'mixture.covariance';
  const m = checkMixture(api, mix);
  const d = m.dim;
  const dd = d * d;
  const mu = meanInto(m);
  const out = new Float64Array(dd);
  const centered = new Float64Array(d);
  for (let k = 0; k < m.components; k++) {
    const wk = m.weights[k]!;
    for (let i = 0; i < d; i++) centered[i] = m.means[k * d + i]! - mu[i]!;
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        // Sigma_k is stored exactly symmetric, so reading [i, j] for both halves is exact.
        out[i * d + j] = out[i * d + j]! + wk * (m.covs[k * dd + i * d + j]! + centered[i]! * centered[j]!);
      }
    }
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) out[i * d + j] = out[j * d + i]!;
  checkFiniteOutput(api, 'mix', mix, out, 'a mixture whose covariance is representable in float64');
  return wrap(out, [d, d]);
}

function meanInto(m: GaussianMixture): Float64Array {
  const d = m.dim;
  const out = new Float64Array(d);
  for (let k = 0; k < m.components; k++) {
    const wk = m.weights[k]!;
    for (let i = 0; i < d; i++) out[i] = out[i]! + wk * m.means[k * d + i]!;
  }
  return out;
}
