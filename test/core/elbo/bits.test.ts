/**
 * Nats to bits per dimension.
 *
 * @see proofs/elbo/bits.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { bitsPerDim } from '../../../src/core/elbo/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';

describe('bits per dimension', () => {
  test.prop([fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 1, max: 1 << 20 })])(
    'elbo/bits#definition: bitsPerDim(nats, D) = nats / (D ln 2), for numbers and elementwise for arrays',
    (nats, D) => {
      const one = bitsPerDim(nats, D);
      expect(one).toBe(nats / (D * Math.LN2));
      const many = bitsPerDim(Float64Array.of(nats, -nats, 0), D);
      expect(Array.from(many)).toEqual([one, -nats / (D * Math.LN2), 0]);
    },
  );

  test('elbo/bits#definition: 3.70 bits/dim for a CIFAR-10 image (D = 3072) is 7878.59 nats per image', () => {
    // Three roundings on the way there (two products), two back (a product and a division).
    expectClose(bitsPerDim(3.7 * 3072 * Math.LN2, 3072), 3.7, { rtol: 3 * EPS });
    expect(Math.round(bitsPerDim(7878.59, 3072) * 1000) / 1000).toBe(3.7);
  });
});
