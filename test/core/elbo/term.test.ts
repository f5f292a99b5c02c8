/**
 * One term of the bound: zero for the exact eps with fixedSmall, the Gaussian KL of the
 * posterior against the reverse kernel (>= 0), and the decoder at t = 1.
 *
 * @see proofs/elbo/term.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { epsFromX0, pMeanVariance, posterior, qSample } from '../../../src/core/ddpm/index.js';
import { term } from '../../../src/core/elbo/index.js';
import { discretizedLogLikelihood, logPdf, normalKL } from '../../../src/core/gaussian/index.js';
import { fromBetas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { arbBatchCase, nd, stepOf, valueOf } from '../ddpm/support.js';

const ETA = Number.MIN_VALUE;
const kinds = fc.constantFrom('fixedSmall' as const, 'fixedLarge' as const);
const pixel = fc.integer({ min: 0, max: 255 }).map((k) => (2 * k) / 255 - 1);

describe('the exact eps', () => {
  test.prop([arbSchedule({ minT: 2 }).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 2, max: s.T }))), fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 2, maxLength: 2 })])(
    'elbo/term#exact-eps: for t >= 2 with fixedSmall, L_{t-1} = 0 for the exact eps (exactly for epsFromX0, to rounding for the drawn noise)',
    ([s, t], [x, z]) => {
      const x0 = nd([x!]);
      const noise = nd([z!]);
      const xt = qSample(s, x0, t, noise);
      expect(term(s, x0, xt, t, epsFromX0(s, xt, t, x0), 'fixedSmall').get(0)).toBe(0);
      // With eps = the noise itself: (eps - eps')^2 b^2 / (2 beta-tilde), eps' the recomputed noise, off by
      // dd = 2 EPS (a |x0| + c |z|)/c + 2 EPS |z| (ddpm/parameterization#round-trip).
      const a = s.sqrtAlphaBar[t]!;
      const c = s.sqrtOneMinusAlphaBar[t]!;
      const b = s.beta[t]! / (Math.sqrt(s.alpha[t]!) * c);
      const dd = (2 * EPS * (a * Math.abs(x!) + c * Math.abs(z!))) / c + 2 * EPS * Math.abs(z!) + 3 * ETA / c;
      const bound = ((0.5 * b * b) / s.posteriorVariance[t]!) * dd * dd * (1 + 4 * EPS);
      expect(term(s, x0, xt, t, noise, 'fixedSmall').get(0)).toBeLessThanOrEqual(bound);
    },
  );
});

describe('the KL terms', () => {
  test.prop([arbBatchCase({ minT: 2 }), kinds])(
    'elbo/term#kl: for t >= 2, L_{t-1} = gaussian.normalKL(mu-tilde, log beta-tilde, mu_theta, log sigma^2) >= 0 to the rounding of the two means',
    ({ s, B, D, t, u, v }, kind) => {
      // Steps >= 2 only (t = 1 is the decoder's): shift the drawn steps.
      const steps = typeof t === 'number' ? Math.max(2, t) : Array.from(t, (k) => Math.max(2, k));
      const x0 = nd(u, [B, D]);
      const xt = qSample(s, x0, steps, nd(v, [B, D]));
      const eps = nd(u.map((x, i) => 0.7 * v[i]! - 0.2 * x), [B, D]);
      const got = term(s, x0, xt, steps, eps, kind);
      const post = posterior(s, x0, xt, steps);
      const model = pMeanVariance(s, xt, steps, eps, kind);
      for (let b = 0; b < B; b++) {
        const k = stepOf(steps, b);
        const lvPost = valueOf(post.logVarianceClipped, b);
        const lvModel = valueOf(model.logVariance, b);
        const sa = Math.sqrt(s.alpha[k]!);
        const bCoef = s.beta[k]! / (sa * s.sqrtOneMinusAlphaBar[k]!);
        const L = Math.abs(s.logAlphaBar[k]!) + Math.abs(s.logAlphaBar[k - 1]!);
        for (let i = 0; i < D; i++) {
          const j = b * D + i;
          const kl = normalKL(post.mean.data[j]!, lvPost, model.mean.data[j]!, lvModel);
          expect(got.data[j]!).toBeGreaterThanOrEqual(0);
          // normalKL subtracts the two computed means: each off by (|L| + 12) EPS of its products
          // (ddpm/reverse#exact-eps), so dm is off by dm' <= that, and the KL by (2 |dm| dm' + dm'^2) e^{-lv}/2.
          // The constant parts 1/2 (e^D - 1 - D) (slope |e^D - 1| <= 1 for D <= 0) differ by half the
          // errors of the two D's: (4 |L| + 10 + |D|) EPS here (proofs/elbo/term.md) and
          // (7 + |lv1| + |lv2| + |D|) EPS in normalKL's difference of logs; plus 4 EPS of the result.
          const dmErr =
            (L + 12) * EPS * (s.posteriorMeanCoef1[k]! * Math.abs(u[j]!) + s.posteriorMeanCoef2[k]! * Math.abs(xt.data[j]!) + Math.abs(xt.data[j]!) / sa + bCoef * Math.abs(eps.data[j]!)) +
            4 * ETA;
          const dm = Math.abs(post.mean.data[j]! - model.mean.data[j]!);
          const gap = Math.abs(lvPost - lvModel);
          const constErr = 0.5 * EPS * (4 * L + 17 + Math.abs(lvPost) + Math.abs(lvModel) + 2 * gap);
          const tol = ((2 * dm * dmErr + dmErr * dmErr) * Math.exp(-lvModel)) / 2 + constErr + 4 * EPS * Math.abs(kl);
          expectClose(got.data[j]!, kl, { atol: tol }, { k, kind });
        }
      }
    },
  );
});

describe('regressions', () => {
  test('elbo/term#kl: fixedLarge at t = 2 with beta-tilde/beta = 0.0033 (log1p(-x) at x = 0.997 once lost 3 digits)', () => {
    const s = fromBetas(Float64Array.of(0, 0.00001, 0.0029698422706096726));
    const x = nd([0.3]);
    const post = posterior(s, x, x, 2);
    const model = pMeanVariance(s, x, 2, x, 'fixedLarge');
    const kl = normalKL(post.mean.get(0), post.logVarianceClipped, model.mean.get(0), model.logVariance);
    // The same budget as the property above, with dm' from both means' rounding.
    const L = Math.abs(s.logAlphaBar[2]!) + Math.abs(s.logAlphaBar[1]!);
    const gap = Math.abs(post.logVarianceClipped - model.logVariance);
    const dm = Math.abs(post.mean.get(0) - model.mean.get(0));
    const sa = Math.sqrt(s.alpha[2]!);
    const bCoef = s.beta[2]! / (sa * s.sqrtOneMinusAlphaBar[2]!);
    const dmErr = (L + 12) * EPS * 0.3 * (s.posteriorMeanCoef1[2]! + s.posteriorMeanCoef2[2]! + 1 / sa + bCoef);
    const tol = ((2 * dm * dmErr + dmErr * dmErr) * Math.exp(-model.logVariance)) / 2 + 0.5 * EPS * (4 * L + 17 + Math.abs(post.logVarianceClipped) + Math.abs(model.logVariance) + 2 * gap) + 4 * EPS * kl;
    expectClose(term(s, x, x, 2, x, 'fixedLarge').get(0), kl, { atol: tol });
  });
});

describe('the decoder at t = 1', () => {
  test.prop([arbSchedule(), fc.array(pixel, { minLength: 1, maxLength: 6 }), fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 6, maxLength: 6 }), kinds])(
    'elbo/term#decoder: L_0 = -gaussian.discretizedLogLikelihood(x_0, mu_theta, log(sigma_1^2)/2), or -gaussian.logPdf(x_0, mu_theta, log sigma_1^2) for the continuous decoder',
    (s, pixels, noise, kind) => {
      const n = pixels.length;
      const x0 = nd(pixels);
      const xt = qSample(s, x0, 1, nd(noise.slice(0, n)));
      const eps = nd(noise.slice(0, n).map((z) => 0.9 * z + 0.05));
      const model = pMeanVariance(s, xt, 1, eps, kind);
      const discretized = term(s, x0, xt, 1, eps, kind);
      const continuous = term(s, x0, xt, 1, eps, kind, { decoder: 'gaussian' });
      const ll = discretizedLogLikelihood(x0, model.mean, model.logVariance / 2);
      const lp = logPdf(x0, model.mean, model.logVariance);
      // The same mean, the same kernels, the same operations: bit for bit.
      for (let i = 0; i < n; i++) {
        expect(discretized.data[i]).toBe(-ll.data[i]!);
        expect(continuous.data[i]).toBe(-lp.data[i]!);
        expect(discretized.data[i]!).toBeGreaterThanOrEqual(0);
      }
    },
  );

  test.prop([arbBatchCase(), kinds])(
    'elbo/term#decoder: a per-example step array gives each example the term of its own step (the decoder where t = 1)',
    ({ s, B, D, t, u, v }, kind) => {
      const x0 = nd(u.map((x) => Math.round((Math.max(-1, Math.min(1, x / 3)) + 1) * 127.5) / 127.5 - 1), [B, D]);
      const xt = qSample(s, x0, t, nd(v, [B, D]));
      const eps = nd(v.map((z) => -z), [B, D]);
      const whole = term(s, x0, xt, t, eps, kind);
      for (let b = 0; b < B; b++) {
        const slice = (a: { data: Float64Array }) => nd(a.data.slice(b * D, (b + 1) * D), [1, D]);
        const alone = term(s, slice(x0), slice(xt), stepOf(t, b), slice(eps), kind);
        expect(Array.from(alone.data)).toEqual(Array.from(whole.data.slice(b * D, (b + 1) * D)));
      }
    },
  );
});
