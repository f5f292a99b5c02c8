import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { ndtr } from '../../../src/_internal/gaussian-kernels.js';
import { covariance, create, mean, sample, sampleWith } from '../../../src/core/mixture/index.js';
import { key, normal, split, uniform } from '../../../src/core/random/index.js';
import { arbMixture } from '../../arbitraries/arb-mixture.js';
import { expectClose } from '../../_support/expect-close.js';
import { ALPHA, chiSquareTest, ksTest, zTestPValue } from '../../_support/stats.js';
import { loadFixture, nd, U } from './reference.js';

/** The largest double below x (x > 0). */
function nextDown(x: number): number {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  b.setBigUint64(0, b.getBigUint64(0) - 1n);
  return b.getFloat64(0);
}

describe('mixture.sampleWith: the inverse CDF and mu_k + L_k z', () => {
  test.prop([arbMixture({ maxDim: 3, maxComponents: 5 }), fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 20 })])(
    'mixture/sample#inverse-cdf: u picks the first component k with u < w_1 + ... + w_k (independent linear scan)',
    (mc, us) => {
      const { mix } = mc;
      const d = mix.dim;
      const K = mix.components;
      // The cumulative weights, summed in order; the last is 1 by definition of a CDF.
      const cdf: number[] = [];
      let c = 0;
      for (let k = 0; k < K; k++) cdf.push(k === K - 1 ? 1 : (c += mix.weights[k]!));
      // z = 0: the draw is the chosen component's mean, exactly (mu + 0; -0 + 0 is +0).
      const x = sampleWith(mix, nd(us), ndarray(new Float64Array(us.length * d), [us.length, d]));
      us.forEach((u, i) => {
        const k = cdf.findIndex((ck) => u < ck);
        for (let j = 0; j < d; j++) expect(x.get(i, j)).toBe(mix.means[k * d + j]! + 0);
      });
    },
  );

  test('mixture/sample#inverse-cdf: the boundaries u = C_k - ulp and u = C_k fall on either side', () => {
    const mix = create({ weights: [0.1, 0.2, 0.3, 0.4], means: [[0], [1], [2], [3]], covs: 1 });
    let c = 0;
    const us: number[] = [0];
    const expected: number[] = [0];
    for (let k = 0; k < 3; k++) {
      c += mix.weights[k]!;
      us.push(nextDown(c), c);
      expected.push(k, k + 1);
    }
    us.push(nextDown(1));
    expected.push(3);
    const x = sampleWith(mix, nd(us), ndarray(new Float64Array(us.length), [us.length, 1]));
    expect(Array.from(x.data)).toEqual(expected);
  });

  test.prop([arbMixture({ maxDim: 4, maxComponents: 3 })])(
    'mixture/sample#inverse-cdf: the map z -> x - mu_k is linear with matrix A, A A^T = Sigma_k',
    (mc) => {
      const { mix } = mc;
      const d = mix.dim;
      for (let k = 0; k < mix.components; k++) {
        // Any u in [C_{k-1}, C_k) picks k; the midpoint is inside (weights >= 0.05/4 apart).
        const lo = k === 0 ? 0 : mix.cumulativeWeights[k - 1]!;
        const u = (lo + mix.cumulativeWeights[k]!) / 2;
        // Columns of A from z = e_j: x - mu_k = A e_j (one rounding in mu + A_ij).
        const z = new Float64Array(d * d);
        for (let j = 0; j < d; j++) z[j * d + j] = 1;
        const x = sampleWith(mix, nd(new Array(d).fill(u)), ndarray(z, [d, d]));
        const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => x.get(j, i) - mix.means[k * d + i]!));
        let scale = 0;
        for (let i = 0; i < d; i++) scale = Math.max(scale, Math.abs(mix.means[k * d + i]!));
        for (let i = 0; i < d; i++) {
          for (let j = 0; j < d; j++) {
            let aat = 0;
            let abs = 0;
            for (let m = 0; m < d; m++) {
              aat += A[i]![m]! * A[j]![m]!;
              abs += Math.abs(A[i]![m]! * A[j]![m]!);
            }
            const sii = mix.covs[k * d * d + i * d + i]!;
            const sjj = mix.covs[k * d * d + j * d + j]!;
            // Cholesky backward error |L L^T - S| <= gamma_{d+1} sqrt(S_ii S_jj) (Higham, Thm 10.3);
            // each A entry carries u (|mu| + |A|) from mu + A_ij - mu; the product sum gamma_d |A||A^T|.
            const aErr = 2 * U * (scale + Math.sqrt(Math.max(sii, sjj)));
            const tol = 2 * (d + 1) * U * Math.sqrt(sii * sjj) + d * U * abs + 2 * d * aErr * Math.sqrt(Math.max(sii, sjj)) + d * aErr * aErr;
            expectClose(aat, mix.covs[k * d * d + i * d + j]!, { atol: tol }, { k, i, j });
          }
        }
      }
    },
  );
});

describe('mixture.sample: exact draws (fixed keys, ALPHA = 1e-3)', () => {
  // Three well-separated components: the means are >= 20 sqrt(2) apart and every standard
  // deviation is <= 2, so a draw lies nearer another mean only if it moves >= 14 (7 sd)
  // along one direction: probability < 1e-11 per draw, < 1e-6 over the sample.
  const separated = create({
    weights: [0.2, 0.3, 0.5],
    means: [[-20, 0], [0, 20], [20, 0]],
    covs: [[[4, 1], [1, 2]], [[1, -0.5], [-0.5, 1]], [[2, 0], [0, 3]]],
  });
  const n = 100_000;
  const xs = sample(separated, key(2024), n);

  test('mixture/sample#exact: component counts follow the weights (chi-square)', () => {
    expect(xs.shape).toEqual([n, 2]);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDist = Infinity;
      for (let k = 0; k < 3; k++) {
        const dist = (xs.get(i, 0) - separated.means[2 * k]!) ** 2 + (xs.get(i, 1) - separated.means[2 * k + 1]!) ** 2;
        if (dist < bestDist) {
          bestDist = dist;
          best = k;
        }
      }
      counts[best]!++;
    }
    expect(chiSquareTest(counts, [0.2, 0.3, 0.5]).pValue).toBeGreaterThan(ALPHA);
  });

  test('mixture/sample#exact: 1-D marginals and projections follow the mixture CDF (KS, Bonferroni over 4)', () => {
    // a^T x ~ sum_k w_k N(a^T mu_k, a^T Sigma_k a) for any direction a.
    const dirs = [[1, 0], [0, 1], [Math.SQRT1_2, Math.SQRT1_2], [0.6, -0.8]];
    for (const a of dirs) {
      const proj = new Float64Array(n);
      for (let i = 0; i < n; i++) proj[i] = a[0]! * xs.get(i, 0) + a[1]! * xs.get(i, 1);
      const comps = [0, 1, 2].map((k) => {
        const c = separated.covs.subarray(4 * k, 4 * k + 4);
        const m = a[0]! * separated.means[2 * k]! + a[1]! * separated.means[2 * k + 1]!;
        const v = a[0]! * a[0]! * c[0]! + 2 * a[0]! * a[1]! * c[1]! + a[1]! * a[1]! * c[3]!;
        return { w: separated.weights[k]!, m, s: Math.sqrt(v) };
      });
      const cdf = (v: number) => comps.reduce((s, c) => s + c.w * ndtr((v - c.m) / c.s), 0);
      expect(ksTest(proj, cdf).pValue, `direction ${a}`).toBeGreaterThan(ALPHA / dirs.length);
    }
  });

  test('mixture/sample#exact: overlapping 3-D mixture (fixture 3d-four-full): marginals by KS (Bonferroni over 3)', () => {
    const c = loadFixture().cases.find((f) => f.name === '3d-four-full')!;
    const mix = create(c);
    const m = 50_000;
    const x = sample(mix, key(7), m);
    for (let j = 0; j < 3; j++) {
      const col = new Float64Array(m);
      for (let i = 0; i < m; i++) col[i] = x.get(i, j);
      const cdf = (v: number) => c.weights.reduce((s, w, k) => s + w * ndtr((v - c.means[k]![j]!) / Math.sqrt(c.covs[k]![j]![j]!)), 0);
      expect(ksTest(col, cdf).pValue, `axis ${j}`).toBeGreaterThan(ALPHA / 3);
    }
  });

  test('mixture/sample#exact: sample mean and covariance within their standard errors (z-tests, Bonferroni over 5)', () => {
    const mu = mean(separated).data;
    const cov = covariance(separated);
    const checks: { name: string; p: number }[] = [];
    for (let j = 0; j < 2; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += xs.get(i, j);
      // Var of the sample mean is Cov_jj / n (the mixture's covariance, law of total covariance).
      const z = (s / n - mu[j]!) / Math.sqrt(cov.get(j, j) / n);
      checks.push({ name: `mean ${j}`, p: zTestPValue(z) });
    }
    for (const [a, b] of [[0, 0], [0, 1], [1, 1]] as const) {
      // S_ab = mean of (x_a - m_a)(x_b - m_b) about the true mean: unbiased for Cov_ab; its
      // standard error from the sample variance of the products (plug-in, n = 1e5).
      const prod = new Float64Array(n);
      for (let i = 0; i < n; i++) prod[i] = (xs.get(i, a) - mu[a]!) * (xs.get(i, b) - mu[b]!);
      let s = 0;
      for (const v of prod) s += v;
      const sab = s / n;
      let v2 = 0;
      for (const v of prod) v2 += (v - sab) ** 2;
      const se = Math.sqrt(v2 / (n - 1) / n);
      checks.push({ name: `cov ${a}${b}`, p: zTestPValue((sab - cov.get(a, b)) / se) });
    }
    for (const c of checks) expect(c.p, c.name).toBeGreaterThan(ALPHA / checks.length);
  });

  test('sample draws u = uniform(k1, [n]), z = normal(k2, [n, d]) with [k1, k2] = split(key), deterministically', () => {
    const mix = create({ weights: [1, 2], means: [[0, 0, 1], [1, 2, 3]], covs: [0.5, 2] });
    const k = key(99);
    const a = sample(mix, k, 100);
    const b = sample(mix, k, 100);
    expect(a.data).toEqual(b.data);
    const [k1, k2] = split(k, 2);
    const c = sampleWith(mix, uniform(k1!, [100]), normal(k2!, [100, 3]));
    expect(a.data).toEqual(c.data);
    expect(sample(mix, key(1), 0).shape).toEqual([0, 3]);
  });
});

describe('sampleWith is pure', () => {
  test('inputs are not written to', () => {
    const mix = create({ weights: [1, 1], means: [[0], [5]], covs: 2 });
    const u = Float64Array.from([0.1, 0.7]);
    const z = Float64Array.from([1.5, -2]);
    const uc = Float64Array.from(u);
    const zc = Float64Array.from(z);
    const x = sampleWith(mix, ndarray(u, [2]), ndarray(z, [2, 1]));
    expect(u).toEqual(uc);
    expect(z).toEqual(zc);
    // 0.1 < 1/2 picks N(0, 2): x = sqrt(2) * 1.5; 0.7 picks N(5, 2): x = 5 - 2 sqrt(2).
    expectClose(x.get(0, 0), Math.SQRT2 * 1.5, { rtol: 2 * U });
    expectClose(x.get(1, 0), 5 - 2 * Math.SQRT2, { rtol: 4 * U });
  });
});
