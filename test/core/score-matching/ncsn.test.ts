/**
 * The NCSN objective (Song and Ermon 2019, Eq. 5-6): the weighted average of the per-level
 * DSM terms (bit for bit), its minimum at the exact perturbed scores, and the per-point
 * level estimator of the NCSN code.
 *
 * @see proofs/score-matching/ncsn.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { create, perturb, sample, score as mixtureScore, type GaussianMixture } from '../../../src/core/mixture/index.js';
import { key, normal, split, uniform } from '../../../src/core/random/index.js';
import { geometricSigmas } from '../../../src/core/schedule/index.js';
import { denoising, ncsnObjective, ncsnObjectiveWithKey } from '../../../src/core/score-matching/index.js';
import { arbKey } from '../../arbitraries/arb-key.js';
import { arbLinearScore } from '../../arbitraries/arb-linear-score.js';
import { arbSigmaLadder } from '../../arbitraries/arb-sigma-ladder.js';
import { applyLinear, expectMean, nd } from './support.js';

/** A noise-conditional linear model s(x, sigma) = (A x + b) / sigma. */
function conditional(A: Float64Array, b: Float64Array, d: number) {
  return (y: Float64NdArray, sigma: number) => nd(applyLinear(A, b, y.data, y.shape[0]!, d).map((v) => v / sigma), y.shape.slice());
}

/** The exact noise-conditional score of q_sigma = p * N(0, sigma^2 I): mixture.score(perturb(p, sigma), x). */
function exactScore(mix: GaussianMixture) {
  const cache = new Map<number, GaussianMixture>();
  return (y: Float64NdArray, sigma: number) => {
    let q = cache.get(sigma);
    if (q === undefined) {
      q = perturb(mix, sigma);
      cache.set(sigma, q);
    }
    return mixtureScore(q, y);
  };
}

const lambdas = { default: undefined, 'lambda = 1 + sigma': (sigma: number) => 1 + sigma };

describe('the NCSN objective', () => {
  test.prop([
    arbLinearScore({ maxDim: 3, maxPoints: 4 }),
    arbSigmaLadder(),
    fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 60, maxLength: 60 }),
    fc.constantFrom(...(Object.keys(lambdas) as (keyof typeof lambdas)[])),
  ])(
    'score-matching/ncsn#weighted-denoising: l_i = (1/L) sum_c lambda(sigma_c) denoising_c(x_i), summed in order c = 1..L, bit for bit with the same noise',
    ({ d, n, A, b, x }, sigmas, zs, which) => {
      const L = sigmas.length;
      const z = Float64Array.from(zs.slice(0, L * n * d));
      const score = conditional(A, b, d);
      const lambda = lambdas[which];
      const X = nd(x, [n, d]);
      const r = ncsnObjective(score, X, sigmas, nd(z, [L, n, d]), lambda === undefined ? undefined : { lambda });
      const acc = new Float64Array(n);
      for (let c = 0; c < L; c++) {
        const sigma = sigmas[c]!;
        const dsm = denoising((y) => score(y, sigma), X, sigma, nd(z.slice(c * n * d, (c + 1) * n * d), [n, d]));
        const w = lambda === undefined ? sigma * sigma : lambda(sigma);
        for (let i = 0; i < n; i++) acc[i] = acc[i]! + w * dsm.perExample.get(i);
      }
      let sum = 0;
      for (let i = 0; i < n; i++) {
        expect(r.perExample.get(i)).toBe(acc[i]! / L);
        sum += acc[i]! / L;
      }
      expect(r.value).toBe(sum / n);
    },
  );

  test.prop([arbLinearScore({ maxDim: 3, maxPoints: 5 }), arbSigmaLadder(), fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 15, maxLength: 15 }), fc.array(fc.nat(), { minLength: 5, maxLength: 5 })])(
    'score-matching/ncsn#per-point-level: with labels, l_i = lambda(sigma_c) denoising at the single level c = labels[i], bit for bit',
    ({ d, n, A, b, x }, sigmas, zs, raw) => {
      const L = sigmas.length;
      const labels = raw.slice(0, n).map((k) => k % L);
      const z = Float64Array.from(zs.slice(0, n * d));
      const score = conditional(A, b, d);
      const r = ncsnObjective(score, nd(x, [n, d]), sigmas, nd(z, [n, d]), { labels });
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const sigma = sigmas[labels[i]!]!;
        const one = denoising((y) => score(y, sigma), nd(x.slice(i * d, (i + 1) * d), [1, d]), sigma, nd(z.slice(i * d, (i + 1) * d), [1, d]));
        expect(r.perExample.get(i)).toBe(sigma * sigma * one.perExample.get(0));
        sum += r.perExample.get(i);
      }
      expect(r.value).toBe(sum / n);
    },
  );

  test.prop([arbLinearScore({ maxDim: 2, maxPoints: 4 }), arbSigmaLadder(), arbKey(), fc.boolean()])(
    'score-matching/ncsn#per-point-level: ncsnObjectiveWithKey draws [k1, k2] = split(key), z from k1 and labels min(L - 1, floor(L u)) with u = uniform(k2, [n]), bit for bit',
    ({ d, n, A, b, x }, sigmas, k, perPointLevel) => {
      const L = sigmas.length;
      const score = conditional(A, b, d);
      const X = nd(x, [n, d]);
      const r = ncsnObjectiveWithKey(score, X, sigmas, k, { perPointLevel });
      const [k1, k2] = split(k, 2);
      let expected;
      if (perPointLevel) {
        const u = uniform(k2!, [n]).data;
        const labels = Array.from(u, (v) => Math.min(L - 1, Math.floor(L * v)));
        expected = ncsnObjective(score, X, sigmas, normal(k1!, [n, d]), { labels });
      } else {
        expected = ncsnObjective(score, X, sigmas, normal(k1!, [L, n, d]));
      }
      expect(r.value).toBe(expected.value);
      expect(Array.from(r.perExample.data)).toEqual(Array.from(expected.perExample.data));
    },
  );

  describe('the minimum at the exact perturbed scores', () => {
    const d = 2;
    const s0 = 0.6;
    const n = 20000;
    const sigmas = geometricSigmas(3, 0.05, 5);
    const gauss = create({ weights: [1], means: [[1, -1]], covs: s0 * s0 });
    // With lambda = sigma^2 and the exact score, each level's term is sigma^2 times the DSM
    // constant: d/2 - sigma^2 d / (2 (s0^2 + sigma^2)) = d s0^2 / (2 (s0^2 + sigma^2)).
    let minimum = 0;
    for (const sigma of sigmas) minimum += (d * s0 * s0) / (2 * (s0 * s0 + sigma * sigma)) / sigmas.length;

    const x = sample(gauss, key(20260601), n);
    const exact = exactScore(gauss);

    test('score-matching/ncsn#minimum: at the exact scores of q_sigma and lambda = sigma^2 the objective has mean (1/L) sum_c d s0^2 / (2 (s0^2 + sigma_c^2)) for p = N(mu, s0^2 I) (z-test at ALPHA)', () => {
      expectMean(ncsnObjectiveWithKey(exact, x, sigmas, key(20260602)).perExample.data, minimum, { levels: 'all' });
    });

    test('score-matching/ncsn#per-point-level: one uniform level per point estimates the same objective without bias (z-test at ALPHA against the Gaussian minimum)', () => {
      // The labels are uniform and independent of x and z, so E[lambda_c l_c] = (1/L) sum_c lambda_c l_c.
      expectMean(ncsnObjectiveWithKey(exact, x, sigmas, key(20260603), { perPointLevel: true }).perExample.data, minimum, { levels: 'one per point' });
    });

    const B = Float64Array.of(0.2, -0.1, 0.15, 0.3);
    const c = Float64Array.of(0.25, -0.2);
    const mixtures: Record<string, GaussianMixture> = {
      gaussian: gauss,
      mixture: create({ weights: [0.2, 0.8], means: [[-3, -3], [3, 3]], covs: 1 }),
    };
    let seed = 20260610;
    for (const [name, mix] of Object.entries(mixtures)) {
      test(`score-matching/ncsn#minimum: perturbing the exact scores by delta(x, sigma) = (B x + c) / sigma raises the objective by (1/L) sum_c lambda_c E|delta_c|^2 / 2 (${name} data; z-test at ALPHA) and never lowers it`, () => {
        const x = sample(mix, key(seed++), n);
        const exact = exactScore(mix);
        const perturbed = (y: Float64NdArray, sigma: number) => {
          const s = exact(y, sigma).data;
          const dl = applyLinear(B, c, y.data, y.shape[0]!, d);
          return nd(s.map((v, k) => v + dl[k]! / sigma), y.shape.slice());
        };
        const L = sigmas.length;
        const z = normal(key(seed++), [L, n, d]);
        const L0 = ncsnObjective(exact, x, sigmas, z);
        const L1 = ncsnObjective(perturbed, x, sigmas, z);
        const margin = new Float64Array(n);
        for (let k = 0; k < L; k++) {
          const sigma = sigmas[k]!;
          const xt = x.data.map((v, j) => v + sigma * z.data[k * n * d + j]!);
          const dl = applyLinear(B, c, xt, n, d);
          for (let i = 0; i < n; i++) {
            let e = 0;
            for (let j = i * d; j < (i + 1) * d; j++) e += (dl[j]! / sigma) ** 2;
            margin[i] = margin[i]! + (sigma * sigma * 0.5 * e) / L;
          }
        }
        const D = new Float64Array(n);
        // D_i = (1/L) sum_c sigma_c^2 delta_c . (grad log q_c(x~) + z / sigma_c): mean 0 (Tweedie).
        for (let i = 0; i < n; i++) D[i] = L1.perExample.get(i) - L0.perExample.get(i) - margin[i]!;
        expectMean(D, 0, { data: name });
        expect(L1.value).toBeGreaterThan(L0.value);
      });
    }
  });
});
