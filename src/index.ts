/**
 * diffusion-ts: the mathematics of diffusion and score-based generative models, exact
 * and checkable. The root entry is the pure float64 core; it never loads TensorFlow.js
 * and uses no Node-only API, so it runs unchanged in browsers.
 *
 * @example
 * import { schedule, ddpm } from 'diffusion-ts';
 * const s = schedule.fromBetas(schedule.linearBetas(1000));
 * s.alphaBar[1000]; // returns ~4.04e-5
 */
export * as random from './core/random/index.js';
export * as schedule from './core/schedule/index.js';
export * as gaussian from './core/gaussian/index.js';
export * as mixture from './core/mixture/index.js';
export * as ddpm from './core/ddpm/index.js';
export * as elbo from './core/elbo/index.js';
export * as scoreMatching from './core/score-matching/index.js';
export * as langevin from './core/langevin/index.js';
export * as sde from './core/sde/index.js';
export * as solvers from './core/solvers/index.js';
export * as binomial from './core/binomial/index.js';
export * as nonequilibrium from './core/nonequilibrium/index.js';
export { DiffusionError, InvalidArgumentError, ShapeError, DTypeError } from './core/errors.js';
export type { Float64NdArray } from './_internal/validate.js';
export type { ScoreFn, NoiseScoreFn, TimeScoreFn, NoiseSource, StepResult } from './core/fields.js';
