/**
 * Denoising diffusion probabilistic models (Ho et al. 2020): the forward process and its
 * closed form, the forward posterior, the x_0 / eps / score parameterizations, and the
 * reverse process with ancestral sampling.
 *
 * Conventions: `s` is a Schedule from `schedule.fromBetas`; arrays are float64 ndarrays;
 * `t` is an integer step in 1..T for the whole array, or an array (number[] or
 * Int32Array) of per-example steps along the leading (batch) axis. Per-step scalars in
 * results (variances) are numbers for a scalar t and Float64Arrays for per-example t.
 */
export { qStep, qStepSample, qStepSampleWithKey, q, qSample, qSampleWithKey, type StepGaussian, type MarginalGaussian } from './forward.js';
export { posterior, type PosteriorGaussian } from './posterior.js';
export { x0FromEps, epsFromX0, scoreFromEps, epsFromScore } from './parameterization.js';
export { pMeanVariance, ancestralStep, ancestralStepWithKey, type ReverseGaussian, type ReverseOptions } from './reverse.js';
export type { Steps, PerStep, VarianceKind } from './steps.js';
