/**
 * The VE SDE: coefficients against 50-digit values, the marginal ODEs, forward
 * Euler-Maruyama against the closed-form marginal, the SMLD discretization and its
 * telescoping sum, and the prior.
 *
 * @see proofs/sde/ve.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { key, normal } from '../../../src/core/random/index.js';
import { geometricSigmas } from '../../../src/core/schedule/index.js';
import { stepTime, ve } from '../../../src/core/sde/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbTime } from '../../arbitraries/arb-sde.js';
import { checkEmBias, checkEmMonteCarlo, checkFixture, checkOdes, checkPrior, fixtureCases } from './sde-checks.js';

const arbSigmas = fc
  .record({ sigmaMin: fc.double({ min: 1e-3, max: 2, noNaN: true }), ratio: fc.double({ min: 1.5, max: 1e4, noNaN: true }) })
  .map(({ sigmaMin, ratio }) => ({ sigmaMin, sigmaMax: sigmaMin * ratio }));

describe('coefficients and marginal', () => {
  test('sde/ve#reference: a, g(t), m, s(t) = sqrt(sigma(t)^2 - sigmaMin^2) match 50-digit mpmath, s to full relative precision down to t = 1e-300', () => {
    const cases = fixtureCases().filter((c) => c.kind === 've');
    expect(cases.length).toBeGreaterThanOrEqual(3);
    // sigma(t) = sigmaMin e^{t L} and s uses expm1(2 t L): the largest argument is 2 t L.
    for (const c of cases) checkFixture(ve(c.params), c.rows, (t) => 2 * t * Math.log(c.params.sigmaMax! / c.params.sigmaMin!));
  });

  test('sde/ve#marginal-odes: m = 1 (dm/dt = 0 = a m exactly) and dv/dt = g^2 (central-difference residuals shrink at order 2)', () => {
    for (const sde of [ve(), ve({ sigmaMin: 1, sigmaMax: 20 })]) checkOdes(sde, [0.05, 0.2, 0.5, 0.8, 0.95]);
  });

  test.prop([arbSigmas, arbTime()])('sde/ve#marginal-odes: s(t)^2 = sigma(t)^2 - sigmaMin^2 with g(t)^2 = 2 log(sigmaMax/sigmaMin) sigma(t)^2', (p, t) => {
    const sde = ve(p);
    const L = Math.log(p.sigmaMax / p.sigmaMin);
    const sigma = p.sigmaMin * Math.exp(t * L);
    const { scale, std } = sde.marginalCoefficients(t);
    expect(scale).toBe(1);
    // The test's side sigma^2 - sigmaMin^2 is off by its operands' roundings, (2 t L + 4) EPS sigma^2
    // absolute (sigma = sigmaMin e^{tL} to (tL + 1) EPS); the library's expm1 form by (6 t L + 8) EPS relative.
    expectClose(std * std, sigma * sigma - p.sigmaMin ** 2, { atol: (8 * t * L + 12) * EPS * sigma * sigma }, { t });
    expectClose(sde.diffusion(t) ** 2, 2 * L * sigma * sigma, { rtol: (4 * t * L + 8) * EPS }, { t });
  });
});

describe('forward Euler-Maruyama', () => {
  test('sde/ve#forward-em: the exact EM moments from a fixed x0 have bias h c + O(h^2) with the derived c (the mean is exact)', () => {
    for (const sde of [ve(), ve({ sigmaMin: 1, sigmaMax: 20 })]) for (const T of [0.3, 1]) checkEmBias(sde, 1.5, T);
  });

  test('sde/ve#forward-em: 20000 simulated EM paths from x0 = 1.5 match x0 and s(T)^2 plus the bias h c (z-tests at ALPHA)', () => {
    checkEmMonteCarlo(ve(), 1.5, 1, 200, 20000, 301);
    checkEmMonteCarlo(ve({ sigmaMin: 1, sigmaMax: 20 }), 1.5, 0.5, 200, 20000, 302);
  });
});

describe('the SMLD discretization', () => {
  test.prop([arbSigmas, fc.integer({ min: 2, max: 1000 })], { numRuns: 40 })(
    'sde/ve#smld: G_k^2 = sigma_k^2 - sigma_{k-1}^2 on the levels geometricSigmas(sigmaMax, sigmaMin, N) (bit for bit), f = 0, and sum_k G_k^2 telescopes to sigmaMax^2',
    (p, N) => {
      const sde = ve(p);
      const levels = geometricSigmas(p.sigmaMax, p.sigmaMin, N); // decreasing: levels[N - k] = sigma_k
      const x = ndarray(Float64Array.of(1.25), [1, 1]);
      let sum = 0;
      for (let k = 1; k <= N; k++) {
        const { f, G } = sde.discretize(x, stepTime(k, N), N);
        expect(f.data[0]).toBe(0);
        const sigma = levels[N - k]!;
        const prev = k === 1 ? 0 : levels[N - k + 1]!;
        expect(G).toBe(Math.sqrt((sigma - prev) * (sigma + prev)));
        sum += G * G;
      }
      // Each G^2 carries 3 EPS relative (a difference exact by Sterbenz when the levels are within
      // a factor 2, a sum, a product; sqrt then squaring adds 2), the sum N roundings: (N + 5) EPS.
      expectClose(sum, p.sigmaMax ** 2, { rtol: (N + 5) * EPS });
    },
  );

  test('sde/ve#smld: sigma_0 = 0 makes step 1 add sigmaMin^2 (score_sde), so sum_{k>=2} G_k^2 = sigmaMax^2 - sigmaMin^2 = s(1)^2', () => {
    const sde = ve();
    const x = ndarray(Float64Array.of(0), [1, 1]);
    const N = 1000;
    expect(sde.discretize(x, 0, N).G).toBe(0.01);
    let sum = 0;
    for (let k = 2; k <= N; k++) sum += sde.discretize(x, stepTime(k, N), N).G ** 2;
    expectClose(sum, sde.marginalCoefficients(1).std ** 2, { rtol: (N + 20) * EPS });
  });
});

describe('the prior', () => {
  test('sde/ve#prior: priorLogp is the sum of log N(x_i; 0, sigmaMax^2) per row and priorSample is sigmaMax z', () => {
    checkPrior(ve(), 50, normal(key(13), [3, 8]));
    checkPrior(ve({ sigmaMin: 0.1, sigmaMax: 378 }), 378, normal(key(14), [2, 5]));
  });
});
