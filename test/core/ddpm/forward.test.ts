/**
 * The forward process: t single steps compose to the closed form q(x_t | x_0), exactly in
 * the coefficients and in distribution (KS at a fixed key); the samplers are the
 * reparameterized draws.
 *
 * @see proofs/ddpm/forward.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { q, qSample, qSampleWithKey, qStep, qStepSample, qStepSampleWithKey } from '../../../src/core/ddpm/index.js';
import { normalCdf } from '../../../src/core/gaussian/index.js';
import { foldIn, key, normal } from '../../../src/core/random/index.js';
import { fromBetas, linearBetas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ALPHA, ksTest } from '../../_support/stats.js';
import { arbSchedule } from '../../arbitraries/arb-schedule.js';
import { ddpmReference } from './reference.js';
import { arbBatchCase, nd, stepOf, valueOf } from './support.js';

const one = nd([1]);

describe('composition of single steps', () => {
  test.prop([arbSchedule()])(
    'ddpm/forward#composition: m_t = sqrt(alpha_t) m_{t-1}, v_t = alpha_t v_{t-1} + beta_t through qStep equal sqrt(alphaBar_t), 1 - alphaBar_t',
    (s) => {
      let m = 1;
      let v = 0;
      for (let t = 1; t <= s.T; t++) {
        const step = qStep(s, nd([m]), t);
        const sqrtAlpha = qStep(s, one, t).mean.get(0);
        m = step.mean.get(0);
        v = sqrtAlpha * sqrtAlpha * v + step.variance;
        const closed = q(s, one, t);
        const L = Math.abs(s.logAlphaBar[t]!);
        // m_t: t factors sqrt(fl(1 - beta)), each 2.5 u = 1.25 EPS (rounding of 1 - beta, of the
        // sqrt, of the product); sqrt(alphaBar_t) = exp(L/2): (|L| + 1) EPS (proofs/schedule/from-betas.md).
        expectClose(m, closed.mean.get(0), { rtol: (1.25 * t + L + 1) * EPS }, { T: s.T, t });
        // v_t: a convex recursion of positive terms, 3 EPS per step (alpha-hat 2 EPS, product and
        // sum EPS/2 each); 1 - alphaBar_t: 3 EPS.
        expectClose(v, closed.variance, { rtol: (3 * t + 3) * EPS }, { T: s.T, t });
        // log(1 - alphaBar_t): log1p(-alphaBar_t) or the log of the schedule's 1 - alphaBar_t (3 EPS
        // relative): the two agree to 4 EPS absolute plus the log's own rounding.
        expectClose(closed.logVariance, Math.log(closed.variance), { atol: 4 * EPS + EPS * Math.abs(closed.logVariance) }, { t });
      }
    },
  );

  test('ddpm/forward#composition: chains of qStepSample from a fixed x_0 are distributed as q(x_t | x_0) (KS, fixed key)', () => {
    const s = fromBetas(linearBetas(40, 0.005, 0.2));
    const n = 3000;
    const x0 = 0.8;
    let x = nd(new Float64Array(n).fill(x0));
    const root = key(20200619);
    for (let t = 1; t <= s.T; t++) {
      x = qStepSample(s, x, t, normal(foldIn(root, t), [n]));
      if (t === 1 || t === 10 || t === s.T) {
        const mean = s.sqrtAlphaBar[t]! * x0;
        const sd = s.sqrtOneMinusAlphaBar[t]!;
        const { pValue } = ksTest(x.data, (v) => normalCdf((v - mean) / sd));
        expect(pValue, `t = ${t}`).toBeGreaterThan(ALPHA);
      }
    }
  });
});

describe('the samplers are the reparameterized draws', () => {
  test.prop([arbBatchCase()])(
    'ddpm/forward#reparameterization: qSample = q.mean + sqrt(q.variance) eps and qStepSample = qStep.mean + sqrt(qStep.variance) z, per example',
    ({ s, B, D, t, u, v }) => {
      const x0 = nd(u, [B, D]);
      const noise = nd(v, [B, D]);
      const marginal = q(s, x0, t);
      const step = qStep(s, x0, t);
      const xt = qSample(s, x0, t, noise);
      const xs = qStepSample(s, x0, t, noise);
      for (let b = 0; b < B; b++) {
        const k = stepOf(t, b);
        // The per-example variance is the schedule's value at the example's own step.
        expect(valueOf(marginal.variance, b)).toBe(s.oneMinusAlphaBar[k]);
        expect(valueOf(step.variance, b)).toBe(s.beta[k]);
        for (let i = 0; i < D; i++) {
          const j = b * D + i;
          // The same two roundings in the same order: bit for bit.
          const c = Math.sqrt(valueOf(marginal.variance, b));
          expect(xt.data[j]).toBe(marginal.mean.data[j]! + c * v[j]!);
          const cs = Math.sqrt(valueOf(step.variance, b));
          expect(xs.data[j]).toBe(step.mean.data[j]! + cs * v[j]!);
        }
      }
    },
  );

  test.prop([arbBatchCase({ minT: 1 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })])(
    'ddpm/forward#reparameterization: a per-example step array equals the scalar call on each example, and the key wrappers draw random.normal(key, shape)',
    ({ s, B, D, t, u }, seed) => {
      const x0 = nd(u, [B, D]);
      const k = key(seed);
      const z = normal(k, [B, D]);
      expect(Array.from(qSampleWithKey(s, x0, t, k).data)).toEqual(Array.from(qSample(s, x0, t, z).data));
      expect(Array.from(qStepSampleWithKey(s, x0, t, k).data)).toEqual(Array.from(qStepSample(s, x0, t, z).data));
      const whole = qSample(s, x0, t, z);
      for (let b = 0; b < B; b++) {
        const row = nd(u.slice(b * D, (b + 1) * D), [1, D]);
        const zr = nd(z.data.slice(b * D, (b + 1) * D), [1, D]);
        const alone = qSample(s, row, stepOf(t, b), zr);
        expect(Array.from(alone.data)).toEqual(Array.from(whole.data.slice(b * D, (b + 1) * D)));
      }
    },
  );
});

describe('against the 50-digit reference', () => {
  test('ddpm/forward#mpmath: q and qStep match mpmath from the definitions (linear T = 1000, 12 random betas)', () => {
    for (const { name, s, rows } of ddpmReference) {
      for (const r of rows) {
        const L = Math.abs(s.logAlphaBar[r.t]!);
        const ctx = { name, t: r.t, x0: r.x0 };
        const marginal = q(s, nd([r.x0]), r.t);
        // sqrt(alphaBar_t): (|L| + 1) EPS, the product EPS/2 (proofs/schedule/from-betas.md).
        expectClose(marginal.mean.get(0), r.qMean, { rtol: (L + 2) * EPS }, ctx);
        // 1 - alphaBar_t: 3 EPS. Its log: log1p(-alphaBar) where alphaBar <= 1/2, off by alphaBar's relative
        // (2|L| + 1) EPS times alphaBar/(1 - alphaBar) <= 1; else the log of the 3-EPS value: 3 EPS absolute;
        // plus the log's own rounding.
        expectClose(marginal.variance, r.qVariance, { rtol: 3 * EPS }, ctx);
        expectClose(marginal.logVariance, r.qLogVariance, { atol: (Math.abs(r.qLogVariance) + 2 * L + 3) * EPS }, ctx);
        // sqrt(fl(1 - beta_t)): 0.75 EPS, the product EPS/2.
        expectClose(qStep(s, nd([r.x0]), r.t).mean.get(0), r.qStepMean, { rtol: 1.5 * EPS }, ctx);
      }
    }
  });
});
