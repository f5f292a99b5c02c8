/**
 * The binomial schedule: gamma_t in log space against the naive product, the 50-digit
 * reference, and the erasure schedule's arithmetic.
 *
 * @see proofs/binomial/schedule.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { fromBetas } from '../../../src/core/binomial/index.js';
import { logTables } from '../../../src/core/binomial/schedule.js';
import { erasureBetas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbBinomialSchedule } from '../../arbitraries/arb-binomial-schedule.js';
import { scheduleFixture } from './support.js';

describe('gamma_t in log space', () => {
  test.prop([arbBinomialSchedule({ maxT: 60 })])(
    'binomial/schedule#log-gamma: gamma_t matches the naive product prod (1 - beta_s) within (t + 3 |log gamma_t| + 2) EPS relative, and is 0 from the first beta_s = 1 on',
    (s) => {
      const L = logTables(s);
      let product = 1;
      let erased = false;
      for (let t = 1; t <= s.T; t++) {
        // Each factor 1 - beta_s rounds once and each product once: t EPS relative for the naive value.
        product *= 1 - s.beta[t]!;
        erased ||= s.beta[t] === 1;
        if (erased) {
          expect(s.gamma[t]).toBe(0);
          expect(L.logGamma[t]).toBe(-Infinity);
          expect(s.marginalFlip[t]).toBe(0.5);
          continue;
        }
        const lg = L.logGamma[t]!;
        expectClose(s.gamma[t]!, product, { rtol: (t + 3 * Math.abs(lg) + 2) * EPS }, { t });
        // log1p(-(1 - gamma)/2) and log((1 - gamma)/2) are the logs of the two marginal probabilities.
        expectClose(Math.exp(L.logMarginalStay[t]!) + Math.exp(L.logMarginalFlip[t]!), 1, { atol: 4 * EPS }, { t });
      }
    },
  );

  test('binomial/schedule#mpmath: gamma_t, (1 - gamma_t)/2 and their logs match the 50-digit products of 2x2 kernels', () => {
    for (const c of scheduleFixture) {
      const s = fromBetas(c.betas);
      const L = logTables(s);
      for (let t = 1; t <= s.T; t++) {
        const ctx = { name: c.name, t };
        const lg = Math.abs(L.logGamma[t]!);
        // log gamma_t: t log1p's of <= 1 ulp and a compensated sum: 3 EPS |log gamma_t|; exp adds 1 EPS.
        if (c.gamma[t - 1] === 0) expect(s.gamma[t]).toBe(0);
        else expectClose(s.gamma[t]!, c.gamma[t - 1]!, { rtol: (3 * lg + 2) * EPS }, ctx);
        // (1 - gamma)/2 = -expm1(log gamma)/2: the error 3 EPS |log gamma| of log gamma is damped by
        // gamma |log gamma| / (1 - gamma) <= 1, plus expm1's own ulp: 5 EPS relative.
        expectClose(s.marginalFlip[t]!, c.marginalFlip[t - 1]!, { rtol: 5 * EPS }, ctx);
        // A log of a value with relative error 5 EPS, plus its own rounding.
        expectClose(L.logMarginalFlip[t]!, c.logMarginalFlip[t - 1]!, { atol: 6 * EPS, rtol: EPS }, ctx);
        expectClose(L.logMarginalStay[t]!, c.logMarginalStay[t - 1]!, { atol: 6 * EPS, rtol: EPS }, ctx);
      }
    }
  });
});

describe('the erasure schedule', () => {
  test.prop([fc.integer({ min: 1, max: 2000 })])(
    'binomial/schedule#erasure: with beta_t = 1/(T - t + 1), gamma_t = 1 - t/T, each step erases 1/T of the original signal (the fraction beta_t of what remains), and gamma_T = 0 exactly',
    (T) => {
      const s = fromBetas(erasureBetas(T));
      const L = logTables(s);
      expect(s.gamma[T]).toBe(0);
      expect(s.marginalFlip[T]).toBe(0.5);
      expect(L.logMarginalFlip[T]).toBe(Math.log(0.5));
      for (let t = 1; t < T; t++) {
        const lg = Math.abs(L.logGamma[t]!);
        // The stored betas are 1/(T - s + 1) rounded (EPS/2 relative each): their effect on
        // log gamma_t is sum_s (EPS/2) beta_s/(1 - beta_s) <= (EPS/2) H_T <= EPS (1 + log T)/2;
        // the computation adds (3 |log gamma_t| + 2) EPS relative (claim log-gamma).
        const tol = (3 * lg + 2 + 1 + Math.log(T)) * EPS;
        expectClose(s.gamma[t]!, (T - t) / T, { rtol: tol + EPS }, { T, t }); // (T - t)/T rounds once: EPS/2
        // gamma_{t-1} - gamma_t = gamma_{t-1} beta_t = 1/T: the same amount of the original signal per step.
        expectClose(s.gamma[t - 1]! * s.beta[t]!, 1 / T, { rtol: tol + EPS }, { T, t });
      }
    },
  );
});
