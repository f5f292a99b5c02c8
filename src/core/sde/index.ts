/**
 * The `sde` area: the forward SDEs of Song et al. (2021), dx = f(x, t) dt + g(t) dw on
 * t in [0, 1], as frozen records (STYLE rule 6, after score_sde's sde_lib.py): drift,
 * diffusion, the Gaussian transition p_{0t}, the prior, the discretizations (DDPM for VP,
 * SMLD for VE), and the reverse-time SDE / probability-flow ODE for a score model.
 *
 * The one conversion between continuous t and discrete steps is `timeStep` / `stepTime`.
 *
 * @see docs/sde/vp.md (and sub-vp.md, ve.md, discretization.md, reverse.md)
 * @see proofs/sde/vp.md
 */
export type { Sde, ReverseSde, Discretization, SdeKind } from './types.js';
export { vp, type VpOptions } from './vp.js';
export { subVp } from './sub-vp.js';
export { ve, type VeOptions } from './ve.js';
export { timeStep, stepTime } from './steps.js';
