/**
 * The x_0 / eps / score parameterizations: exact inverses of each other (to derived
 * rounding), the score of Gaussian data from its optimal eps, and where x_0 is undefined.
 *
 * @see proofs/ddpm/parameterization.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { epsFromScore, epsFromX0, qSample, scoreFromEps, x0FromEps } from '../../../src/core/ddpm/index.js';
import { InvalidArgumentError } from '../../../src/core/errors.js';
import { score as gaussianScore } from '../../../src/core/gaussian/index.js';
import { fromBetas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { ddpmReference } from './reference.js';
import { arbBatchCase, nd, stepOf } from './support.js';

/** The absolute error of one rounding in the subnormal range: at most half of 2^-1074. */
const ETA = Number.MIN_VALUE;

describe('x_0 <-> eps', () => {
  test.prop([arbBatchCase()])(
    'ddpm/parameterization#round-trip: epsFromX0 and x0FromEps invert qSample to the derived rounding',
    ({ s, B, D, t, u, v }) => {
      const x0 = nd(u, [B, D]);
      const eps = nd(v, [B, D]);
      const xt = qSample(s, x0, t, eps);
      const epsBack = epsFromX0(s, xt, t, x0);
      const x0Back = x0FromEps(s, xt, t, eps);
      for (let b = 0; b < B; b++) {
        const k = stepOf(t, b);
        const a = s.sqrtAlphaBar[k]!;
        const c = s.sqrtOneMinusAlphaBar[k]!;
        const ra = s.sqrtRecipAlphaBar[k]!;
        const rm = s.sqrtRecipM1AlphaBar[k]!;
        for (let i = 0; i < D; i++) {
          const j = b * D + i;
          const ax = Math.abs(a * u[j]!);
          const ce = Math.abs(c * v[j]!);
          const xAbs = Math.abs(xt.data[j]!);
          // x_t = fl(fl(a x0) + fl(c eps)): |dx_t| <= EPS (|a x0| + |c eps|). eps' = fl(fl(x_t - fl(a x0)) fl(1/c)):
          // the subtraction recomputes fl(a x0) exactly and rounds once more (EPS (|a x0| + |c eps|) in all
          // before the division), then 1/c and the product round (2 EPS |eps|). Subnormal roundings
          // add ETA/2 each, three before the scaling by 1/c.
          expectClose(epsBack.data[j]!, v[j]!, { atol: (2 * EPS * (ax + ce)) / c + 2 * EPS * Math.abs(v[j]!) + ETA * (2 / c + 1) }, { k, x0: u[j], eps: v[j] });
          // x0' = ra x_t - rm eps with ra a = 1 and rm = c ra to (|L| + 3) EPS (both from log alphaBar
          // through exp and expm1): errors ra |dx_t| + (|L| + 3) EPS (ra |x_t| + rm |eps|), and the
          // final product, product and difference: EPS (ra |x_t| + rm |eps|); in the subnormal range
          // each of the five roundings adds at most ETA/2, scaled by ra or rm.
          const L = Math.abs(s.logAlphaBar[k]!);
          const scale = ra * xAbs + rm * Math.abs(v[j]!);
          expectClose(x0Back.data[j]!, u[j]!, { atol: ra * EPS * (ax + ce) + (L + 4) * EPS * scale + ETA * (ra + rm + 1) }, { k, x0: u[j], eps: v[j] });
        }
      }
    },
  );
});

describe('eps <-> score', () => {
  test.prop([
    arbSchedule().chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 1, max: s.T }))),
    fc.double({ min: -2, max: 2, noNaN: true }),
    fc.double({ min: 0.01, max: 4, noNaN: true }),
    fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 6 }),
  ])(
    'ddpm/parameterization#score: for Gaussian data N(m, v) the optimal eps* = sqrt(1 - alphaBar_t)(x_t - sqrt(alphaBar_t) m)/w maps to the score -(x_t - sqrt(alphaBar_t) m)/w of q_t',
    ([s, t], m, v, xs) => {
      const a = s.sqrtAlphaBar[t]!;
      const c = s.sqrtOneMinusAlphaBar[t]!;
      // q_t = N(a m, w) with w = alphaBar v + 1 - alphaBar (a sum of positive terms: 2.5 EPS relative).
      const w = s.alphaBar[t]! * v + s.oneMinusAlphaBar[t]!;
      const epsStar = nd(xs.map((x) => (c * (x - a * m)) / w));
      const got = scoreFromEps(s, t, epsStar);
      const want = gaussianScore(nd(xs), a * m, Math.log(w));
      for (let i = 0; i < xs.length; i++) {
        // Both sides are (x - a m)/w up to rounding: the difference x - a m (EPS (|x| + |a m|)), the
        // product with c and division by c (2 EPS relative), w and e^{-log w} (3 EPS relative).
        const d = Math.abs(xs[i]!) + Math.abs(a * m);
        // Subnormal roundings (at most 8 on either side, ETA/2 each) are scaled by 1/c or 1/w at most
        // (c <= 1, w <= 4: by at most 4/(c w)).
        expectClose(got.data[i]!, want.data[i]!, { atol: (8 * EPS * d) / w + (16 * ETA) / (c * w) }, { T: s.T, t, x: xs[i], m, v });
      }
      // And back: -sqrt(1 - alphaBar) (-eps/sqrt(1 - alphaBar)): two roundings (1/c and two products).
      const back = epsFromScore(s, t, got);
      for (let i = 0; i < xs.length; i++) expectClose(back.data[i]!, epsStar.data[i]!, { rtol: 2 * EPS, atol: (2 * ETA) / c }, { t });
    },
  );
});

describe('where x_0 is undefined', () => {
  test('ddpm/parameterization#undefined: x0FromEps is defined at every step of every schedule, and reports an overflowing result', () => {
    // 2000 steps of beta = 0.6 would reach log alphaBar = 2000 log 0.4 = -1832.6, where
    // 1/sqrt(alphaBar) overflows: fromBetas rejects them, so x0FromEps never meets such a step.
    const long = new Float64Array(2001).fill(0.6);
    long[0] = 0;
    expect(() => fromBetas(long)).toThrow(/schedule\.fromBetas: invalid argument `betas`/);
    // 1500 steps: log alphaBar_1500 = -1374.4, 1/sqrt(alphaBar) = e^687.2, finite.
    const s = fromBetas(long.slice(0, 1501));
    // x_0 = e^687.2 x_t is finite for x_t = 1 and overflows for x_t = 1e20 (beyond
    // 1.8e308 / e^687.2 ~ 6e9): reported, not returned.
    expect(Number.isFinite(x0FromEps(s, nd([1]), 1500, nd([0])).get(0))).toBe(true);
    expect(() => x0FromEps(s, nd([1e20]), 1500, nd([0]))).toThrow(/is finite in float64/);
    // eps = (x_t - sqrt(alphaBar_t) x_0)/sqrt(1 - alphaBar_t): finite there too.
    expect(Number.isFinite(epsFromX0(s, nd([0.5]), 1500, nd([3])).get(0))).toBe(true);
  });
});

describe('against the 50-digit reference', () => {
  test('ddpm/parameterization#mpmath: x0FromEps, epsFromX0 and scoreFromEps match mpmath', () => {
    for (const { name, s, rows } of ddpmReference) {
      for (const r of rows) {
        const t = r.t;
        const L = Math.abs(s.logAlphaBar[t]!);
        const ctx = { name, t, x0: r.x0, xt: r.xt, eps: r.eps };
        const ra = s.sqrtRecipAlphaBar[t]!;
        const rm = s.sqrtRecipM1AlphaBar[t]!;
        const a = s.sqrtAlphaBar[t]!;
        const c = s.sqrtOneMinusAlphaBar[t]!;
        // ra and rm carry (|L| + 3) EPS relative (from log alphaBar through exp, expm1 and sqrt); two
        // products and a difference: EPS of the scale.
        expectClose(x0FromEps(s, nd([r.xt]), t, nd([r.eps])).get(0), r.x0FromEps, { atol: (L + 4) * EPS * (ra * Math.abs(r.xt) + rm * Math.abs(r.eps)) }, ctx);
        // a: (|L| + 1) EPS, c: 1.5 EPS (3 EPS of 1 - alphaBar, halved, and the root), 1/c and three
        // operations: within (|L| + 4) EPS of (a |x0| + |xt|)/c.
        expectClose(epsFromX0(s, nd([r.xt]), t, nd([r.x0])).get(0), r.epsFromX0, { atol: ((L + 4) * EPS * (a * Math.abs(r.x0) + Math.abs(r.xt))) / c }, ctx);
        // c: 1.5 EPS; 1/c and the product: EPS.
        expectClose(scoreFromEps(s, t, nd([r.eps])).get(0), r.score, { rtol: 2.5 * EPS }, ctx);
      }
    }
  });
});
