/**
 * Rademacher draws: iid signs +-1, one Philox bit each.
 *
 * @see proofs/random/rademacher.md
 */
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import { allocate, checkKey, checkLength, checkShape } from './checks.js';
import type { Key } from './keys.js';
import { CHUNK_BLOCKS, drawBlocks } from './blocks.js';

/**
 * Fills `out` with signs: value i is 1 - 2 beta_i, where beta_i is bit (i mod 32) (least
 * significant first) of word floor(i / 32) of the key's draw stream, word w being word
 * (w mod 4) of block floor(w / 4) (Philox4x32-10 of counter (floor(w/4), 0, 0, 0)).
 * One block gives 128 values. Not validated (internal).
 */
export function fillRademacher(k0: number, k1: number, out: Float64Array): void {
  // Sign i is bit (i mod 32) of word floor(i/32): 128 signs per block.
  const n = out.length;
  const nBlocks = Math.ceil(n / 128);
  for (let first = 0; first < nBlocks; first += CHUNK_BLOCKS) {
    const m = Math.min(CHUNK_BLOCKS, nBlocks - first);
    const w = drawBlocks(k0, k1, first, m);
    const base = 128 * first;
    const end = Math.min(n - base, 128 * m);
    for (let j = 0; j < end; j++) out[base + j] = 1 - 2 * ((w[j >>> 5]! >>> (j & 31)) & 1);
  }
}

/**
 * n iid Rademacher signs in a Float64Array: the hot-path form of `rademacher(key, [n])`,
 * with the same values.
 *
 *     v_i = 1 - 2 beta_i,   beta_i = bit (i mod 32) of Philox word floor(i / 32),
 *
 * so P(v_i = +1) = P(v_i = -1) = 1/2, E[v] = 0 and E[v v^T] = I: the probe vectors of
 * Hutchinson's trace estimator and of sliced score matching (Song et al. 2019).
 *
 * @param key - a Key record; use it once
 * @param n - the number of values, an integer in 0..2^31
 * @returns a new Float64Array of length n with entries in {-1, +1}
 * @throws InvalidArgumentError when `key` is not a Key record or `n` is out of range
 * @example
 * import { random } from 'diffusion-ts';
 * const v = random.rademacherArray(random.key(0), 10000);
 * v.reduce((s, x) => s + x, 0) / v.length; // returns ~0.006
 * @see proofs/random/rademacher.md (claim random/rademacher#fair-signs)
 */
export function rademacherArray(key: Key, n: number): Float64Array {
  const k = checkKey('random.rademacherArray', 'key', key);
  const size = checkLength('random.rademacherArray', 'n', n);
  const out = allocate('random.rademacherArray', 'n', size, n);
  fillRademacher(k.k0, k.k1, out);
  return out;
}

/**
 * An ndarray of iid Rademacher signs, +1 and -1 with probability 1/2 each, one Philox bit
 * per value (v = 1 - 2 beta). Row-major: `rademacher(key, [2, 3])` holds
 * `rademacherArray(key, 6)`. An empty shape `[]` gives a 0-d array holding one value.
 *
 * @param key - a Key record; use it once
 * @param shape - the output shape, an array of integers >= 0 with product <= 2^31
 * @returns a new float64 ndarray of the given shape with entries in {-1, +1}
 * @throws InvalidArgumentError when `key` is not a Key record or `shape` is invalid
 * @example
 * import { random } from 'diffusion-ts';
 * const v = random.rademacher(random.key(3), [2, 2]);
 * Math.abs(v.get(1, 1)); // returns ~1
 * @see proofs/random/rademacher.md (claim random/rademacher#fair-signs)
 */
export function rademacher(key: Key, shape: number[]): Float64NdArray {
  const k = checkKey('random.rademacher', 'key', key);
  const s = checkShape('random.rademacher', 'shape', shape);
  const out = allocate('random.rademacher', 'shape', s.size, shape);
  fillRademacher(k.k0, k.k1, out);
  return wrap(out, s.shape);
}
