/**
 * The binomial forward posterior: Bayes' rule pointwise, and the point mass at t = 1.
 *
 * @see proofs/binomial/posterior.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { kernelLogProb, marginalLogProb, posterior } from '../../../src/core/binomial/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbBinomialSchedule } from '../../arbitraries/arb-binomial-schedule.js';
import { nd } from './support.js';

/** The eight triples (x_0, x_{t-1}, x_t) as three arrays of bits. */
const x0s = nd([0, 0, 0, 0, 1, 1, 1, 1], [8]);
const prevs = nd([0, 0, 1, 1, 0, 0, 1, 1], [8]);
const xts = nd([0, 1, 0, 1, 0, 1, 0, 1], [8]);
const flip = (x: { data: Float64Array }) => nd(Array.from(x.data, (v) => 1 - v), [8]);

describe("Bayes' rule", () => {
  test.prop([arbBinomialSchedule({ minT: 2, maxT: 40 }), fc.nat()])(
    'binomial/posterior#bayes: log q(x_{t-1}|x_t,x_0) = log q(x_t|x_{t-1}) + log q(x_{t-1}|x_0) - log q(x_t|x_0) at every triple of bits, and the two outcomes sum to 1',
    (s, k) => {
      const t = 2 + (k % (s.T - 1));
      const one = posterior(s, x0s, xts, t).data; // P(x_{t-1} = 1 | x_t, x_0)
      // P(x_{t-1} = 0 | x_t, x_0) = P(x_{t-1} = 1 | 1 - x_t, 1 - x_0): the process is symmetric under
      // flipping every bit, and this reads the small probability without cancellation.
      const zero = posterior(s, flip(x0s), flip(xts), t).data;
      const step = kernelLogProb(s, prevs, xts, t).data;
      const prior = marginalLogProb(s, x0s, prevs, t - 1).data;
      const evidence = marginalLogProb(s, x0s, xts, t).data;
      for (let i = 0; i < 8; i++) {
        const lhs = Math.log(prevs.data[i] === 1 ? one[i]! : zero[i]!);
        const rhs = step[i]! + prior[i]! - evidence[i]!;
        // Every log term is accurate to 2 EPS of its magnitude plus 6 EPS (the schedule's logs and
        // the kernel's), the posterior's log-sum-exp adds 3 roundings of terms of the same size,
        // and the final exp/log 2 EPS: 8 EPS per unit of the magnitudes involved covers it.
        const scale = Math.abs(step[i]!) + Math.abs(prior[i]!) + Math.abs(evidence[i]!) + Math.abs(lhs) + 1;
        expectClose(lhs, rhs, { atol: 8 * EPS * scale }, { t, triple: [x0s.data[i], prevs.data[i], xts.data[i]] });
        expectClose(one[i]! + zero[i]!, 1, { atol: 4 * EPS }, { t, i });
      }
    },
  );
});

describe('the first step', () => {
  test.prop([arbBinomialSchedule()])('binomial/posterior#first-step: at t = 1 the posterior is the point mass at x_0, exactly', (s) => {
    expect(Array.from(posterior(s, x0s, xts, 1).data)).toEqual(Array.from(x0s.data));
  });
});
