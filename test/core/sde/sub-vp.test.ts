/**
 * The sub-VP SDE: coefficients against 50-digit values, the marginal ODEs, forward
 * Euler-Maruyama against the closed-form marginal, the variance bound by VP's, the
 * Euler discretization, and the prior.
 *
 * @see proofs/sde/sub-vp.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { key, normal } from '../../../src/core/random/index.js';
import { subVp, vp } from '../../../src/core/sde/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbTime } from '../../arbitraries/arb-sde.js';
import { checkEmBias, checkEmMonteCarlo, checkFixture, checkOdes, checkPrior, fixtureCases } from './sde-checks.js';

const B = (p: Record<string, number>, t: number) => t * (p.betaMin! + 0.5 * t * (p.betaMax! - p.betaMin!));
const arbBetas = fc
  .record({ betaMin: fc.double({ min: 0.01, max: 5, noNaN: true }), extra: fc.double({ min: 0, max: 50, noNaN: true }) })
  .map(({ betaMin, extra }) => ({ betaMin, betaMax: betaMin + extra }));

describe('coefficients and marginal', () => {
  test('sde/sub-vp#reference: a(t), g(t), m(t), s(t) match 50-digit mpmath, g and s to full relative precision down to t = 1e-300', () => {
    const cases = fixtureCases().filter((c) => c.kind === 'subVp');
    expect(cases.length).toBeGreaterThanOrEqual(2);
    // g^2 uses -expm1(-2B): the largest argument is 2 B(t).
    for (const c of cases) checkFixture(subVp(c.params), c.rows, (t) => 2 * B(c.params, t));
  });

  test('sde/sub-vp#marginal-odes: dm/dt = a m and dv/dt = 2 a v + g^2 hold (central-difference residuals shrink at order 2)', () => {
    for (const sde of [subVp(), subVp({ betaMin: 0.5, betaMax: 3 })]) checkOdes(sde, [0.05, 0.2, 0.5, 0.8, 0.95]);
  });

  test.prop([arbBetas, arbTime()])(
    "sde/sub-vp#below-vp: sub-VP's marginal variance (1 - e^{-B})^2 is at most VP's 1 - e^{-B} at every t, with the same mean",
    (p, t) => {
      const a = subVp(p).marginalCoefficients(t);
      const b = vp(p).marginalCoefficients(t);
      expect(a.scale).toBe(b.scale);
      // s_sub = -expm1(-B) = s_vp^2 <= s_vp (s_vp <= 1), up to the roundings of the two (4 EPS relative).
      expect(a.std * a.std).toBeLessThanOrEqual(b.std * b.std * (1 + 4 * EPS));
      expectClose(a.std, b.std * b.std, { rtol: 4 * EPS, atol: 0 }, { t });
    },
  );
});

describe('forward Euler-Maruyama', () => {
  test('sde/sub-vp#forward-em: the exact EM moments from a fixed x0 have bias h c + O(h^2) with the derived c', () => {
    for (const sde of [subVp(), subVp({ betaMin: 0.5, betaMax: 3 })]) for (const T of [0.3, 1]) checkEmBias(sde, 1.5, T);
  });

  test('sde/sub-vp#forward-em: 20000 simulated EM paths from x0 = 1.5 match m(T) x0 and s(T)^2 plus the bias h c (z-tests at ALPHA)', () => {
    checkEmMonteCarlo(subVp(), 1.5, 1, 200, 20000, 201);
    checkEmMonteCarlo(subVp({ betaMin: 0.5, betaMax: 3 }), 1.5, 0.5, 200, 20000, 202);
  });
});

describe('the discretization', () => {
  test.prop([arbBetas, arbTime(), fc.integer({ min: 1, max: 5000 }), fc.double({ min: -5, max: 5, noNaN: true })])(
    "sde/sub-vp#euler: discretize is Euler's, f = f(x, t)/N and G = g(t)/sqrt(N)",
    (p, t, N, x0) => {
      const sde = subVp(p);
      const x = ndarray(Float64Array.of(x0), [1, 1]);
      const { f, G } = sde.discretize(x, t, N);
      // (a/N) x against (a x)/N: 2 roundings each side.
      expectClose(f.data[0]!, sde.drift(x, t).data[0]! / N, { atol: 4 * EPS * Math.abs(sde.driftCoefficient(t) * x0) / N }, { t, N });
      expectClose(G, sde.diffusion(t) / Math.sqrt(N), { rtol: 3 * EPS }, { t, N });
    },
  );
});

describe('the prior', () => {
  test('sde/sub-vp#prior: priorLogp and priorSample are those of N(0, I), and p_1 is within 2 e^{-B(1)} of N(0, I)', () => {
    checkPrior(subVp(), 1, normal(key(12), [4, 9]));
    const { scale, std } = subVp().marginalCoefficients(1);
    expect(scale).toBeLessThan(0.0066);
    // s(1)^2 = (1 - e^{-B})^2 = 1 - 2 e^{-B} + e^{-2B}, B(1) = 10.05.
    expectClose(std * std, 1, { atol: 2 * Math.exp(-10.05) * 1.01 });
  });
});
