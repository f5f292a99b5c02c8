import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { ndtr } from '../../../src/_internal/gaussian-kernels.js';
import { covariance, create, logPdf, mean, perturb, sample, score, vpPerturb, type GaussianMixture } from '../../../src/core/mixture/index.js';
import { key, normalArray, split } from '../../../src/core/random/index.js';
import { arbMixture } from '../../arbitraries/arb-mixture.js';
import { expectClose } from '../../_support/expect-close.js';
import { ALPHA, ksTest } from '../../_support/stats.js';
import { analyze, CompensatedSum, logPdfBound, nd, scoreBound, U } from './reference.js';

/** 1-D mixtures used by the quadrature checks. */
const MIXTURES_1D = [
  { name: 'two components', spec: { weights: [0.3, 0.7], means: [[-2], [3]], covs: [0.5, 2] } },
  { name: 'three components', spec: { weights: [0.2, 0.5, 0.3], means: [[-4], [0], [6]], covs: [0.3, 1, 4] } },
];

const asSpec = (s: { weights: number[]; means: number[][]; covs: number[] }) => ({
  weights: s.weights,
  means: s.means,
  covs: s.covs.map((v) => [[v]]),
});

/**
 * The nodes x_i = lo + i h of a trapezoid rule for int p(x) K(y, x) dx, where p is a 1-D
 * mixture and the kernel K(y, .) is a Gaussian in x of standard deviation tau:
 * h = 2^-e <= min(s_min, tau) / (4 sqrt 2) makes every product of Gaussians (variance
 * v_k >= min(s_k^2, tau^2)/2) have v_k / h^2 >= 16, so the spectral error is at most
 * 2.01 exp(-2 pi^2 16) < 1.1e-137 relative (proofs/mixture/perturb.md, "Quadrature");
 * [lo, hi] spans T = 12 standard deviations of every component: the mass of p left out
 * is below 2 Phi(-12) < 3.6e-33.
 */
function nodes(mix: GaussianMixture, tau: number) {
  const s = Array.from(mix.covs, Math.sqrt);
  const mus = Array.from(mix.means);
  const h = 2 ** Math.floor(Math.log2(Math.min(Math.min(...s), tau) / (4 * Math.SQRT2)));
  const lo = Math.floor((Math.min(...mus) - 12 * Math.max(...s)) / h) * h;
  const n = Math.ceil((Math.max(...mus) + 12 * Math.max(...s) - lo) / h) + 1;
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = lo + i * h;
  return { xs, h, n };
}
// 2.01 exp(-2 pi^2 16) < 1.1e-137, times the factor (1 + 2 pi m sqrt(v)/h) <= 33 m of the
// Fourier transform of a Gaussian times a linear function (the score's numerator).
const SPECTRAL = 1e-134;
const TAIL_MASS = 3.6e-33;

/**
 * Quadrature of q(y) = int p(x) K(y, x) dx and of int p(x) K(y, x) g(x) dx with K given by
 * its log and the bound on that log's rounding; returns both with their error bounds.
 */
function convolve(
  lpP: Float64Array,
  dP: Float64Array,
  xs: Float64Array,
  h: number,
  logK: (x: number) => number,
  dLogK: (x: number) => number,
  g: (x: number) => number,
) {
  const den = new CompensatedSum();
  const num = new CompensatedSum();
  let denErr = 0;
  let numAbs = 0;
  let numErr = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const t = Math.exp(lpP[i]! + logK(x));
    // exp of a sum with absolute error dP + dLogK + u |sum|: relative error that + u.
    const rel = dP[i]! + dLogK(x) + U * (Math.abs(lpP[i]!) + Math.abs(logK(x))) + U;
    den.add(t);
    denErr += t * rel;
    const tg = t * g(x);
    num.add(tg);
    numAbs += Math.abs(tg);
    numErr += Math.abs(tg) * (rel + 4 * U);
  }
  return { den: h * den.value, denErr: h * denErr, num: h * num.value, numAbs: h * numAbs, numErr: h * numErr };
}

describe('mixture.perturb: q_sigma = p * N(0, sigma^2)', () => {
  for (const { name, spec } of MIXTURES_1D) {
    const mix = create(spec);
    const an = analyze(asSpec(spec));
    for (const sigma of [0.1, 1, 5]) {
      test(`mixture/perturb#convolution: 1-D density equals the trapezoid convolution (${name}, sigma = ${sigma})`, () => {
        const { xs, h } = nodes(mix, sigma);
        const lpP = logPdf(mix, ndarray(xs, [xs.length, 1])).data;
        const dP = xs.map((x) => logPdfBound(an, [x]));
        const q = perturb(mix, sigma);
        const anQ = analyze(asSpec({ ...spec, covs: Array.from(q.covs) }));
        const sQ = Math.sqrt(Math.max(...q.covs));
        const logNorm = -Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
        for (let i = 0; i <= 20; i++) {
          const y = Math.min(...spec.means.map((m) => m[0]!)) - 3 * sQ + (i / 20) * (Math.max(...spec.means.map((m) => m[0]!)) - Math.min(...spec.means.map((m) => m[0]!)) + 6 * sQ);
          const logK = (x: number) => -0.5 * ((y - x) / sigma) ** 2 + logNorm;
          const dLogK = (x: number) => U * (6 + 2 * ((y - x) / sigma) ** 2);
          const c = convolve(lpP, dP, xs, h, logK, dLogK, () => 0);
          const got = Math.exp(logPdf(q, nd([y])).get());
          // Library: (E2) on log q, + u for exp. Quadrature: rounding (accumulated), 2u for the
          // compensated sum, the spectral error, and the left-out mass times max K = 1/(sqrt(2 pi) sigma).
          const tol = got * (logPdfBound(anQ, [y]) + U) + c.denErr + 2 * U * c.den + SPECTRAL * c.den + (2 * TAIL_MASS) / (2.5 * sigma);
          expectClose(got, c.den, { atol: tol }, { y, sigma });
        }
      });
    }

    test(`mixture/perturb#score: 1-D score of q_sigma equals (E[x | y] - y) / sigma^2 by quadrature (${name})`, () => {
      for (const sigma of [0.3, 2]) {
        const { xs, h } = nodes(mix, sigma);
        const lpP = logPdf(mix, ndarray(xs, [xs.length, 1])).data;
        const dP = xs.map((x) => logPdfBound(an, [x]));
        const q = perturb(mix, sigma);
        const anQ = analyze(asSpec({ ...spec, covs: Array.from(q.covs) }));
        const logNorm = -Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
        for (const y of [-6, -2.5, -1, 0, 0.5, 2, 3.25, 7]) {
          // grad q(y) = int p(x) N'(y - x) dx = int p(x) N(y - x) (x - y)/sigma^2 dx.
          const c = convolve(
            lpP,
            dP,
            xs,
            h,
            (x) => -0.5 * ((y - x) / sigma) ** 2 + logNorm,
            (x) => U * (6 + 2 * ((y - x) / sigma) ** 2),
            (x) => (x - y) / (sigma * sigma),
          );
          const expected = c.num / c.den;
          // Quotient of two quadratures: |d(num/den)| <= (dnum + |num/den| dden)/den, with the
          // compensated sums' 2u, the spectral error (relative to int |integrand|) and the quotient's u.
          // The left-out mass of p (< 3.6e-33) meets a kernel bounded by 1/(sqrt(2 pi) sigma) in
          // the denominator and by |u| N(u; 0, sigma^2)/sigma^2 <= e^{-1/2}/(sqrt(2 pi) sigma^2) in the numerator.
          const dNum = c.numErr + 2 * U * c.numAbs + SPECTRAL * c.numAbs + (0.25 * TAIL_MASS) / (sigma * sigma);
          const dDen = c.denErr + 2 * U * c.den + SPECTRAL * c.den + TAIL_MASS / (2.5 * sigma);
          const tol = (dNum + Math.abs(expected) * dDen) / c.den + U * Math.abs(expected) + scoreBound(anQ, [y]);
          expectClose(score(q, nd([y])).get(0), expected, { atol: tol }, { y, sigma });
        }
      }
    });
  }

  test('mixture/perturb#convolution: sigma = 0 gives a mixture equal to p', () => {
    const mix = create({ weights: [1, 3], means: [[0, 1], [2, -1]], covs: [[[2, 0.5], [0.5, 1]], [[1, 0], [0, 3]]] });
    const q = perturb(mix, 0);
    expect(q).not.toBe(mix);
    for (const f of ['weights', 'logWeights', 'means', 'covs', 'cholesky', 'logDets', 'logNormalizers', 'cumulativeWeights'] as const) {
      expect(q[f]).toEqual(mix[f]);
    }
  });

  test('mixture/perturb#convolution: x + sigma z with x ~ p, z ~ N(0, I) has the marginals of q_sigma (KS, fixed key)', () => {
    const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
    const sigma = 3;
    const n = 20000;
    const [kx, kz] = split(key(11), 2);
    const x = sample(mix, kx!, n);
    const z = normalArray(kz!, 2 * n);
    const q = perturb(mix, sigma);
    for (let j = 0; j < 2; j++) {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = x.get(i, j) + sigma * z[2 * i + j]!;
      // Marginal of q_sigma along axis j: sum_k w_k Phi((y - mu_kj) / sqrt(Sigma'_kjj)).
      const cdf = (v: number) => 0.2 * ndtr((v + 5) / Math.sqrt(q.covs[0]!)) + 0.8 * ndtr((v - 5) / Math.sqrt(q.covs[4 + 3]!));
      // Two axes: Bonferroni, each at ALPHA / 2.
      expect(ksTest(y, cdf).pValue).toBeGreaterThan(ALPHA / 2);
    }
  });

  test.prop([arbMixture({ maxDim: 4, maxComponents: 4 }), fc.double({ min: 0, max: 10, noNaN: true })])(
    'mixture/perturb#ve-moments: mean(q_sigma) = mean(p) exactly, covariance(q_sigma) = covariance(p) + sigma^2 I',
    (mc, sigma) => {
      const q = perturb(mc.mix, sigma);
      const d = q.dim;
      expect(mean(q).data).toEqual(mean(mc.mix).data);
      const cq = covariance(q);
      const cp = covariance(mc.mix);
      const m = mean(mc.mix).data;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          // Both sides accumulate K terms w_k (S_kij [+ sigma^2] + c_ki c_kj) with the same c_k
          // (the same mean bits): (K + 4) roundings each, relative to the sum of magnitudes.
          let mag = sigma * sigma;
          for (let k = 0; k < q.components; k++) {
            const cki = q.means[k * d + i]! - m[i]!;
            const ckj = q.means[k * d + j]! - m[j]!;
            mag += q.weights[k]! * (Math.abs(mc.mix.covs[k * d * d + i * d + j]!) + Math.abs(cki * ckj));
          }
          const expected = cp.get(i, j) + (i === j ? sigma * sigma : 0);
          // (Plus MIN_VALUE / 2 per rounding that lands in the subnormal range.)
          expectClose(cq.get(i, j), expected, { atol: 2 * (q.components + 4) * U * mag + (q.components + 4) * Number.MIN_VALUE }, { i, j, sigma });
        }
      }
    },
  );

  test.prop([arbMixture({ maxDim: 3, maxComponents: 3 }), fc.double({ min: 0, max: 5, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true })])(
    'mixture/perturb#semigroup: perturbing by sigma_1 then sigma_2 equals perturbing by sqrt(sigma_1^2 + sigma_2^2)',
    (mc, s1, s2) => {
      const twice = perturb(perturb(mc.mix, s1), s2);
      const once = perturb(mc.mix, Math.hypot(s1, s2));
      const d = mc.mix.dim;
      expect(twice.means).toEqual(mc.mix.means);
      expect(twice.weights).toEqual(mc.mix.weights);
      for (let k = 0; k < mc.mix.components; k++) {
        for (let i = 0; i < d; i++) {
          for (let j = 0; j < d; j++) {
            const idx = k * d * d + i * d + j;
            // Off the diagonal nothing is added; on it (S + s1^2) + s2^2 against S + hypot^2:
            // 2 + 2 roundings of terms bounded by |S| + s1^2 + s2^2, and hypot's 1 ulp squared (2u + u).
            // A square in the subnormal range errs by up to MIN_VALUE / 2 instead.
            const tol = i === j ? 7 * U * (Math.abs(mc.mix.covs[idx]!) + s1 * s1 + s2 * s2) + 2 * Number.MIN_VALUE : 0;
            expectClose(twice.covs[idx]!, once.covs[idx]!, { atol: tol }, { k, i, j, s1, s2 });
          }
        }
      }
    },
  );
});

describe('mixture.vpPerturb: the law of sqrt(alphaBar) x + sqrt(1 - alphaBar) z', () => {
  for (const { name, spec } of MIXTURES_1D) {
    const mix = create(spec);
    const an = analyze(asSpec(spec));
    for (const alphaBar of [0.05, 0.5, 0.95]) {
      test(`mixture/perturb#vp-convolution: 1-D density equals the trapezoid integral of p(x) N(y; sqrt(ab) x, 1 - ab) (${name}, alphaBar = ${alphaBar})`, () => {
        const sab = Math.sqrt(alphaBar);
        const v = 1 - alphaBar;
        // As a function of x, N(y; sqrt(ab) x, 1 - ab) is a Gaussian of standard deviation tau = sqrt((1 - ab)/ab).
        const { xs, h } = nodes(mix, Math.sqrt(v / alphaBar));
        const lpP = logPdf(mix, ndarray(xs, [xs.length, 1])).data;
        const dP = xs.map((x) => logPdfBound(an, [x]));
        const q = vpPerturb(mix, alphaBar);
        const anQ = analyze(asSpec({ weights: spec.weights, means: Array.from(q.means, (m) => [m]), covs: Array.from(q.covs) }));
        const logNorm = -0.5 * Math.log(2 * Math.PI * v);
        for (let i = 0; i <= 20; i++) {
          const y = -8 + (16 * i) / 20;
          const logK = (x: number) => -0.5 * ((y - sab * x) ** 2 / v) + logNorm;
          // Rounding of the kernel's log: the residual y - sqrt(ab) x carries u |sqrt(ab) x| (two
          // roundings of the product) + u |y - ...|, which the square doubles; 6u for the rest.
          const dLogK = (x: number) => {
            const r = Math.abs(y - sab * x);
            return U * (6 + (2 * r * r + 4 * r * Math.abs(sab * x)) / v);
          };
          const c = convolve(lpP, dP, xs, h, logK, dLogK, () => 0);
          const got = Math.exp(logPdf(q, nd([y])).get());
          const tol = got * (logPdfBound(anQ, [y]) + U) + c.denErr + 2 * U * c.den + SPECTRAL * c.den + (2 * TAIL_MASS) / Math.sqrt(2 * Math.PI * v);
          expectClose(got, c.den, { atol: tol }, { y, alphaBar });
        }
      });
    }
  }

  test('mixture/perturb#vp-convolution: alphaBar = 1 gives a mixture equal to p', () => {
    const mix = create({ weights: [1, 3], means: [[0, 1], [2, -1]], covs: [[[2, 0.5], [0.5, 1]], [[1, 0], [0, 3]]] });
    const q = vpPerturb(mix, 1);
    for (const f of ['weights', 'means', 'covs', 'cholesky', 'logDets', 'logNormalizers'] as const) expect(q[f]).toEqual(mix[f]);
  });

  test('mixture/perturb#vp-convolution: sqrt(ab) x + sqrt(1 - ab) z with x ~ p has the marginals of vpPerturb(p, ab) (KS, fixed key)', () => {
    const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: [[[1, 0.5], [0.5, 2]], [[0.5, 0], [0, 0.5]]] });
    const alphaBar = 0.3;
    const n = 20000;
    const [kx, kz] = split(key(12), 2);
    const x = sample(mix, kx!, n);
    const z = normalArray(kz!, 2 * n);
    const q = vpPerturb(mix, alphaBar);
    for (let j = 0; j < 2; j++) {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = Math.sqrt(alphaBar) * x.get(i, j) + Math.sqrt(1 - alphaBar) * z[2 * i + j]!;
      const cdf = (v: number) =>
        q.weights[0]! * ndtr((v - q.means[j]!) / Math.sqrt(q.covs[j * 3]!)) + q.weights[1]! * ndtr((v - q.means[2 + j]!) / Math.sqrt(q.covs[4 + j * 3]!));
      expect(ksTest(y, cdf).pValue).toBeGreaterThan(ALPHA / 2);
    }
  });

  test.prop([arbMixture({ maxDim: 4, maxComponents: 4 }), fc.double({ min: 1e-6, max: 1, noNaN: true })])(
    'mixture/perturb#vp-moments: mean = sqrt(ab) mean(p), covariance = ab covariance(p) + (1 - ab) I',
    (mc, alphaBar) => {
      const q = vpPerturb(mc.mix, alphaBar);
      const d = q.dim;
      const K = q.components;
      const sab = Math.sqrt(alphaBar);
      const mp = mean(mc.mix).data;
      const mq = mean(q).data;
      const cp = covariance(mc.mix);
      const cq = covariance(q);
      for (let i = 0; i < d; i++) {
        let absMean = 0;
        for (let k = 0; k < K; k++) absMean += q.weights[k]! * Math.abs(mc.mix.means[k * d + i]!);
        // sum_k w_k fl(sqrt(ab) mu_k) against sqrt(ab) sum_k w_k mu_k: K + 3 roundings (sqrt included).
        // (Plus MIN_VALUE / 2 per rounding that lands in the subnormal range.)
        expectClose(mq[i]!, sab * mp[i]!, { atol: 2 * (K + 3) * U * sab * absMean + (K + 3) * Number.MIN_VALUE }, { i, alphaBar });
        for (let j = 0; j < d; j++) {
          let mag = 1 - alphaBar;
          for (let k = 0; k < K; k++) {
            const cki = mc.mix.means[k * d + i]! - mp[i]!;
            const ckj = mc.mix.means[k * d + j]! - mp[j]!;
            mag += q.weights[k]! * alphaBar * (Math.abs(mc.mix.covs[k * d * d + i * d + j]!) + Math.abs(cki * ckj));
          }
          // Mean rounding enters c_k c_k^T through |c| times the mean's error (bounded as above).
          let cross = 0;
          for (let k = 0; k < K; k++) cross += q.weights[k]! * alphaBar * (Math.abs(mc.mix.means[k * d + i]! - mp[i]!) + Math.abs(mc.mix.means[k * d + j]! - mp[j]!));
          let absAll = 0;
          for (let k = 0; k < K; k++) for (let l = 0; l < d; l++) absAll = Math.max(absAll, Math.abs(mc.mix.means[k * d + l]!));
          const expected = alphaBar * cp.get(i, j) + (i === j ? 1 - alphaBar : 0);
          const tol = 2 * (K + 8) * U * mag + 2 * (K + 3) * U * absAll * cross + (K + 8) * Number.MIN_VALUE;
          expectClose(cq.get(i, j), expected, { atol: tol }, { i, j, alphaBar });
        }
      }
    },
  );

  test.prop([arbMixture({ maxDim: 3, maxComponents: 3 }), fc.double({ min: 1e-3, max: 1, noNaN: true }), fc.double({ min: 1e-3, max: 1, noNaN: true })])(
    'mixture/perturb#semigroup: vpPerturb by a then by b equals vpPerturb by a b',
    (mc, a, b) => {
      const twice = vpPerturb(vpPerturb(mc.mix, a), b);
      const once = vpPerturb(mc.mix, a * b);
      const d = mc.mix.dim;
      for (let i = 0; i < twice.means.length; i++) {
        // sqrt(b) (sqrt(a) mu) against sqrt(a b) mu: 5 roundings; each rounding in the
        // subnormal range (a tiny mu) may instead err by MIN_VALUE / 2 absolute.
        expectClose(twice.means[i]!, once.means[i]!, { atol: 5 * U * Math.abs(mc.mix.means[i]!) + 3 * Number.MIN_VALUE });
      }
      for (let k = 0; k < mc.mix.components; k++) {
        for (let i = 0; i < d; i++) {
          for (let j = 0; j < d; j++) {
            const idx = k * d * d + i * d + j;
            const s = Math.abs(mc.mix.covs[idx]!);
            // b (a S + (1 - a)) + (1 - b) against (a b) S + (1 - a b): about 8 roundings of terms <= a b |S| + 1.
            const tol = 8 * U * (a * b * s + (i === j ? 1 : 0)) + 4 * U * a * b * s + 4 * Number.MIN_VALUE;
            expectClose(twice.covs[idx]!, once.covs[idx]!, { atol: tol }, { k, i, j, a, b });
          }
        }
      }
    },
  );
});
