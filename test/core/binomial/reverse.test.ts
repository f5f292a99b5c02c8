/**
 * The binomial reverse kernel from per-bit probabilities, and the optimal factorized kernel
 * for a finite data distribution (against brute-force Bayes, the 50-digit reference, and as
 * the maximizer of K).
 *
 * @see proofs/binomial/reverse.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { boundKExact, fromBetas, optimalReverse, reverseLogProb, reverseSample, type BitModel } from '../../../src/core/binomial/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbBinomialSchedule } from '../../arbitraries/arb-binomial-schedule.js';
import { arbBitDistribution } from '../../arbitraries/arb-bit-distribution.js';
import { bitStates, boundFixture, exactReverseTable, modelTable, nd } from './support.js';

describe('the reverse kernel', () => {
  test.prop([fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 8 })])(
    'binomial/reverse#kernel: log p(x_{t-1}|x_t) = x log f + (1 - x) log(1 - f) per bit (an impossible bit is an error, not -Infinity), and x_{t-1} = 1{u < f}',
    (rows) => {
      const f = nd(rows.map((r) => r[0]));
      const u = nd(rows.map((r) => r[2]));
      const draw = reverseSample(f, u).data;
      rows.forEach(([p, bit, v], i) => {
        const one = nd([p]);
        const x = nd([bit ? 1 : 0]);
        if ((bit && p === 0) || (!bit && p === 1)) {
          expect(() => reverseLogProb(one, x)).toThrow(/binomial\.reverseLogProb: invalid argument `probs`/);
        } else {
          // log1p(-p) and log(1 - p) agree to 1 EPS absolute plus the rounding of 1 - p relative to 1 - p.
          const lp = reverseLogProb(one, x).data[0]!;
          expectClose(lp, bit ? Math.log(p) : Math.log(1 - p), { atol: p === 1 ? 0 : EPS / (1 - p) + EPS, rtol: EPS }, { p, bit });
        }
        expect(draw[i]).toBe(v < p ? 1 : 0);
      });
    },
  );
});

describe('the optimal reverse kernel', () => {
  test.prop([arbBinomialSchedule({ minT: 2, maxT: 8, minBeta: 1e-3 }), arbBitDistribution({ maxBits: 3 })])(
    'binomial/reverse#optimal: f_i(x_t, t) equals q(x_{t-1,i} = 1 | x_t) from the joint q(x_0, x_{t-1}, x_t) summed over every state',
    (s, dist) => {
      const { d, states, weights } = dist;
      const S = 2 ** d;
      const model = optimalReverse(s, nd(states, [S, d]), weights);
      const got = modelTable(s, model, d);
      const want = exactReverseTable(s, weights, d);
      for (let t = 2; t <= s.T; t++) {
        // Both sides are ratios of sums of positive products: a few EPS per factor. The library's
        // posterior weights go through log-sum-exp over d logs of size |log (1 - gamma)/2| <= |log beta_min|,
        // the brute force through (t + d) products per joint term: 16 (t + d (1 + 7)) EPS.
        const rtol = 16 * (t + 8 * d) * EPS;
        for (let j = 0; j < S * d; j++) expectClose(got[t]![j]!, want[t]![j]!, { rtol, atol: rtol * 1e-3 }, { t, j, d });
      }
    },
  );

  test('binomial/reverse#optimal: matches the 50-digit optimal tables of the reference', () => {
    for (const c of boundFixture) {
      const s = fromBetas(c.betas);
      const S = 2 ** c.d;
      const model = optimalReverse(s, nd(bitStates(c.d), [S, c.d]), c.weights);
      const got = modelTable(s, model, c.d);
      for (let t = 2; t <= s.T; t++) {
        const want = c.optimalModel[t]!.flat();
        // d log-weights of size <= 3, log-sum-exp and a weighted sum of S terms: 64 EPS relative.
        for (let j = 0; j < S * c.d; j++) expectClose(got[t]![j]!, want[j]!, { rtol: 64 * EPS }, { name: c.name, t, j });
      }
    }
  });

  test.prop([
    arbBinomialSchedule({ minT: 2, maxT: 6, minBeta: 1e-2 }),
    arbBitDistribution({ maxBits: 2 }),
    fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 6 * 8, maxLength: 6 * 8 }),
  ])('binomial/reverse#optimal: it maximizes the data-weighted K over factorized reverse kernels (a perturbed kernel never does better)', (s, dist, deltas) => {
    const { d, states, weights } = dist;
    const S = 2 ** d;
    const data = nd(states, [S, d]);
    const optimal = optimalReverse(s, data, weights);
    const perturbed: BitModel = (xt, t) => {
      const f = optimal(xt, t);
      const out = Float64Array.from(f.data, (p, j) => Math.min(0.999, Math.max(0.001, p + deltas[((t - 2) * 8 + j) % deltas.length]!)));
      return ndarray(out, f.shape.slice());
    };
    const weighted = (m: BitModel) => {
      const K = boundKExact(s, data, m).K;
      let acc = 0;
      let scale = 0;
      for (let j = 0; j < S; j++) {
        acc += weights[j]! * K[j]!;
        scale += weights[j]! * Math.abs(K[j]!);
      }
      return { acc, scale };
    };
    const best = weighted(optimal);
    const other = weighted(perturbed);
    // Each K is a sum of T 2^d d terms with a few EPS each: 64 EPS of the scale.
    expect(other.acc, `optimal ${best.acc}, perturbed ${other.acc}`).toBeLessThanOrEqual(best.acc + 64 * EPS * (best.scale + other.scale));
  });
});
