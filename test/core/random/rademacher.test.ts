/**
 * Rademacher draws: one Philox bit per sign, fair and independent.
 *
 * @see proofs/random/rademacher.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { key, rademacher, rademacherArray } from '../../../src/core/random/index.js';
import { DOMAIN_DRAW, philox4x32 } from '../../../src/core/random/philox.js';
import { arbKey } from '../../arbitraries/arb-key.js';
import { ALPHA, chiSquareTest, gammaQ } from '../../_support/stats.js';
import { fixture } from './fixture.js';

describe('construction', () => {
  test.prop([arbKey(), fc.integer({ min: 0, max: 600 })])(
    'random/rademacher#construction: v_i = 1 - 2 (bit i mod 32 of Philox word floor(i / 32)), so v_i is +1 or -1',
    (k, n) => {
      const v = rademacherArray(k, n);
      const w = new Uint32Array(4);
      for (let i = 0; i < n; i++) {
        const word = i >>> 5;
        philox4x32(word >>> 2, 0, 0, DOMAIN_DRAW, k.k0, k.k1, w, 0);
        const bit = (w[word & 3]! >>> (i & 31)) & 1;
        expect(v[i]).toBe(1 - 2 * bit);
      }
    },
  );

  test('random/rademacher#construction: rademacher(key, [2, 3]) is rademacherArray(key, 6) in row-major order', () => {
    const k = key(8);
    const x = rademacher(k, [2, 3]);
    const flat = rademacherArray(k, 6);
    expect(x.shape).toEqual([2, 3]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(x.get(i, j)).toBe(flat[3 * i + j]);
    expect(rademacher(k, []).get()).toBe(flat[0]);
    expect(rademacher(k, [0]).size).toBe(0);
  });
});

describe('fair and independent signs', () => {
  const n = 1_000_000;
  const v = rademacherArray(key(0), n);

  test('random/rademacher#fair-signs: chi-square of the counts of +1 and -1 (n = 10^6)', () => {
    let plus = 0;
    for (const x of v) if (x === 1) plus++;
    const { pValue, stat } = chiSquareTest([plus, n - plus], [0.5, 0.5]);
    expect(pValue, `chi-square ${stat}, ${plus} of ${n} positive`).toBeGreaterThan(ALPHA);
  });

  test('random/rademacher#fair-signs: chi-square of the four sign pairs (v_2i, v_2i+1): independence', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i + 1 < n; i += 2) counts[(v[i]! > 0 ? 2 : 0) + (v[i + 1]! > 0 ? 1 : 0)]!++;
    const { pValue, stat } = chiSquareTest(counts, [0.25, 0.25, 0.25, 0.25]);
    expect(pValue, `chi-square ${stat}`).toBeGreaterThan(ALPHA);
  });

  test('random/rademacher#fair-signs: every bit position of the Philox words is fair (chi-square, 32 df)', () => {
    // Position j = i mod 32 holds n/32 signs; with p = 1/2 the count of +1 is Binomial,
    // z_j = (count - n/64) / sqrt(n/128), and sum_j z_j^2 is chi-square with 32 df.
    const plus = new Float64Array(32);
    for (let i = 0; i < n; i++) if (v[i] === 1) plus[i & 31]!++;
    const m = n / 32;
    let stat = 0;
    for (const c of plus) stat += (c - m / 2) ** 2 / (m / 4);
    const pValue = gammaQ(32 / 2, stat / 2);
    expect(pValue, `chi-square ${stat}`).toBeGreaterThan(ALPHA);
  });

  test('random/rademacher#fair-signs: E[v v^T] = I for 8-dimensional probes (off-diagonal means within their std errors)', () => {
    // The sliced score matching / Hutchinson use: probes v in {-1, 1}^8 with E[v_a v_b] =
    // delta_ab. v_a^2 = 1 exactly; each off-diagonal product is +-1 with mean 0 and
    // variance 1, so its mean over m probes has standard error 1/sqrt(m). Bonferroni over
    // the 28 pairs: each at ALPHA / 28, threshold Phi^{-1}(1 - ALPHA/56) = 4.133588386895672.
    const d = 8;
    const m = n / d;
    for (let a = 0; a < d; a++) {
      for (let b = a + 1; b < d; b++) {
        let s = 0;
        for (let p = 0; p < m; p++) s += v[p * d + a]! * v[p * d + b]!;
        expect(Math.abs(s / m) * Math.sqrt(m), `E v_${a} v_${b} = ${s / m}`).toBeLessThan(4.133588386895672);
      }
    }
  });
});

describe('reference', () => {
  test('random/rademacher#reference: rademacherArray equals the pure-Python signs exactly', () => {
    for (const s of fixture.streams) {
      expect(Array.from(rademacherArray(key(s.seed), s.rademacher.length))).toEqual(s.rademacher);
    }
  });

  test('random/rademacher#reference: regression values of key(0) and key(42)', () => {
    expect(Array.from(rademacherArray(key(0), 10))).toEqual([-1, 1, -1, 1, -1, 1, -1, -1, 1, 1]);
    expect(Array.from(rademacherArray(key(42), 10))).toEqual([-1, -1, 1, -1, 1, 1, 1, 1, -1, -1]);
  });
});
