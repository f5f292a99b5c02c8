/**
 * Multiplying a reverse Gaussian kernel by r(x): the first-order perturbed mean against the
 * exact product with a Gaussian r (error order 2 in Sigma), its exactness for log-linear r
 * (against quadrature), and the exact product with deltas (inpainting) against the
 * precision-matrix form and the 40-digit reference.
 *
 * @see proofs/nonequilibrium/multiply.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { logPdf } from '../../../src/core/gaussian/index.js';
import { inpaintKernel, perturbKernel, type SmoothR } from '../../../src/core/nonequilibrium/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbSpd } from '../../arbitraries/arb-spd.js';
import { gaussianProduct, inpaintFixture, inverse, matMul, matVec, nd, productFixture } from './support.js';

/** r = N(m, S) as log and gradient functions on rows of x [n, d] (S^-1 given). */
function gaussianR(m: ArrayLike<number>, sInv: ArrayLike<number>, d: number): SmoothR {
  return {
    logR: (x: Float64NdArray) => {
      const n = x.shape[0]!;
      const out = new Float64Array(n);
      for (let b = 0; b < n; b++) {
        const diff = Float64Array.from({ length: d }, (_, i) => x.data[b * d + i]! - m[i]!);
        const sd = matVec(sInv, diff, d);
        out[b] = -0.5 * diff.reduce((acc, v, i) => acc + v * sd[i]!, 0);
      }
      return ndarray(out, [n]);
    },
    gradLogR: (x: Float64NdArray) => {
      const n = x.shape[0]!;
      const out = new Float64Array(n * d);
      for (let b = 0; b < n; b++) {
        const diff = Float64Array.from({ length: d }, (_, i) => m[i]! - x.data[b * d + i]!);
        out.set(matVec(sInv, diff, d), b * d);
      }
      return ndarray(out, [n, d]);
    },
  };
}

/** r(x) = exp(a^T x + c) on rows of x [n, d]. */
function linearR(a: readonly number[], c: number): SmoothR {
  const d = a.length;
  return {
    logR: (x) => ndarray(Float64Array.from({ length: x.shape[0]! }, (_, b) => a.reduce((acc, ai, i) => acc + ai * x.data[b * d + i]!, c)), [x.shape[0]!]),
    gradLogR: (x) => ndarray(Float64Array.from({ length: x.size }, (_, j) => a[j % d]!), x.shape.slice()),
  };
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((acc, x) => acc + x * x, 0));

describe('a smooth r: the first-order perturbed kernel', () => {
  test.prop([
    fc.integer({ min: 1, max: 3 }).chain((d) =>
      fc.record({
        d: fc.constant(d),
        sigma: arbSpd(d, { floor: 0.2 }),
        sR: arbSpd(d, { floor: 0.2 }),
        mu: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: d, maxLength: d }),
        m: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: d, maxLength: d }),
      }),
    ),
  ])(
    'nonequilibrium/multiply#first-order: for Gaussian r, mu + Sigma g is the exact product mean up to -Sigma S_r^-1 Sigma g + O(|Sigma|^3): the error falls 4-fold when Sigma is halved (order 2 fitted within 0.1)',
    ({ d, sigma, sR, mu, m }) => {
      const sInv = inverse(sR, d);
      const r = gaussianR(m, sInv, d);
      const g = matVec(sInv, Float64Array.from(m, (v, i) => v - mu[i]!), d);
      if (norm(g) < 1e-3) return; // r flat at mu: nothing to move
      const errors: number[] = [];
      for (const h of [1 / 128, 1 / 256]) {
        const sig = Float64Array.from(sigma, (v) => h * v);
        const first = perturbKernel(nd(mu, [1, d]), nd(sig, [1, d, d]), r).mean.data;
        const exact = gaussianProduct(mu, sig, m, sR, d).mean;
        const diff = Float64Array.from(first, (v, i) => v - exact[i]!);
        // first - exact = Sigma S_r^-1 Sigma g - (Sigma S_r^-1)^2 Sigma g + ...: the leading term and a
        // geometric remainder <= |lead| c / (1 - c), c = |S_r^-1 (h Sigma)| <= h 5 (3 + 0.2) = 16 h <= 1/8.
        // The fitted order then differs from 2 by about log2(1 + 16 h / 2) <= log2(1 + 1/16) < 0.09.
        const lead = matVec(matMul(matMul(sig, sInv, d), sig, d), g, d);
        const rest = norm(Float64Array.from(diff, (v, i) => v - lead[i]!));
        expect(rest, `h ${h}: remainder ${rest}, leading ${norm(lead)}`).toBeLessThanOrEqual(4 * h * norm(lead) * (1 + norm(matMul(sInv, sigma, d))) + 1e-13);
        errors.push(norm(diff));
      }
      const order = Math.log2(errors[0]! / errors[1]!);
      expect(Math.abs(order - 2), `errors ${errors.join(', ')}`).toBeLessThan(0.1);
    },
  );

  test('nonequilibrium/multiply#first-order: perturbKernel matches the 40-digit first-order mean, and the test\'s exact product matches the 40-digit product', () => {
    for (const c of productFixture) {
      const { d } = c;
      const sInv = inverse(c.sR, d);
      const k = perturbKernel(nd(c.mu, [1, d]), nd(c.sigma, [1, d, d]), gaussianR(c.mR, sInv, d));
      // g = S_r^-1 (m - mu) by Gauss-Jordan (cond(S_r) <= 5 d / 0.2), then Sigma g: 64 d^2 EPS of the sizes.
      const scale = 1 + norm(c.mu) + norm(c.firstOrderMean) + 10 * d;
      for (let i = 0; i < d; i++) expectClose(k.mean.data[i]!, c.firstOrderMean[i]!, { atol: 64 * d * d * EPS * scale }, { d, i });
      const exact = gaussianProduct(c.mu, c.sigma, c.mR, c.sR, d);
      for (let i = 0; i < d; i++) expectClose(exact.mean[i]!, c.mean[i]!, { atol: 256 * d * d * EPS * scale }, { d, i, check: 'oracle' });
      expect(k.covariance.data).toEqual(Float64Array.from(c.sigma));
    }
  });

  test.prop([
    fc.double({ min: -2, max: 2, noNaN: true }),
    fc.double({ min: 0.05, max: 2, noNaN: true }),
    fc.double({ min: -3, max: 3, noNaN: true }),
    fc.double({ min: -1, max: 1, noNaN: true }),
  ])('nonequilibrium/multiply#linear-exact: for log r = a x + c the first-order kernel is the exact product: mean and log Z against trapezoidal quadrature of N(x; mu, s^2) e^{a x + c}', (mu, s2, a, c) => {
    const k = perturbKernel(nd([mu], [1, 1]), nd([s2], [1, 1]), linearR([a], c));
    // The product is N(mu + s2 a, s2): integrate over +-14 standard deviations around it with step
    // sigma/4. The trapezoidal rule on an analytic integrand decaying like a Gaussian errs by
    // ~exp(-2 pi^2 16) and the truncation by ~exp(-98): only the rounding of the 113-term sum
    // (113 EPS relative) remains.
    const sd = Math.sqrt(s2);
    const center = mu + s2 * a;
    const h = sd / 4;
    let z = 0;
    let first = 0;
    for (let j = -56; j <= 56; j++) {
      const x = center + j * h;
      const w = Math.exp(-0.5 * Math.log(2 * Math.PI * s2) - ((x - mu) * (x - mu)) / (2 * s2) + a * x + c);
      z += w * h;
      first += w * h * x;
    }
    expectClose(k.logNormalizer[0]!, Math.log(z), { atol: 128 * EPS * (1 + Math.abs(Math.log(z))) }, { mu, s2, a, c });
    expectClose(k.mean.data[0]!, first / z, { atol: 128 * EPS * (Math.abs(center) + 14 * sd) }, { mu, s2, a, c });
  });

  test('nonequilibrium/multiply#linear-exact: with a full 2 x 2 covariance the mean is mu + Sigma a (2-d trapezoidal quadrature)', () => {
    const mu = [0.3, -0.4];
    const sigma = [0.5, 0.3, 0.3, 0.4];
    const a = [1.2, -0.7];
    const k = perturbKernel(nd(mu, [1, 2]), nd(sigma, [1, 2, 2]), linearR(a, 0.25));
    // Principal standard deviations of Sigma: the grid step is a quarter of the smallest, over +-14 of the largest.
    const tr = sigma[0]! + sigma[3]!;
    const det = sigma[0]! * sigma[3]! - sigma[1]! * sigma[2]!;
    const lmin = tr / 2 - Math.sqrt((tr * tr) / 4 - det);
    const lmax = tr / 2 + Math.sqrt((tr * tr) / 4 - det);
    const h = Math.sqrt(lmin) / 4;
    const half = Math.ceil((14 * Math.sqrt(lmax)) / h);
    const center = [mu[0]! + sigma[0]! * a[0]! + sigma[1]! * a[1]!, mu[1]! + sigma[2]! * a[0]! + sigma[3]! * a[1]!];
    const P = inverse(sigma, 2);
    let z = 0;
    const m = [0, 0];
    for (let i = -half; i <= half; i++) {
      for (let j = -half; j <= half; j++) {
        const x = [center[0]! + i * h, center[1]! + j * h];
        const dx = [x[0]! - mu[0]!, x[1]! - mu[1]!];
        const quad = dx[0]! * (P[0]! * dx[0]! + P[1]! * dx[1]!) + dx[1]! * (P[2]! * dx[0]! + P[3]! * dx[1]!);
        const w = Math.exp(-0.5 * quad + a[0]! * x[0]! + a[1]! * x[1]!) * h * h;
        z += w;
        m[0] += w * x[0]!;
        m[1] += w * x[1]!;
      }
    }
    const count = (2 * half + 1) ** 2;
    for (let i = 0; i < 2; i++) expectClose(k.mean.data[i]!, m[i]! / z, { atol: 4 * count * EPS * (Math.abs(center[i]!) + 1) }, { i });
  });
});

describe('deltas on known coordinates: inpainting', () => {
  test.prop([
    fc.integer({ min: 1, max: 4 }).chain((d) =>
      fc.record({
        d: fc.constant(d),
        mu: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: d, maxLength: d }),
        variance: fc.array(fc.double({ min: 0.01, max: 4, noNaN: true }), { minLength: d, maxLength: d }),
        known: fc.array(fc.boolean(), { minLength: d, maxLength: d }),
        values: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: d, maxLength: d }),
      }),
    ),
  ])('nonequilibrium/multiply#delta-diagonal: with a diagonal covariance the known coordinates are set (variance 0), the others keep mean and variance exactly, and log Z = sum over known of log N(v_i; mu_i, sigma_i^2)', ({ d, mu, variance, known, values }) => {
    const mask = known.map((k) => (k ? 1 : 0));
    const k = inpaintKernel(nd(mu, [1, d]), nd(variance, [1, d]), nd(mask, [1, d]), nd(values, [1, d]));
    let logZ = 0;
    for (let i = 0; i < d; i++) {
      if (known[i]) {
        expect(k.mean.data[i]).toBe(values[i]);
        expect(k.covariance.data[i]).toBe(0);
        logZ += logPdf(values[i]!, mu[i]!, Math.log(variance[i]!));
      } else {
        expect(k.mean.data[i]).toBe(mu[i]);
        expect(k.covariance.data[i]).toBe(variance[i]);
      }
    }
    expectClose(k.logNormalizer[0]!, logZ, { atol: 8 * d * EPS * (1 + Math.abs(logZ)) });
  });

  test.prop([
    fc.integer({ min: 1, max: 4 }).chain((d) =>
      fc.record({
        d: fc.constant(d),
        sigma: arbSpd(d, { floor: 0.2 }),
        mu: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: d, maxLength: d }),
        known: fc.array(fc.boolean(), { minLength: d, maxLength: d }),
        values: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: d, maxLength: d }),
      }),
    ),
  ])('nonequilibrium/multiply#delta-full: with a full covariance the unknown coordinates take the Gaussian conditional, equal to its precision-matrix form P_UU^-1 and mu_U - P_UU^-1 P_UK (v_K - mu_K)', ({ d, sigma, mu, known, values }) => {
    const mask = known.map((k) => (k ? 1 : 0));
    const k = inpaintKernel(nd(mu, [1, d]), nd(sigma, [1, d, d]), nd(mask, [1, d]), nd(values, [1, d]));
    const P = inverse(sigma, d);
    const U = [...Array(d).keys()].filter((i) => !known[i]);
    const K = [...Array(d).keys()].filter((i) => known[i]);
    const puu = Float64Array.from(U.flatMap((i) => U.map((j) => P[i * d + j]!)));
    const puuInv = inverse(puu, U.length);
    // Condition numbers stay below (trace + 0.2 d)/0.2 <= 5 (d + 1): each route loses that many EPS per
    // operation, over d^2 operations: 64 d^2 (d + 1) EPS of the entries' size.
    const tol = 64 * d * d * (d + 1) * EPS * (4 + norm(values) + norm(mu));
    U.forEach((i, a) => {
      let shift = 0;
      U.forEach((j, b) => K.forEach((kk) => (shift -= puuInv[a * U.length + b]! * P[j * d + kk]! * (values[kk]! - mu[kk]!))));
      expectClose(k.mean.data[i]!, mu[i]! + shift, { atol: tol }, { i });
      U.forEach((j, b) => expectClose(k.covariance.data[i * d + j]!, puuInv[a * U.length + b]!, { atol: tol }, { i, j }));
      K.forEach((kk) => expect(k.covariance.data[i * d + kk]).toBe(0));
    });
    K.forEach((i) => {
      expect(k.mean.data[i]).toBe(values[i]);
      for (let j = 0; j < d; j++) expect(k.covariance.data[i * d + j]).toBe(0);
    });
  });

  test('nonequilibrium/multiply#delta-full: inpaintKernel matches the 40-digit conditionals and log N(v_K; mu_K, Sigma_KK) of the reference', () => {
    for (const c of inpaintFixture) {
      const { d } = c;
      const k = inpaintKernel(nd(c.mu, [1, d]), nd(c.sigma, [1, d, d]), nd(c.known, [1, d]), nd(c.values, [1, d]));
      const tol = 64 * d * d * (d + 1) * EPS * (4 + norm(c.values) + norm(c.mu));
      for (let i = 0; i < d; i++) expectClose(k.mean.data[i]!, c.mean[i]!, { atol: tol }, { d, i });
      for (let j = 0; j < d * d; j++) expectClose(k.covariance.data[j]!, c.covariance[j]!, { atol: tol }, { d, j });
      expectClose(k.logNormalizer[0]!, c.logNormalizer, { atol: tol * (1 + Math.abs(c.logNormalizer)) }, { d });
    }
  });
});
