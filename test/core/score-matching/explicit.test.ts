/**
 * Explicit score matching (Hyvarinen 2005): the closed form on a finite sample for linear
 * models, the central-difference trace against the exact one, Hyvarinen's identity by
 * Monte Carlo, and the minimizer with its exact margin.
 *
 * @see proofs/score-matching/explicit.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { create, sample, score as mixtureScore } from '../../../src/core/mixture/index.js';
import { key } from '../../../src/core/random/index.js';
import { DEFAULT_STEP, explicit } from '../../../src/core/score-matching/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbLinearScore } from '../../arbitraries/arb-linear-score.js';
import { applyLinear, expectMean, gamma, gaussianSample, invert, linearModel, moments, nd, shifted, trace, U, waveModel } from './support.js';

/** |b_a| + sum_c |A_ac y_c| with y = row i of x whose coordinate j is replaced by yj: the size of (A y + b)_a. */
function linearMagnitude(A: Float64Array, b: Float64Array, x: Float64Array, i: number, d: number, a: number, j: number, yj: number): number {
  let m = Math.abs(b[a]!);
  for (let c = 0; c < d; c++) m += Math.abs(A[a * d + c]!) * Math.abs(c === j ? yj : x[i * d + c]!);
  return m;
}

describe('explicit score matching', () => {
  test.prop([arbLinearScore()])(
    'score-matching/explicit#sample-closed-form: with the exact Jacobian, explicit(A x + b, x) = tr A + (1/2n) sum_i |A x_i + b|^2 on any sample',
    ({ d, n, A, b, x }) => {
      const r = explicit(linearModel(A, b, d), nd(x, [n, d]));
      const s = applyLinear(A, b, x, n, d);
      const t = trace(A, d);
      let Q = 0;
      for (let k = 0; k < n * d; k++) Q += s[k]! * s[k]!;
      const expected = t + Q / (2 * n);
      const scale = Math.abs(t) + Q / (2 * n);
      // Same trace and same squares (the model's values are shared); the library sums d squares per
      // row (gamma_d), adds the trace (u), sums n rows (gamma_{n-1}) and divides (u); the reference
      // sums n d squares (gamma_{nd}), divides twice and adds (3u): together gamma_{n + nd + d + 6}.
      // In the subnormal range each product or halving adds at most MIN_VALUE / 2 (Higham 2002, Eq. 2.8).
      expectClose(r.value, expected, { atol: gamma(n + n * d + d + 6) * scale + (n * d + n + 2) * Number.MIN_VALUE }, { d, n });
      expect(r.perExample.shape).toEqual([n]);
      for (let i = 0; i < n; i++) {
        let q = 0;
        for (let j = i * d; j < (i + 1) * d; j++) q += s[j]! * s[j]!;
        // The same operations in the same order: bit for bit.
        expect(r.perExample.get(i)).toBe(t + 0.5 * q);
      }
    },
  );

  test('score-matching/explicit#sample-closed-form: points of shape [n, ...] are flattened row-major to d coordinates (both routes, bit for bit)', () => {
    const d = 4;
    const A = Float64Array.from({ length: d * d }, (_, k) => ((k * 7) % 5) / 4 - 0.5);
    const b = Float64Array.of(0.1, -0.2, 0.3, -0.4);
    const x = Float64Array.of(0.5, -1, 2, 0.25, -3, 1.5, 0, 0.75);
    const flat = linearModel(A, b, d);
    // The same model on points of shape [2, 2]: it reads each row's 4 values row-major.
    const shaped = {
      score: (y: Float64NdArray) => nd(flat.score(nd(y.data, [y.shape[0]!, d])).data, y.shape.slice()),
      jacobian: (y: Float64NdArray) => flat.jacobian(nd(y.data, [y.shape[0]!, d])),
    };
    for (const route of ['jacobian', 'differences'] as const) {
      const a = explicit(route === 'jacobian' ? flat : flat.score, nd(x, [2, d]));
      const c = explicit(route === 'jacobian' ? shaped : shaped.score, nd(x, [2, 2, 2]));
      expect(Array.from(c.perExample.data)).toEqual(Array.from(a.perExample.data));
    }
  });

  test.prop([arbLinearScore(), fc.constantFrom<number | undefined>(undefined, 1e-3, 1e-8)])(
    'score-matching/explicit#finite-difference: for a linear model the central-difference trace is exact up to the model rounding divided by the step',
    ({ d, n, A, b, x }, h) => {
      const model = linearModel(A, b, d);
      const X = nd(x, [n, d]);
      const exact = explicit(model, X);
      const fd = explicit(model.score, X, h === undefined ? undefined : { h });
      const step = h ?? DEFAULT_STEP;
      let tol = 0;
      for (let i = 0; i < n; i++) {
        // (s_j(x+) - s_j(x-)) / (x+ - x-) = A_jj exactly in real arithmetic (only x_j moves), so the
        // error is the model's rounding e+- (gamma_{d+1} times |A y + b| at each point) over the
        // step, plus three roundings of the quotient and the sums of the two traces.
        let bound = 0;
        let diag = 0;
        for (let j = 0; j < d; j++) {
          const xij = x[i * d + j]!;
          const hij = step * Math.max(1, Math.abs(xij));
          const xp = xij + hij;
          const xm = xij - hij;
          const delta = (xp - xm) * (1 - 2 * U);
          // The d products of the model may each underflow by MIN_VALUE / 2 as well.
          const ep = gamma(d + 1) * linearMagnitude(A, b, x, i, d, j, j, xp) + d * Number.MIN_VALUE;
          const em = gamma(d + 1) * linearMagnitude(A, b, x, i, d, j, j, xm) + d * Number.MIN_VALUE;
          bound += (1 + gamma(3)) * ((ep + em) / delta) + gamma(3) * Math.abs(A[j * d + j]!) + Number.MIN_VALUE;
          diag += Math.abs(A[j * d + j]!) + (ep + em) / delta;
        }
        bound += 2 * gamma(d) * diag;
        tol += bound + U * (Math.abs(fd.perExample.get(i)) + Math.abs(exact.perExample.get(i)));
        expectClose(fd.perExample.get(i), exact.perExample.get(i), { atol: bound + U * (Math.abs(fd.perExample.get(i)) + Math.abs(exact.perExample.get(i))) }, { d, n, i, h: step });
      }
      let mags = 0;
      for (let i = 0; i < n; i++) mags += Math.abs(fd.perExample.get(i)) + Math.abs(exact.perExample.get(i));
      // The two batch means: the per-example bounds averaged, plus gamma_n of each sum.
      expectClose(fd.value, exact.value, { atol: tol / n + (gamma(n + 1) * mags) / n }, { d, n, h: step });
    },
  );

  test.prop([
    fc.integer({ min: 1, max: 3 }).chain((d) =>
      fc.record({
        d: fc.constant(d),
        // |c| in [0.1, 2]: the truncation term c h^2 stays far above the underflow range.
        c: fc.array(fc.tuple(fc.double({ min: 0.1, max: 2, noNaN: true }), fc.boolean()).map(([v, neg]) => (neg ? -v : v)), { minLength: d, maxLength: d }),
        x: fc.array(fc.double({ min: 0.5, max: 3, noNaN: true }), { minLength: 2 * d, maxLength: 2 * d }),
      }),
    ),
    fc.constantFrom(1e-2, 1e-3),
  ])(
    'score-matching/explicit#finite-difference: for s_j = c_j x_j^3 the central-difference trace is off by the truncation term c_j h_ij^2 = (h_ij^2 / 6) d^3 s_j',
    ({ d, c, x }, h) => {
      const n = 2;
      const cubic = (y: Float64NdArray) => nd(y.data.map((v, k) => c[k % d]! * v * v * v), y.shape.slice());
      const r = explicit(cubic, nd(x, [n, d]), { h });
      for (let i = 0; i < n; i++) {
        let expected = 0;
        let tol = 0;
        let q = 0;
        for (let j = 0; j < d; j++) {
          const xj = x[i * d + j]!;
          const cj = c[j]!;
          const hij = h * Math.max(1, xj);
          const xp = xj + hij;
          const xm = xj - hij;
          // x in [0.5, 3] and h <= 1e-2: x+ and x- lie within a factor 2 of x, so a = x+ - x,
          // b = x - x- and x+ - x- are exact (Sterbenz). In real arithmetic
          // (x+^3 - x-^3) / (x+ - x-) = 3x^2 + 3x(a - b) + a^2 - ab + b^2, and a = b = h_ij up to
          // the rounding of x +- h_ij: the truncation error is c h_ij^2.
          const a = xp - xj;
          const bb = xj - xm;
          const truncation = cj * (a * a - a * bb + bb * bb);
          expected += cj * (3 * xj * xj + 3 * xj * (a - bb)) + truncation;
          // The model's c y^3 carries gamma_3 relative error at each point, over the step x+ - x-;
          // the quotient three roundings, the reference's own terms gamma_6, the sums gamma_{d+2}.
          const Q = (cj * (xp * xp + xp * xm + xm * xm));
          tol += ((1 + gamma(3)) * gamma(3) * Math.abs(cj) * (Math.abs(xp) ** 3 + Math.abs(xm) ** 3)) / (xp - xm) + gamma(d + 8) * (Math.abs(Q) + Math.abs(cj) * 3 * xj * xj);
          expect(Math.abs(truncation - cj * hij * hij)).toBeLessThanOrEqual(Math.abs(cj) * 3 * hij * 2 * EPS * xj);
          const s = cj * xj * xj * xj;
          q += s * s;
        }
        expected += 0.5 * q;
        expectClose(r.perExample.get(i), expected, { atol: tol + gamma(d + 2) * Math.abs(expected) }, { d, i, h });
      }
    },
  );

  test('score-matching/explicit#hyvarinen-identity: 1/2 E|s - grad log p|^2 - J(s) = 1/2 tr(Sigma^-1) for Gaussian data (z-tests at ALPHA)', () => {
    const d = 2;
    const mu = [1, -2];
    const cov = [
      [2, 0.6],
      [0.6, 0.5],
    ];
    const n = 20000;
    const { mix, x } = gaussianSample(key(20260301), n, mu, cov);
    const g = mixtureScore(mix, x).data;
    const covFlat = Float64Array.from(cov.flat());
    const halfTrPrecision = 0.5 * trace(invert(covFlat, d), d);
    const A = Float64Array.of(-0.8, 0.3, 0.1, -1.5);
    const b = Float64Array.of(0.4, -0.7);
    const models = {
      linear: linearModel(A, b, d),
      wave: waveModel(A, b, Float64Array.of(0.5, -0.3), d),
    };
    for (const [name, model] of Object.entries(models)) {
      const r = explicit(model, x);
      const s = model.score(x).data;
      const q = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let e = 0;
        for (let j = i * d; j < (i + 1) * d; j++) e += (s[j]! - g[j]!) ** 2;
        q[i] = 0.5 * e - r.perExample.get(i);
      }
      // Each Q_i = 1/2 |s - grad log p|^2 - J_i has mean C_p = 1/2 tr(Sigma^-1) by the identity.
      expectMean(q, halfTrPrecision, { model: name });
    }
    // The population closed form of J for the linear model: tr A + 1/2 (|A mu + b|^2 + tr(A Sigma A^T)).
    const Amu = applyLinear(A, b, Float64Array.from(mu), 1, d);
    let ASAt = 0;
    for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) for (let e = 0; e < d; e++) ASAt += A[a * d + c]! * covFlat[c * d + e]! * A[a * d + e]!;
    const closed = trace(A, d) + 0.5 * (Amu[0]! ** 2 + Amu[1]! ** 2 + ASAt);
    expectMean(explicit(models.linear, x).perExample.data, closed, { model: 'linear, population closed form' });
  });

  test('score-matching/explicit#hyvarinen-identity: for Gaussian-mixture data E[s . grad log p + tr grad s] = 0, so 1/2 E|s - grad log p|^2 = J(s) + 1/2 E|grad log p|^2 (z-tests at ALPHA)', () => {
    const d = 2;
    const mix = create({
      weights: [0.3, 0.5, 0.2],
      means: [
        [-3, 0],
        [2, 2],
        [1, -3],
      ],
      covs: [
        [
          [1, 0.3],
          [0.3, 0.6],
        ],
        [
          [0.5, -0.2],
          [-0.2, 1.5],
        ],
        [
          [2, 0],
          [0, 0.4],
        ],
      ],
    });
    const n = 20000;
    const x = sample(mix, key(20260302), n);
    const g = mixtureScore(mix, x).data;
    const A = Float64Array.of(-0.6, 0.2, -0.1, -0.9);
    const b = Float64Array.of(0.3, 0.2);
    const wave = waveModel(A, b, Float64Array.of(0.7, 0.4), d);
    // The central-difference route errs by about EPS^(2/3) |s| ~ 1e-10 per example, far below the
    // Monte Carlo standard error (~1e-2): the z-test is blind to it, so both routes are tested.
    const cases = { 'wave, exact Jacobian': wave, 'wave, central differences': wave.score, linear: linearModel(A, b, d) };
    for (const [name, model] of Object.entries(cases)) {
      const r = explicit(model, x);
      const s = wave.score(x).data;
      const sm = name === 'linear' ? applyLinear(A, b, x.data, n, d) : s;
      const resid = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let e = 0;
        let gg = 0;
        for (let j = i * d; j < (i + 1) * d; j++) {
          e += (sm[j]! - g[j]!) ** 2;
          gg += g[j]! ** 2;
        }
        resid[i] = 0.5 * e - r.perExample.get(i) - 0.5 * gg;
      }
      expectMean(resid, 0, { model: name });
    }
  });

  describe('the minimizer', () => {
    // A fixed Gaussian sample and the score of the Gaussian fitted to it, s*(x) = -Sigma_hat^-1 (x - x_bar):
    // the minimizer of J over linear models on this sample (normal equations).
    const d = 3;
    const n = 500;
    const { x } = gaussianSample(
      key(20260303),
      n,
      [0.5, -1, 2],
      [
        [1.5, 0.4, -0.2],
        [0.4, 1, 0.3],
        [-0.2, 0.3, 0.8],
      ],
    );
    const { mean, cov } = moments(x.data, n, d);
    const P = invert(cov, d);
    const Astar = P.map((v) => -v);
    const bstar = applyLinear(P, new Float64Array(d), mean, 1, d);
    const star = linearModel(Astar, bstar, d);
    const sStar = star.score(x).data;
    // The normal-equation residuals of the fit: I + G with G = mean s*(x_i) x_i^T, and m = mean s*(x_i).
    const G = new Float64Array(d * d);
    const absG = new Float64Array(d * d);
    const m = new Float64Array(d);
    const absM = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < d; a++) {
        m[a] = m[a]! + sStar[i * d + a]! / n;
        absM[a] = absM[a]! + Math.abs(sStar[i * d + a]!) / n;
        for (let c = 0; c < d; c++) {
          G[a * d + c] = G[a * d + c]! + (sStar[i * d + a]! * x.data[i * d + c]!) / n;
          absG[a * d + c] = absG[a * d + c]! + Math.abs(sStar[i * d + a]! * x.data[i * d + c]!) / n;
        }
      }
    }
    for (let a = 0; a < d; a++) G[a * d + a] = G[a * d + a]! + 1;

    test('score-matching/explicit#minimizer: the sample-fitted Gaussian score satisfies the normal equations to rounding', () => {
      // The fit is the exact minimizer up to the inverse's rounding, O(kappa d u) with kappa ~ 10 here.
      for (let k = 0; k < d * d; k++) expect(Math.abs(G[k]!)).toBeLessThan(1e-12);
      for (let a = 0; a < d; a++) expect(Math.abs(m[a]!)).toBeLessThan(1e-12);
    });

    test.prop([
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d * d, maxLength: d * d }),
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d, maxLength: d }),
    ])('score-matching/explicit#minimizer: J(s* + delta) - J(s*) = 1/2 mean_i |delta(x_i)|^2 for every linear delta(x) = B x + c', (Bl, cl) => {
      const B = Float64Array.from(Bl);
      const c = Float64Array.from(cl);
      const J0 = explicit(star, x);
      const J1 = explicit(shifted(star, B, c, d), x);
      const dl = applyLinear(B, c, x.data, n, d);
      let half = 0;
      let s1sq = 0;
      for (let i = 0; i < n; i++) {
        let e = 0;
        for (let j = i * d; j < (i + 1) * d; j++) {
          e += dl[j]! ** 2;
          s1sq += (sStar[j]! + dl[j]!) ** 2;
        }
        half += (0.5 * e) / n;
      }
      s1sq /= 2 * n;
      // J is quadratic in the model: J(s* + delta) - J(s*) = V1 + 1/2 mean |delta|^2 exactly, with the
      // first variation V1 = sum_ab B_ab (I + G)_ab + c . m, which the normal equations make vanish;
      // bounded here by the computed residuals plus the rounding of computing them (gamma_{n+2}).
      let V1 = 0;
      for (let k = 0; k < d * d; k++) V1 += Math.abs(B[k]!) * (Math.abs(G[k]!) + gamma(n + 2) * absG[k]!);
      for (let a = 0; a < d; a++) V1 += Math.abs(c[a]!) * (Math.abs(m[a]!) + gamma(n + 2) * absM[a]!);
      // Rounding of the two objectives (each gamma_{n+d+6} of its trace plus half-square), of the
      // shifted model's sum s* + delta (2u of its half-square) and of the reference mean.
      const scale0 = Math.abs(trace(Astar, d)) + Math.abs(J0.value);
      const scale1 = Math.abs(trace(Astar, d)) + Math.abs(trace(B, d)) + s1sq;
      const tol = V1 + gamma(n + d + 6) * (scale0 + scale1 + half) + 4 * U * s1sq;
      // Subnormal entries of B or c: each product of the shifted model and of the squares may
      // underflow by MIN_VALUE / 2.
      const tiny = 4 * n * d * (d + 1) * Number.MIN_VALUE;
      expectClose(J1.value - J0.value, half, { atol: tol + tiny }, { B: Array.from(B), c: Array.from(c) });
      // The margin: J(s*) is the minimum, strictly below wherever the margin exceeds the rounding.
      expect(J1.value - J0.value).toBeGreaterThanOrEqual(half - tol - tiny);
      if (half > tol + tiny) expect(J1.value).toBeGreaterThan(J0.value);
    });
  });

  test('score-matching/explicit#minimizer: for Gaussian-mixture data J(grad log p + delta) - J(grad log p) has mean 1/2 E|delta|^2 (z-test at ALPHA) and is positive', () => {
    const d = 2;
    const mix = create({
      weights: [0.4, 0.6],
      means: [
        [-2, 1],
        [2, -1],
      ],
      covs: [
        [
          [0.8, 0.2],
          [0.2, 0.5],
        ],
        [
          [1.2, -0.4],
          [-0.4, 0.9],
        ],
      ],
    });
    const n = 20000;
    const x = sample(mix, key(20260304), n);
    const B = Float64Array.of(0.3, -0.2, 0.1, 0.25);
    const c = Float64Array.of(-0.4, 0.2);
    const truth = (y: Float64NdArray) => mixtureScore(mix, y);
    const perturbed = (y: Float64NdArray) => {
      const s = mixtureScore(mix, y).data;
      const dl = applyLinear(B, c, y.data, y.shape[0]!, d);
      return nd(s.map((v, k) => v + dl[k]!), y.shape.slice());
    };
    const J0 = explicit(truth, x);
    const J1 = explicit(perturbed, x);
    const dl = applyLinear(B, c, x.data, n, d);
    const D = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let e = 0;
      for (let j = i * d; j < (i + 1) * d; j++) e += dl[j]! ** 2;
      // D_i = tr B + grad log p(x_i) . delta(x_i) (+ a central-difference error ~1e-10): mean 0 by Stein's identity.
      D[i] = J1.perExample.get(i) - J0.perExample.get(i) - 0.5 * e;
    }
    expectMean(D, 0);
    expect(J1.value).toBeGreaterThan(J0.value);
  });
});
