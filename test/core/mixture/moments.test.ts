import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { covariance, create, mean } from '../../../src/core/mixture/index.js';
import { arbMixture } from '../../arbitraries/arb-mixture.js';
import { expectClose } from '../../_support/expect-close.js';
import { loadFixture, U } from './reference.js';

describe('mixture.mean and mixture.covariance', () => {
  test('mixture/moments#total-covariance: mean and covariance equal the 60-digit mpmath values (fixture)', () => {
    for (const c of loadFixture().cases) {
      const mix = create(c);
      const K = c.weights.length;
      const d = c.means[0]!.length;
      const m = mean(mix);
      const cov = covariance(mix);
      expect(m.shape).toEqual([d]);
      expect(cov.shape).toEqual([d, d]);
      const absMean = (i: number) => c.weights.reduce((s, w, k) => s + w * Math.abs(c.means[k]![i]!), 0);
      for (let i = 0; i < d; i++) {
        // sum_k w_k mu_k: K products and K - 1 sums, plus the normalization of w (K + 2 u each)
        // and the reference's rounding: (2K + 4) u sum |w mu|.
        expectClose(m.get(i), c.mean[i]!, { atol: (2 * K + 4) * U * absMean(i) + U * Math.abs(c.mean[i]!) }, { case: c.name, i });
        for (let j = 0; j < d; j++) {
          // Each term w_k (S_kij + c_ki c_kj): the centered means carry u |mu| + the mean's
          // error; products, sums and weights add (K + 6) roundings of the magnitudes.
          let mag = 0;
          for (let k = 0; k < K; k++) {
            const cki = Math.abs(c.means[k]![i]! - c.mean[i]!);
            const ckj = Math.abs(c.means[k]![j]! - c.mean[j]!);
            const dci = U * Math.abs(c.means[k]![i]!) + (2 * K + 4) * U * absMean(i);
            const dcj = U * Math.abs(c.means[k]![j]!) + (2 * K + 4) * U * absMean(j);
            mag += c.weights[k]! * ((K + 6) * U * (Math.abs(c.covs[k]![i]![j]!) + cki * ckj) + cki * dcj + ckj * dci);
          }
          expectClose(cov.get(i, j), c.covariance[i]![j]!, { atol: 2 * mag + U * Math.abs(c.covariance[i]![j]!) }, { case: c.name, i, j });
        }
      }
    }
  });

  test.prop([arbMixture({ maxDim: 4, maxComponents: 4 })])(
    'mixture/moments#total-covariance: the covariance is exactly symmetric and positive definite; one component gives mu and Sigma exactly',
    (mc) => {
      const cov = covariance(mc.mix);
      const d = mc.mix.dim;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(cov.get(i, j)).toBe(cov.get(j, i));
      // Positive definite: E[Cov[x|k]] alone is, and the between-component term is PSD.
      const rows = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => cov.get(i, j)));
      expect(() => create({ weights: [1], means: [new Array(d).fill(0)], covs: [rows] })).not.toThrow();
      const one = create({ weights: [1], means: [mc.spec.means[0]!], covs: [mc.spec.covs[0]!] });
      // w = 1 and c = mu - mu = 0: 0 + 1 (S + 0 * 0) = S and 0 + 1 mu = mu, with no rounding
      // (up to the sign of zero: -0 + 0 is +0).
      expect(Array.from(mean(one).data)).toEqual(mc.spec.means[0]!.map((v) => v + 0));
      expect(Array.from(covariance(one).data)).toEqual(Array.from(one.covs, (v) => v + 0));
    },
  );
});
