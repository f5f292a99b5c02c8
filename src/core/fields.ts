/**
 * The function types shared by the score-based areas (`scoreMatching`, `langevin`, `sde`,
 * `solvers`): score fields, drift fields, noise sources and the result of one step.
 *
 * Conventions (docs/notation.md): points are the rows of an array `x` of shape [n, ...]
 * (n particles or examples, each of any shape); a field returns an array of the same
 * shape. Continuous time t is a number in [0, 1]; a noise level sigma is a positive
 * number; discrete steps (the `ddpm` area) are integers in 1..T and never mixed with t.
 */
import type { Float64NdArray } from '../_internal/validate.js';

/** An unconditional score model s(x) ~ grad_x log p(x), applied to every row of x. */
export type ScoreFn = (x: Float64NdArray) => Float64NdArray;

/** A noise-conditional score model s(x, sigma) ~ grad_x log q_sigma(x) (NCSN). */
export type NoiseScoreFn = (x: Float64NdArray, sigma: number) => Float64NdArray;

/** A time-conditional score model s(x, t) ~ grad_x log p_t(x), t in [0, 1] (score SDEs). */
export type TimeScoreFn = (x: Float64NdArray, t: number) => Float64NdArray;

/**
 * A source of standard normal noise for multi-step samplers: `noise(i)` is the noise of
 * step i (0-based, in the order the sampler consumes it), an array of the shape of x.
 * The kernels take a source so that they stay deterministic; the `...WithKey` wrappers
 * build one from a PRNG key (`random.normal(random.foldIn(key, i), shape)`).
 */
export type NoiseSource = (step: number) => Float64NdArray;

/**
 * The result of one sampler step (STYLE rule 7): the new state `x` and its noise-free
 * part `xMean` (the value returned by a sampler's last step, as in Song et al. 2021's
 * reference code, so that the final sample carries no last-step noise).
 */
export interface StepResult {
  readonly x: Float64NdArray;
  readonly xMean: Float64NdArray;
}
