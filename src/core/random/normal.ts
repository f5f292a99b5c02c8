/**
 * Standard normal draws by the Box-Muller transform, both outputs used.
 *
 * @see proofs/random/normal.md
 */
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import { allocate, checkKey, checkLength, checkShape } from './checks.js';
import type { Key } from './keys.js';
import { CHUNK_BLOCKS, drawBlocks } from './blocks.js';

const TWO_26 = 67108864;
const TWO_53 = 9007199254740992;
const TWO_M53 = 1 / TWO_53;
/** 2 pi, exact doubling of Math.PI (the float64 nearest pi). */
const TWO_PI = 2 * Math.PI;

/**
 * Fills `out` with standard normals: block b of the key's draw stream (Philox4x32-10 of
 * counter (b, 0, 0, 0)) gives the pair
 *
 *     kU = floor(x0 / 2^5) 2^26 + floor(x1 / 2^6),   kV = (the same from x2, x3),
 *     u1 = (2^53 - kU) / 2^53 in (0, 1],   theta = 2 pi kV / 2^53 in [0, 2 pi),
 *     r  = sqrt(-2 ln u1),   z_{2b} = r cos(theta),   z_{2b+1} = r sin(theta).
 *
 * For odd n the last block's sine output is not used. Not validated (internal).
 */
export function fillNormal(k0: number, k1: number, out: Float64Array): void {
  const n = out.length;
  const nBlocks = (n + 1) >>> 1;
  for (let first = 0; first < nBlocks; first += CHUNK_BLOCKS) {
    const m = Math.min(CHUNK_BLOCKS, nBlocks - first);
    const w = drawBlocks(k0, k1, first, m);
    for (let j = 0; j < m; j++) {
      const b = first + j;
      // kU, kV: two independent uniform integers in 0..2^53-1.
      const kU = (w[4 * j]! >>> 5) * TWO_26 + (w[4 * j + 1]! >>> 6);
      const kV = (w[4 * j + 2]! >>> 5) * TWO_26 + (w[4 * j + 3]! >>> 6);
      // u1 = 1 - kU/2^53 is exact and lies in [2^-53, 1]: ln never sees 0, and r <= sqrt(106 ln 2).
      const u1 = (TWO_53 - kU) * TWO_M53;
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = TWO_PI * (kV * TWO_M53);
      out[2 * b] = r * Math.cos(theta);
      if (2 * b + 1 < n) out[2 * b + 1] = r * Math.sin(theta);
    }
  }
}

/**
 * n iid standard normals in a Float64Array: the hot-path form of `normal(key, [n])`, with
 * the same values. Box-Muller (1958) on two 53-bit uniforms per pair of outputs:
 *
 *     z_{2b} = sqrt(-2 ln u1) cos(2 pi v),   z_{2b+1} = sqrt(-2 ln u1) sin(2 pi v),
 *
 * with u1 = 1 - U in (0, 1] and v = V in [0, 1), (U, V) uniform on the grid k / 2^53 from
 * Philox block b. Every value is finite and |z| <= sqrt(106 ln 2) ~ 8.5718.
 *
 * `normalArray(key, m)` is a prefix of `normalArray(key, n)` for m <= n. Values are bit
 * for bit the same on every machine running the same JavaScript engine; engines whose
 * Math.log, Math.cos, Math.sin differ (ECMAScript does not fix their last bit) agree to a
 * few ulps.
 *
 * @param key - a Key record; use it once
 * @param n - the number of values, an integer in 0..2^31
 * @returns a new Float64Array of length n
 * @throws InvalidArgumentError when `key` is not a Key record or `n` is out of range
 * @example
 * import { random } from 'diffusion-ts';
 * const z = random.normalArray(random.key(0), 10000);
 * z.reduce((s, v) => s + v * v, 0) / z.length; // returns ~0.9978
 * @see proofs/random/normal.md (claims random/normal#box-muller, random/normal#bound)
 */
export function normalArray(key: Key, n: number): Float64Array {
  const k = checkKey('random.normalArray', 'key', key);
  const size = checkLength('random.normalArray', 'n', n);
  const out = allocate('random.normalArray', 'n', size, n);
  fillNormal(k.k0, k.k1, out);
  return out;
}

/**
 * An ndarray of iid N(0, 1) draws by the Box-Muller transform (Box and Muller 1958),
 * both outputs of each pair used:
 *
 *     z_{2b} = sqrt(-2 ln u1) cos(2 pi v),   z_{2b+1} = sqrt(-2 ln u1) sin(2 pi v),
 *
 * u1 in (0, 1] and v in [0, 1) two independent 53-bit uniforms from Philox block b of the
 * key's stream (proofs/random/normal.md). Row-major: `normal(key, [2, 3])` holds
 * `normalArray(key, 6)`. An empty shape `[]` gives a 0-d array holding one value.
 *
 * @param key - a Key record; use it once
 * @param shape - the output shape, an array of integers >= 0 with product <= 2^31
 * @returns a new float64 ndarray of the given shape, finite values, |z| <= 8.5718
 * @throws InvalidArgumentError when `key` is not a Key record or `shape` is invalid
 * @example
 * import { random } from 'diffusion-ts';
 * const eps = random.normal(random.key(0), [4, 28, 28]);
 * eps.shape; // returns ~[4, 28, 28]
 * @see proofs/random/normal.md (claims random/normal#box-muller, random/normal#distribution)
 */
export function normal(key: Key, shape: number[]): Float64NdArray {
  const k = checkKey('random.normal', 'key', key);
  const s = checkShape('random.normal', 'shape', shape);
  const out = allocate('random.normal', 'shape', s.size, shape);
  fillNormal(k.k0, k.k1, out);
  return wrap(out, s.shape);
}
