/**
 * L_simple: the per-example mean squared error of the noise, and its relation to the
 * bound's terms (Ho et al. 2020, Eqs. 12 and 14).
 *
 * @see proofs/elbo/simple-loss.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { qSample } from '../../../src/core/ddpm/index.js';
import { simpleLoss, term } from '../../../src/core/elbo/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { arbValues, nd } from '../ddpm/support.js';

describe('L_simple', () => {
  test.prop([fc.integer({ min: 1, max: 4 }).chain((B) => fc.integer({ min: 1, max: 8 }).chain((D) => fc.tuple(fc.constant(B), fc.constant(D), arbValues(B, D, 5), arbValues(B, D, 5))))])(
    'elbo/simple-loss#definition: simpleLoss(eps, epsPred)[b] = (1/D) sum_i (eps_bi - epsPred_bi)^2',
    ([B, D, e, p]) => {
      const got = simpleLoss(nd(e, [B, D]), nd(p, [B, D]));
      expect(got.length).toBe(B);
      for (let b = 0; b < B; b++) {
        let sum = 0;
        let magnitude = 0;
        for (let i = b * D; i < (b + 1) * D; i++) {
          sum += (e[i]! - p[i]!) ** 2;
          magnitude += (Math.abs(e[i]!) + Math.abs(p[i]!)) ** 2;
        }
        // The same sum of squares (D additions of non-negative terms, each squared difference 2 EPS): the
        // two orders agree to (D + 2) EPS of the sum; one division.
        expectClose(got[b]!, sum / D, { atol: ((D + 3) * EPS * magnitude) / D + Number.MIN_VALUE }, { B, D, b });
        expect(got[b]!).toBeGreaterThanOrEqual(0);
      }
    },
  );

  test.prop([
    arbSchedule({ minT: 2 }).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 2, max: s.T }))),
    fc.integer({ min: 1, max: 6 }).chain((D) => fc.tuple(arbValues(1, D, 1), arbValues(1, D, 3), arbValues(1, D, 3))),
  ])(
    'elbo/simple-loss#weighting: for t >= 2 and fixedSmall, sum over coordinates of L_{t-1} = lambda_t D L_simple with lambda_t = beta_t^2 / (2 beta-tilde_t alpha_t (1 - alphaBar_t)) (Eq. 12)',
    ([s, t], [x, z, p]) => {
      const D = x.length;
      const x0 = nd(x, [1, D]);
      const noise = nd(z, [1, D]);
      const xt = qSample(s, x0, t, noise);
      const pred = nd(p, [1, D]);
      const terms = term(s, x0, xt, t, pred, 'fixedSmall');
      let sum = 0;
      for (const v of terms.data) sum += v;
      const lambda = s.beta[t]! ** 2 / (2 * s.posteriorVariance[t]! * s.alpha[t]! * s.oneMinusAlphaBar[t]!);
      const loss = simpleLoss(noise, pred)[0]!;
      // The term uses eps recomputed from (x_0, x_t), off by dd = 2 EPS (a |x0| + c |z|)/c + 2 EPS |z| per
      // coordinate; lambda and the term's weight agree to (|L_t| + |L_{t-1}| + 20) EPS (schedule quantities).
      const a = s.sqrtAlphaBar[t]!;
      const c = s.sqrtOneMinusAlphaBar[t]!;
      let budget = 0;
      for (let i = 0; i < D; i++) {
        const dd = (2 * EPS * (a * Math.abs(x[i]!) + c * Math.abs(z[i]!))) / c + 2 * EPS * Math.abs(z[i]!) + (3 * Number.MIN_VALUE) / c;
        budget += lambda * (2 * Math.abs(z[i]! - p[i]!) * dd + dd * dd);
      }
      const L = Math.abs(s.logAlphaBar[t]!) + Math.abs(s.logAlphaBar[t - 1]!);
      // In the subnormal range each of the term's three roundings per coordinate adds at most half of
      // 2^-1074: 1.5 D MIN_VALUE in all.
      expectClose(sum, lambda * D * loss, { atol: budget + (2 * L + 20 + 2 * D) * EPS * lambda * D * loss + 2 * D * Number.MIN_VALUE }, { T: s.T, t, D });
    },
  );
});
