/**
 * The reverse-time SDE and the probability-flow ODE: their drifts and diffusions with the
 * exact score of Gaussian data, the Fokker-Planck consistency of both with the forward
 * marginals, and their discretizations.
 *
 * @see proofs/sde/reverse.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import type { Sde } from '../../../src/core/sde/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbSde, arbTime } from '../../arbitraries/arb-sde.js';
import { exactScore, marginalMoments, oracleScore, type GaussianData } from './gaussian-data.js';

const arbData = fc.record({ mu: fc.double({ min: -3, max: 3, noNaN: true }), s0: fc.double({ min: 0.1, max: 3, noNaN: true }) });
const arbPoints = fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 2, maxLength: 8 });

/** Points [n, 2] from a flat list (pairs). */
function points(xs: number[]): ndarray.NdArray<Float64Array> {
  const n = Math.floor(xs.length / 2);
  return ndarray(Float64Array.from(xs.slice(0, 2 * n)), [n, 2]);
}

describe('the exact score of Gaussian data', () => {
  test.prop([arbSde(), arbData, arbTime(0.01, 1), arbPoints])(
    'sde/reverse#gaussian-score: the closed form -(x - m mu)/(m^2 s0^2 + s^2) equals the mixture oracle of the marginal',
    (sde, data, t, xs) => {
      const x = points(xs);
      const a = exactScore(sde, data)(x, t).data;
      const b = oracleScore(sde, data, 2)(x, t).data;
      const { mean, variance } = marginalMoments(sde, data, t);
      // Both are (m mu - x)/V to a few roundings of the difference and of V (Cholesky of V I): 8 EPS.
      // (plus 1e-300 for subnormal results, where one rounding is a large relative step).
      for (let i = 0; i < a.length; i++) expectClose(a[i]!, b[i]!, { atol: (8 * EPS * (Math.abs(mean) + Math.abs(x.data[i]!))) / variance + 1e-300 }, { i, t });
    },
  );
});

describe('reverse drift and diffusion', () => {
  test.prop([arbSde(), arbData, arbTime(), arbPoints, fc.boolean()])(
    'sde/reverse#drift: the reverse drift is f - g^2 s (SDE) or f - g^2 s/2 (ODE), the diffusion g or 0',
    (sde, data, t, xs, probabilityFlow) => {
      const score = exactScore(sde, data);
      const rev = sde.reverse(score, { probabilityFlow });
      expect(rev.sde).toBe(sde);
      expect(rev.probabilityFlow).toBe(probabilityFlow);
      const x = points(xs);
      const drift = rev.drift(x, t).data;
      const f = sde.drift(x, t).data;
      const s = score(x, t).data;
      const g = sde.diffusion(t);
      const lambda = probabilityFlow ? 0.5 : 1;
      for (let i = 0; i < drift.length; i++) {
        const expected = f[i]! - lambda * g * g * s[i]!;
        // Three roundings each side on the two products and the difference.
        expectClose(drift[i]!, expected, { atol: 4 * EPS * (Math.abs(f[i]!) + lambda * g * g * Math.abs(s[i]!)) }, { i, t });
      }
      expect(rev.diffusion(t)).toBe(probabilityFlow ? 0 : g);
    },
  );
});

/** The affine reverse drift b(x) = L x + c at time t, read from two evaluations (x = 0 and x = 1). */
function affineDrift(sde: Sde, data: GaussianData, t: number, probabilityFlow: boolean): { L: number; c: number } {
  const rev = sde.reverse(exactScore(sde, data), { probabilityFlow });
  const two = rev.drift(ndarray(Float64Array.of(0, 1), [2, 1]), t).data;
  return { L: two[1]! - two[0]!, c: two[0]! };
}

describe('Fokker-Planck consistency', () => {
  test.prop([arbSde({ maxBeta: 20, maxSigma: 50 }), arbData, arbTime(0.02, 0.98)])(
    "sde/reverse#fokker-planck: for Gaussian data the probability-flow velocity moves the marginal's mean by a mu_t and its variance by 2 a V + g^2: exactly the forward marginal's dm/dt and dV/dt",
    (sde, data, t) => {
      const { mean, variance } = marginalMoments(sde, data, t);
      const a = sde.driftCoefficient(t);
      const g2 = sde.diffusion(t) ** 2;
      // The ODE dx/dt = L x + c moves a Gaussian N(mu, V I) to mean' = L mu + c, V' = 2 L V.
      const ode = affineDrift(sde, data, t, true);
      const dMean = ode.L * mean + ode.c;
      const dVar = 2 * ode.L * variance;
      // L = a + g^2/(2V) and c = -g^2 mu/(2V) carry a few EPS relative of their parts.
      const scaleMean = (Math.abs(a) + g2 / variance) * Math.abs(mean);
      expectClose(dMean, a * mean, { atol: 16 * EPS * scaleMean + 1e-300 }, { t, what: 'dm/dt' });
      expectClose(dVar, 2 * a * variance + g2, { atol: 16 * EPS * (2 * Math.abs(a) * variance + g2) }, { t, what: 'dV/dt' });
      // The reverse SDE run backwards: E moves by L_r mu + c_r = a mu, and Var by 2 L_r V - g^2 = 2 a V + g^2.
      const sdeDrift = affineDrift(sde, data, t, false);
      expectClose(sdeDrift.L * mean + sdeDrift.c, a * mean, { atol: 16 * EPS * (Math.abs(a) + 2 * g2 / variance) * Math.abs(mean) + 1e-300 }, { t, what: 'reverse mean' });
      expectClose(2 * sdeDrift.L * variance - g2, 2 * a * variance + g2, { atol: 16 * EPS * (2 * Math.abs(a) * variance + 3 * g2) }, { t, what: 'reverse variance' });
    },
  );

  test.prop([arbSde({ maxBeta: 20, maxSigma: 50 }), arbData, arbTime(0.05, 0.95)])(
    'sde/reverse#fokker-planck: the same rates agree with central differences of the closed-form marginal (order-2 residual below 1e-4 relative at delta = 1e-4)',
    (sde, data, t) => {
      const d = 1e-4;
      const before = marginalMoments(sde, data, t - d);
      const after = marginalMoments(sde, data, t + d);
      const { mean, variance } = marginalMoments(sde, data, t);
      const ode = affineDrift(sde, data, t, true);
      // Central differences: error d^2 |f'''|/6 + EPS |f|/d; with |a| <= 10, g^2 <= 2 L sigma^2 the third
      // derivatives are at most ~ (2|a| + 2L)^3 times the moment: 1e-8 * 1e4 relative is ample.
      const K = (2 * Math.abs(sde.driftCoefficient(t)) + 2 * Math.log(1e4) + 1) ** 3;
      expectClose(ode.L * mean + ode.c, (after.mean - before.mean) / (2 * d), { atol: (d * d * K + 1e-11) * (Math.abs(mean) + 1e-3) }, { t });
      expectClose(2 * ode.L * variance, (after.variance - before.variance) / (2 * d), { atol: (d * d * K + 1e-11) * variance * 4 }, { t });
    },
  );
});

describe('the reverse discretization', () => {
  test.prop([arbSde({ maxBeta: 20 }), arbData, arbTime(), fc.integer({ min: 21, max: 3000 }), arbPoints, fc.boolean()])(
    'sde/reverse#discretize: rev_f = f_k - G_k^2 s (times 1/2 for the ODE) and rev_G = G_k (or 0)',
    (sde, data, t, N, xs, probabilityFlow) => {
      const score = exactScore(sde, data);
      const x = points(xs);
      const fwd = sde.discretize(x, t, N);
      const rev = sde.reverse(score, { probabilityFlow }).discretize(x, t, N);
      const s = score(x, t).data;
      const lambda = probabilityFlow ? 0.5 : 1;
      for (let i = 0; i < s.length; i++) {
        const e = fwd.f.data[i]! - lambda * fwd.G * fwd.G * s[i]!;
        expectClose(rev.f.data[i]!, e, { atol: 4 * EPS * (Math.abs(fwd.f.data[i]!) + lambda * fwd.G * fwd.G * Math.abs(s[i]!)) }, { i });
      }
      expect(rev.G).toBe(probabilityFlow ? 0 : fwd.G);
    },
  );
});
