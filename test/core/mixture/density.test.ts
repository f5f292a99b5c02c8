import ndarray from 'ndarray';
import { describe, expect, test } from 'vitest';
import { create, logPdf, responsibilities } from '../../../src/core/mixture/index.js';
import { expectClose } from '../../_support/expect-close.js';
import { analyze, CompensatedSum, loadFixture, logPdfBound, nd, responsibilityRelBound, terms, U } from './reference.js';

const fixture = loadFixture();

describe('mixture.logPdf against the fixture (mpmath, scipy)', () => {
  test('mixture/density#fixture: logPdf equals the 60-digit mpmath log-density within the bound (E2)', () => {
    for (const c of fixture.cases) {
      const mix = create(c);
      const an = analyze(c);
      const x = nd(c.points.map((p) => p.x));
      const lp = logPdf(mix, x);
      expect(lp.shape).toEqual([c.points.length]);
      c.points.forEach((p, i) => {
        // (E2) for our evaluation, plus u |log p| for the rounding of the reference to float64.
        const tol = logPdfBound(an, p.x) + U * Math.abs(p.logPdf);
        expectClose(lp.get(i), p.logPdf, { atol: tol }, { case: c.name, x: p.x });
      });
    }
  });

  test('mixture/density#fixture: logPdf equals scipy.stats.multivariate_normal + logsumexp', () => {
    for (const c of fixture.cases) {
      const mix = create(c);
      const an = analyze(c);
      c.points.forEach((p) => {
        // scipy evaluates each component by an eigendecomposition (backward stable, the same
        // first-order bound (E2) applies to it), so the two may differ by twice the bound.
        const tol = 2 * logPdfBound(an, p.x) + U * Math.abs(p.logPdf);
        expectClose(logPdf(mix, nd(p.x)).get(), p.logPdfScipy, { atol: tol }, { case: c.name, x: p.x });
      });
    }
  });

  test('mixture/density#tails: 50 standard deviations from every mode the naive log(sum) is -Infinity, logPdf is finite and exact', () => {
    let farPoints = 0;
    for (const c of fixture.cases) {
      const mix = create(c);
      const an = analyze(c);
      for (const p of c.points) {
        if (p.naiveLogPdf !== null) continue;
        farPoints++;
        // The naive evaluation in float64: every w_k N_k(x) underflows to 0.
        const t = terms(an, p.x);
        const naive = Math.log(t.a.reduce((s, ak) => s + Math.exp(ak), 0));
        expect(naive).toBe(-Infinity);
        const lp = logPdf(mix, nd(p.x)).get();
        expect(Number.isFinite(lp)).toBe(true);
        expectClose(lp, p.logPdf, { atol: logPdfBound(an, p.x) + U * Math.abs(p.logPdf) }, { case: c.name, x: p.x });
      }
    }
    // 3 far points per mixture (runner.py).
    expect(farPoints).toBe(3 * fixture.cases.length);
  });

  test('mixture/density#responsibilities: r_k equals the mpmath posterior over components', () => {
    for (const c of fixture.cases) {
      const mix = create(c);
      const an = analyze(c);
      const r = responsibilities(mix, nd(c.points.map((p) => p.x)));
      expect(r.shape).toEqual([c.points.length, c.weights.length]);
      c.points.forEach((p, i) => {
        let rowSum = 0;
        for (let k = 0; k < an.K; k++) {
          // r_k = exp(a_k - m)/S: relative error (R1) (proofs/mixture/density.md), plus u for the
          // reference's rounding; 2 MIN_VALUE for results in the subnormal range.
          const rel = responsibilityRelBound(an, p.x, k) + U;
          const tol = rel * p.responsibilities[k]! + 2 * Number.MIN_VALUE;
          expectClose(r.get(i, k), p.responsibilities[k]!, { atol: tol }, { case: c.name, x: p.x, k });
          rowSum += r.get(i, k);
        }
        // K quotients each within 2u, summed: K + 2 units of u.
        expectClose(rowSum, 1, { atol: (2 * an.K + 2) * U }, { case: c.name, x: p.x });
      });
    }
  });
});

/** The grid lo + i h, i = 0..N, with h = 2^-e and lo a multiple of h: every node is exact. */
function dyadicGrid(lo: number, hi: number, hTarget: number): { lo: number; h: number; n: number } {
  const h = 2 ** Math.floor(Math.log2(hTarget));
  const start = Math.floor(lo / h) * h;
  return { lo: start, h, n: Math.ceil((hi - start) / h) + 1 };
}

describe('mixture/density#normalized: the density integrates to 1', () => {
  // Trapezoid sums of a Gaussian over a grid of spacing h are spectrally accurate: the
  // error over the whole line is sum_{m != 0} of the Fourier transform at 2 pi m / h, at
  // most 2.01 exp(-2 pi^2 s^2 / h^2) per component of standard deviation s (Trefethen and
  // Weideman 2014, Thm 5.1). Truncation to T = 10 standard deviations drops at most
  // 2 Phi(-10) < 1.6e-23 (1-D) or exp(-T^2/2) < 2e-22 (2-D, chi-square with 2 degrees of
  // freedom). Rounding: each term exp(logPdf) carries the relative error (E2) + u, the
  // compensated sum adds 2u, the product with h (a power of 2) is exact.
  const TRUNCATION = 2e-22;

  const cases1d = [
    { name: 'fixture 1d-two', spec: fixture.cases.find((c) => c.name === '1d-two')! },
    {
      name: 'three components, per-component variances',
      spec: { weights: [0.2, 0.5, 0.3], means: [[-4], [0], [6]], covs: [0.3, 1, 4] },
    },
  ];
  for (const { name, spec } of cases1d) {
    test(`mixture/density#normalized: 1-D trapezoid quadrature (${name})`, () => {
      const mix = create(spec);
      const covs = Array.from(mix.covs);
      const an = analyze({ weights: spec.weights, means: spec.means as number[][], covs: covs.map((v) => [[v]]) });
      const sMin = Math.sqrt(Math.min(...covs));
      const sMax = Math.sqrt(Math.max(...covs));
      const mus = (spec.means as number[][]).map((m) => m[0]!);
      // h <= s_min / 4: spectral error <= 2.01 exp(-2 pi^2 16) < 1e-136.
      const g = dyadicGrid(Math.min(...mus) - 10 * sMax, Math.max(...mus) + 10 * sMax, sMin / 4);
      const xs = new Float64Array(g.n);
      for (let i = 0; i < g.n; i++) xs[i] = g.lo + i * g.h;
      const lp = logPdf(mix, ndarray(xs, [g.n, 1]));
      const sum = new CompensatedSum();
      let err = 0;
      for (let i = 0; i < g.n; i++) {
        const t = Math.exp(lp.get(i));
        sum.add(t);
        err += t * (logPdfBound(an, [xs[i]!]) + U);
      }
      const integral = g.h * sum.value;
      const tol = g.h * err + 2 * U + TRUNCATION + 1e-136;
      expectClose(integral, 1, { atol: tol }, { name, h: g.h, n: g.n });
    });
  }

  for (const name of ['ncsn-2d', '2d-three-full']) {
    test(`mixture/density#normalized: 2-D grid (fixture ${name})`, () => {
      const c = fixture.cases.find((f) => f.name === name)!;
      const mix = create(c);
      const an = analyze(c);
      // lambda_min and lambda_max over the components: eigenvalues of Sigma_k (kappa and det known).
      let lamMin = Infinity;
      let lamMax = 0;
      for (const cov of c.covs) {
        const tr = cov[0]![0]! + cov[1]![1]!;
        const det = cov[0]![0]! * cov[1]![1]! - cov[0]![1]! * cov[1]![0]!;
        const disc = Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
        lamMin = Math.min(lamMin, tr / 2 - disc);
        lamMax = Math.max(lamMax, tr / 2 + disc);
      }
      // h <= sqrt(lambda_min)/3: spectral error <= 4.1 exp(-2 pi^2 9) < 1e-76.
      const half = 10 * Math.sqrt(lamMax);
      const gx = dyadicGrid(Math.min(...c.means.map((m) => m[0]!)) - half, Math.max(...c.means.map((m) => m[0]!)) + half, Math.sqrt(lamMin) / 3);
      const gy = dyadicGrid(Math.min(...c.means.map((m) => m[1]!)) - half, Math.max(...c.means.map((m) => m[1]!)) + half, gx.h);
      const n = gx.n * gy.n;
      const pts = new Float64Array(2 * n);
      for (let i = 0; i < gx.n; i++) {
        for (let j = 0; j < gy.n; j++) {
          pts[2 * (i * gy.n + j)] = gx.lo + i * gx.h;
          pts[2 * (i * gy.n + j) + 1] = gy.lo + j * gy.h;
        }
      }
      const lp = logPdf(mix, ndarray(pts, [n, 2]));
      const sum = new CompensatedSum();
      let err = 0;
      for (let i = 0; i < n; i++) {
        const t = Math.exp(lp.get(i));
        sum.add(t);
        // The bound (E2) grows with the quadratic forms; terms below 1e-300 add nothing.
        if (t > 1e-300) err += t * (logPdfBound(an, [pts[2 * i]!, pts[2 * i + 1]!]) + U);
      }
      const integral = gx.h * gx.h * sum.value;
      const tol = gx.h * gx.h * err + 2 * U + TRUNCATION + 1e-76;
      expectClose(integral, 1, { atol: tol }, { name, h: gx.h, n });
    });
  }
});

describe('mixture.logPdf shapes and conventions', () => {
  const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });

  test('one point of shape [d] gives a 0-d array; [n, d] gives [n]; [0, d] gives [0]', () => {
    const one = logPdf(mix, nd([5, 5]));
    expect(one.shape).toEqual([]);
    // At the mode of an isotropic unit component far from the other: log 0.8 - log(2 pi) + O(e^-100).
    expectClose(one.get(), Math.log(0.8) - Math.log(2 * Math.PI), { rtol: 4 * U });
    const batch = logPdf(mix, nd([[5, 5], [-5, -5], [0, 0]]));
    expect(batch.shape).toEqual([3]);
    expect(batch.get(0)).toBe(one.get());
    expect(logPdf(mix, ndarray(new Float64Array(0), [0, 2])).shape).toEqual([0]);
    expect(responsibilities(mix, nd([0, 0])).shape).toEqual([2]);
  });

  test('strided views are read in logical order and inputs are not written to', () => {
    const data = Float64Array.from([5, 99, 5, 99, -5, 99, -5, 99]);
    const copy = Float64Array.from(data);
    // A [2, 2] view taking every other entry.
    const view = ndarray(data, [2, 2], [4, 2], 0);
    const lp = logPdf(mix, view);
    expect(lp.get(0)).toBe(logPdf(mix, nd([5, 5])).get());
    expect(lp.get(1)).toBe(logPdf(mix, nd([-5, -5])).get());
    expect(data).toEqual(copy);
  });
});
