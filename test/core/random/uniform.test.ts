/**
 * Uniform draws: the 53-bit grid, the range [low, high), the distribution, the layout,
 * and the independent reference.
 *
 * @see proofs/random/uniform.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { key, uniform, uniformArray } from '../../../src/core/random/index.js';
import { DOMAIN_DRAW, philox4x32 } from '../../../src/core/random/philox.js';
import { arbKey } from '../../arbitraries/arb-key.js';
import { ALPHA, chiSquareTest, ksTest, Z_CRIT } from '../../_support/stats.js';
import { fixture } from './fixture.js';

const TWO_53 = 2 ** 53;

describe('the 53-bit grid', () => {
  test.prop([arbKey(), fc.integer({ min: 0, max: 200 })])(
    'random/uniform#grid: every value is k / 2^53 with k an integer in 0..2^53-1',
    (k, n) => {
      const u = uniformArray(k, n);
      expect(u.length).toBe(n);
      for (const v of u) {
        const kk = v * TWO_53; // exact: scaling by a power of 2
        expect(Number.isInteger(kk) && kk >= 0 && kk < TWO_53, `u = ${v}`).toBe(true);
      }
    },
  );

  test.prop([arbKey(), fc.integer({ min: 0, max: 63 })])(
    'random/uniform#grid: value i keeps the top 27 bits of one Philox word and the top 26 of the next',
    (k, i) => {
      // Value i reads words (x0, x1) of draw block floor(i/2) for even i, (x2, x3) for odd
      // i. Both bit fields can be read back from k = u 2^53: nothing is lost or mixed.
      const u = uniformArray(k, i + 1)[i]!;
      const w = new Uint32Array(4);
      philox4x32(i >>> 1, 0, 0, DOMAIN_DRAW, k.k0, k.k1, w, 0);
      const a = i % 2 === 0 ? w[0]! : w[2]!;
      const b = i % 2 === 0 ? w[1]! : w[3]!;
      const kk = u * TWO_53;
      expect(Math.floor(kk / 2 ** 26)).toBe(a >>> 5);
      expect(kk % 2 ** 26).toBe(b >>> 6);
    },
  );

  test('random/uniform#grid: the low bits of k are uniform too (chi-square of k mod 256)', () => {
    // k mod 256 takes bits 6..13 of the second word; on the exact grid each residue has
    // probability 1/256 (expected count 390.6 for n = 10^5), 255 df.
    const n = 100_000;
    const u = uniformArray(key(3), n);
    const counts = new Float64Array(256);
    for (const v of u) counts[(v * TWO_53) % 256]!++;
    const { pValue, stat } = chiSquareTest(counts, new Float64Array(256).fill(1 / 256));
    expect(pValue, `chi-square ${stat}`).toBeGreaterThan(ALPHA);
  });
});

describe('the range [low, high)', () => {
  const arbLow = fc.double({ min: -1e6, max: 1e6, noNaN: true });
  // |low| <= 1e6 has ulp <= 2^-33 ~ 1.2e-10, so low + gap > low for gap >= 1e-6.
  const arbGap = fc.double({ min: 1e-6, max: 1e6, noNaN: true });

  test.prop([arbKey(), arbLow, arbGap])('random/uniform#range: for any seed and low < high, values lie in [low, high)', (k, low, gap) => {
    const high = low + gap;
    const x = uniform(k, [5, 7], low, high);
    expect(x.shape).toEqual([5, 7]);
    for (const v of x.data) expect(v >= low && v < high, `${v} not in [${low}, ${high})`).toBe(true);
  });

  test('random/uniform#range: a one-ulp interval [1, 1 + 2^-52) gives only 1 (rounding to high is lowered)', () => {
    // 1 + 2^-52 u rounds to 1 + 2^-52 = high for u > 1/2: the clamp maps it to 1.
    const x = uniform(key(0), [1000], 1, 1 + 2 ** -52);
    for (const v of x.data) expect(v).toBe(1);
  });

  test('random/uniform#range: extreme but valid bounds (denormal width, wide finite width, negative)', () => {
    for (const [low, high] of [
      [0, Number.MIN_VALUE],
      [-1e-300, 1e-300],
      [-8e307, 8e307],
      [-5, -4],
      [-Number.MIN_VALUE, 0],
    ] as const) {
      const x = uniform(key(1), [2000], low, high);
      for (const v of x.data) {
        expect(Number.isFinite(v) && v >= low && v < high, `${v} not in [${low}, ${high})`).toBe(true);
      }
    }
  });

  test('random/uniform#range: the default [0, 1) is the grid itself, and [low, high) its affine image', () => {
    const k = key(5);
    const u = uniformArray(k, 100);
    expect(Array.from(uniform(k, [100]).data)).toEqual(Array.from(u));
    const x = uniform(k, [100], -2, 6);
    for (let i = 0; i < 100; i++) expect(x.data[i]).toBe(-2 + 8 * u[i]!);
  });
});

describe('distribution', () => {
  const n = 100_000;

  test('random/uniform#distribution: KS against U[0, 1) at key(0)', () => {
    const { pValue, d } = ksTest(uniformArray(key(0), n), (x) => Math.min(1, Math.max(0, x)));
    expect(pValue, `D = ${d}`).toBeGreaterThan(ALPHA);
  });

  test('random/uniform#distribution: chi-square of a 100-bin histogram at key(1)', () => {
    const counts = new Float64Array(100);
    for (const v of uniformArray(key(1), n)) counts[Math.floor(v * 100)]!++;
    const { pValue, stat } = chiSquareTest(counts, new Float64Array(100).fill(1 / 100));
    expect(pValue, `chi-square ${stat}`).toBeGreaterThan(ALPHA);
  });

  test('random/uniform#distribution: KS of U[-3, 5) against its CDF (x + 3) / 8', () => {
    const x = uniform(key(2), [n], -3, 5);
    const { pValue, d } = ksTest(x.data, (v) => Math.min(1, Math.max(0, (v + 3) / 8)));
    expect(pValue, `D = ${d}`).toBeGreaterThan(ALPHA);
  });

  test('random/uniform#distribution: consecutive values are uncorrelated (lag 1 and lag 2)', () => {
    // For iid U, the lag-l sample correlation r_l has sqrt(n) r_l ~ N(0, 1).
    const u = uniformArray(key(4), n + 2);
    for (const lag of [1, 2]) {
      let sxy = 0;
      for (let i = 0; i < n; i++) sxy += (u[i]! - 0.5) * (u[i + lag]! - 0.5);
      const r = sxy / n / (1 / 12);
      expect(Math.abs(r) * Math.sqrt(n), `lag ${lag}: r = ${r}`).toBeLessThan(Z_CRIT);
    }
  });
});

describe('layout and reference', () => {
  test('random/uniform#layout: uniform(key, [2, 3]) is uniformArray(key, 6) in row-major order', () => {
    const k = key(9);
    const x = uniform(k, [2, 3]);
    const flat = uniformArray(k, 6);
    expect(x.data).toBeInstanceOf(Float64Array);
    expect(x.shape).toEqual([2, 3]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(x.get(i, j)).toBe(flat[3 * i + j]);
  });

  test('random/uniform#layout: an empty shape is a 0-d array of one value; a 0 in the shape, an empty array', () => {
    const k = key(10);
    const scalar = uniform(k, []);
    expect(scalar.shape).toEqual([]);
    expect(scalar.size).toBe(1);
    expect(scalar.get()).toBe(uniformArray(k, 1)[0]);
    expect(uniform(k, [0, 3]).size).toBe(0);
    expect(uniform(k, [2, 0, 5]).data.length).toBe(0);
    expect(uniformArray(k, 0).length).toBe(0);
  });

  test('random/uniform#layout: the shape argument is copied, not kept or changed', () => {
    const shape = [4, 2];
    const x = uniform(key(11), shape);
    shape[0] = 1;
    expect(x.shape).toEqual([4, 2]);
    expect(shape).toEqual([1, 2]);
  });

  test('random/uniform#reference: uniformArray and uniform(low, high) equal the pure-Python values exactly', () => {
    // Both sides compute an integer < 2^53 times 2^-53 (exact), then low + (high - low) u
    // in the same order: the results agree bit for bit.
    for (const s of fixture.streams) {
      const k = key(s.seed);
      expect(Array.from(uniformArray(k, s.uniform.length))).toEqual(s.uniform);
      const { low, high, values } = s.uniformLowHigh;
      expect(Array.from(uniform(k, [values.length], low, high).data)).toEqual(values);
    }
  });

  test('random/uniform#reference: regression values of key(0) and key(42)', () => {
    // From the fixture (runner.py), written out so that any change to the generator shows.
    expect(Array.from(uniformArray(key(0), 3))).toEqual([0.39904647231489565, 0.7357127860596914, 0.9722412032044762]);
    expect(Array.from(uniformArray(key(42), 3))).toEqual([0.25068801669021523, 0.6391321318773865, 0.08422655272580548]);
  });
});
