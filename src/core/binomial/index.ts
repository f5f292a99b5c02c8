/**
 * Binomial diffusion (Sohl-Dickstein et al. 2015, Sections 2.1-2.4 and Table App.1): bits
 * in {0, 1} diffuse towards fair coins. The schedule with gamma_t in log space, the
 * one-step kernel and its closed-form marginal with samplers that take their uniforms,
 * the forward posterior by Bayes' rule, the reverse kernel from per-bit probabilities
 * (and the optimal one for a finite data distribution), and the bound K of Eq. 14, exact
 * or by Monte Carlo, with the exact log-likelihood it bounds.
 *
 * Conventions: bits are float64 0 or 1; batches are arrays [n, d] (n examples of d bits);
 * `s` is a BinomialSchedule from `binomial.fromBetas`; steps t are integers in 1..T; a reverse
 * model returns P(x_{t-1} = 1 | x_t) per bit; K and log-likelihoods are in nats (bits where named).
 *
 * @see docs/api.md (section binomial)
 * @see proofs/binomial/bound.md
 */
export { fromBetas, isBinomialSchedule, MIN_BINOMIAL_BETA, type BinomialSchedule } from './schedule.js';
export { kernel, kernelLogProb, kernelSample, kernelSampleWithKey, marginal, marginalLogProb, marginalSample, marginalSampleWithKey } from './forward.js';
export { posterior } from './posterior.js';
export { reverseLogProb, reverseSample, optimalReverse, MAX_SUPPORT, type BitModel } from './reverse.js';
export { boundK, boundKExact, MAX_EXACT_BITS, type BinomialBound, type UniformSource } from './bound.js';
export { exactLogLikelihood, MAX_LIKELIHOOD_BITS } from './likelihood.js';
