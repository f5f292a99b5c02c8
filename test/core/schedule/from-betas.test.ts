/**
 * fromBetas: alphaBar to full precision for any T (against 50-digit references), why the
 * naive cumulative product is not used, and the identities between the posterior's
 * coefficients.
 *
 * @see proofs/schedule/from-betas.md
 */
import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { cosineBetas, fromBetas, linearBetas, type Schedule } from '../../../src/core/schedule/index.js';
import { EPS, expectClose, isClose } from '../../_support/expect-close.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { alphaBarFixture, type AlphaBarCase, type AlphaBarRow } from './fixture.js';

/** Relative error bounds of the generated betas, in EPS (proofs/schedule/betas.md). */
const K_BETA = { linear: 2, cosine: 15 } as const;
/** Relative error of log alphaBar from fromBetas itself, in EPS: log1p (1) + Neumaier (1), plus T EPS^2 terms. */
const K_LOG = 2;

/** The bound of proofs/schedule/from-betas.md on |computed log alphaBar_t - exact|. */
function logTolerance(c: AlphaBarCase, r: AlphaBarRow): number {
  const L = Math.abs(r.logAlphaBar);
  return (K_LOG + c.T * EPS) * EPS * L + K_BETA[c.kind] * EPS * r.sumBetaOverAlpha;
}

const MIN_NORMAL = 2.2250738585072014e-308;

function scheduleOf(c: AlphaBarCase): Schedule {
  return fromBetas(c.kind === 'linear' ? linearBetas(c.T) : cosineBetas(c.T));
}

describe('alphaBar to full precision', () => {
  test('schedule/from-betas#alphabar-precision: linear and cosine, T = 1000 and 100000, against 50-digit products', () => {
    for (const c of alphaBarFixture.cases) {
      const s = scheduleOf(c);
      for (const r of c.rows) {
        const dL = logTolerance(c, r);
        const ctx = { kind: c.kind, T: c.T, t: r.t };
        expectClose(s.logAlphaBar[r.t]!, r.logAlphaBar, { atol: dL }, ctx);
        // exp: dL relative from the argument, EPS from exp itself (to first order).
        if (r.alphaBar >= MIN_NORMAL) expectClose(s.alphaBar[r.t]!, r.alphaBar, { rtol: dL + EPS }, ctx);
        // -expm1: dL alphaBar/(1 - alphaBar) relative from the argument, EPS from expm1.
        const amplification = r.alphaBar / r.oneMinusAlphaBar;
        expectClose(s.oneMinusAlphaBar[r.t]!, r.oneMinusAlphaBar, { rtol: dL * amplification + EPS }, ctx);
      }
    }
  });

  test('schedule/from-betas#alphabar-precision: the naive cumulative product fails the same bound at T = 100000', () => {
    // prod (1 - beta_s) rounds 1 - beta_s (an absolute error EPS/2 per factor, a relative
    // error of log alphaBar_t that is not proportional to |log alphaBar_t|) and then rounds
    // each of t products: its error grows like t EPS, and 1 - prod cancels at small t.
    for (const c of alphaBarFixture.cases.filter((k) => k.T === 100000)) {
      const betas = c.kind === 'linear' ? linearBetas(c.T) : cosineBetas(c.T);
      const naive = new Float64Array(c.T + 1);
      naive[0] = 1;
      for (let t = 1; t <= c.T; t++) naive[t] = naive[t - 1]! * (1 - betas[t]!);
      let failures = 0;
      let oneMinusFailures = 0;
      for (const r of c.rows) {
        if (r.alphaBar < MIN_NORMAL) continue;
        const dL = logTolerance(c, r);
        if (!isClose(naive[r.t]!, r.alphaBar, { rtol: dL + EPS })) failures++;
        if (!isClose(1 - naive[r.t]!, r.oneMinusAlphaBar, { rtol: (dL * r.alphaBar) / r.oneMinusAlphaBar + EPS })) oneMinusFailures++;
      }
      expect({ kind: c.kind, failures: failures > 0, oneMinusFailures: oneMinusFailures > 0 }).toEqual({
        kind: c.kind,
        failures: true,
        oneMinusFailures: true,
      });
    }
  });
});

describe('posterior coefficients', () => {
  test.prop([arbSchedule()])(
    'schedule/from-betas#posterior-identities: coef1 + coef2 sqrt(alphaBar_t) = sqrt(alphaBar_{t-1}) and beta-tilde_t + coef2^2 (1 - alphaBar_t) = 1 - alphaBar_{t-1}',
    (s) => {
      for (let t = 1; t <= s.T; t++) {
        const Lt = Math.abs(s.logAlphaBar[t]!);
        const Lp = Math.abs(s.logAlphaBar[t - 1]!);
        const ctx = { T: s.T, t, beta: s.beta[t] };
        // Relative errors, in EPS (proofs/schedule/from-betas.md): sqrt(alphaBar) |L| + 1, 1 - alphaBar 3,
        // sqrt(alpha_t) 0.75, a product or quotient 0.5. coef1: |L_{t-1}| + 5; coef2: 7.75 (+ 0.75 margin
        // for sqrt's ulp: 8.5); coef2 sqrt(alphaBar_t): |L_t| + 10. A sum of positive terms has at most the
        // larger relative error of its terms, plus 0.5; the right side |L_{t-1}| + 1.
        expectClose(s.posteriorMeanCoef1[t]! + s.posteriorMeanCoef2[t]! * s.sqrtAlphaBar[t]!, s.sqrtAlphaBar[t - 1]!, {
          rtol: (2 * Lp + Lt + 12) * EPS,
        }, ctx);
        // beta-tilde: 7; coef2^2 (1 - alphaBar_t): 17.5 + 3.5 = 21; the sum max + 0.5 = 21.5; the right side 3.
        expectClose(s.posteriorVariance[t]! + s.posteriorMeanCoef2[t]! ** 2 * s.oneMinusAlphaBar[t]!, s.oneMinusAlphaBar[t - 1]!, {
          rtol: 25 * EPS,
        }, ctx);
      }
    },
  );

  test.prop([arbSchedule()])(
    'schedule/from-betas#posterior-identities: coef1/sqrt(alphaBar_t) + coef2 = 1/sqrt(alpha_t), and beta-tilde_t <= beta_t with beta-tilde_1 = 0',
    (s) => {
      expect(s.posteriorVariance[1]).toBe(0);
      expect(s.posteriorLogVarianceClipped[1]).toBe(s.T >= 2 ? Math.log(s.posteriorVariance[2]!) : Math.log(s.beta[1]!));
      for (let t = 1; t <= s.T; t++) {
        const Lt = Math.abs(s.logAlphaBar[t]!);
        const Lp = Math.abs(s.logAlphaBar[t - 1]!);
        // coef1 / sqrt(alphaBar_t): |L_{t-1}| + |L_t| + 6.5; coef2: 8.5; the sum max + 0.5; the right side
        // 1/sqrt(alpha_t): 1.25.
        if (s.alphaBar[t]! >= MIN_NORMAL) {
          expectClose(s.posteriorMeanCoef1[t]! / s.sqrtAlphaBar[t]! + s.posteriorMeanCoef2[t]!, 1 / Math.sqrt(s.alpha[t]!), {
            rtol: (Lp + Lt + 11) * EPS,
          }, { T: s.T, t });
        }
        // beta-tilde_t = beta_t (1 - alphaBar_{t-1})/(1 - alphaBar_t) < beta_t; the ratio rounds to 1 once alphaBar_{t-1} beta_t < EPS/2.
        expect(s.posteriorVariance[t]!).toBeLessThanOrEqual(s.beta[t]!);
      }
    },
  );
});
