/**
 * Denoising score matching (Vincent 2011): the definition against the paper's form, its
 * equivalence with explicit score matching on the perturbed density up to a derived
 * constant, and its minimizer, the score of q_sigma.
 *
 * @see proofs/score-matching/denoising.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { create, perturb, sample, score as mixtureScore } from '../../../src/core/mixture/index.js';
import { key, normal } from '../../../src/core/random/index.js';
import { denoising, denoisingWithKey } from '../../../src/core/score-matching/index.js';
import { expectClose } from '../../_support/expect-close.js';
import { ALPHA, gammaQ } from '../../_support/stats.js';
import { arbLinearScore } from '../../arbitraries/arb-linear-score.js';
import { arbKey } from '../../arbitraries/arb-key.js';
import { applyLinear, expectMean, gamma, gaussianSample, invert, linearModel, nd, shifted, U, waveModel } from './support.js';

/** x~ = x + sigma z, computed as the library does. */
function noisy(x: Float64Array, z: Float64Array, sigma: number): Float64Array {
  return x.map((v, k) => v + sigma * z[k]!);
}

describe('denoising score matching', () => {
  test.prop([arbLinearScore(), fc.double({ min: 0.01, max: 10, noNaN: true }), fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 24, maxLength: 24 })])(
    'score-matching/denoising#definition: l_i = 1/2 |s(x~_i) + (x~_i - x_i) / sigma^2|^2 with x~ = x + sigma z (Vincent 2011, Eq. 11)',
    ({ d, n, A, b, x }, sigma, zs) => {
      const z = Float64Array.from(zs.slice(0, n * d));
      const model = linearModel(A, b, d);
      const r = denoising(model.score, nd(x, [n, d]), sigma, nd(z, [n, d]));
      const xt = noisy(x, z, sigma);
      const s = applyLinear(A, b, xt, n, d);
      const sigmaSq = sigma * sigma;
      let sum = 0;
      let sumTol = 0;
      for (let i = 0; i < n; i++) {
        let ref = 0;
        let tol = 0;
        let squares = 0;
        for (let j = i * d; j < (i + 1) * d; j++) {
          const paper = s[j]! + (xt[j]! - x[j]!) / sigmaSq;
          const lib = s[j]! + z[j]! / sigma;
          ref += paper * paper;
          // (x~ - x) / sigma^2 differs from z / sigma by the rounding of x~ = fl(x + fl(sigma z))
          // (u |x~| + u sigma |z|, over sigma^2) and three roundings (subtraction, sigma^2, division);
          // z / sigma by one; each sum s + target by u of its size; squares 2u, sums gamma_d.
          const target = (U * Math.abs(xt[j]!) + U * sigma * Math.abs(z[j]!)) / sigmaSq + gamma(4) * (Math.abs(z[j]!) / sigma + (U * Math.abs(xt[j]!)) / sigmaSq) + U * (Math.abs(z[j]!) / sigma);
          const diff = target * (1 + U) + U * (Math.abs(paper) + Math.abs(lib));
          tol += diff * (Math.abs(paper) + Math.abs(lib) + diff);
          squares += paper * paper + lib * lib;
        }
        ref *= 0.5;
        // Subnormal squares: MIN_VALUE / 2 each.
        const atol = 0.5 * tol + gamma(d + 2) * squares + 2 * d * Number.MIN_VALUE;
        expectClose(r.perExample.get(i), ref, { atol }, { d, n, i, sigma });
        sum += ref;
        sumTol += atol;
      }
      expectClose(r.value, sum / n, { atol: sumTol / n + (gamma(2 * n + 2) * sum) / n }, { d, n, sigma });
    },
  );

  test.prop([arbLinearScore({ maxPoints: 4 }), fc.double({ min: 0.01, max: 10, noNaN: true }), arbKey()])(
    'score-matching/denoising#definition: denoisingWithKey(score, x, sigma, key) is denoising with z = random.normal(key, x.shape), bit for bit',
    ({ d, n, A, b, x }, sigma, k) => {
      const model = linearModel(A, b, d);
      const X = nd(x, [n, d]);
      const a = denoisingWithKey(model.score, X, sigma, k);
      const c = denoising(model.score, X, sigma, normal(k, [n, d]));
      expect(a.value).toBe(c.value);
      expect(Array.from(a.perExample.data)).toEqual(Array.from(c.perExample.data));
    },
  );

  describe('the equivalence with explicit score matching on q_sigma', () => {
    const d = 3;
    const s0 = 0.7;
    const mu = [1, -1, 0.5];
    const n = 20000;
    const { mix, x } = gaussianSample(key(20260401), n, mu, [
      [s0 * s0, 0, 0],
      [0, s0 * s0, 0],
      [0, 0, s0 * s0],
    ]);
    const A = Float64Array.of(-0.5, 0.1, 0, 0.2, -0.9, 0.1, 0, -0.3, -1.2);
    const b = Float64Array.of(0.2, -0.1, 0.4);
    for (const sigma of [0.3, 1.5]) {
      test(`score-matching/denoising#esm-equivalence: DSM(s) - 1/2 E|s(x~) - grad log q_sigma(x~)|^2 = d/(2 sigma^2) - d/(2 (s0^2 + sigma^2)) for p = N(mu, s0^2 I), sigma = ${sigma} (z-tests at ALPHA)`, () => {
        const q = perturb(mix, sigma);
        const z = normal(key(20260402 + Math.round(sigma * 10)), [n, d]);
        const xt = noisy(x.data, z.data, sigma);
        const g = mixtureScore(q, nd(xt, [n, d])).data;
        const constant = d / (2 * sigma * sigma) - d / (2 * (s0 * s0 + sigma * sigma));
        const models: Record<string, (y: Float64NdArray) => Float64NdArray> = {
          'the score of q_sigma': (y) => mixtureScore(q, y),
          linear: linearModel(A, b, d).score,
          wave: waveModel(A, b, Float64Array.of(0.5, -0.4, 0.3), d).score,
        };
        for (const [name, s] of Object.entries(models)) {
          const r = denoising(s, x, sigma, z);
          const sv = s(nd(xt, [n, d])).data;
          const D = new Float64Array(n);
          for (let i = 0; i < n; i++) {
            let e = 0;
            for (let j = i * d; j < (i + 1) * d; j++) e += (sv[j]! - g[j]!) ** 2;
            D[i] = r.perExample.get(i) - 0.5 * e;
          }
          expectMean(D, constant, { model: name, sigma });
        }
      });
    }

    test('score-matching/denoising#esm-equivalence: for Gaussian-mixture data the constant does not depend on s (paired z-tests at ALPHA)', () => {
      const mix2 = create({
        weights: [0.3, 0.7],
        means: [
          [-2, 0],
          [2, 1],
        ],
        covs: [
          [
            [0.6, 0.2],
            [0.2, 0.4],
          ],
          [
            [1, -0.3],
            [-0.3, 0.8],
          ],
        ],
      });
      const d2 = 2;
      const sigma = 0.8;
      const q = perturb(mix2, sigma);
      const x2 = sample(mix2, key(20260403), n);
      const z = normal(key(20260404), [n, d2]);
      const xt = noisy(x2.data, z.data, sigma);
      const g = mixtureScore(q, nd(xt, [n, d2])).data;
      const truth = denoising((y) => mixtureScore(q, y), x2, sigma, z);
      const A2 = Float64Array.of(-0.7, 0.2, 0.1, -0.5);
      const b2 = Float64Array.of(0.3, -0.2);
      const models: Record<string, (y: Float64NdArray) => Float64NdArray> = {
        linear: linearModel(A2, b2, d2).score,
        wave: waveModel(A2, b2, Float64Array.of(0.6, 0.4), d2).score,
      };
      for (const [name, s] of Object.entries(models)) {
        const r = denoising(s, x2, sigma, z);
        const sv = s(nd(xt, [n, d2])).data;
        const P = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let e = 0;
          for (let j = i * d2; j < (i + 1) * d2; j++) e += (sv[j]! - g[j]!) ** 2;
          // [DSM_i(s) - 1/2 |s - grad log q|^2] - [DSM_i(grad log q) - 0]: the s-dependent part
          // s . (z / sigma + grad log q(x~)) has mean 0 by Tweedie's formula.
          P[i] = r.perExample.get(i) - 0.5 * e - truth.perExample.get(i);
        }
        expectMean(P, 0, { model: name });
      }
    });
  });

  describe('the minimizer', () => {
    const d = 2;
    const s0 = 0.8;
    const sigma = 0.5;
    const mu = [1.5, -0.5];
    const n = 5000;
    const { x } = gaussianSample(key(20260405), n, mu, [
      [s0 * s0, 0],
      [0, s0 * s0],
    ]);
    const z = normal(key(20260406), [n, d]);
    const xt = noisy(x.data, z.data, sigma);
    // Least squares of y_i = -z_i / sigma on (x~_i, 1): the linear model minimizing DSM on this sample.
    const p = d + 1;
    const XtX = new Float64Array(p * p);
    const Xty = new Float64Array(p * d);
    for (let i = 0; i < n; i++) {
      const row = [...xt.slice(i * d, (i + 1) * d), 1];
      for (let a = 0; a < p; a++) {
        for (let c = 0; c < p; c++) XtX[a * p + c] = XtX[a * p + c]! + row[a]! * row[c]!;
        for (let o = 0; o < d; o++) Xty[a * d + o] = Xty[a * d + o]! - (row[a]! * z.data[i * d + o]!) / sigma;
      }
    }
    const inv = invert(XtX, p);
    // theta[a, o] = sum_c inv[a, c] Xty[c, o]: the coefficient of regressor a in output o.
    const theta = new Float64Array(p * d);
    for (let a = 0; a < p; a++) for (let o = 0; o < d; o++) for (let c = 0; c < p; c++) theta[a * d + o] = theta[a * d + o]! + inv[a * p + c]! * Xty[c * d + o]!;
    const Ahat = new Float64Array(d * d);
    const bhat = new Float64Array(d);
    for (let o = 0; o < d; o++) {
      for (let a = 0; a < d; a++) Ahat[o * d + a] = theta[a * d + o]!;
      bhat[o] = theta[d * d + o]!;
    }

    test('score-matching/denoising#minimizer: the DSM-minimizing linear model is the score of q_sigma, -(x~ - mu)/(s0^2 + sigma^2) (chi-square test at ALPHA)', () => {
      // Given x~, y = -z/sigma = grad log q_sigma(x~) + e with e ~ N(0, tau^2 I) independent of x~,
      // tau^2 = s0^2 / (sigma^2 (s0^2 + sigma^2)) (proofs/score-matching/denoising.md): the Gaussian
      // linear model, in which (theta_o - theta*_o)^T X^T X (theta_o - theta*_o) / tau^2 ~ chi^2_{d+1}
      // for each output o, independently: their sum is chi^2 with d (d + 1) degrees of freedom.
      const v = s0 * s0 + sigma * sigma;
      const tauSq = (s0 * s0) / (sigma * sigma * v);
      let stat = 0;
      for (let o = 0; o < d; o++) {
        const dev = new Float64Array(p);
        for (let a = 0; a < d; a++) dev[a] = theta[a * d + o]! - (a === o ? -1 / v : 0);
        dev[d] = theta[d * d + o]! - mu[o]! / v;
        for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) stat += (dev[a]! * XtX[a * p + c]! * dev[c]!) / tauSq;
      }
      const df = d * (d + 1);
      const pValue = gammaQ(df / 2, stat / 2);
      expect(pValue, `chi-square ${stat} on ${df} degrees of freedom`).toBeGreaterThanOrEqual(ALPHA);
    });

    const fitted = linearModel(Ahat, bhat, d);
    const sHat = fitted.score(nd(xt, [n, d])).data;
    // The normal-equation residuals: G = mean r_i x~_i^T and g = mean r_i with r_i = s_hat(x~_i) + z_i / sigma.
    const G = new Float64Array(d * d);
    const absG = new Float64Array(d * d);
    const g = new Float64Array(d);
    const absg = new Float64Array(d);
    let rr = 0;
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < d; a++) {
        const r = sHat[i * d + a]! + z.data[i * d + a]! / sigma;
        rr += (r * r) / n;
        g[a] = g[a]! + r / n;
        absg[a] = absg[a]! + Math.abs(r) / n;
        for (let c = 0; c < d; c++) {
          G[a * d + c] = G[a * d + c]! + (r * xt[i * d + c]!) / n;
          absG[a * d + c] = absG[a * d + c]! + Math.abs(r * xt[i * d + c]!) / n;
        }
      }
    }

    test.prop([
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d * d, maxLength: d * d }),
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d, maxLength: d }),
    ])('score-matching/denoising#minimizer: at the least-squares fit, DSM(s_hat + delta) - DSM(s_hat) = 1/2 mean_i |delta(x~_i)|^2 for every linear delta', (Bl, cl) => {
      const B = Float64Array.from(Bl);
      const c = Float64Array.from(cl);
      const L0 = denoising(fitted.score, x, sigma, z);
      const L1 = denoising(shifted(fitted, B, c, d).score, x, sigma, z);
      const dl = applyLinear(B, c, xt, n, d);
      let half = 0;
      let r1 = 0;
      for (let i = 0; i < n; i++) {
        for (let j = i * d; j < (i + 1) * d; j++) {
          half += (0.5 * dl[j]! ** 2) / n;
          const r = sHat[j]! + dl[j]! + z.data[j]! / sigma;
          r1 += (r * r) / n;
        }
      }
      // DSM is quadratic in the model: the difference is V1 + 1/2 mean |delta|^2 with the first
      // variation V1 = sum_ab B_ab G_ab + c . g, zero by the normal equations; bounded by the computed
      // residuals plus their own rounding (gamma_{n+2}).
      let V1 = 0;
      for (let k = 0; k < d * d; k++) V1 += Math.abs(B[k]!) * (Math.abs(G[k]!) + gamma(n + 2) * absG[k]!);
      for (let a = 0; a < d; a++) V1 += Math.abs(c[a]!) * (Math.abs(g[a]!) + gamma(n + 2) * absg[a]!);
      // Rounding of the two objectives (gamma_{n+d+4} of each mean half-square) and of the shifted
      // model's two extra additions (2u of |r| each, doubled by the square), of the reference mean.
      const tol = V1 + gamma(n + d + 4) * (rr + r1 + half) + 4 * U * (rr + r1) + 4 * n * d * (d + 1) * Number.MIN_VALUE;
      expectClose(L1.value - L0.value, half, { atol: tol }, { B: Array.from(B), c: Array.from(c) });
      expect(L1.value - L0.value).toBeGreaterThanOrEqual(half - tol);
      if (half > tol) expect(L1.value).toBeGreaterThan(L0.value);
    });

    test('score-matching/denoising#minimizer: the least-squares residuals vanish to rounding', () => {
      // The fit solves the normal equations up to the inverse's rounding, O(kappa(X^T X) u).
      for (let k = 0; k < d * d; k++) expect(Math.abs(G[k]!)).toBeLessThan(1e-10);
      for (let a = 0; a < d; a++) expect(Math.abs(g[a]!)).toBeLessThan(1e-10);
    });
  });

  test('score-matching/denoising#minimizer: DSM(grad log q_sigma + delta) - DSM(grad log q_sigma) has mean 1/2 E|delta(x~)|^2 for Gaussian and mixture data (z-tests at ALPHA) and is positive', () => {
    const d = 2;
    const n = 20000;
    const mixes = {
      gaussian: create({ weights: [1], means: [[0.5, -1]], covs: [[[1, 0.4], [0.4, 0.7]]] }),
      mixture: create({ weights: [0.25, 0.75], means: [[-3, 0], [1, 2]], covs: [0.5, 1.2] }),
    };
    const B = Float64Array.of(0.2, -0.1, 0.3, 0.15);
    const c = Float64Array.of(0.3, -0.2);
    let seed = 20260410;
    for (const [name, mix] of Object.entries(mixes)) {
      for (const sigma of [0.2, 1]) {
        const q = perturb(mix, sigma);
        const x = sample(mix, key(seed++), n);
        const z = normal(key(seed++), [n, d]);
        const truth = (y: Float64NdArray) => mixtureScore(q, y);
        const perturbed = (y: Float64NdArray) => {
          const s = mixtureScore(q, y).data;
          const dl = applyLinear(B, c, y.data, y.shape[0]!, d);
          return nd(s.map((v, k) => v + dl[k]!), y.shape.slice());
        };
        const L0 = denoising(truth, x, sigma, z);
        const L1 = denoising(perturbed, x, sigma, z);
        const dl = applyLinear(B, c, noisy(x.data, z.data, sigma), n, d);
        const D = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let e = 0;
          for (let j = i * d; j < (i + 1) * d; j++) e += dl[j]! ** 2;
          // D_i = delta(x~_i) . (grad log q(x~_i) + z_i / sigma): mean 0 (Tweedie).
          D[i] = L1.perExample.get(i) - L0.perExample.get(i) - 0.5 * e;
        }
        expectMean(D, 0, { data: name, sigma });
        expect(L1.value).toBeGreaterThan(L0.value);
      }
    }
  });
});
