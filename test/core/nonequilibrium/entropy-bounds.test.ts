/**
 * The bounds on the conditional entropy of each reverse step: their closed forms (against
 * the definition in conditional entropies and the 40-digit reference), and against the
 * exact conditional entropy for Gaussian data, where they hold, fail and are attained.
 *
 * @see proofs/nonequilibrium/entropy-bounds.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { entropy } from '../../../src/core/gaussian/index.js';
import { entropyBounds } from '../../../src/core/nonequilibrium/index.js';
import { fromBetas, type Schedule } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { entropyFixture } from './support.js';

/** H_q(X^{t-1} | X^t) for N(m, s2) data in one coordinate: 1/2 log(2 pi e v_{t-1} beta_t / v_t), v_t = alphaBar_t s2 + 1 - alphaBar_t. */
function exactEntropy(s: Schedule, s2: number, t: number): number {
  const v = (k: number) => s.alphaBar[k]! * s2 + s.oneMinusAlphaBar[k]!;
  return 0.5 * (1 + Math.log(2 * Math.PI) + Math.log(v(t - 1)) + Math.log(s.beta[t]!) - Math.log(v(t)));
}

describe('the closed forms', () => {
  test.prop([arbSchedule({ minT: 2, maxT: 60 }), fc.integer({ min: 1, max: 1000 })])(
    'nonequilibrium/entropy-bounds#closed-form: lower = H(X^t|X^{t-1}) + H(X^{t-1}|X^0) - H(X^t|X^0), upper = H(X^t|X^{t-1}), upperAnyData = upper - dim/2 log alpha_t, from gaussian.entropy of the forward variances',
    (s, dim) => {
      const b = entropyBounds(s, dim);
      // t = 0 and t = 1 are not reverse steps a model learns: unused, 0.
      for (const t of [0, 1]) expect([b.lower[t], b.upper[t], b.upperAnyData[t]]).toEqual([0, 0, 0]);
      for (let t = 2; t <= s.T; t++) {
        const step = dim * entropy(Math.log(s.beta[t]!));
        const logAlpha = Math.log1p(-s.beta[t]!);
        // Each side sums at most four entropies of size |h|, each within 2 EPS of its own size.
        expectClose(b.upper[t]!, step, { atol: 4 * EPS * (Math.abs(step) + dim) }, { t });
        expectClose(b.upperAnyData[t]!, step - (dim / 2) * logAlpha, { atol: 4 * EPS * (Math.abs(step) + dim * (2 + Math.abs(logAlpha))) }, { t });
        const prev = dim * entropy(Math.log(s.oneMinusAlphaBar[t - 1]!));
        const cur = dim * entropy(Math.log(s.oneMinusAlphaBar[t]!));
        // 1 - alphaBar carries 3 EPS relative (schedule/from-betas): 3 EPS absolute in its log, per coordinate.
        const tol = 8 * EPS * (Math.abs(step) + Math.abs(prev) + Math.abs(cur) + 4 * dim);
        expectClose(b.lower[t]!, step + prev - cur, { atol: tol }, { t });
      }
    },
  );

  test('nonequilibrium/entropy-bounds#closed-form: the bounds match the 40-digit reference', () => {
    for (const c of entropyFixture) {
      const b = entropyBounds(fromBetas(c.betas));
      for (let t = 2; t <= c.lower.length; t++) {
        const ctx = { name: c.name, t };
        // 1/2 (1 + log 2 pi + log v) with log v accurate to 7 EPS absolute (beta-tilde's 7 EPS relative).
        expectClose(b.lower[t]!, c.lower[t - 1]!, { atol: 8 * EPS, rtol: 2 * EPS }, ctx);
        expectClose(b.upper[t]!, c.upper[t - 1]!, { atol: 2 * EPS, rtol: 2 * EPS }, ctx);
        expectClose(b.upperAnyData[t]!, c.upperAnyData[t - 1]!, { atol: 4 * EPS, rtol: 2 * EPS }, ctx);
      }
    }
  });
});

describe('Gaussian data', () => {
  test.prop([arbSchedule({ minT: 2, maxT: 60 }), fc.double({ min: Math.log(1e-4), max: Math.log(1e4), noNaN: true })])(
    'nonequilibrium/entropy-bounds#gaussian-data: for N(m, s^2) data, lower <= H_q(X^{t-1}|X^t) <= upperAnyData always, <= upper exactly when s^2 <= 1 (above it when s^2 > 1)',
    (s, logS2) => {
      const s2 = Math.exp(logS2);
      const b = entropyBounds(s);
      for (let t = 2; t <= s.T; t++) {
        const h = exactEntropy(s, s2, t);
        // Each value is 1/2 (1 + log 2 pi) plus half a sum of at most four logs of quantities with
        // <= 8 EPS relative error: 8 EPS absolute plus 2 EPS of the size of the logs.
        const tol = 8 * EPS + 2 * EPS * (Math.abs(Math.log(s.beta[t]!)) + Math.abs(s.posteriorLogVarianceClipped[t]!) + Math.abs(logS2) + 4);
        const ctx = { t, s2, h, lower: b.lower[t], upper: b.upper[t], upperAnyData: b.upperAnyData[t] };
        expect(b.lower[t]! - h, JSON.stringify(ctx)).toBeLessThanOrEqual(tol);
        expect(h - b.upperAnyData[t]!, JSON.stringify(ctx)).toBeLessThanOrEqual(tol);
        if (s2 <= 1) expect(h - b.upper[t]!, JSON.stringify(ctx)).toBeLessThanOrEqual(tol);
        else expect(b.upper[t]! - h, JSON.stringify(ctx)).toBeLessThanOrEqual(tol);
      }
    },
  );

  test('nonequilibrium/entropy-bounds#gaussian-data: the lower bound is attained as s^2 -> 0 (within s^2 / (1 - alphaBar_{t-1})), the paper\'s upper bound at s^2 = 1, and the exact values match the 40-digit reference', () => {
    for (const c of entropyFixture) {
      const s = fromBetas(c.betas);
      const b = entropyBounds(s);
      for (let t = 2; t <= s.T; t++) {
        // log v_{t-1} - log(1 - alphaBar_{t-1}) <= s^2 alphaBar_{t-1}/(1 - alphaBar_{t-1}), and the v_t term lowers it.
        const tiny = 1e-10;
        const gap = exactEntropy(s, tiny, t) - b.lower[t]!;
        expect(gap).toBeGreaterThanOrEqual(-16 * EPS * 8);
        expect(gap).toBeLessThanOrEqual((0.5 * tiny) / s.oneMinusAlphaBar[t - 1]! + 16 * EPS * 8);
        expectClose(exactEntropy(s, 1, t), b.upper[t]!, { atol: 16 * EPS * (4 + Math.abs(Math.log(s.beta[t]!))) }, { t });
        for (const e of c.exact) {
          expectClose(exactEntropy(s, e.s2, t), e.values[t - 1]!, { atol: 16 * EPS * (4 + Math.abs(Math.log(e.s2))) }, { name: c.name, t, s2: e.s2 });
        }
      }
    }
  });
});
