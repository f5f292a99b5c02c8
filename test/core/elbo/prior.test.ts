/**
 * The prior term L_T = KL(q(x_T | x_0) || N(0, I)) against its closed form and the
 * gaussian area's KL.
 *
 * @see proofs/elbo/prior.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { q } from '../../../src/core/ddpm/index.js';
import { priorKL } from '../../../src/core/elbo/index.js';
import { normalKL } from '../../../src/core/gaussian/index.js';
import { fromBetas, linearBetas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { nd } from '../ddpm/support.js';

/**
 * -a - log(1 - a) = sum_{k>=2} a^k / k for 0 <= a < 1, given a and 1 - a (each accurate: 1 - a is
 * not formed by subtraction): the series below 1/2 (terms until negligible), the logs above.
 */
function minusAMinusLog1mA(a: number, oneMinusA: number): number {
  if (a >= 0.5) return -a - Math.log(oneMinusA);
  let sum = 0;
  let power = a;
  for (let k = 2; k < 200; k++) {
    power *= a;
    const term = power / k;
    sum += term;
    if (term < 1e-18 * sum) break;
  }
  return sum;
}

describe('L_T', () => {
  test.prop([arbSchedule(), fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 6 })])(
    'elbo/prior#closed-form: L_T = 1/2 (alphaBar_T x_0^2 - alphaBar_T - log(1 - alphaBar_T)) >= 0, and equals gaussian.normalKL(q(x_T|x_0), N(0, 1))',
    (s, xs) => {
      const T = s.T;
      const got = priorKL(s, nd(xs));
      const ab = s.alphaBar[T]!;
      const marginal = q(s, nd(xs), T);
      const viaKL = normalKL(marginal.mean, marginal.logVariance, 0, 0);
      const L = Math.abs(s.logAlphaBar[T]!);
      for (let i = 0; i < xs.length; i++) {
        const closed = 0.5 * (ab * xs[i]! * xs[i]! + minusAMinusLog1mA(ab, s.oneMinusAlphaBar[T]!));
        expect(got.data[i]!).toBeGreaterThanOrEqual(0);
        // Both parts are >= 0 and carry alphaBar_T's relative error (2 |L_T| + 1) EPS, doubled in the
        // part ~ alphaBar^2/2 (for alphaBar < 1/2), and 1 - alphaBar_T's 3 EPS through its log (relative
        // 3 EPS / |-a - log(1 - a)| <= 3 EPS / 0.19 beyond 1/2); expm1MinusX and the series a few EPS; 4 roundings.
        expectClose(got.data[i]!, closed, { rtol: (4 * L + 26) * EPS }, { T, x0: xs[i], alphaBar: ab });
        expectClose(viaKL.data[i]!, closed, { rtol: (4 * L + 26) * EPS }, { T, x0: xs[i] });
      }
    },
  );

  test('elbo/prior#closed-form: regression, alphaBar_T = 5e-4 (the log of 1 - alphaBar_T once lost 3 digits there)', () => {
    const s = fromBetas(Float64Array.of(0, 0.4999999999999999, 0.999));
    const ab = s.alphaBar[2]!;
    const closed = 0.5 * (ab * 0.25 + minusAMinusLog1mA(ab, s.oneMinusAlphaBar[2]!));
    expectClose(priorKL(s, nd([0.5])).get(0), closed, { rtol: (4 * Math.abs(s.logAlphaBar[2]!) + 26) * EPS });
  });

  test('elbo/prior#closed-form: about 2e-5 nats per coordinate at |x_0| = 1 for DDPM\'s linear schedule', () => {
    const s = fromBetas(linearBetas(1000));
    const ab = s.alphaBar[1000]!;
    expectClose(priorKL(s, nd([1])).get(0), 0.5 * (ab + minusAMinusLog1mA(ab, s.oneMinusAlphaBar[1000]!)), { rtol: (4 * Math.abs(s.logAlphaBar[1000]!) + 26) * EPS });
    expect(priorKL(s, nd([1])).get(0)).toBeLessThan(2.1e-5);
  });
});
