/**
 * The `langevin` area: Langevin dynamics for sampling from a score. The unadjusted step
 * and chain (ULA; Song and Ermon 2019, Eq. 4), the Metropolis-adjusted chain (MALA;
 * Roberts and Tweedie 1996), NCSN's annealed Langevin dynamics (Song and Ermon 2019,
 * Algorithm 1) and its inpainting variant. Every sampler takes its noise as a source
 * `noise(i)`; the `...WithKey` wrappers draw it from a PRNG key.
 *
 * The Langevin corrector of predictor-corrector samplers (with its signal-to-noise step
 * rule) lives in the `solvers` area.
 *
 * @see docs/langevin/step.md
 * @see proofs/langevin/step.md
 */
export { step, chain, chainWithKey, type ChainOptions, type ChainResult } from './step.js';
export {
  malaLogRatio,
  malaStep,
  mala,
  malaWithKey,
  type LogDensityFn,
  type UniformSource,
  type MalaOptions,
  type MalaState,
  type MalaStepResult,
  type MalaResult,
} from './mala.js';
export { annealed, annealedWithKey, type AnnealedOptions, type AnnealedResult } from './annealed.js';
export { annealedInpaint, annealedInpaintWithKey, type InpaintCondition } from './inpaint.js';
export type { ScoreFn, NoiseScoreFn, NoiseSource, StepResult } from '../fields.js';
