/**
 * The bound K of binomial diffusion: Eq. 14 against the definition over every trajectory,
 * K <= log p(x_0), when it is tight, the Monte Carlo estimate's bookkeeping and
 * unbiasedness, and the 50-digit reference.
 *
 * @see proofs/binomial/bound.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import {
  boundK,
  boundKExact,
  exactLogLikelihood,
  fromBetas,
  kernelSample,
  optimalReverse,
  posterior,
  type BinomialSchedule,
  type BitModel,
} from '../../../src/core/binomial/index.js';
import { foldIn, key, uniform } from '../../../src/core/random/index.js';
import { erasureBetas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { meanAndStdErr, Z_CRIT } from '../../_support/stats.js';
import { arbBinomialSchedule } from '../../arbitraries/arb-binomial-schedule.js';
import { arbBitDistribution } from '../../arbitraries/arb-bit-distribution.js';
import { bitStates, boundFixture, bruteForce, modelTable, nd, tableModel } from './support.js';

/** A random table model: probabilities in [lo, 1 - lo] for every step, state and bit. */
function arbTableModel(T: number, d: number, lo = 0.02): fc.Arbitrary<Record<number, number[][]>> {
  const S = 2 ** d;
  return fc.array(fc.double({ min: lo, max: 1 - lo, noNaN: true }), { minLength: (T + 1) * S * d, maxLength: (T + 1) * S * d }).map((v) => {
    const table: Record<number, number[][]> = {};
    for (let t = 2; t <= T; t++) table[t] = Array.from({ length: S }, (_, j) => v.slice((t * S + j) * d, (t * S + j + 1) * d));
    return table;
  });
}

/** A schedule, a number of bits and a random model for it. */
const arbCase = (maxT: number, maxBits: number) =>
  fc
    .record({ s: arbBinomialSchedule({ minT: 1, maxT, minBeta: 1e-3 }), d: fc.integer({ min: 1, max: maxBits }) })
    .chain(({ s, d }) => fc.record({ s: fc.constant(s), d: fc.constant(d), table: arbTableModel(s.T, d) }));

/** The magnitude of the summands of K for a model whose probabilities lie in [lo, 1 - lo]. */
function budget(s: BinomialSchedule, d: number, lo: number): number {
  // Per step and bit: |sum q log q| <= log 2 and |q1 log f + q0 log(1 - f)| <= -log lo; the entropy
  // terms are at most d log 2 each.
  return s.T * d * (Math.LN2 - Math.log(lo)) + 3 * d * Math.LN2 + 1;
}

describe('Eq. 14 against the definition', () => {
  test.prop([arbCase(5, 2)])(
    'binomial/bound#trajectory: boundKExact equals E_{q(x_{1:T}|x_0)} log[p(x_{0:T}) / q(x_{1:T}|x_0)] summed over every forward trajectory, for every x_0',
    ({ s, d, table }) => {
      const S = 2 ** d;
      const model = tableModel(table, d);
      const K = boundKExact(s, nd(bitStates(d), [S, d]), model).K;
      const f = modelTable(s, model, d);
      for (let x0 = 0; x0 < S; x0++) {
        const ref = bruteForce(s, f, x0, d);
        // Both sides add terms of magnitude <= the budget (library) and <= scale (brute force:
        // sum q (|log p| + |log q|)), each summand carrying a few EPS (T d products and logs): 16 EPS.
        expectClose(K[x0]!, ref.K, { atol: 16 * EPS * (budget(s, d, 0.02) + ref.scale) }, { x0, T: s.T, d });
      }
    },
  );

  test('binomial/bound#mpmath: boundKExact and exactLogLikelihood match the 50-digit trajectory sums, for a random and the optimal model', () => {
    for (const c of boundFixture) {
      const s = fromBetas(c.betas);
      const S = 2 ** c.d;
      const data = nd(bitStates(c.d), [S, c.d]);
      const models: [string, BitModel, { K: number[]; logLikelihood: number[] }][] = [
        ['random', tableModel(c.randomModel, c.d), c.random],
        ['optimal', optimalReverse(s, data, c.weights), c.optimal],
      ];
      for (const [label, model, want] of models) {
        const K = boundKExact(s, data, model).K;
        const lp = exactLogLikelihood(s, data, model);
        for (let j = 0; j < S; j++) {
          const ctx = { name: c.name, model: label, x0: j };
          // The random tables lie in [0.05, 0.95]; the optimal ones in [1e-3, 1 - 1e-3] for these schedules.
          expectClose(K[j]!, want.K[j]!, { atol: 16 * EPS * budget(s, c.d, 1e-3) }, ctx);
          // log of a sum over 4^d pairs per step of positive products: (T + d) 4 EPS relative to p, absolute in log.
          expectClose(lp[j]!, want.logLikelihood[j]!, { atol: 4 * (s.T + c.d + 2) * EPS, rtol: EPS }, ctx);
        }
      }
    }
  });
});

describe('a lower bound on the log-likelihood', () => {
  test.prop([arbCase(8, 3)])('binomial/bound#lower-bound: K(x_0) <= log p(x_0) for every x_0, for random reverse models', ({ s, d, table }) => {
    const S = 2 ** d;
    const model = tableModel(table, d);
    const data = nd(bitStates(d), [S, d]);
    const K = boundKExact(s, data, model).K;
    const lp = exactLogLikelihood(s, data, model);
    for (let j = 0; j < S; j++) {
      expect(K[j]!, `x0 ${j}: K ${K[j]}, log p ${lp[j]}`).toBeLessThanOrEqual(lp[j]! + 16 * EPS * budget(s, d, 0.02));
    }
  });

  test.prop([arbBinomialSchedule({ minT: 1, maxT: 12, minBeta: 1e-3 }), arbBitDistribution({ maxBits: 3 })])(
    'binomial/bound#lower-bound: K(x_0) <= log p(x_0) with the optimal reverse kernels of the data distribution',
    (s, dist) => {
      const { d, states, weights } = dist;
      const S = 2 ** d;
      const data = nd(states, [S, d]);
      const model = optimalReverse(s, data, weights);
      const K = boundKExact(s, data, model).K;
      const lp = exactLogLikelihood(s, data, model);
      for (let j = 0; j < S; j++) expect(K[j]!).toBeLessThanOrEqual(lp[j]! + 16 * EPS * budget(s, d, 1e-4));
    },
  );
});

describe('when the bound is tight', () => {
  test.prop([arbBinomialSchedule({ maxT: 20, minBeta: 1e-3 }), fc.integer({ min: 1, max: 3 })])(
    'binomial/bound#tight: for uniform data the optimal kernels are the exact reverse and K(x_0) = log p(x_0) = -d log 2 for every x_0',
    (s, d) => {
      const S = 2 ** d;
      const data = nd(bitStates(d), [S, d]);
      const model = optimalReverse(s, data);
      const bound = boundKExact(s, data, model);
      const lp = exactLogLikelihood(s, data, model);
      for (let j = 0; j < S; j++) {
        expectClose(bound.K[j]!, -d * Math.LN2, { atol: 16 * EPS * budget(s, d, 1e-4) }, { j });
        expectClose(lp[j]!, -d * Math.LN2, { atol: 4 * (s.T + d + 2) * EPS }, { j });
      }
    },
  );

  test('binomial/bound#tight: under the erasure schedule with the optimal kernels, E[log p - K] -> 0 at order 1/T (fitted from T = 64, 128, 256 within 0.15), for d = 1 and 2', () => {
    const cases = [
      { d: 1, weights: Float64Array.of(0.8, 0.2) },
      { d: 2, weights: Float64Array.of(0.5, 0.1, 0.15, 0.25) },
    ];
    for (const { d, weights } of cases) {
      const S = 2 ** d;
      const data = nd(bitStates(d), [S, d]);
      const gaps = [64, 128, 256].map((T) => {
        const s = fromBetas(erasureBetas(T));
        const model = optimalReverse(s, data, weights);
        const K = boundKExact(s, data, model).K;
        const lp = exactLogLikelihood(s, data, model);
        let gap = 0;
        for (let j = 0; j < S; j++) gap += weights[j]! * (lp[j]! - K[j]!);
        return gap;
      });
      for (let i = 0; i + 1 < gaps.length; i++) {
        const order = Math.log2(gaps[i]! / gaps[i + 1]!);
        expect(Math.abs(order - 1), `d ${d}: gaps ${gaps.join(', ')}, fitted order ${order}`).toBeLessThan(0.15);
      }
    }
  });

  test('binomial/bound#tight: for one bit, T (log p - K) -> (r - 1 - log r)/2 with r = q(1 - x_0)/q(x_0), the correction halving with T', () => {
    const weights = Float64Array.of(0.8, 0.2);
    const data = nd([0, 1], [2, 1]);
    const errors = [256, 512, 1024].map((T) => {
      const s = fromBetas(erasureBetas(T));
      const model = optimalReverse(s, data, weights);
      const K = boundKExact(s, data, model).K;
      const lp = exactLogLikelihood(s, data, model);
      return [0, 1].map((j) => {
        const r = weights[1 - j]! / weights[j]!;
        return T * (lp[j]! - K[j]!) - 0.5 * (r - 1 - Math.log(r));
      });
    });
    for (let i = 0; i + 1 < errors.length; i++) {
      for (const j of [0, 1]) {
        // The leading term is exact and the next one is O(1/T): the error halves with T.
        const order = Math.log2(errors[i]![j]! / errors[i + 1]![j]!);
        expect(Math.abs(order - 1), `x0 ${j}: errors ${errors.map((e) => e[j]).join(', ')}`).toBeLessThan(0.1);
      }
    }
  });
});

describe('the Monte Carlo estimate', () => {
  test.prop([arbCase(6, 2), fc.integer({ min: 0, max: 2 ** 32 - 1 })])(
    'binomial/bound#noise: boundK is Eq. 14 along the trajectory x_t = kernelSample(x_{t-1}, u_t), with u_t from foldIn(key, t), a function, or a [T, n, d] array alike',
    ({ s, d, table }, seed) => {
      const S = 2 ** d;
      const data = nd(bitStates(d), [S, d]);
      const model = tableModel(table, d);
      const k = key(seed);
      const byKey = boundK(s, data, model, k);
      const source = (t: number) => uniform(foldIn(k, t), [S, d]);
      const byFn = boundK(s, data, model, source);
      const all = new Float64Array(s.T * S * d);
      for (let t = 1; t <= s.T; t++) all.set(source(t).data, (t - 1) * S * d);
      const byArray = boundK(s, data, model, ndarray(all, [s.T, S, d]));
      expect(Array.from(byFn.K)).toEqual(Array.from(byKey.K));
      expect(Array.from(byArray.K)).toEqual(Array.from(byKey.K));
      // Rebuild the estimate from the public pieces: the trajectory, the posterior, the model.
      const ref = new Float64Array(S);
      let x = data;
      for (let t = 1; t <= s.T; t++) {
        x = kernelSample(s, x, t, source(t));
        if (t === 1) continue;
        const post = posterior(s, data, x, t).data;
        const f = model(x, t).data;
        for (let i = 0; i < S * d; i++) {
          const q = post[i]!;
          const p = f[i]!;
          const kl = (q > 0 ? q * Math.log(q / p) : 0) + (q < 1 ? (1 - q) * Math.log((1 - q) / (1 - p)) : 0);
          ref[Math.floor(i / d)] -= kl;
        }
      }
      const h = (p: number) => (p <= 0 || p >= 1 ? 0 : -p * Math.log(p) - (1 - p) * Math.log(1 - p));
      const constant = d * (h((1 - s.gamma[s.T]!) / 2) - h(s.beta[1]! / 2) - Math.LN2);
      for (let j = 0; j < S; j++) {
        // The reference forms log(q/p) directly (2 roundings per log of size <= -log 0.02 <= 4, and
        // (1 - q) loses up to EPS/(1 - q) relative, which multiplies a factor (1 - q)): 16 EPS per term.
        expectClose(byKey.K[j]!, ref[j]! + constant, { atol: 16 * EPS * budget(s, d, 0.02) }, { j });
      }
    },
  );

  test('binomial/bound#unbiased: the mean of boundK over replicated examples at a fixed key is within Z_CRIT standard errors of boundKExact', () => {
    const s = fromBetas(erasureBetas(20));
    const d = 3;
    const S = 2 ** d;
    const table: Record<number, number[][]> = {};
    let seedish = 7;
    for (let t = 2; t <= s.T; t++) {
      table[t] = Array.from({ length: S }, () =>
        Array.from({ length: d }, () => {
          seedish = (seedish * 48271) % 2147483647; // a fixed table, not a random draw
          return 0.05 + 0.9 * (seedish / 2147483647);
        }),
      );
    }
    const model = tableModel(table, d);
    const states = bitStates(d);
    const exact = boundKExact(s, nd(states, [S, d]), model).K;
    const reps = 1500;
    const x0 = new Float64Array(reps * S * d);
    for (let r = 0; r < reps; r++) x0.set(states, r * S * d);
    const mc = boundK(s, nd(x0, [reps * S, d]), model, key(1503)).K;
    const diffs = Float64Array.from(mc, (v, b) => v - exact[b % S]!);
    const { mean, stdErr } = meanAndStdErr(diffs);
    expect(Math.abs(mean), `mean difference ${mean}, standard error ${stdErr}`).toBeLessThan(Z_CRIT * stdErr);
  });
});
