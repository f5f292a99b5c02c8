/**
 * The variational bound of a DDPM (Ho et al. 2020, Eqs. 3, 5, 12-14): the prior term L_T,
 * the per-step terms L_{t-1} and the decoder term L_0, the whole bound per example and its
 * unbiased single-step estimate, bits per dimension, and the simplified loss L_simple.
 */
export { priorKL } from './prior.js';
export { term } from './term.js';
export { vlb, vlbEstimate, type Bound, type EpsFn, type NoiseFn } from './vlb.js';
export { bitsPerDim } from './bits.js';
export { simpleLoss } from './simple-loss.js';
export type { BoundOptions, Decoder } from './kernels.js';
