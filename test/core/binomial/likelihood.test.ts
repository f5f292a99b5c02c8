/**
 * The exact log-likelihood of a binomial diffusion model: against the sum over every path,
 * and normalized over x_0.
 *
 * @see proofs/binomial/likelihood.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { exactLogLikelihood } from '../../../src/core/binomial/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbBinomialSchedule } from '../../arbitraries/arb-binomial-schedule.js';
import { bitStates, bruteForce, modelTable, nd, tableModel } from './support.js';

describe('the reverse chain summed over every path', () => {
  test.prop([
    fc
      .record({ s: arbBinomialSchedule({ maxT: 5, minBeta: 1e-3 }), d: fc.integer({ min: 1, max: 2 }) })
      .chain(({ s, d }) =>
        fc.record({
          s: fc.constant(s),
          d: fc.constant(d),
          values: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: (s.T + 1) * 4 * d, maxLength: (s.T + 1) * 4 * d }),
        }),
      ),
  ])('binomial/likelihood#paths: exactLogLikelihood equals log sum over x_1..x_T of p(x_{0:T}) (an error where that sum is 0), and p(x_0) sums to 1 over the 2^d values of x_0', ({ s, d, values }) => {
    const S = 2 ** d;
    const table: Record<number, number[][]> = {};
    for (let t = 2; t <= s.T; t++) table[t] = Array.from({ length: S }, (_, j) => values.slice((t * S + j) * d, (t * S + j + 1) * d));
    const model = tableModel(table, d);
    const f = modelTable(s, model, d);
    const refs = Array.from({ length: S }, (_, x0) => bruteForce(s, f, x0, d).logp);
    if (refs.includes(-Infinity)) {
      // Some x_0 has probability 0 under this model (a table of certain bits): reported, not returned.
      expect(() => exactLogLikelihood(s, nd(bitStates(d), [S, d]), model)).toThrow(/`model`: expected a model under which every example has positive probability/);
      return;
    }
    const lp = exactLogLikelihood(s, nd(bitStates(d), [S, d]), model);
    let total = 0;
    for (let x0 = 0; x0 < S; x0++) {
      // Sums of products of T + d + 1 non-negative factors (probabilities 0 and 1 included): each path
      // or pair carries (T + d + 2) EPS relative, and so do the sums: 4 (T + d + 2) EPS relative in p.
      expectClose(lp[x0]!, refs[x0]!, { atol: 4 * (s.T + d + 2) * EPS }, { x0 });
      total += Math.exp(lp[x0]!);
    }
    expectClose(total, 1, { atol: 4 * (s.T + d + 2) * S * EPS });
  });
});
