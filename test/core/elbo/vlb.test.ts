/**
 * The whole bound: its bookkeeping (total = L_T + sum of terms, the terms are `term`'s
 * sums, the key's noise), the closed form for Gaussian data (exact quadrature and Monte
 * Carlo), the upper bound on the data's entropy and its tight case, and the unbiased
 * single-step estimator.
 *
 * @see proofs/elbo/vlb.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { qSample } from '../../../src/core/ddpm/index.js';
import { priorKL, term, vlb, vlbEstimate } from '../../../src/core/elbo/index.js';
import { foldIn, key, normal } from '../../../src/core/random/index.js';
import { fromBetas, linearBetas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { meanAndStdErr, Z_CRIT } from '../../_support/stats.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { nd } from '../ddpm/support.js';
import { exactEps, gaussianDataFixture, quadrature } from './gaussian-data.js';

/** 8-bit pixels 2k/255 - 1. */
const pixel = fc.integer({ min: 0, max: 255 }).map((k) => (2 * k) / 255 - 1);

describe('bookkeeping', () => {
  test.prop([
    arbSchedule({ maxT: 30 }),
    fc.integer({ min: 1, max: 3 }).chain((B) => fc.tuple(fc.constant(B), fc.array(pixel, { minLength: 2 * B, maxLength: 2 * B }))),
    fc.constantFrom('fixedSmall' as const, 'fixedLarge' as const),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  ])(
    'elbo/vlb#sum: total = priorKL + sum_t terms exactly; terms are the sums of term(); the key draws eps_t = normal(foldIn(key, t))',
    (s, [B, pixels], kind, seed) => {
      const x0 = nd(pixels, [B, 2]);
      const k = key(seed);
      // A model that is wrong on purpose: 0.3 x_t - 0.1, so that every term is non-trivial.
      const model = (xt: { data: Float64Array; shape: number[] }) => nd(xt.data.map((x) => 0.3 * x - 0.1), xt.shape.slice());
      const bound = vlb(s, x0, model, k, kind);
      const viaNoiseFn = vlb(s, x0, model, (t) => normal(foldIn(k, t), [B, 2]), kind);
      expect(Array.from(viaNoiseFn.total)).toEqual(Array.from(bound.total));
      const prior = priorKL(s, x0);
      for (let b = 0; b < B; b++) {
        expect(bound.priorKL[b]).toBe(prior.data[2 * b]! + prior.data[2 * b + 1]!);
        let acc = bound.priorKL[b]!;
        for (let t = 1; t <= s.T; t++) acc += bound.terms[(t - 1) * B + b]!;
        expect(bound.total[b]).toBe(acc);
        expect(bound.bitsPerDim[b]).toBe(bound.total[b]! / (2 * Math.LN2));
      }
      for (let t = 1; t <= s.T; t++) {
        const xt = qSample(s, x0, t, normal(foldIn(k, t), [B, 2]));
        const elementwise = term(s, x0, xt, t, model(xt), kind);
        for (let b = 0; b < B; b++) expect(bound.terms[(t - 1) * B + b]).toBe(elementwise.data[2 * b]! + elementwise.data[2 * b + 1]!);
      }
    },
  );
});

describe('Gaussian data: the closed form', () => {
  test('elbo/vlb#gaussian-data: exact quadrature of vlb equals the 40-digit expectations term by term, for both variances', () => {
    for (const c of gaussianDataFixture) {
      const s = fromBetas(c.betas);
      const qd = quadrature(s, c.m, c.v, c.variance);
      const ctx = { name: c.name, variance: c.variance };
      expectClose(qd.priorKL, c.priorKL, { atol: qd.priorTol }, ctx);
      for (let t = 1; t <= s.T; t++) expectClose(qd.terms[t - 1]!, c.terms[t - 1]!, { atol: qd.termTols[t - 1]! }, { ...ctx, t });
      expectClose(qd.total, c.total, { atol: qd.totalTol }, ctx);
    }
  });

  test('elbo/vlb#gaussian-data: the Monte Carlo mean of vlb at a fixed key is within Z_CRIT standard errors of the closed form', () => {
    const c = gaussianDataFixture.find((k) => k.name === 'random-20' && k.variance === 'fixedLarge')!;
    const s = fromBetas(c.betas);
    const n = 20000;
    const root = key(314159);
    const x0 = normal(foldIn(root, 0), [n, 1]);
    for (let i = 0; i < n; i++) x0.data[i] = c.m + Math.sqrt(c.v) * x0.data[i]!;
    const bound = vlb(s, x0, exactEps(s, c.m, c.v), foldIn(root, 1), c.variance, { decoder: 'gaussian' });
    const { mean, stdErr } = meanAndStdErr(bound.total);
    expect(Math.abs(mean - c.total), `mean ${mean}, expected ${c.total}, standard error ${stdErr}`).toBeLessThan(Z_CRIT * stdErr);
  });
});

describe('an upper bound on the negative log-likelihood', () => {
  test.prop([
    arbSchedule({ minT: 2, maxT: 40 }),
    fc.double({ min: -2, max: 2, noNaN: true }),
    fc.double({ min: 0.01, max: 4, noNaN: true }),
    fc.constantFrom('fixedSmall' as const, 'fixedLarge' as const),
  ])(
    'elbo/vlb#upper-bound: with the continuous decoder, E[bound] >= the entropy 1/2 log(2 pi e v) of N(m, v) data, for any schedule and variance',
    (s, m, v, kind) => {
      const qd = quadrature(s, m, v, kind);
      const entropy = 0.5 * Math.log(2 * Math.PI * Math.E * v);
      // E[bound] - H = E KL(q(x_{1:T}|x_0) || p_theta(x_{1:T}|x_0)) + KL(q(x_0) || p_theta(x_0)) >= 0, up to
      // the quadrature's rounding budget.
      expect(qd.total - entropy, `total ${qd.total}, entropy ${entropy}, tolerance ${qd.totalTol}`).toBeGreaterThanOrEqual(-qd.totalTol - 2 * EPS * Math.abs(entropy));
    },
  );

  test('elbo/vlb#upper-bound: tight for N(0, 1) data with fixedLarge and the exact eps (the reverse kernels are exact)', () => {
    for (const s of [fromBetas(linearBetas(100, 1e-3, 0.3)), fromBetas(linearBetas(1000)), fromBetas(new Float64Array([0, 0.5]))]) {
      const qd = quadrature(s, 0, 1, 'fixedLarge');
      expectClose(qd.total, 0.5 * Math.log(2 * Math.PI * Math.E), { atol: qd.totalTol + 2 * EPS }, { T: s.T });
      // fixedSmall is not tight there for T >= 2: its sigma_t^2 = beta-tilde_t < beta_t misses the true
      // reverse variance (for T = 1 both choices give sigma_1^2 = beta_1).
      if (s.T >= 2) {
        const small = quadrature(s, 0, 1, 'fixedSmall');
        expect(small.total - 0.5 * Math.log(2 * Math.PI * Math.E)).toBeGreaterThan(small.totalTol);
      }
    }
  });
});

describe('the single-step estimator', () => {
  test.prop([
    arbSchedule({ maxT: 20 }),
    fc.integer({ min: 1, max: 3 }).chain((B) => fc.tuple(fc.constant(B), fc.array(pixel, { minLength: B, maxLength: B }))),
    fc.constantFrom('fixedSmall' as const, 'fixedLarge' as const),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  ])('elbo/vlb#unbiased: the mean over t = 1..T of L_T + T L_{t-1} (same noise) is the bound', (s, [B, pixels], kind, seed) => {
    const x0 = nd(pixels, [B, 1]);
    const k = key(seed);
    const model = (xt: { data: Float64Array; shape: number[] }) => nd(xt.data.map((x) => 0.5 * x + 0.2), xt.shape.slice());
    const bound = vlb(s, x0, model, k, kind);
    const average = new Float64Array(B);
    let magnitude = 0;
    for (let t = 1; t <= s.T; t++) {
      const xt = qSample(s, x0, t, normal(foldIn(k, t), [B, 1]));
      const estimate = vlbEstimate(s, x0, new Array<number>(B).fill(t), xt, model(xt), kind);
      for (let b = 0; b < B; b++) {
        average[b] += estimate[b]! / s.T;
        magnitude = Math.max(magnitude, Math.abs(estimate[b]!));
      }
    }
    // (1/T) sum_t (L_T + T L_{t-1}) = L_T + sum_t L_{t-1}; the same terms, summed in another order with a
    // division and a product by T: (T + 3) EPS of the largest estimate.
    for (let b = 0; b < B; b++) expectClose(average[b]!, bound.total[b]!, { atol: (s.T + 3) * EPS * magnitude }, { T: s.T, b });
  });
});
