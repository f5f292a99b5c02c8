/**
 * Uniform draws: 53 random bits per float64, from two 32-bit Philox words.
 *
 * @see proofs/random/uniform.md
 */
import { checkNumber, wrap, type Float64NdArray } from '../../_internal/validate.js';
import { InvalidArgumentError } from '../errors.js';
import { allocate, checkKey, checkLength, checkShape } from './checks.js';
import type { Key } from './keys.js';
import { CHUNK_BLOCKS, drawBlocks } from './blocks.js';

/** 2^26: the weight of the 27 high bits in the 53-bit integer k. */
const TWO_26 = 67108864;
/** 2^-53: the spacing of the grid k / 2^53. */
const TWO_M53 = 1 / 9007199254740992;

/**
 * Fills `out` with the standard uniforms of the key's draw stream: value i is
 *
 *     u_i = (floor(a / 2^5) 2^26 + floor(b / 2^6)) / 2^53,
 *
 * where (a, b) = (x0, x1) of block floor(i/2) for even i and (x2, x3) for odd i, a block
 * being Philox4x32-10 of counter (floor(i/2), 0, 0, 0) under the key. Exact: the integer
 * in parentheses is < 2^53 and the division by 2^53 is exact. Not validated (internal).
 */
export function fillUniform(k0: number, k1: number, out: Float64Array): void {
  // Value i uses words (2i mod 4, 2i+1 mod 4) of block floor(i/2): two values per block.
  const n = out.length;
  const nBlocks = Math.ceil(n / 2);
  for (let first = 0; first < nBlocks; first += CHUNK_BLOCKS) {
    const m = Math.min(CHUNK_BLOCKS, nBlocks - first);
    const w = drawBlocks(k0, k1, first, m);
    const base = 2 * first;
    const end = Math.min(n - base, 2 * m);
    for (let j = 0; j < end; j++) {
      out[base + j] = ((w[2 * j]! >>> 5) * TWO_26 + (w[2 * j + 1]! >>> 6)) * TWO_M53;
    }
  }
}

/**
 * n iid standard uniforms on the grid {k / 2^53 : k = 0..2^53-1}, in a Float64Array: the
 * hot-path form of `uniform(key, [n])`, with the same values.
 *
 *     u_i = (floor(a_i / 2^5) 2^26 + floor(b_i / 2^6)) / 2^53,   (a_i, b_i) two fresh Philox words
 *
 * Each u_i is exactly uniform on the 2^53 grid points of [0, 1) when the Philox words
 * are (proofs/random/uniform.md), so 0 can occur (with probability 2^-53) and 1 cannot.
 *
 * @param key - a Key record; use it once
 * @param n - the number of values, an integer in 0..2^31
 * @returns a new Float64Array of length n with values in [0, 1)
 * @throws InvalidArgumentError when `key` is not a Key record or `n` is out of range
 * @example
 * import { random } from 'diffusion-ts';
 * const u = random.uniformArray(random.key(0), 1000);
 * u.reduce((s, v) => s + v, 0) / u.length; // returns ~0.4983
 * @see proofs/random/uniform.md (claims random/uniform#grid, random/uniform#distribution)
 */
export function uniformArray(key: Key, n: number): Float64Array {
  const k = checkKey('random.uniformArray', 'key', key);
  const size = checkLength('random.uniformArray', 'n', n);
  const out = allocate('random.uniformArray', 'n', size, n);
  fillUniform(k.k0, k.k1, out);
  return out;
}

/**
 * An ndarray of iid draws from U[low, high): the standard uniforms u of
 * `uniformArray(key, size)` mapped by
 *
 *     x = low + (high - low) u,
 *
 * rounded to float64, and lowered to the largest float64 below `high` in the rare case
 * that rounding reaches `high` (so every value lies in [low, high)). For low = 0, high = 1
 * the values are exactly uniform on the grid k / 2^53; otherwise they are that grid's
 * affine image, rounded (absolute error <= EPS (high - low) + EPS/2 |x| per value).
 *
 * The values are laid out in row-major order: `uniform(key, [2, 3])` holds the values of
 * `uniformArray(key, 6)`. An empty shape `[]` gives a 0-d array holding one value
 * (`.get()`); a shape with a 0 gives an empty array.
 *
 * @param key - a Key record; use it once
 * @param shape - the output shape, an array of integers >= 0 with product <= 2^31
 * @param low - the lower bound, a finite number (default 0)
 * @param high - the upper bound, a finite number > low with high - low finite (default 1)
 * @returns a new float64 ndarray of the given shape, values in [low, high)
 * @throws InvalidArgumentError when an argument is out of its domain
 * @example
 * import { random } from 'diffusion-ts';
 * const x = random.uniform(random.key(1), [2, 2], -1, 1);
 * x.get(0, 0); // returns ~0.9833448079003451
 * @see proofs/random/uniform.md (claims random/uniform#range, random/uniform#distribution)
 */
export function uniform(key: Key, shape: number[], low = 0, high = 1): Float64NdArray {
  const api = 'random.uniform';
  const k = checkKey(api, 'key', key);
  const s = checkShape(api, 'shape', shape);
  const lo = checkNumber(api, 'low', low);
  const hi = checkNumber(api, 'high', high, { min: lo });
  const width = hi - lo;
  if (!Number.isFinite(width)) {
    throw new InvalidArgumentError(api, 'high', `a finite number > low with high - low finite (low = ${lo})`, hi);
  }
  const out = allocate(api, 'shape', s.size, shape);
  fillUniform(k.k0, k.k1, out);
  if (lo !== 0 || hi !== 1) {
    const below = nextDown(hi);
    for (let i = 0; i < out.length; i++) {
      const x = lo + width * out[i]!;
      out[i] = x < hi ? x : below;
    }
  }
  return wrap(out, s.shape);
}

/** The largest float64 strictly below a finite x (x > -MAX_VALUE), from its bit pattern. */
function nextDown(x: number): number {
  if (x === 0) return -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  let hiWord = view.getUint32(0);
  let loWord = view.getUint32(4);
  if (x > 0) {
    // A positive float's predecessor has the 64-bit pattern one less.
    if (loWord === 0) {
      loWord = 0xffffffff;
      hiWord -= 1;
    } else loWord -= 1;
  } else if (loWord === 0xffffffff) {
    // A negative float's predecessor has the larger magnitude: the pattern one more.
    loWord = 0;
    hiWord += 1;
  } else loWord += 1;
  view.setUint32(0, hiWord);
  view.setUint32(4, loWord);
  return view.getFloat64(0);
}
