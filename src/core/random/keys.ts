/**
 * PRNG keys: seeding, splitting and folding in data, as in JAX's `jax.random` (Bradbury
 * et al. 2018; the design of Claessen and Palka 2013, "Splittable pseudorandom number
 * generators using cryptographic hashing"), on the Philox4x32-10 bijection of Salmon et
 * al. (2011).
 *
 * @see proofs/random/philox.md
 * @see docs/random/keys.md
 */
import { checkInteger } from '../../_internal/validate.js';
import { checkKey } from './checks.js';
import { DOMAIN_FOLD_IN, DOMAIN_SPLIT, philox4x32 } from './philox.js';

/**
 * A PRNG key: an immutable (frozen) record of the 64 bits of Philox4x32 key material,
 * as two uint32 words. A key names one stream of random numbers: every draw
 * (`uniform`, `normal`, `rademacher`, and their `...Array` forms) is a pure function of
 * the key and the shape, so the same key gives the same numbers on every machine.
 *
 * Use a key once: draw from it, or split it, never both and never twice. Two draws from
 * one key are not independent (`normal(k, s)` and `uniform(k, s)` read the same bits);
 * `split(key, n)` gives n fresh keys whose streams are independent under the usual
 * pseudorandom-function assumption on Philox (proofs/random/philox.md).
 *
 * A key is plain data: it can be written to JSON and read back; any object whose `k0`
 * and `k1` are integers in 0..2^32-1 is accepted as a key.
 *
 * @see proofs/random/philox.md
 * @see docs/random/keys.md
 */
export interface Key {
  /** Key word 0 (uint32): for `key(seed)`, the high word floor(seed / 2^32). */
  readonly k0: number;
  /** Key word 1 (uint32): for `key(seed)`, the low word seed mod 2^32. */
  readonly k1: number;
}

/** Largest number of children one `split` call returns: 2^24. */
export const MAX_SPLIT = 2 ** 24;

const TWO_32 = 4294967296;

function makeKey(k0: number, k1: number): Key {
  return Object.freeze({ k0, k1 });
}

/**
 * A child key from the first two output words (x0, x1) of a Philox block computed under
 * the parent key. The child equals the parent only when (x0, x1) = (k0, k1), an event of
 * probability 2^-64 for a random function; then the lowest bit of x0 is flipped, so that
 * a child never equals its parent (a change of total-variation size 2^-64 to its law).
 *
 * @see proofs/random/philox.md (claim random/philox#distinct-keys)
 */
export function childKey(parentK0: number, parentK1: number, x0: number, x1: number): Key {
  if (x0 === parentK0 && x1 === parentK1) return makeKey((x0 ^ 1) >>> 0, x1);
  return makeKey(x0, x1);
}

/**
 * A key from an integer seed: the seed's high and low 32-bit words, as jax.random.PRNGKey
 * (seed) does for seeds below 2^53.
 *
 *     key(s) = { k0: floor(s / 2^32), k1: s mod 2^32 }
 *
 * Distinct seeds give distinct keys, and so distinct, independent-looking streams.
 *
 * @param seed - s, an integer in 0..2^53-1 (Number.MAX_SAFE_INTEGER)
 * @returns the frozen key record
 * @throws InvalidArgumentError when `seed` is not an integer in 0..2^53-1
 * @example
 * import { random } from 'diffusion-ts';
 * const k = random.key(42);
 * [k.k0, k.k1]; // returns ~[0, 42]
 * @see proofs/random/philox.md (claim random/philox#key-words)
 */
export function key(seed: number): Key {
  const s = checkInteger('random.key', 'seed', seed, 0);
  return makeKey(Math.floor(s / TWO_32), s >>> 0);
}

/**
 * n child keys from a parent key, by hashing: child i is the first two words of the
 * Philox4x32-10 block of counter (i, 0, 0, 1) under the parent key (the counter's last
 * word, 1, marks the split domain, so no child is made of bits that a draw from the
 * parent reads).
 *
 *     split(k, n)[i] = (x0, x1),   (x0, x1, x2, x3) = Philox_k(i, 0, 0, 1),   i = 0..n-1
 *
 * A child never equals its parent; children are distinct with probability at least
 * 1 - n(n-1)/2^65 (the birthday bound for a random function), and their streams are
 * independent under the pseudorandom-function assumption on Philox (Salmon et al. 2011;
 * Claessen and Palka 2013, Section 3). `split(k, n)` is a prefix of `split(k, m)` for n <= m.
 *
 * @param key - k, the parent key (a Key record); do not use it again afterwards
 * @param n - the number of children, an integer in 1..2^24 (default 2)
 * @returns an array of n frozen keys
 * @throws InvalidArgumentError when `key` is not a Key record or `n` is out of range
 * @example
 * import { random } from 'diffusion-ts';
 * const [kNoise, kTime] = random.split(random.key(0));
 * random.normal(kNoise, [3]).size; // returns ~3
 * @see proofs/random/philox.md (claims random/philox#distinct-keys, random/philox#split-independence)
 */
export function split(key: Key, n = 2): Key[] {
  const parent = checkKey('random.split', 'key', key);
  const count = checkInteger('random.split', 'n', n, 1, MAX_SPLIT);
  const block = new Uint32Array(4);
  const children = new Array<Key>(count);
  for (let i = 0; i < count; i++) {
    philox4x32(i, 0, 0, DOMAIN_SPLIT, parent.k0, parent.k1, block, 0);
    children[i] = childKey(parent.k0, parent.k1, block[0]!, block[1]!);
  }
  return children;
}

/**
 * A key derived from a key and an integer, as jax.random.fold_in: the first two words of
 * the Philox4x32-10 block of counter (d mod 2^32, floor(d / 2^32), 0, 2) under the key
 * (the last counter word, 2, marks the fold-in domain).
 *
 *     foldIn(k, d) = (x0, x1),   (x0, x1, x2, x3) = Philox_k(d mod 2^32, floor(d / 2^32), 0, 2)
 *
 * Useful to derive per-step keys without threading splits: foldIn(k, t) for t = 1..T are
 * distinct keys (Philox_k is a bijection of the counter, and the first two words differ
 * with probability 1 - 2^-64 per pair), and differ from split(k, n)'s children.
 *
 * @param key - k, a Key record
 * @param data - d, an integer in 0..2^53-1 (a step index, an example index, ...)
 * @returns the derived frozen key; it never equals `key`
 * @throws InvalidArgumentError when `key` is not a Key record or `data` is out of range
 * @example
 * import { random } from 'diffusion-ts';
 * const k = random.key(0);
 * const k7 = random.foldIn(k, 7);
 * random.uniform(k7, [2]).size; // returns ~2
 * @see proofs/random/philox.md (claims random/philox#distinct-keys, random/philox#split-independence)
 */
export function foldIn(key: Key, data: number): Key {
  const parent = checkKey('random.foldIn', 'key', key);
  const d = checkInteger('random.foldIn', 'data', data, 0);
  const block = new Uint32Array(4);
  philox4x32(d >>> 0, Math.floor(d / TWO_32), 0, DOMAIN_FOLD_IN, parent.k0, parent.k1, block, 0);
  return childKey(parent.k0, parent.k1, block[0]!, block[1]!);
}
