/**
 * Unadjusted Langevin dynamics: the step's formula, the AR(1) form of the chain on a
 * Gaussian, its exact k-step moments, its biased stationary law and stability region, the
 * multivariate form, and the NumPy reference run.
 *
 * @see proofs/langevin/step.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { chain, chainWithKey, step } from '../../../src/core/langevin/index.js';
import * as mixture from '../../../src/core/mixture/index.js';
import { foldIn, key, normal } from '../../../src/core/random/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ALPHA } from '../../_support/stats.js';
import { arbLangevinChain } from '../../arbitraries/arb-langevin-chain.js';
import { column, contraction2, fixture, fromRows, gaussianScore, linearScore, meanTestPValue, nd, varianceTestPValue, zeros } from './support.js';

describe('the step', () => {
  test.prop([
    fc.integer({ min: 1, max: 6 }).chain((n) =>
      fc.tuple(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: n, maxLength: n }),
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: n, maxLength: n }),
        fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: n, maxLength: n }),
      ),
    ),
    fc.double({ min: 1e-6, max: 10, noNaN: true }),
  ])('langevin/step#ar1: step gives xMean = x + (eps/2) s and x\' = xMean + sqrt(eps) z, each rounded once per operation', ([x, s, z], eps) => {
    const r = step(nd(x), nd(s), eps, nd(z));
    expect(r.x.shape).toEqual([x.length, 1]);
    for (let j = 0; j < x.length; j++) {
      const m = x[j]! + (eps / 2) * s[j]!;
      // Compared as IEEE numbers: the sign of an exact zero is not part of the claim.
      expect(r.xMean.data[j] === m, `xMean[${j}]`).toBe(true);
      expect(r.x.data[j] === m + Math.sqrt(eps) * z[j]!, `x[${j}]`).toBe(true);
    }
  });

  test.prop([arbLangevinChain()])(
    'langevin/step#ar1: on N(mu, s2), chain is the AR(1) recursion x_{k+1} = mu + a (x_k - mu) + sqrt(eps) z_k, a = 1 - eps/(2 s2), to float64 rounding',
    ({ mu, s2, eps, x0, noise }) => {
      const K = noise.length;
      const n = x0.length;
      const r = chain(gaussianScore(mu, s2), nd(x0), { eps, steps: K, trajectory: 1 }, (k) => nd(noise[k]!));
      const traj = r.trajectory!;
      expect(traj.shape).toEqual([K + 1, n, 1]);
      const h = eps / 2;
      const c = Math.sqrt(eps);
      const t = eps / (2 * s2);
      const a = 1 - t;
      for (let p = 0; p < n; p++) {
        let w = x0[p]!;
        // Both paths differ from the exact recursion by their own roundings delta_k; an error
        // e_k propagates as e_{k+1} = a e_k + delta_k with |a| < 1 (0 < eps < 4 s2), so
        // |e_k| <= sum_j |delta_j|. First-order bounds per step (u = EPS/2 per operation,
        // written with EPS = 2u to cover the second-order terms):
        //   library: x - mu, /s2, *h (3 roundings on h s), + x, c = sqrt(eps), * z, + :
        //            EPS (|x'| + |m| + 3|h s| + 2|c z|);
        //   test:    w - mu, a (2 roundings, relative t + |a|), * , + mu, c z, + :
        //            EPS ((t + 3|a|)|w - mu| + |mu + a (w - mu)| + 2|c z| + |w'|).
        let tol = 0;
        expect(traj.data[p]).toBe(x0[p]);
        for (let k = 0; k < K; k++) {
          const x = traj.data[k * n + p]!;
          const xNext = traj.data[(k + 1) * n + p]!;
          const z = noise[k]![p]!;
          const hs = h * (-(x - mu) / s2);
          const inner = mu + a * (w - mu);
          const wNext = inner + c * z;
          tol +=
            EPS * (Math.abs(xNext) + Math.abs(x + hs) + 3 * Math.abs(hs) + 2 * Math.abs(c * z)) +
            EPS * ((t + 3 * Math.abs(a)) * Math.abs(w - mu) + Math.abs(inner) + 2 * Math.abs(c * z) + Math.abs(wNext));
          w = wNext;
          expectClose(xNext, w, { atol: tol }, { k, p, mu, s2, eps });
        }
        expect(r.x.data[p]).toBe(traj.data[K * n + p]);
      }
    },
  );

  test.prop([arbLangevinChain({ maxSteps: 5 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })])(
    'langevin/step#ar1: chainWithKey draws z_k = random.normal(random.foldIn(key, k), x.shape), and xMean is the last step\'s noise-free part',
    ({ mu, s2, eps, x0, noise }, seed) => {
      const K = noise.length;
      const k = key(seed);
      const shape = [x0.length, 1];
      const viaKey = chainWithKey(gaussianScore(mu, s2), nd(x0), { eps, steps: K }, k);
      const explicit = chain(gaussianScore(mu, s2), nd(x0), { eps, steps: K, trajectory: 1 }, (i) => normal(foldIn(k, i), shape));
      expect(Array.from(viaKey.x.data)).toEqual(Array.from(explicit.x.data));
      expect(Array.from(viaKey.xMean.data)).toEqual(Array.from(explicit.xMean.data));
      // xMean = x_{K-1} + eps/2 s(x_{K-1}): the step from the recorded x_{K-1} with zero noise.
      const last = ndarray(explicit.trajectory!.data.slice((K - 1) * x0.length, K * x0.length), shape);
      const s = gaussianScore(mu, s2)(last);
      expect(Array.from(step(last, s, eps, ndarray(new Float64Array(x0.length), shape)).xMean.data)).toEqual(Array.from(explicit.xMean.data));
    },
  );

  test('langevin/step#ar1: a trajectory stride k records x_0, x_k, x_2k, ... and the start is never modified', () => {
    const x0 = nd([1, 2, 3]);
    const before = Array.from(x0.data);
    const noise = (i: number) => nd([i, -i, 0.5 * i]);
    const every = chain(gaussianScore(0, 1), x0, { eps: 0.1, steps: 7, trajectory: 1 }, noise);
    const third = chain(gaussianScore(0, 1), x0, { eps: 0.1, steps: 7, trajectory: 3 }, noise);
    expect(third.trajectory!.shape).toEqual([3, 3, 1]);
    for (const [row, k] of [[0, 0], [1, 3], [2, 6]] as const) {
      expect(Array.from(third.trajectory!.data.slice(row * 3, row * 3 + 3))).toEqual(Array.from(every.trajectory!.data.slice(k * 3, k * 3 + 3)));
    }
    expect(Array.from(x0.data)).toEqual(before);
    expect(chain(gaussianScore(0, 1), x0, { eps: 0.1, steps: 7 }, noise).trajectory).toBeUndefined();
  });
});

describe('moments and the stationary law', () => {
  test('langevin/step#moments: from N(m0, v0), x_k has mean mu + a^k (m0 - mu) and variance a^{2k} v0 + eps (1 - a^{2k}) / (1 - a^2) at every k (z and chi-square tests, fixed key)', () => {
    const mu = 2;
    const s2 = 1.5;
    const eps = 0.6; // a = 1 - 0.6 / 3 = 0.8
    const a = 1 - eps / (2 * s2);
    const [m0, v0] = [-3, 0.25];
    const n = 20000;
    const K = 10;
    const root = key(4101);
    const z0 = normal(foldIn(root, 0), [n, 1]);
    const x0 = nd(z0.data.map((v) => m0 + Math.sqrt(v0) * v));
    const r = chainWithKey(gaussianScore(mu, s2), x0, { eps, steps: K, trajectory: 1 }, foldIn(root, 1));
    // 2K checks in one test: Bonferroni, each at ALPHA / (2K), so the test's rate is ALPHA.
    const level = ALPHA / (2 * K);
    for (let k = 1; k <= K; k++) {
      const xs = r.trajectory!.data.subarray(k * n, (k + 1) * n);
      const mk = mu + a ** k * (m0 - mu);
      const vk = a ** (2 * k) * v0 + (eps * (1 - a ** (2 * k))) / (1 - a * a);
      expect(meanTestPValue(xs, mk, vk), `mean at k = ${k}`).toBeGreaterThan(level);
      expect(varianceTestPValue(xs, vk), `variance at k = ${k}`).toBeGreaterThan(level);
    }
  });

  test('langevin/step#stationary: started at the target N(mu, s2), ULA with eps = 1.5 s2 settles at N(mu, s2 / (1 - eps/(4 s2))) = N(mu, 1.6 s2), and the variance test rejects s2 (the bias is visible)', () => {
    const mu = -1;
    const s2 = 1.5;
    const eps = 1.5 * s2; // a = 0.25: after 40 steps a^80 < 1e-48, the chain is stationary
    const n = 20000;
    const root = key(4102);
    const x0 = nd(normal(foldIn(root, 0), [n, 1]).data.map((v) => mu + Math.sqrt(s2) * v));
    const { x } = chainWithKey(gaussianScore(mu, s2), x0, { eps, steps: 40 }, foldIn(root, 1));
    const vInf = s2 / (1 - eps / (4 * s2));
    expectClose(vInf, 1.6 * s2, { rtol: 4 * EPS }); // 1 / (1 - 3/8) = 8/5
    expect(meanTestPValue(x.data, mu, vInf)).toBeGreaterThan(ALPHA / 2);
    expect(varianceTestPValue(x.data, vInf)).toBeGreaterThan(ALPHA / 2);
    // The exact chain would keep N(mu, s2): the test can tell the difference.
    expect(varianceTestPValue(x.data, s2)).toBeLessThan(ALPHA);
  });

  test('langevin/step#stationary: without noise x_k - mu = a^k (x_0 - mu): it shrinks for eps = 3.6 s2 (a = -0.8), keeps its size at eps = 4 s2 (a = -1) and grows for eps = 4.4 s2 (a = -1.2)', () => {
    const mu = 0.5;
    const s2 = 1;
    const x0 = 1.5;
    const K = 50;
    for (const eps of [3.6, 4, 4.4]) {
      const r = chain(gaussianScore(mu, s2), nd([x0]), { eps, steps: K, trajectory: 1 }, zeros([1, 1]));
      const h = eps / 2;
      const a = 1 - h;
      // a = 1 - h is exact for these h (checked by TwoSum: the rounding error of 1 + (-h) is 0),
      // so the reference a^K (x_0 - mu) carries only the rounding of the power.
      const bb = a - 1;
      expect(1 - (a - bb) + (-h - bb)).toBe(0);
      let tol = 0;
      for (let k = 0; k < K; k++) {
        const x = r.trajectory!.data[k]!;
        const hs = h * (-(x - mu) / s2);
        // Rounding of step k (x - mu, /s2, *h, + x: EPS (|x'| + 3|h s|)), propagated by |a| per later step.
        tol = Math.abs(a) * tol + EPS * (Math.abs(r.trajectory!.data[k + 1]!) + 3 * Math.abs(hs));
      }
      // a^K by Math.pow: within a few ulps; allow 4 EPS relative on the reference.
      const expected = mu + a ** K * (x0 - mu);
      expectClose(r.x.data[0]!, expected, { atol: tol + 4 * EPS * Math.abs(expected - mu) }, { eps });
    }
    expect(Math.abs(chain(gaussianScore(mu, s2), nd([x0]), { eps: 4.4, steps: K }, zeros([1, 1])).x.data[0]! - mu)).toBeGreaterThan(9000);
  });
});

describe('several dimensions', () => {
  // N(mu, Sigma) with Sigma = [[1, 0.6], [0.6, 0.5]] (eigenvalues 1.4 and 0.1): stable iff eps < 4 * 0.1.
  const Sigma = [
    [1, 0.6],
    [0.6, 0.5],
  ];
  const mu = [1, -1];
  const target = mixture.create({ weights: [1], means: [mu], covs: [Sigma] });
  const score = (x: ReturnType<typeof nd>) => mixture.score(target, x);
  const det = Sigma[0]![0]! * Sigma[1]![1]! - Sigma[0]![1]! ** 2;
  const Pm = [
    [Sigma[1]![1]! / det, -Sigma[0]![1]! / det],
    [-Sigma[0]![1]! / det, Sigma[0]![0]! / det],
  ];
  const mul = (A: number[][], B: number[][]) => A.map((row) => B[0]!.map((_, j) => row.reduce((s, v, k) => s + v * B[k]![j]!, 0)));
  const tr = (A: number[][]) => A[0]!.map((_, j) => A.map((row) => row[j]!));
  const projections = [
    [1, 0],
    [0, 1],
    [Math.SQRT1_2, Math.SQRT1_2],
    [Math.SQRT1_2, -Math.SQRT1_2],
  ];

  test('langevin/step#multivariate: on N(mu, Sigma), m_k = mu + A^k (m0 - mu) and C_{k+1} = A C_k A^T + eps I with A = I - (eps/2) Sigma^{-1} (projections: z and chi-square tests, fixed key)', () => {
    const eps = 0.2;
    const A = [
      [1 - (eps / 2) * Pm[0]![0]!, -(eps / 2) * Pm[0]![1]!],
      [-(eps / 2) * Pm[1]![0]!, 1 - (eps / 2) * Pm[1]![1]!],
    ];
    const m0 = [-2, 3];
    const v0 = 0.5;
    const n = 20000;
    const K = 10;
    const root = key(4103);
    const z = normal(foldIn(root, 0), [n, 2]);
    const x0 = ndarray(
      z.data.map((v, j) => m0[j % 2]! + Math.sqrt(v0) * v),
      [n, 2],
    );
    const { x } = chainWithKey(score, x0, { eps, steps: K }, foldIn(root, 1));
    let m = m0.map((v, i) => v - mu[i]!);
    let C = [
      [v0, 0],
      [0, v0],
    ];
    for (let k = 0; k < K; k++) {
      m = [A[0]![0]! * m[0]! + A[0]![1]! * m[1]!, A[1]![0]! * m[0]! + A[1]![1]! * m[1]!];
      C = mul(mul(A, C), tr(A)).map((row, i) => row.map((v, j) => v + (i === j ? eps : 0)));
    }
    const level = ALPHA / (2 * projections.length);
    for (const v of projections) {
      const proj = new Float64Array(n);
      for (let r = 0; r < n; r++) proj[r] = v[0]! * x.data[2 * r]! + v[1]! * x.data[2 * r + 1]!;
      const mean = v[0]! * (mu[0]! + m[0]!) + v[1]! * (mu[1]! + m[1]!);
      const variance = v[0]! * (C[0]![0]! * v[0]! + C[0]![1]! * v[1]!) + v[1]! * (C[1]![0]! * v[0]! + C[1]![1]! * v[1]!);
      expect(meanTestPValue(proj, mean, variance), `mean along ${v}`).toBeGreaterThan(level);
      expect(varianceTestPValue(proj, variance), `variance along ${v}`).toBeGreaterThan(level);
    }
  });

  test('langevin/step#multivariate: the stationary covariance C = Sigma (I - (eps/4) Sigma^{-1})^{-1} solves C = A C A^T + eps I, and a long chain matches it (projections, fixed key)', () => {
    const eps = 0.3;
    const A = [
      [1 - (eps / 2) * Pm[0]![0]!, -(eps / 2) * Pm[0]![1]!],
      [-(eps / 2) * Pm[1]![0]!, 1 - (eps / 2) * Pm[1]![1]!],
    ];
    // B = I - (eps/4) Sigma^{-1}; C = Sigma B^{-1}.
    const B = [
      [1 - (eps / 4) * Pm[0]![0]!, -(eps / 4) * Pm[0]![1]!],
      [-(eps / 4) * Pm[1]![0]!, 1 - (eps / 4) * Pm[1]![1]!],
    ];
    const detB = B[0]![0]! * B[1]![1]! - B[0]![1]! * B[1]![0]!;
    const Binv = [
      [B[1]![1]! / detB, -B[0]![1]! / detB],
      [-B[1]![0]! / detB, B[0]![0]! / detB],
    ];
    const C = mul(Sigma, Binv);
    const lyap = mul(mul(A, C), tr(A)).map((row, i) => row.map((v, j) => v + (i === j ? eps : 0)));
    // Entries of C, A C A^T are O(|C| = 1.5); det B = 0.0625 amplifies the rounding of B^{-1}
    // by its condition number (~16) and the products add 6 roundings: 16 * 10 EPS of |C|max.
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expectClose(lyap[i]![j]!, C[i]![j]!, { atol: 160 * EPS * 1.5 });
    const n = 10000;
    const root = key(4104);
    const x0 = ndarray(normal(foldIn(root, 0), [n, 2]).data.map((v, j) => mu[j % 2]! + v), [n, 2]);
    // The slowest mode of A is 1 - (eps/2) / 1.4 = 0.893: after 300 steps 0.893^300 < 1e-14.
    const { x } = chainWithKey(score, x0, { eps, steps: 300 }, foldIn(root, 1));
    const level = ALPHA / (2 * projections.length);
    for (const v of projections) {
      const proj = new Float64Array(n);
      for (let r = 0; r < n; r++) proj[r] = v[0]! * x.data[2 * r]! + v[1]! * x.data[2 * r + 1]!;
      const variance = v[0]! * (C[0]![0]! * v[0]! + C[0]![1]! * v[1]!) + v[1]! * (C[1]![0]! * v[0]! + C[1]![1]! * v[1]!);
      expect(meanTestPValue(proj, v[0]! * mu[0]! + v[1]! * mu[1]!, variance), `mean along ${v}`).toBeGreaterThan(level);
      expect(varianceTestPValue(proj, variance), `variance along ${v}`).toBeGreaterThan(level);
    }
  });
});

describe('against the NumPy reference', () => {
  test('langevin/step#reference: chain on the fixture\'s 2-D Gaussian matches NumPy\'s transcription of Eq. 4 step by step', () => {
    const f = fixture;
    const { eps, steps } = f.ula;
    const r = chain(linearScore(f.P, f.mu), fromRows(f.x0), { eps, steps, trajectory: 1 }, (k) => fromRows(f.ula.noise[k]!));
    const h = eps / 2;
    const c = Math.sqrt(eps);
    // ||I - h P||_2 <= rho: an error carried from step k is multiplied by at most rho per step.
    const rho = contraction2(f.P, h);
    expect(rho).toBeLessThan(1);
    const n = f.x0.length;
    let tol = 0;
    for (let k = 0; k < steps; k++) {
      let bound = 0;
      for (let p = 0; p < n; p++) {
        const x = f.ula.states[k]![p]!;
        for (let i = 0; i < 2; i++) {
          let pd = 0;
          let s = 0;
          for (let j = 0; j < 2; j++) {
            pd += Math.abs(f.P[i]![j]!) * Math.abs(x[j]! - f.mu[j]!);
            s -= f.P[i]![j]! * (x[j]! - f.mu[j]!);
          }
          const m = x[i]! + h * s;
          const cz = c * f.ula.noise[k]![p]![i]!;
          // Each implementation: the score (two differences, two products, a sum: 3 roundings on
          // |P||x - mu|), h s, + x, c z (2), + : EPS (|m| + |x'| + |h s| + 2|c z| + 3 h |P||x - mu|)
          // with EPS = 2u covering second order; both implementations, and sqrt(d) from the
          // max-norm to the 2-norm in which the errors propagate.
          bound = Math.max(bound, 2 * Math.SQRT2 * EPS * (Math.abs(m) + Math.abs(m + cz) + Math.abs(h * s) + 2 * Math.abs(cz) + 3 * h * pd));
        }
      }
      tol = rho * tol + bound;
      for (let p = 0; p < n; p++) {
        for (let i = 0; i < 2; i++) {
          expectClose(r.trajectory!.data[(k + 1) * n * 2 + p * 2 + i]!, f.ula.states[k + 1]![p]![i]!, { atol: tol }, { k, p, i });
        }
      }
    }
  });
});
