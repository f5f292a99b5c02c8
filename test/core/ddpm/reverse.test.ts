/**
 * The reverse process: with the exact eps its mean is the posterior mean; the fixed
 * variances and their logs; clipping through the posterior; ancestral steps; and the
 * exact reverse chain for N(0, I) data.
 *
 * @see proofs/ddpm/reverse.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { ancestralStep, ancestralStepWithKey, epsFromX0, pMeanVariance, posterior, qSample } from '../../../src/core/ddpm/index.js';
import { normalCdf } from '../../../src/core/gaussian/index.js';
import { foldIn, key, normal } from '../../../src/core/random/index.js';
import { fromBetas, linearBetas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ALPHA, ksTest } from '../../_support/stats.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { ddpmReference } from './reference.js';
import { arbBatchCase, nd, stepOf, valueOf } from './support.js';

const ETA = Number.MIN_VALUE;
const kinds = fc.constantFrom('fixedSmall' as const, 'fixedLarge' as const);

describe('the mean', () => {
  test.prop([arbBatchCase(), kinds])(
    'ddpm/reverse#exact-eps: with eps = epsFromX0(x_t, x_0), mu_theta (Eq. 11) equals the posterior mean mu-tilde (Eq. 7)',
    ({ s, B, D, t, u, v }, kind) => {
      const x0 = nd(u, [B, D]);
      const xt = qSample(s, x0, t, nd(v, [B, D]));
      const eps = epsFromX0(s, xt, t, x0);
      const model = pMeanVariance(s, xt, t, eps, kind);
      const post = posterior(s, x0, xt, t);
      for (let b = 0; b < B; b++) {
        const k = stepOf(t, b);
        const sqrtAlpha = Math.sqrt(s.alpha[k]!);
        const a = 1 / sqrtAlpha;
        const bCoef = s.beta[k]! / (sqrtAlpha * s.sqrtOneMinusAlphaBar[k]!);
        const c = s.sqrtOneMinusAlphaBar[k]!;
        const L = Math.abs(s.logAlphaBar[k]!) + Math.abs(s.logAlphaBar[k - 1]!);
        for (let i = 0; i < D; i++) {
          const j = b * D + i;
          const x = Math.abs(xt.data[j]!);
          const e = Math.abs(eps.data[j]!);
          // mu_theta = a x_t - b eps: a, b from the schedule (3 EPS relative each: a sqrt, a division,
          // 1 - alpha), the eps's own rounding (2 EPS (|a0 x0| + |x_t|)/c + 2 EPS |eps|, as in
          // ddpm/parameterization#round-trip) times b, the two products and the difference (EPS each side).
          // mu-tilde = coef1 x0 + coef2 x_t: (|L_t| + |L_{t-1}| + 12) EPS relative on each product.
          const epsErr = (2 * EPS * (s.sqrtAlphaBar[k]! * Math.abs(u[j]!) + x)) / c + 2 * EPS * e;
          const muErr = 4 * EPS * (a * x + bCoef * e) + bCoef * epsErr;
          const postErr = (L + 12) * EPS * (s.posteriorMeanCoef1[k]! * Math.abs(u[j]!) + s.posteriorMeanCoef2[k]! * x);
          expectClose(model.mean.data[j]!, post.mean.data[j]!, { atol: muErr + postErr + ETA * (4 / c + 4 * a + 4) }, { k, kind });
        }
      }
    },
  );
});

describe('the variances', () => {
  test.prop([arbSchedule()])(
    "ddpm/reverse#variances: 'fixedSmall' is beta-tilde_t with the clipped log at t = 1, 'fixedLarge' is beta_t with log beta_t at every t",
    (s) => {
      const x = nd([0.1]);
      for (let t = 1; t <= s.T; t++) {
        const small = pMeanVariance(s, x, t, x, 'fixedSmall');
        const large = pMeanVariance(s, x, t, x, 'fixedLarge');
        expect(small.variance).toBe(s.posteriorVariance[t]);
        expect(small.logVariance).toBe(s.posteriorLogVarianceClipped[t]);
        expect(large.variance).toBe(s.beta[t]);
        expect(large.logVariance).toBe(Math.log(s.beta[t]!));
        // The mean does not depend on the variance choice.
        expect(small.mean.get(0)).toBe(large.mean.get(0));
      }
      expect(pMeanVariance(s, x, 1, x, 'fixedSmall').variance).toBe(0);
    },
  );
});

describe('clipping the predicted x_0', () => {
  test.prop([arbBatchCase({}, 4), kinds])(
    'ddpm/reverse#clip: clipDenoised puts x0Pred in [-1, 1] and takes the mean through the posterior at the clipped x0Pred',
    ({ s, B, D, t, u, v }, kind) => {
      const xt = nd(u, [B, D]);
      const eps = nd(v, [B, D]);
      const free = pMeanVariance(s, xt, t, eps, kind);
      const clipped = pMeanVariance(s, xt, t, eps, kind, { clipDenoised: true });
      for (let j = 0; j < B * D; j++) {
        const raw = free.x0Pred.data[j]!;
        expect(clipped.x0Pred.data[j]).toBe(Math.min(1, Math.max(-1, raw)));
      }
      const through = posterior(s, clipped.x0Pred, xt, t);
      expect(Array.from(clipped.mean.data)).toEqual(Array.from(through.mean.data));
      expect(clipped.variance).toEqual(free.variance);
    },
  );
});

describe('ancestral steps', () => {
  test.prop([arbBatchCase(), kinds, fc.integer({ min: 0, max: 2 ** 32 - 1 })])(
    'ddpm/reverse#ancestral: x = xMean + sigma_t z for t > 1 and x = xMean at t = 1; the key wrapper draws z = random.normal(key, shape)',
    ({ s, B, D, t, u, v }, kind, seed) => {
      const xt = nd(u, [B, D]);
      const eps = nd(v, [B, D]);
      const k = key(seed);
      const z = normal(k, [B, D]);
      const step = ancestralStep(s, xt, t, eps, kind, z);
      const model = pMeanVariance(s, xt, t, eps, kind);
      expect(Array.from(step.xMean.data)).toEqual(Array.from(model.mean.data));
      for (let b = 0; b < B; b++) {
        const sigma = stepOf(t, b) === 1 ? 0 : Math.sqrt(valueOf(model.variance, b));
        for (let i = 0; i < D; i++) {
          const j = b * D + i;
          // Compared as IEEE numbers (===): the sign of an exact zero is not part of the claim
          // (xMean = -0 with sigma z = -0 may be summed as +0).
          const expected = stepOf(t, b) === 1 ? step.xMean.data[j]! : step.xMean.data[j]! + sigma * z.data[j]!;
          expect(step.x.data[j] === expected, `x[${j}] = ${step.x.data[j]}, expected ${expected}`).toBe(true);
        }
      }
      const viaKey = ancestralStepWithKey(s, xt, t, eps, kind, k);
      expect(Array.from(viaKey.x.data)).toEqual(Array.from(step.x.data));
    },
  );

  test('ddpm/reverse#ancestral-gaussian: for N(0, 1) data, fixedLarge and the exact eps, the chain from N(0, 1) gives x_1 ~ N(0, 1) and x_0 ~ N(0, alpha_1) (KS, fixed key)', () => {
    // Data N(0, 1): every marginal is N(0, 1), eps*(x_t) = sqrt(1 - alphaBar_t) x_t, and the reverse
    // kernel q(x_{t-1} | x_t) = N(sqrt(alpha_t) x_t, beta_t) is exactly p_theta with fixedLarge.
    const s = fromBetas(linearBetas(50, 1e-3, 0.3));
    const n = 4000;
    const root = key(2020);
    let x = normal(foldIn(root, 0), [n]);
    for (let t = s.T; t >= 1; t--) {
      const eps = nd(x.data.map((v) => s.sqrtOneMinusAlphaBar[t]! * v));
      x = ancestralStepWithKey(s, x, t, eps, 'fixedLarge', foldIn(root, t)).x;
      if (t === 2) {
        const { pValue } = ksTest(x.data, (v) => normalCdf(v));
        expect(pValue, 'x_1').toBeGreaterThan(ALPHA);
      }
    }
    const sd = Math.sqrt(s.alpha[1]!);
    const { pValue } = ksTest(x.data, (v) => normalCdf(v / sd));
    expect(pValue, 'x_0').toBeGreaterThan(ALPHA);
  });
});

describe('against the 50-digit reference', () => {
  test('ddpm/reverse#mpmath: the mean of Eq. 11, and the clipped mean through the posterior, match mpmath', () => {
    for (const { name, s, rows } of ddpmReference) {
      for (const r of rows) {
        const t = r.t;
        const L = Math.abs(s.logAlphaBar[t]!) + Math.abs(s.logAlphaBar[t - 1]!);
        const ctx = { name, t, xt: r.xt, eps: r.eps };
        const sqrtAlpha = Math.sqrt(s.alpha[t]!);
        const A = 1 / sqrtAlpha;
        const B = s.beta[t]! / (sqrtAlpha * s.sqrtOneMinusAlphaBar[t]!);
        // A, B: 3 EPS relative each (1 - beta, a root, a quotient; B also 1.5 EPS of c); two products and a difference.
        const p = pMeanVariance(s, nd([r.xt]), t, nd([r.eps]), 'fixedSmall');
        expectClose(p.mean.get(0), r.pMean, { atol: 4 * EPS * (A * Math.abs(r.xt) + B * Math.abs(r.eps)) }, ctx);
        // Clipped: the posterior's coefficients ((|L_t| + |L_{t-1}| + 12) EPS each) at the clipped x0, whose
        // own error (x0FromEps's budget, unless it is clipped to exactly +-1) is scaled by coef1.
        const c = pMeanVariance(s, nd([r.xt]), t, nd([r.eps]), 'fixedSmall', { clipDenoised: true });
        const x0c = c.x0Pred.get(0);
        const x0Err =
          Math.abs(x0c) === 1 ? 0 : (Math.abs(s.logAlphaBar[t]!) + 4) * EPS * (s.sqrtRecipAlphaBar[t]! * Math.abs(r.xt) + s.sqrtRecipM1AlphaBar[t]! * Math.abs(r.eps));
        const scale = s.posteriorMeanCoef1[t]! * Math.abs(x0c) + s.posteriorMeanCoef2[t]! * Math.abs(r.xt);
        expectClose(c.mean.get(0), r.pMeanClip, { atol: (L + 13) * EPS * scale + s.posteriorMeanCoef1[t]! * x0Err }, ctx);
      }
    }
  });
});
