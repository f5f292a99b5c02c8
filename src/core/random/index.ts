/**
 * The `random` area: a splittable counter-based PRNG in the style of JAX, on
 * Philox4x32-10 (Salmon et al. 2011). Keys are explicit and used once; every draw is a
 * pure function of (key, shape), the same on every machine.
 *
 * @see docs/random/keys.md
 * @see proofs/random/philox.md
 */
export type { Key } from './keys.js';
export { key, split, foldIn } from './keys.js';
export { uniform, uniformArray } from './uniform.js';
export { normal, normalArray } from './normal.js';
export { rademacher, rademacherArray } from './rademacher.js';
