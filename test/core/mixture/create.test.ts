import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { DiffusionError, DTypeError, InvalidArgumentError, ShapeError } from '../../../src/core/errors.js';
import { create, logPdf } from '../../../src/core/mixture/index.js';
import { arbMixture } from '../../arbitraries/arb-mixture.js';
import { expectClose } from '../../_support/expect-close.js';
import { analyze, nd, U } from './reference.js';

describe('mixture.create: the precomputed record', () => {
  test.prop([arbMixture({ maxDim: 5, maxComponents: 4 })])(
    'mixture/create#cholesky: L_k is lower triangular with a positive diagonal and L_k L_k^T = Sigma_k within gamma_{d+1} |L_k||L_k^T|',
    (mc) => {
      const { mix } = mc;
      const d = mix.dim;
      const an = analyze(mc.spec);
      for (let k = 0; k < mix.components; k++) {
        const off = k * d * d;
        const L = (i: number, j: number) => mix.cholesky[off + i * d + j]!;
        for (let i = 0; i < d; i++) {
          expect(L(i, i)).toBeGreaterThan(0);
          for (let j = i + 1; j < d; j++) expect(L(i, j)).toBe(0);
        }
        for (let i = 0; i < d; i++) {
          for (let j = 0; j < d; j++) {
            let llt = 0;
            let abs = 0;
            for (let m = 0; m < d; m++) {
              llt += L(i, m) * L(j, m);
              abs += Math.abs(L(i, m) * L(j, m));
            }
            // Higham (2002), Thm 10.3: the computed factor satisfies L L^T = S + dS with
            // |dS| <= gamma_{d+1} |L||L^T|; re-forming L L^T adds gamma_d |L||L^T|.
            // Products and sums in the subnormal range err by MIN_VALUE / 2 each instead.
            const tol = (2 * d + 1) * 2 * U * abs + (2 * d + 1) * Number.MIN_VALUE;
            expectClose(llt, mix.covs[off + i * d + j]!, { atol: tol }, { k, i, j });
          }
        }
        // log det: 2 sum log L_ii against the sum of log-eigenvalues (Jacobi). The backward error
        // moves log det by <= d gamma_{d+1} kappa; the logs and sums add (d + 1) u |log L_ii| each.
        const kap = an.kappa[k]!;
        let absLogs = 0;
        for (let i = 0; i < d; i++) absLogs += 2 * Math.abs(Math.log(L(i, i)));
        const tol = 2 * d * (d + 1) * 2 * U * kap + 2 * (d + 1) * U * absLogs + 4 * d * U * kap;
        expectClose(mix.logDets[k]!, an.logDet[k]!, { atol: tol }, { k, kappa: kap });
      }
    },
  );

  test.prop([
    fc.array(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 8 }),
    fc.double({ min: 1e-100, max: 1e100, noNaN: true }),
  ])('mixture/create#weights: weights are normalized (sum 1 within K u, ratios kept), log-weights and the CDF follow', (raw, scale) => {
    const weights = raw.map((w) => w * scale);
    const mix = create({ weights, means: weights.map((_, k) => [k]), covs: 1 });
    const K = weights.length;
    let sum = 0;
    for (let k = 0; k < K; k++) sum += mix.weights[k]!;
    // Normalizing costs two divisions per weight (by the max, by the sum) and the sum K - 1
    // roundings: |sum - 1| <= (K + 2) u, rounded up to 2 (K + 2) u for the check's own sum.
    expectClose(sum, 1, { atol: 2 * (K + 2) * U });
    for (let k = 0; k < K; k++) {
      // Ratios: w_k / w_0 survives within 4 divisions and the product with scale: 6 u.
      expectClose(mix.weights[k]! / mix.weights[0]!, raw[k]! / raw[0]!, { rtol: 8 * U });
      expect(mix.logWeights[k]).toBe(Math.log(mix.weights[k]!));
      if (k > 0) expect(mix.cumulativeWeights[k]!).toBeGreaterThanOrEqual(mix.cumulativeWeights[k - 1]!);
    }
    expect(mix.cumulativeWeights[K - 1]).toBe(1);
  });

  test('mixture/create#weights: the four forms of covs and the two of means give the same mixture', () => {
    const base = create({ weights: [1, 3], means: [[0, 1], [2, -1]], covs: [[[2, 0], [0, 2]], [[2, 0], [0, 2]]] });
    const variants = [
      create({ weights: [1, 3], means: [[0, 1], [2, -1]], covs: 2 }),
      create({ weights: [1, 3], means: [[0, 1], [2, -1]], covs: [2, 2] }),
      create({ weights: Float64Array.from([1, 3]), means: nd([[0, 1], [2, -1]]), covs: Float64Array.from([2, 2]) }),
      create({ weights: [0.25, 0.75], means: [[0, 1], [2, -1]], covs: ndarray(Float64Array.from([2, 2]), [2]) }),
      create({ weights: [2, 6], means: [[0, 1], [2, -1]], covs: ndarray(Float64Array.from([2, 0, 0, 2, 2, 0, 0, 2]), [2, 2, 2]) }),
    ];
    for (const v of variants) {
      for (const f of ['weights', 'means', 'covs', 'cholesky', 'logDets', 'logNormalizers', 'cumulativeWeights'] as const) {
        expect(v[f]).toEqual(base[f]);
      }
    }
  });
});

describe('mixture.create: records are frozen copies', () => {
  test('the record is frozen and does not alias its inputs', () => {
    const weights = [1, 1];
    const means = [[0], [1]];
    const covs = [[[1]], [[2]]];
    const mix = create({ weights, means, covs });
    expect(Object.isFrozen(mix)).toBe(true);
    const before = logPdf(mix, nd([0.5])).get();
    weights[0] = 100;
    means[0]![0] = 50;
    covs[0]![0]![0] = 9;
    expect(logPdf(mix, nd([0.5])).get()).toBe(before);
    const data = Float64Array.from([0, 1]);
    const m2 = create({ weights: [1, 1], means: ndarray(data, [2, 1]), covs: 1 });
    data[0] = 7;
    expect(m2.means[0]).toBe(0);
  });

  test('an input symmetric to 1e-12 is accepted and stored symmetrized; exact symmetry is kept bit for bit', () => {
    const s = 1 + 1e-13;
    const mix = create({ weights: [1], means: [[0, 0]], covs: [[[2, s], [1, 3]]] });
    expect(mix.covs[1]).toBe(mix.covs[2]);
    expect(mix.covs[1]).toBe(s / 2 + 1 / 2);
    const exact = create({ weights: [1], means: [[0, 0]], covs: [[[2, 0.3], [0.3, 3]]] });
    expect(exact.covs[1]).toBe(0.3);
  });
});

describe('mixture/create#validation: clear errors naming the argument', () => {
  const good = { weights: [0.5, 0.5], means: [[0, 0], [1, 1]], covs: 1 };
  const cases: [string, unknown, new (...args: never[]) => DiffusionError, string, RegExp][] = [
    ['not PD', { ...good, covs: [[[1, 2], [2, 1]], [[1, 0], [0, 1]]] }, InvalidArgumentError, 'covs', /positive definite/],
    ['singular', { ...good, covs: [[[1, 1], [1, 1]], [[1, 0], [0, 1]]] }, InvalidArgumentError, 'covs', /positive definite/],
    ['asymmetric', { ...good, covs: [[[1, 0.5], [0.4, 1]], [[1, 0], [0, 1]]] }, InvalidArgumentError, 'covs', /symmetric/],
    ['zero variance', { ...good, covs: [1, 0] }, InvalidArgumentError, 'covs', /positive finite variances/],
    ['NaN in covs', { ...good, covs: [[[1, 0], [0, NaN]], [[1, 0], [0, 1]]] }, InvalidArgumentError, 'covs', /finite/],
    ['negative weight', { ...good, weights: [-1, 2] }, InvalidArgumentError, 'weights', /positive/],
    ['zero weight', { ...good, weights: [0, 1] }, InvalidArgumentError, 'weights', /positive/],
    ['no weights', { ...good, weights: [] }, InvalidArgumentError, 'weights', /at least one/],
    ['Float32Array weights', { ...good, weights: new Float32Array([1, 1]) }, DTypeError, 'weights', /Float64Array/],
    ['means count', { ...good, means: [[0, 0]] }, ShapeError, 'means', /expected shape \[2\]/],
    ['ragged means', { ...good, means: [[0, 0], [1]] }, ShapeError, 'means', /shape/],
    ['Inf mean', { ...good, means: [[0, Infinity], [1, 1]] }, InvalidArgumentError, 'means', /finite/],
    ['covs shape', { ...good, covs: ndarray(new Float64Array(8), [2, 2, 2]).pick(null, null, 0) }, ShapeError, 'covs', /expected shape \[2, 2, 2\]/],
    ['zero variance in an ndarray', { ...good, covs: ndarray(Float64Array.from([1, 0]), [2]) }, InvalidArgumentError, 'covs', /positive finite variances/],
    ['covs wrong d', { ...good, covs: ndarray(new Float64Array(18), [2, 3, 3]) }, ShapeError, 'covs', /expected shape \[2, 2, 2\]/],
    ['spec not an object', 3, InvalidArgumentError, 'spec', /weights, means, covs/],
  ];
  for (const [name, spec, type, argument, message] of cases) {
    test(`mixture/create#validation: ${name}`, () => {
      let thrown: unknown;
      try {
        create(spec as never);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(type);
      expect((thrown as DiffusionError).argument).toBe(argument);
      expect((thrown as DiffusionError).api).toBe('mixture.create');
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).toMatch(new RegExp(`^mixture\\.create: invalid argument \`${argument}\``));
    });
  }
});
