/**
 * The `mixture` area: Gaussian mixtures p(x) = sum_k w_k N(x; mu_k, Sigma_k) with exact
 * log-densities, scores, samples and noise-perturbed forms. Their perturbed scores are
 * known in closed form, so they are the oracles against which samplers (Langevin, the
 * reverse SDE, the probability-flow ODE) are checked.
 *
 * @see docs/mixture/create.md
 * @see proofs/mixture/density.md
 */
export { create, type GaussianMixture, type MixtureSpec, type CovariancesInput } from './create.js';
export { logPdf, responsibilities } from './density.js';
export { score } from './score.js';
export { perturb, vpPerturb } from './perturb.js';
export { sample, sampleWith } from './sample.js';
export { mean, covariance } from './moments.js';
