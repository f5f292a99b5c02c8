/**
 * Arbitraries for the `random` area: seeds (integers in 0..2^53-1) and the keys they make.
 */
import fc from 'fast-check';
import { key, type Key } from '../../src/core/random/index.js';

export interface SeedConstraints {
  /** Smallest seed (default 0). */
  readonly min?: number;
  /** Largest seed (default 2^53 - 1, Number.MAX_SAFE_INTEGER). */
  readonly max?: number;
}

/** A seed for `random.key`: an integer in [min, max] within 0..2^53-1. */
export function arbSeed(c: SeedConstraints = {}): fc.Arbitrary<number> {
  return fc.integer({ min: c.min ?? 0, max: c.max ?? Number.MAX_SAFE_INTEGER });
}

/** A key made by `random.key` from an arbitrary seed. */
export function arbKey(c: SeedConstraints = {}): fc.Arbitrary<Key> {
  return arbSeed(c).map((s) => key(s));
}

/** Any Key record: two arbitrary uint32 words (not necessarily from `random.key`). */
export function arbKeyWords(): fc.Arbitrary<Key> {
  return fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
    .map(([k0, k1]) => Object.freeze({ k0, k1 }));
}
