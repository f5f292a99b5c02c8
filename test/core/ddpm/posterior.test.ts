/**
 * The forward posterior q(x_{t-1} | x_t, x_0): Bayes' rule at random points (t >= 2), and
 * the point mass at t = 1.
 *
 * @see proofs/ddpm/posterior.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { posterior, q, qStep } from '../../../src/core/ddpm/index.js';
import { logPdf } from '../../../src/core/gaussian/index.js';
import { LOG_2PI } from '../../../src/_internal/gaussian-kernels.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { ddpmReference } from './reference.js';
import { nd } from './support.js';

/**
 * The rounding budget of one log N(x; mu, e^lv) = -1/2 (log 2 pi + lv + (x - mu)^2 e^-lv), in
 * absolute terms (proofs/ddpm/posterior.md): the constant and lv (EPS each, and the
 * schedule's kS EPS in lv), and the quadratic term, whose difference x - mu carries the
 * error kMu EPS |mu| of the mean plus EPS (|x| + |mu|): (2 kMu + 5 + kS) EPS (|x| + |mu|)^2 e^-lv.
 */
function logPdfBudget(x: number, mu: number, lv: number, kMu: number, kS: number): number {
  const spread = (Math.abs(x) + Math.abs(mu)) ** 2 * Math.exp(-lv);
  return 0.5 * EPS * (LOG_2PI + Math.abs(lv) + kS + (2 * kMu + 5 + kS) * spread);
}

describe("Bayes' rule", () => {
  test.prop([
    arbSchedule({ minT: 2 }).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 2, max: s.T }))),
    fc.double({ min: -3, max: 3, noNaN: true }),
    fc.double({ min: -3, max: 3, noNaN: true }),
    fc.double({ min: -3, max: 3, noNaN: true }),
  ])(
    'ddpm/posterior#bayes: log q(x_{t-1}|x_t,x_0) = log q(x_t|x_{t-1}) + log q(x_{t-1}|x_0) - log q(x_t|x_0) for t >= 2',
    ([s, t], a, b, c) => {
      const x0 = nd([a]);
      const xPrev = nd([b]);
      const xt = nd([c]);
      const post = posterior(s, x0, xt, t);
      const lhs = logPdf(xPrev, post.mean, post.logVarianceClipped).get(0);
      const step = qStep(s, xPrev, t);
      const prev = q(s, x0, t - 1);
      const marg = q(s, x0, t);
      const terms = [
        logPdf(xt, step.mean, Math.log(step.variance)).get(0),
        logPdf(xPrev, prev.mean, prev.logVariance).get(0),
        -logPdf(xt, marg.mean, marg.logVariance).get(0),
      ];
      const rhs = terms[0]! + terms[1]! + terms[2]!;
      // Relative errors of the means (in EPS): mu-tilde (|L_t| + |L_{t-1}| + 12) from its two
      // coefficients; sqrt(alpha) x 1.5; sqrt(alphaBar) x (|L| + 1). Of the variances (kS): beta-tilde 7,
      // beta 0, 1 - alphaBar 3 (proofs/schedule/from-betas.md). Plus the two sums on the right (EPS
      // of the larger partial sum).
      const Lt = Math.abs(s.logAlphaBar[t]!);
      const Lp = Math.abs(s.logAlphaBar[t - 1]!);
      const tol =
        logPdfBudget(b, post.mean.get(0), post.logVarianceClipped, Lt + Lp + 12, 7) +
        logPdfBudget(c, step.mean.get(0), Math.log(step.variance), 1.5, 0.5) +
        logPdfBudget(b, prev.mean.get(0), prev.logVariance, Lp + 1, 3) +
        logPdfBudget(c, marg.mean.get(0), marg.logVariance, Lt + 1, 3) +
        EPS * (Math.abs(terms[0]!) + Math.abs(terms[1]!) + Math.abs(terms[2]!));
      expectClose(lhs, rhs, { atol: tol }, { T: s.T, t, x0: a, xPrev: b, xt: c, terms });
    },
  );
});

describe('the first step', () => {
  test.prop([arbSchedule(), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true })])(
    'ddpm/posterior#first-step: at t = 1 the posterior is the point mass at x_0 (mean x_0, variance 0, log-variance clipped to beta-tilde_2)',
    (s, a, c) => {
      const post = posterior(s, nd([a]), nd([c]), 1);
      // coef1 = beta_1/(1 - alphaBar_1) with 1 - alphaBar_1 = -expm1(log1p(-beta_1)) = beta_1 (1 +- 2 EPS)
      // (log1p and expm1, EPS each) and one division: |coef1 - 1| <= 2.5 EPS; coef2 = 0 exactly.
      expectClose(post.mean.get(0), a, { rtol: 3 * EPS }, { T: s.T });
      expect(s.posteriorMeanCoef2[1]).toBe(0);
      expect(post.variance).toBe(0);
      expect(post.logVarianceClipped).toBe(s.T >= 2 ? s.posteriorLogVarianceClipped[2] : Math.log(s.beta[1]!));
    },
  );
});

describe('against the 50-digit reference', () => {
  test('ddpm/posterior#mpmath: mean, variance and clipped log-variance match mpmath from Eqs. 6-7', () => {
    for (const { name, s, rows } of ddpmReference) {
      for (const r of rows) {
        const t = r.t;
        const L = Math.abs(s.logAlphaBar[t]!) + Math.abs(s.logAlphaBar[t - 1]!);
        const ctx = { name, t, x0: r.x0, xt: r.xt };
        const post = posterior(s, nd([r.x0]), nd([r.xt]), t);
        // Each coefficient (|L_t| + |L_{t-1}| + 12) EPS relative (proofs/schedule/from-betas.md), the sum EPS/2.
        const scale = s.posteriorMeanCoef1[t]! * Math.abs(r.x0) + s.posteriorMeanCoef2[t]! * Math.abs(r.xt);
        expectClose(post.mean.get(0), r.posteriorMean, { atol: (L + 13) * EPS * scale }, ctx);
        // beta-tilde: 7 EPS relative; its log: 7 EPS absolute plus the log's rounding.
        expectClose(post.variance, r.posteriorVariance, { rtol: 7 * EPS }, ctx);
        expectClose(post.logVarianceClipped, r.posteriorLogVarianceClipped, { atol: (7 + Math.abs(r.posteriorLogVarianceClipped)) * EPS }, ctx);
      }
    }
  });
});
