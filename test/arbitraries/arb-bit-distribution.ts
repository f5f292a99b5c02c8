/**
 * An arbitrary probability distribution over the 2^d bit vectors of d bits (d in 1..maxBits):
 * positive weights in [minWeight, 1], normalized, listed in lexicographic order of the states
 * (the first bit most significant), with the states themselves as rows of an [2^d, d] array.
 */
import fc from 'fast-check';

export interface BitDistribution {
  readonly d: number;
  /** Row-major [2^d, d]: state j holds the bits of j, the first bit most significant. */
  readonly states: Float64Array;
  /** q(x_0 = state j), positive, summing to 1 (up to rounding). */
  readonly weights: Float64Array;
}

export interface BitDistributionConstraints {
  /** Largest number of bits (default 3). */
  readonly maxBits?: number;
  /** Smallest number of bits (default 1). */
  readonly minBits?: number;
  /** Smallest unnormalized weight (default 0.01). */
  readonly minWeight?: number;
}

/** The 2^d states of d bits as rows of a Float64Array [2^d, d]. */
export function bitStates(d: number): Float64Array {
  const S = 2 ** d;
  const out = new Float64Array(S * d);
  for (let j = 0; j < S; j++) for (let i = 0; i < d; i++) out[j * d + i] = (j >> (d - 1 - i)) & 1;
  return out;
}

/** A distribution over the states of d bits with positive weights. */
export function arbBitDistribution(c: BitDistributionConstraints = {}): fc.Arbitrary<BitDistribution> {
  return fc.integer({ min: c.minBits ?? 1, max: c.maxBits ?? 3 }).chain((d) =>
    fc.array(fc.double({ min: c.minWeight ?? 0.01, max: 1, noNaN: true }), { minLength: 2 ** d, maxLength: 2 ** d }).map((raw) => {
      const total = raw.reduce((a, b) => a + b, 0);
      return { d, states: bitStates(d), weights: Float64Array.from(raw, (w) => w / total) };
    }),
  );
}
