/**
 * Philox4x32-10, the counter-based bijection of Salmon, Moraes, Dror and Shaw (2011),
 * "Parallel random numbers: as easy as 1, 2, 3" (SC11), Section 4 (the Philox S-box and
 * key schedule) with the constants of Random123's `philox.h`.
 *
 * A block is a pure function of a 128-bit counter (c0, c1, c2, c3) and a 64-bit key
 * (k0, k1): ten rounds of
 *
 *     (hi0, lo0) = M0 * x0,   (hi1, lo1) = M1 * x2        (exact 32x32 -> 64-bit products)
 *     (x0, x1, x2, x3) <- (hi1 ^ x1 ^ k0, lo1, hi0 ^ x3 ^ k1, lo0)
 *     (k0, k1) <- (k0 + W0, k1 + W1) mod 2^32              (the Weyl key schedule)
 *
 * This module is private to the `random` area (not re-exported by its index): the public
 * functions in `keys.ts`, `uniform.ts`, `normal.ts` and `rademacher.ts` validate their
 * inputs and call it. Nothing here allocates, and nothing uses BigInt. Speed: about 60 ns
 * per block in V8 on the 2-core CI machine, ~30 ms for the 5e5 blocks of a million normals.
 *
 * @see proofs/random/philox.md
 */

/** Philox4x32 multiplier applied to x0 (Random123 PHILOX_M4x32_0). */
export const PHILOX_M0 = 0xd2511f53;
/** Philox4x32 multiplier applied to x2 (Random123 PHILOX_M4x32_1). */
export const PHILOX_M1 = 0xcd9e8d57;
/** Weyl increment of k0: floor(2^32 (golden ratio - 1)) (Random123 PHILOX_W32_0). */
export const PHILOX_W0 = 0x9e3779b9;
/** Weyl increment of k1: floor(2^32 (sqrt(3) - 1)) (Random123 PHILOX_W32_1). */
export const PHILOX_W1 = 0xbb67ae85;
/** Number of rounds: Philox4x32-10, the variant Random123 recommends (and cuRAND, TensorFlow and PyTorch's CUDA generator use). */
export const PHILOX_ROUNDS = 10;

/**
 * Domain tags, written in counter word c3, that keep the counters of the three uses of a
 * key disjoint: drawing numbers, splitting, folding in data. No counter is ever fed to
 * Philox under the same key for two purposes (proofs/random/philox.md, "Domain separation").
 */
export const DOMAIN_DRAW = 0;
export const DOMAIN_SPLIT = 1;
export const DOMAIN_FOLD_IN = 2;


const TWO_M32 = 2 ** -32;

/**
 * High 32 bits of the exact 64-bit product a * b of two uint32 words: with the exact low
 * word l = a b mod 2^32 (Math.imul), round((fl(a b) - l) 2^-32) is exact, because the two
 * float64 roundings move the value by at most 2^-20 from the integer (a b - l)/2^32.
 *
 * @param a - a uint32 word
 * @param b - a uint32 word
 * @returns floor(a b / 2^32), a uint32 word
 * @see proofs/random/philox.md (claim random/philox#mulhilo)
 */
export function mulhi32(a: number, b: number): number {
  // The same operations, in the same order, as the rounds of philox4x32 below.
  const lo = Math.imul(a, b) >>> 0;
  return Math.round(((a >>> 0) * (b >>> 0) - lo) * TWO_M32) >>> 0;
}

/**
 * High 32 bits of a * b from the four 16x16-bit partial products (each < 2^32):
 * a b = aH bH 2^32 + (aH bL + aL bH) 2^16 + aL bL. The independent check of `mulhi32`.
 *
 * @param a - a uint32 word
 * @param b - a uint32 word
 * @returns floor(a b / 2^32), a uint32 word
 * @see proofs/random/philox.md (claim random/philox#mulhilo)
 */
export function mulhi32Halves(a: number, b: number): number {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const lh = Math.imul(aL, bH);
  const hl = Math.imul(aH, bL);
  const carry = ((Math.imul(aL, bL) >>> 16) + (lh & 0xffff) + (hl & 0xffff)) >>> 16;
  return (Math.imul(aH, bH) + (lh >>> 16) + (hl >>> 16) + carry) >>> 0;
}

/**
 * Low 32 bits of the product a * b of two uint32 words: the product mod 2^32.
 *
 * @param a - a uint32 word
 * @param b - a uint32 word
 * @returns a b mod 2^32, a uint32 word
 * @see proofs/random/philox.md (claim random/philox#mulhilo)
 */
export function mullo32(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

/**
 * One Philox4x32-10 block: writes the four uint32 output words of counter (c0..c3) under
 * key (k0, k1) into `out[offset..offset+3]`. All arguments are uint32 words (not checked).
 *
 * @param c0 - counter word 0
 * @param c1 - counter word 1
 * @param c2 - counter word 2
 * @param c3 - counter word 3
 * @param k0 - key word 0
 * @param k1 - key word 1
 * @param out - destination (a Uint32Array, or any array of numbers)
 * @param offset - index of the first output word in `out`
 * @example
 * const out = new Uint32Array(4);
 * philox4x32(0, 0, 0, 0, 0, 0, out, 0);
 * out[0].toString(16); // returns ~'6627e8d5' (Random123 kat_vectors)
 * @see proofs/random/philox.md (claim random/philox#kat)
 */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: { [i: number]: number },
  offset: number,
): void {
  // The state is kept as int32 (the same 32 bits as the uint32 words): Math.imul and the
  // bitwise operators work on int32, and x >>> 0 reads the word back as uint32.
  let x0 = c0 | 0;
  let x1 = c1 | 0;
  let x2 = c2 | 0;
  let x3 = c3 | 0;
  let ka = k0 | 0;
  let kb = k1 | 0;
  for (let r = 0; r < PHILOX_ROUNDS; r++) {
    // (hi0, lo0) = M0 x0: lo0 by Math.imul (exact mod 2^32), hi0 by the rounded float64
    // product corrected with lo0 (exact: see mulhi32 and proofs/random/philox.md).
    const lo0 = Math.imul(x0, PHILOX_M0);
    const hi0 = Math.round(((x0 >>> 0) * PHILOX_M0 - (lo0 >>> 0)) * TWO_M32) | 0;
    // (hi1, lo1) = M1 x2, the same way.
    const lo1 = Math.imul(x2, PHILOX_M1);
    const hi1 = Math.round(((x2 >>> 0) * PHILOX_M1 - (lo1 >>> 0)) * TWO_M32) | 0;
    // The Philox S-box and permutation of Salmon et al. (2011), Section 4.
    x0 = hi1 ^ x1 ^ ka;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ kb;
    x3 = lo0;
    // Weyl key schedule: the round keys are k + r (W0, W1) mod 2^32.
    ka = (ka + PHILOX_W0) | 0;
    kb = (kb + PHILOX_W1) | 0;
  }
  out[offset] = x0 >>> 0;
  out[offset + 1] = x1 >>> 0;
  out[offset + 2] = x2 >>> 0;
  out[offset + 3] = x3 >>> 0;
}
