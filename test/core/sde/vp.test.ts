/**
 * The VP SDE: its coefficients against 50-digit values, the marginal ODEs, forward
 * Euler-Maruyama against the closed-form marginal, the DDPM discretization, and the prior.
 *
 * @see proofs/sde/vp.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { qStep } from '../../../src/core/ddpm/index.js';
import { normal, key } from '../../../src/core/random/index.js';
import { fromBetas, linearBetas } from '../../../src/core/schedule/index.js';
import { stepTime, timeStep, vp } from '../../../src/core/sde/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbTime } from '../../arbitraries/arb-sde.js';
import { fittedOrder } from './gaussian-data.js';
import { checkEmBias, checkEmMonteCarlo, checkFixture, checkOdes, checkPrior, fixtureCases } from './sde-checks.js';

const B = (p: Record<string, number>, t: number) => t * (p.betaMin! + 0.5 * t * (p.betaMax! - p.betaMin!));

describe('coefficients and marginal', () => {
  test('sde/vp#reference: a(t), g(t), m(t), s(t) match 50-digit mpmath, s(t) to full relative precision down to t = 1e-300', () => {
    const cases = fixtureCases().filter((c) => c.kind === 'vp');
    expect(cases.length).toBeGreaterThanOrEqual(3);
    for (const c of cases) checkFixture(vp(c.params), c.rows, (t) => B(c.params, t));
  });

  test('sde/vp#marginal-odes: dm/dt = a m and dv/dt = 2 a v + g^2 hold (central-difference residuals shrink at order 2)', () => {
    for (const sde of [vp(), vp({ betaMin: 1, betaMax: 5 }), vp({ betaMin: 0.5, betaMax: 0.5 })]) checkOdes(sde, [0.05, 0.2, 0.5, 0.8, 0.95]);
  });

  test.prop([fc.double({ min: 0.01, max: 5, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), arbTime()])(
    'sde/vp#marginal-odes: s(t)^2 + m(t)^2 = 1 (variance preserving) and m, s are monotone in t',
    (betaMin, extra, t) => {
      const sde = vp({ betaMin, betaMax: betaMin + extra });
      const { scale, std } = sde.marginalCoefficients(t);
      // m^2 = e^{-B} and s^2 = -expm1(-B), each to (3 B + 4) EPS relative: their sum is 1 within that.
      expectClose(scale * scale + std * std, 1, { atol: (6 * B(sde.params, t) + 10) * EPS }, { t });
      const later = sde.marginalCoefficients(Math.min(1, t + 1e-3));
      expect(later.scale).toBeLessThanOrEqual(scale);
      expect(later.std).toBeGreaterThanOrEqual(std);
    },
  );
});

describe('forward Euler-Maruyama', () => {
  test('sde/vp#forward-em: the exact EM moments from a fixed x0 have bias h c + O(h^2) with the derived c', () => {
    for (const sde of [vp(), vp({ betaMin: 1, betaMax: 5 })]) for (const T of [0.3, 1]) checkEmBias(sde, 1.5, T);
  });

  test('sde/vp#forward-em: 20000 simulated EM paths from x0 = 1.5 match m(T) x0 and s(T)^2 plus the bias h c (z-tests at ALPHA)', () => {
    checkEmMonteCarlo(vp(), 1.5, 1, 200, 20000, 101);
    checkEmMonteCarlo(vp(), 1.5, 0.3, 200, 20000, 102);
  });
});

describe('the DDPM discretization', () => {
  const arbCase = fc
    .record({
      betaMin: fc.double({ min: 0.01, max: 1, noNaN: true }),
      extra: fc.double({ min: 0, max: 30, noNaN: true }),
      extraN: fc.integer({ min: 1, max: 2000 }),
      t: arbTime(),
      xs: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 6 }),
    })
    .map(({ betaMin, extra, extraN, t, xs }) => ({ betaMin, betaMax: betaMin + extra, N: Math.floor(betaMin + extra) + extraN, t, xs }));

  test.prop([arbCase])(
    "sde/vp#ddpm-kernel: discretize's x + f and G are qStep's mean and std on fromBetas(linearBetas(N, betaMin/N, betaMax/N)) at k = timeStep(t, N)",
    ({ betaMin, betaMax, N, t, xs }) => {
      const sde = vp({ betaMin, betaMax });
      const x = ndarray(Float64Array.from(xs), [xs.length, 1]);
      const { f, G } = sde.discretize(x, t, N);
      const s = fromBetas(linearBetas(N, betaMin / N, betaMax / N));
      const k = timeStep(t, N);
      const q = qStep(s, x, k);
      // The same beta_k bit for bit: G = sqrt(beta_k) exactly.
      expect(G).toBe(Math.sqrt(s.beta[k]!));
      for (let i = 0; i < xs.length; i++) {
        // qStep: fl(sqrt(fl(1 - b)) x), 3 roundings; x + f: -b/(1 + sqrt(1 - b)) x then + x, 5 roundings.
        expectClose(x.data[i]! + f.data[i]!, q.mean.data[i]!, { atol: 8 * EPS * Math.abs(xs[i]!) }, { k, N });
      }
    },
  );

  test('sde/vp#alpha-bar-order: log alphaBar_k of the discrete betas matches log m(stepTime(k, N))^2 = -B to order 1 in 1/N, with the derived coefficient at k = N', () => {
    for (const p of [{ betaMin: 0.1, betaMax: 20 }, { betaMin: 1, betaMax: 5 }]) {
      const Ns = [100, 200, 400, 800];
      const errors: number[] = [];
      const endScaled: number[] = [];
      for (const N of Ns) {
        const s = fromBetas(linearBetas(N, p.betaMin / N, p.betaMax / N));
        let worst = 0;
        for (let k = 1; k <= N; k++) worst = Math.max(worst, Math.abs(s.logAlphaBar[k]! + B(p, stepTime(k, N))));
        errors.push(worst);
        endScaled.push(N * (s.logAlphaBar[N]! + B(p, 1)));
      }
      // Margin 0.1 on the fitted order (the O(1/N^2) terms shift it by ~ C2/(C1 N) <= a few hundredths).
      expectClose(fittedOrder(Ns, errors), 1, { atol: 0.1 }, { p, errors });
      // At k = N: sum beta_k = B(1) exactly, so N (log alphaBar_N + B(1)) -> -(1/2) int_0^1 beta^2
      // = -(bmin^2 + bmin bmax + bmax^2)/6, with an O(1/N) remainder: it halves with N.
      const c = -(p.betaMin ** 2 + p.betaMin * p.betaMax + p.betaMax ** 2) / 6;
      const rem = endScaled.map((e) => Math.abs(e - c));
      expectClose(fittedOrder(Ns, rem), 1, { atol: 0.1 }, { p, endScaled, c });
    }
  });

  test('sde/vp#ddpm-kernel: N must exceed betaMax (the discrete betas must lie in (0, 1))', () => {
    const x = ndarray(new Float64Array([1]), [1, 1]);
    expect(() => vp().discretize(x, 0.5, 20)).toThrow(/sde\.vp\.discretize: invalid argument `N`: expected an integer N > betaMax = 20/);
    expect(vp().discretize(x, 0.5, 21).G).toBeGreaterThan(0);
  });
});

describe('the prior', () => {
  test('sde/vp#prior: priorLogp is the sum of log N(x_i; 0, 1) per row, priorSample is the noise, and p_1 is within e^{-B(1)} of N(0, I)', () => {
    const x = normal(key(11), [5, 7]);
    checkPrior(vp(), 1, x);
    const { scale, std } = vp().marginalCoefficients(1);
    // m(1)^2 = e^{-10.05} = 4.3e-5: the data's trace at t = 1 is below 0.7% in scale.
    expect(scale).toBeLessThan(0.0066);
    expectClose(std * std, 1, { atol: Math.exp(-10.05) * 1.01 });
  });
});
