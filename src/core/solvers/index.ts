/**
 * The `solvers` area: samplers for the score SDEs of Song et al. (2021) as plain
 * functions with one signature per kind (STYLE rule 7): Euler-Maruyama, the
 * reverse-diffusion and ancestral predictors, the Langevin corrector, predictor-corrector
 * sampling, ODE integrators (Euler, Heun, RK4, adaptive Dormand-Prince 5(4)), sampling by
 * the probability-flow ODE, and exact log-likelihoods through it (exact divergence or
 * Hutchinson's estimator). Steps take their noise; the `...WithKey` wrappers draw it.
 *
 * @see docs/solvers/pc.md
 * @see proofs/solvers/euler-maruyama.md
 */
export type { SampleResult } from './checks.js';
export { eulerMaruyamaStep, eulerMaruyamaSample, eulerMaruyamaSampleWithKey, type EulerMaruyamaOptions } from './euler-maruyama.js';
export { reverseDiffusionPredictor, ancestralPredictor } from './predictors.js';
export { langevinCorrector, type LangevinOptions, type CorrectorNorms } from './corrector.js';
export { pcSample, pcSampleWithKey, type PcOptions, type PredictorName, type CorrectorName } from './pc.js';
export {
  odeMethods,
  odeIntegrate,
  type OdeField,
  type OdeMethod,
  type OdeMethodInfo,
  type OdeSolverOptions,
  type OdeIntegrateOptions,
  type OdeResult,
} from './ode.js';
export { odeSample, odeSampleWithKey, type OdeSampleOptions } from './ode-sample.js';
export {
  odeDivergence,
  odeLogLikelihood,
  odeLogLikelihoodWithKey,
  type ScoreWithJacobian,
  type DivergenceMethod,
  type DivergenceOptions,
  type OdeLikelihoodOptions,
  type OdeLikelihoodKeyOptions,
  type OdeLikelihoodResult,
} from './likelihood.js';
