/**
 * The bound K of Gaussian diffusion: the identity with minus the DDPM bound (elbo.vlb with a
 * Gaussian decoder) up to the named constants, the closed form for affine reverse kernels
 * (exact two-point quadrature against the 40-digit reference), tightness for N(0, I) data
 * with the exact kernels, the noise bookkeeping, and unbiasedness.
 *
 * @see proofs/nonequilibrium/bound.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { qSample } from '../../../src/core/ddpm/index.js';
import { vlb } from '../../../src/core/elbo/index.js';
import { boundK, type GaussianReverse } from '../../../src/core/nonequilibrium/index.js';
import { foldIn, key, normal } from '../../../src/core/random/index.js';
import { fromBetas, type Schedule } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { meanAndStdErr, Z_CRIT } from '../../_support/stats.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { affineModel, boundFixture, nd } from './support.js';

/** A nonlinear reverse mean with the forward variance beta_t: mu(x, t) = sqrt(alpha_t) x + amp sin(omega x + 0.3 t). */
function wavyModel(s: Schedule, amp: number, omega: number): GaussianReverse {
  return (xt, t) => ({
    mean: ndarray(Float64Array.from(xt.data, (v) => Math.sqrt(s.alpha[t]!) * v + amp * Math.sin(omega * v + 0.3 * t)), xt.shape.slice()),
    logVariance: ndarray(new Float64Array(xt.size).fill(Math.log(s.beta[t]!)), xt.shape.slice()),
  });
}

describe('K and the DDPM bound', () => {
  test.prop([
    arbSchedule({ minT: 2, maxT: 25 }),
    fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
    fc.double({ min: -0.5, max: 0.5, noNaN: true }),
    fc.double({ min: 0.2, max: 2, noNaN: true }),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  ])(
    'nonequilibrium/bound#vlb-identity: K(x_0) = -(L_T + sum_{t>=2} L_{t-1} + E L_0^edge) + (alphaBar_T + beta_1)(|x_0|^2 - D)/2 draw by draw, with elbo.vlb (fixedLarge, Gaussian decoder) at the same key',
    (s, values, amp, omega, seed) => {
      const n = 2;
      const D = 2;
      const x0 = nd(values, [n, D]);
      const model = wavyModel(s, amp, omega);
      // The same kernels as an eps model for elbo.vlb: eps = (x_t - sqrt(alpha_t) mu) sqrt(1 - alphaBar_t)/beta_t
      // (Ho et al. 2020, Eq. 11 inverted); at t = 1 the edge kernel N(sqrt(alpha_1) x_1, beta_1).
      const epsFn = (xt: Float64NdArray, t: number) => {
        const mu = t === 1 ? Float64Array.from(xt.data, (v) => Math.sqrt(s.alpha[1]!) * v) : model(xt, t).mean.data;
        return ndarray(Float64Array.from(xt.data, (v, i) => ((v - Math.sqrt(s.alpha[t]!) * mu[i]!) * s.sqrtOneMinusAlphaBar[t]!) / s.beta[t]!), xt.shape.slice());
      };
      const k = key(seed);
      const bound = boundK(s, x0, model, k);
      const ddpm = vlb(s, x0, epsFn, k, 'fixedLarge', { decoder: 'gaussian' });
      const T = s.T;
      const b1 = s.beta[1]!;
      for (let b = 0; b < n; b++) {
        let r2 = 0;
        for (let i = 0; i < D; i++) r2 += x0.data[b * D + i]! ** 2;
        // E over x_1 of -log N(x_0; sqrt(alpha_1) x_1, beta_1) = D/2 log(2 pi beta_1) + (beta_1 |x_0|^2 + D alpha_1)/2.
        const edge = (D / 2) * Math.log(2 * Math.PI * b1) + 0.5 * (b1 * r2 + D * s.alpha[1]!);
        const L = ddpm.total[b]! - ddpm.terms[b]! + edge; // terms[b] is example b's L_0 (t = 1)
        const C = 0.5 * (s.alphaBar[T]! + b1) * (r2 - D);
        // Rounding budget: each KL term is off by a few EPS of its log terms and of
        // (|mu~ - mu| + |x_t| + |mu| + |x_0|)^2 / (alpha_t sigma_t^2) (the eps round trip of vlb);
        // the constants and the other terms by a few EPS of their size: 16 EPS of the sum.
        let budget = Math.abs(bound.entropyT) + Math.abs(bound.entropy1) + Math.abs(bound.priorEntropy) + Math.abs(ddpm.total[b]!) + Math.abs(edge) + Math.abs(C);
        for (let t = 2; t <= T; t++) {
          const xt = qSample(s, x0, t, normal(foldIn(k, t), [n, D]));
          const mu = model(xt, t).mean.data;
          budget += Math.abs(ddpm.terms[(t - 1) * n + b]!);
          for (let i = b * D; i < (b + 1) * D; i++) {
            const big = Math.abs(xt.data[i]!) + 2 * Math.abs(mu[i]!) + 2 * Math.abs(x0.data[i]!);
            budget += (big * big) / (s.alpha[t]! * s.beta[t]!) + Math.abs(Math.log(s.beta[t]!)) + Math.abs(s.posteriorLogVarianceClipped[t]!) + 1;
          }
        }
        expectClose(bound.K[b]!, -L + C, { atol: 16 * EPS * budget }, { b, T });
      }
    },
  );
});

describe('affine reverse kernels in closed form', () => {
  /** K(x_0) exactly: the KL terms are quadratic in eps_t, so eps_t = +-1 (two-point Gauss-Hermite) is exact. */
  function exactK(s: Schedule, model: GaussianReverse | { mean: Float64NdArray; logVariance: Float64NdArray }, x0: number, noise?: Float64NdArray) {
    const pair = nd([x0, x0], [2, 1]);
    const T = s.T;
    const table = noise ?? nd(Array.from({ length: 2 * T }, (_, j) => (j % 2 === 0 ? 1 : -1)), [T, 2, 1]);
    const K = boundK(s, pair, model, table).K;
    return 0.5 * (K[0]! + K[1]!);
  }

  /** Rounding budget of K for an affine model: each KL a few EPS of its terms' sizes. */
  function budget(s: Schedule, a: readonly number[], b: readonly number[], l: readonly number[], x0: number): number {
    let sum = 3 * (1 + Math.log(2 * Math.PI)) + Math.abs(Math.log(s.beta[1]!)) + 10;
    for (let t = 2; t <= s.T; t++) {
      const big = (2 + Math.abs(a[t - 2]!)) * (Math.abs(x0) + 1) + Math.abs(b[t - 2]!);
      sum += (big * big) * Math.exp(-l[t - 2]!) + Math.abs(l[t - 2]!) + Math.abs(s.posteriorLogVarianceClipped[t]!) + 2;
    }
    return sum;
  }

  test('nonequilibrium/bound#closed-form: for affine kernels N(a_t x_t + b_t, e^{l_t}), K(x_0) matches the 40-digit closed form (function and array models alike)', () => {
    for (const c of boundFixture) {
      const s = fromBetas(c.betas);
      const model = affineModel(c.a, c.b, c.l);
      c.x0.forEach((x0, j) => {
        const got = exactK(s, model, x0);
        expectClose(got, c.K[j]!, { atol: 16 * EPS * budget(s, c.a, c.b, c.l, x0) }, { name: c.name, x0 });
        // The same kernels as arrays evaluated at the x_t of the noise rows.
        const T = s.T;
        const mean = new Float64Array(2 * T);
        const logVariance = new Float64Array(2 * T);
        for (let t = 2; t <= T; t++) {
          for (let e = 0; e < 2; e++) {
            const xt = s.sqrtAlphaBar[t]! * x0 + s.sqrtOneMinusAlphaBar[t]! * (e === 0 ? 1 : -1);
            mean[(t - 1) * 2 + e] = c.a[t - 2]! * xt + c.b[t - 2]!;
            logVariance[(t - 1) * 2 + e] = c.l[t - 2]!;
          }
        }
        const viaArrays = exactK(s, { mean: nd(mean, [T, 2, 1]), logVariance: nd(logVariance, [T, 2, 1]) }, x0);
        expect(viaArrays).toBe(got);
      });
    }
  });

  test('nonequilibrium/bound#gaussian-data: with the exact reverse kernels of N(0, 1) data, K(x_0) = log N(x_0; 0, 1) + (alphaBar_T + beta_1)(x_0^2 - 1)/2, so K averaged over the data is -1/2 log(2 pi e)', () => {
    for (const c of boundFixture.filter((f) => f.logNormalPlusConstant !== undefined)) {
      const s = fromBetas(c.betas);
      const model = affineModel(c.a, c.b, c.l);
      c.x0.forEach((x0, j) => {
        const want = -0.5 * (Math.log(2 * Math.PI) + x0 * x0) + 0.5 * (s.alphaBar[s.T]! + s.beta[1]!) * (x0 * x0 - 1);
        expectClose(c.logNormalPlusConstant![j]!, want, { atol: 8 * EPS * (Math.abs(want) + 2) }, { x0, check: 'fixture' });
        expectClose(exactK(s, model, x0), want, { atol: 16 * EPS * budget(s, c.a, c.b, c.l, x0) }, { x0 });
      });
    }
  });
});

describe('the Monte Carlo estimate', () => {
  test.prop([arbSchedule({ minT: 1, maxT: 12 }), fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 6, maxLength: 6 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })])(
    'nonequilibrium/bound#noise: eps_t from foldIn(key, t), from a function, or from row t - 1 of a [T, ...] array give the same K; klByStep and the entropy terms add up to the mean',
    (s, values, seed) => {
      const x0 = nd(values, [3, 2]);
      const model = wavyModel(s, 0.2, 1);
      const k = key(seed);
      const byKey = boundK(s, x0, model, k);
      const source = (t: number) => normal(foldIn(k, t), [3, 2]);
      const byFn = boundK(s, x0, model, source);
      const rows = new Float64Array(s.T * 6);
      for (let t = 2; t <= s.T; t++) rows.set(source(t).data, (t - 1) * 6);
      const byArray = boundK(s, x0, model, nd(rows, [s.T, 3, 2]));
      expect(Array.from(byFn.K)).toEqual(Array.from(byKey.K));
      expect(Array.from(byArray.K)).toEqual(Array.from(byKey.K));
      let kl = 0;
      let scale = 0;
      for (let t = 2; t <= s.T; t++) {
        kl += byKey.klByStep[t]!;
        scale += Math.abs(byKey.klByStep[t]!);
      }
      const constant = byKey.entropyT - byKey.entropy1 - byKey.priorEntropy;
      // Summation order differs (per example, then over examples): (T + 3) EPS of the magnitudes.
      expectClose(byKey.mean, -kl + constant, { atol: (s.T + 3) * EPS * (scale + Math.abs(constant) + Math.abs(byKey.mean)) });
      expect(byKey.meanBits).toBe(byKey.mean / Math.LN2);
    },
  );

  test('nonequilibrium/bound#unbiased: the mean of boundK over replicated examples at a fixed key is within Z_CRIT standard errors of the closed form', () => {
    const c = boundFixture.find((f) => f.name === 'linear-40')!;
    const s = fromBetas(c.betas);
    const reps = 4000;
    const x0 = new Float64Array(reps * c.x0.length);
    for (let r = 0; r < reps; r++) x0.set(c.x0, r * c.x0.length);
    const K = boundK(s, nd(x0, [x0.length, 1]), affineModel(c.a, c.b, c.l), key(40)).K;
    const diffs = Float64Array.from(K, (v, i) => v - c.K[i % c.x0.length]!);
    const { mean, stdErr } = meanAndStdErr(diffs);
    expect(Math.abs(mean), `mean difference ${mean}, standard error ${stdErr}`).toBeLessThan(Z_CRIT * stdErr);
  });
});
