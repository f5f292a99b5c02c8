/**
 * Exact noise-perturbed mixtures: the law of x + sigma z (NCSN / VE) and of
 * sqrt(alphaBar) x + sqrt(1 - alphaBar) z (DDPM / VP) for x ~ p, z ~ N(0, I). Both are
 * again Gaussian mixtures, so their densities and scores are exact oracles for samplers.
 *
 * @see proofs/mixture/perturb.md
 * @see docs/mixture/perturb.md
 */
import { checkNumber } from '../../_internal/validate.js';
import { buildMixture, checkMixture, type GaussianMixture } from './internal.js';

/**
 * The perturbed mixture q_sigma = p * N(0, sigma^2 I), the law of x + sigma z:
 *
 *     q_sigma(x~) = sum_k w_k N(x~; mu_k, Sigma_k + sigma^2 I)
 *
 * (a Gaussian convolved with a Gaussian adds covariances; Song and Ermon 2019, Section 4.1,
 * q_sigma(x~) = int p(x) N(x~ | x, sigma^2 I) dx). sigma = 0 gives a mixture equal to p.
 *
 * @param mix - the mixture p (from `create`)
 * @param sigma - the noise level sigma >= 0, finite
 * @returns the mixture q_sigma: same weights and means, covariances Sigma_k + sigma^2 I
 * @throws InvalidArgumentError for a bad `mix`, and for `sigma` negative, non-finite, or so
 *   large that sigma^2 overflows
 * @example
 * const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
 * perturb(mix, 10).covs[0]; // returns ~101 (1 + 10^2)
 * @see proofs/mixture/perturb.md (claims mixture/perturb#convolution, #ve-moments)
 */
export function perturb(mix: GaussianMixture, sigma: number): GaussianMixture {
  const api = 'mixture.perturb';
  const m = checkMixture(api, mix);
  checkNumber(api, 'sigma', sigma, { min: 0, minClosed: true });
  const d = m.dim;
  const sigmaSq = sigma * sigma;
  const covs = Float64Array.from(m.covs);
  for (let k = 0; k < m.components; k++) {
    for (let i = 0; i < d; i++) covs[k * d * d + i * d + i] = covs[k * d * d + i * d + i]! + sigmaSq;
  }
  return buildMixture(api, 'sigma', sigma, Float64Array.from(m.weights), Float64Array.from(m.means), covs, d);
}

/**
 * The variance-preserving perturbation: the law of sqrt(alphaBar) x + sqrt(1 - alphaBar) z
 * for x ~ p, z ~ N(0, I) (DDPM's q(x_t) = int q(x_t | x_0) p(x_0) dx_0 with
 * q(x_t | x_0) = N(sqrt(alphaBar_t) x_0, (1 - alphaBar_t) I), Ho et al. 2020, Eq. 4):
 *
 *     q(x_t) = sum_k w_k N(x_t; sqrt(alphaBar) mu_k, alphaBar Sigma_k + (1 - alphaBar) I)
 *
 * alphaBar = 1 gives a mixture equal to p; alphaBar -> 0 tends to N(0, I).
 *
 * @param mix - the mixture p (from `create`)
 * @param alphaBar - the signal fraction alphaBar in (0, 1]
 * @returns the mixture of x_t: same weights, means sqrt(alphaBar) mu_k, covariances
 *   alphaBar Sigma_k + (1 - alphaBar) I
 * @throws InvalidArgumentError for a bad `mix` and for `alphaBar` outside (0, 1]
 * @example
 * const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 4 });
 * vpPerturb(mix, 0.25).means[0]; // returns ~-2.5 (sqrt(0.25) * -5)
 * @see proofs/mixture/perturb.md (claims mixture/perturb#vp-convolution, #vp-moments)
 */
export function vpPerturb(mix: GaussianMixture, alphaBar: number): GaussianMixture {
  const api = 'mixture.vpPerturb';
  const m = checkMixture(api, mix);
  checkNumber(api, 'alphaBar', alphaBar, { min: 0, max: 1, maxClosed: true });
  const d = m.dim;
  const sqrtAlphaBar = Math.sqrt(alphaBar);
  // 1 - alphaBar is exact for alphaBar in [1/2, 1] (Sterbenz), so alphaBar = 1 adds 0.
  const oneMinusAlphaBar = 1 - alphaBar;
  const means = new Float64Array(m.means.length);
  for (let i = 0; i < means.length; i++) means[i] = sqrtAlphaBar * m.means[i]!;
  const covs = new Float64Array(m.covs.length);
  for (let i = 0; i < covs.length; i++) covs[i] = alphaBar * m.covs[i]!;
  for (let k = 0; k < m.components; k++) {
    for (let i = 0; i < d; i++) covs[k * d * d + i * d + i] = covs[k * d * d + i * d + i]! + oneMinusAlphaBar;
  }
  return buildMixture(api, 'alphaBar', alphaBar, Float64Array.from(m.weights), means, covs, d);
}
