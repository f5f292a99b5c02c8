/**
 * The `scoreMatching` area: the objectives that train a score model s(x) ~ grad_x log p(x)
 * without knowing p: explicit score matching (Hyvarinen 2005), denoising score matching
 * (Vincent 2011), sliced score matching (Song et al. 2019) and the NCSN objective (Song and
 * Ermon 2019). Each returns the batch average and the per-example terms as an `Objective`.
 *
 * @see docs/score-matching/explicit.md
 * @see proofs/score-matching/explicit.md
 */
export { explicit, type ExplicitOptions } from './explicit.js';
export { denoising, denoisingWithKey } from './denoising.js';
export { sliced, slicedWithKey, type SlicedOptions, type SlicedKeyOptions } from './sliced.js';
export { ncsnObjective, ncsnObjectiveWithKey, type NcsnOptions, type NcsnKeyOptions, type NoiseWeight } from './ncsn.js';
export { DEFAULT_STEP, type Objective, type ScoreModel, type ScoreWithJacobian, type JacobianFn } from './internal.js';
