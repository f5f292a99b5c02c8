/**
 * Phi and log Phi against mpmath at 60 digits over [-40, 40] (tails included), against
 * scipy.special.ndtr, their symmetry, and log Phi's upper tail.
 *
 * Tolerances (proofs/gaussian/cdf.md, "Accuracy"): the a priori rounding-error bound of
 * the kernels, evaluated by proofs/gaussian/cdf-error-bound.py, is 14.44 EPS relative for
 * Phi and 15.44 EPS for log Phi (Cody's approximation error is below 1e-18, Horner's rule
 * on positive coefficients at most (2j + 1) u on the degree-j term, exp/log within 1 ulp);
 * results below 2^-1022 are subnormal and get an absolute MIN_VALUE-scale allowance (one
 * rounding of ours, at most one more in mpmath's conversion to float64).
 *
 * @see proofs/gaussian/cdf.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { logNdtr, ndtr } from '../../../src/_internal/gaussian-kernels.js';
import { logNormalCdf, normalCdf } from '../../../src/core/gaussian/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ndtrRows } from './fixtures.js';

/** A priori relative error bound of Phi (14.44 EPS, rounded up). */
const PHI_K = 15;
/** A priori relative error bound of log Phi (15.44 EPS, rounded up). */
const LOG_PHI_K = 16;
/** Subnormal results: 1/2 ulp of ours plus 1 ulp of the reference's conversion. */
const SUBNORMAL_ATOL = 2 * Number.MIN_VALUE;
/** Cephes's documented peak relative error of ndtr on [-13, 0] (scipy.special.ndtr). */
const CEPHES_NDTR_PEAK = 3.4e-14;

describe('Phi', () => {
  test('gaussian/cdf#phi: normalCdf matches mpmath (60 digits) within 15 EPS relative on [-40, 40]', () => {
    expect(ndtrRows.length).toBeGreaterThan(1000);
    for (const r of ndtrRows) {
      expectClose(normalCdf(r.x), r.phi_mpmath, { rtol: PHI_K * EPS, atol: SUBNORMAL_ATOL }, { x: r.x });
    }
  });

  test('gaussian/cdf#phi: the ndarray form gives the scalar values, in x\'s shape', () => {
    const xs = Float64Array.from(ndtrRows, (r) => r.x);
    const out = normalCdf(ndarray(xs, [xs.length]));
    expect(out.shape).toEqual([xs.length]);
    for (let i = 0; i < xs.length; i++) expect(out.data[i]).toBe(ndtr(xs[i]!));
    const grid = normalCdf(ndarray(new Float64Array([-1, 0, 1, 2, 3, 4]), [2, 3]));
    expect(grid.shape).toEqual([2, 3]);
    expect(grid.get(1, 2)).toBe(ndtr(4));
  });

  test('gaussian/cdf#phi: the deep lower tail is right to the last subnormal, 0 beyond x = -38.5', () => {
    const at = (x: number) => ndtrRows.find((r) => r.x === x)!;
    for (const x of [-38, -37.5, -30, -20]) {
      expectClose(normalCdf(x), at(x).phi_mpmath, { rtol: PHI_K * EPS, atol: SUBNORMAL_ATOL }, { x });
    }
    expect(normalCdf(-38)).toBeGreaterThan(0); // 2.885e-316, a subnormal
    expect(normalCdf(-40)).toBe(0); // 3.7e-350 underflows
  });

  test('gaussian/cdf#phi: agrees with scipy.special.ndtr on [-13, 13] within Cephes\'s documented peak error plus ours', () => {
    let n = 0;
    for (const r of ndtrRows) {
      if (Math.abs(r.x) > 13) continue;
      n++;
      expectClose(normalCdf(r.x), r.phi_scipy, { rtol: CEPHES_NDTR_PEAK + PHI_K * EPS }, { x: r.x });
    }
    expect(n).toBeGreaterThan(300);
  });

  test.prop([fc.double({ min: -40, max: 40, noNaN: true })])(
    'gaussian/cdf#symmetry: Phi(x) + Phi(-x) = 1 within (15 + 1/2) EPS',
    (x) => {
      // Each term has relative error <= 15 EPS and they add up to 1; the sum rounds once (u).
      expectClose(normalCdf(x) + normalCdf(-x), 1, { atol: (PHI_K + 0.5) * EPS }, { x });
    },
  );

  test('gaussian/cdf#symmetry: at the fixture points, including the switch points of Cody\'s intervals', () => {
    for (const r of ndtrRows) expectClose(ndtr(r.x) + ndtr(-r.x), 1, { atol: (PHI_K + 0.5) * EPS }, { x: r.x });
  });

  test('kernel edge cases: ndtr(-0) = 1/2, ndtr(+-Infinity) = 0 and 1, NaN propagates', () => {
    expect(ndtr(0)).toBe(0.5);
    expect(ndtr(-0)).toBe(0.5);
    expect(ndtr(-Infinity)).toBe(0);
    expect(ndtr(Infinity)).toBe(1);
    expect(ndtr(NaN)).toBeNaN();
    expect(ndtr(-1e300)).toBe(0);
    expect(ndtr(1e300)).toBe(1);
  });
});

describe('log Phi', () => {
  test('gaussian/cdf#log-phi: logNormalCdf matches mpmath (60 digits) within 16 EPS relative on [-40, 40]', () => {
    for (const r of ndtrRows) {
      expectClose(logNormalCdf(r.x), r.log_phi_mpmath, { rtol: LOG_PHI_K * EPS, atol: SUBNORMAL_ATOL }, { x: r.x });
    }
  });

  test('gaussian/cdf#log-phi: the named points x = -38, -20, 5, 10, 40 (and -40, where Phi underflows)', () => {
    for (const x of [-40, -38, -20, 5, 10, 40]) {
      const r = ndtrRows.find((row) => row.x === x);
      expect(r, `fixture has x = ${x}`).toBeDefined();
      expectClose(logNormalCdf(x), r!.log_phi_mpmath, { rtol: LOG_PHI_K * EPS, atol: SUBNORMAL_ATOL }, { x });
    }
    expect(Number.isFinite(logNormalCdf(-40))).toBe(true); // -804.608..., though Phi(-40) is 0 in float64
  });

  test('gaussian/cdf#log-phi: far below the fixture range it follows the asymptotic series', () => {
    // log Phi(x) = -x^2/2 - log(-x) - log sqrt(2 pi) + log(1 - 1/x^2 + 3/x^4 - ...); for
    // |x| >= 1e4 the series' correction (<= 1e-8 absolute) is below 16 EPS of |log Phi|
    // (>= 5e7), so the leading terms are the reference.
    for (const x of [-1e4, -1e8, -1e50, -1e150]) {
      const leading = -0.5 * x * x - Math.log(-x) - 0.5 * Math.log(2 * Math.PI);
      expectClose(logNormalCdf(x), leading, { rtol: LOG_PHI_K * EPS }, { x });
    }
  });

  test.prop([fc.double({ min: 6, max: 38, noNaN: true })])(
    'gaussian/cdf#log-phi-upper-tail: log Phi(x) = -q - q^2/2 + O(q^3) with q = Phi(-x) for x in [6, 38], never rounded to 0',
    (x) => {
      // log1p(-q) = -q (1 + q/2 + q^2/3 + ...): the two leading terms -q - q^2/2 leave a
      // relative remainder below q^2 (q <= 1/2); q = Phi(-x) <= 1e-9 here, so the
      // remainder is below 1e-18, and each side carries its own rounding bound (16 EPS
      // and 15 EPS relative), plus 1 EPS for forming -q - q^2/2.
      const q = normalCdf(-x);
      const lp = logNormalCdf(x);
      expect(lp).toBeLessThan(0);
      expectClose(lp, -q - (q * q) / 2, { rtol: q * q + (LOG_PHI_K + PHI_K + 1) * EPS }, { x });
    },
  );

  test('gaussian/cdf#log-phi-upper-tail: log Phi(38) = -2.885e-316 (a subnormal), log Phi(40) rounds to 0', () => {
    const r = ndtrRows.find((row) => row.x === 38)!;
    expect(logNormalCdf(38)).toBeLessThan(0);
    expectClose(logNormalCdf(38), r.log_phi_mpmath, { atol: SUBNORMAL_ATOL });
    expect(Math.abs(logNormalCdf(40))).toBe(0);
  });

  test('kernel edge cases: logNdtr(-Infinity) = -Infinity, logNdtr(Infinity) = 0, NaN propagates, -1e300 gives -Infinity', () => {
    expect(logNdtr(-Infinity)).toBe(-Infinity);
    expect(Math.abs(logNdtr(Infinity))).toBe(0);
    expect(logNdtr(NaN)).toBeNaN();
    expect(logNdtr(-1e300)).toBe(-Infinity); // the exact value -5e599 overflows float64
    expect(logNdtr(0)).toBe(Math.log(0.5));
  });
});
