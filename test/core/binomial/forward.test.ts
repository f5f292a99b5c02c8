/**
 * The binomial forward process: the kernel and its log-probability, the closed-form marginal
 * against the composition of 2x2 kernels, and the samplers (pointwise rule and distribution).
 *
 * @see proofs/binomial/forward.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import {
  fromBetas,
  kernel,
  kernelLogProb,
  kernelSample,
  kernelSampleWithKey,
  marginal,
  marginalLogProb,
  marginalSample,
  marginalSampleWithKey,
} from '../../../src/core/binomial/index.js';
import { foldIn, key } from '../../../src/core/random/index.js';
import { erasureBetas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ALPHA, chiSquareTest } from '../../_support/stats.js';
import { arbBinomialSchedule } from '../../arbitraries/arb-binomial-schedule.js';
import { nd } from './support.js';

const bothBits = nd([0, 1], [2]);

describe('the kernel', () => {
  test.prop([arbBinomialSchedule(), fc.nat()])(
    'binomial/forward#kernel: P(x_t = 1 | x_{t-1}) = x_{t-1}(1 - beta_t) + beta_t/2 and the log-probabilities are its logs',
    (s, k) => {
      const t = 1 + (k % s.T);
      const b = s.beta[t]!;
      const p = kernel(s, bothBits, t).data;
      // The formula rounds twice (1 - b, then + b/2): within 2 EPS of the library's 1 - b/2.
      expectClose(p[0]!, 0 * (1 - b) + 0.5 * b, { rtol: 0 }, { t });
      expectClose(p[1]!, 1 * (1 - b) + 0.5 * b, { rtol: 2 * EPS }, { t });
      const ones = nd([1, 1], [2]);
      const zeros = nd([0, 0], [2]);
      const toOne = kernelLogProb(s, bothBits, ones, t).data;
      const toZero = kernelLogProb(s, bothBits, zeros, t).data;
      // log of a probability with relative error <= 2 EPS: 2 EPS absolute, plus the log's rounding.
      for (let x = 0; x < 2; x++) {
        expectClose(toOne[x]!, Math.log(p[x]!), { atol: 2 * EPS, rtol: EPS }, { t, x });
        // 1 - p is exact for p >= 1/2 (Sterbenz) but p = 1 - beta/2 was rounded by EPS/2: the
        // reference log(1 - p) is off by up to EPS / (2 (1 - p)) there.
        expectClose(toZero[x]!, Math.log(1 - p[x]!), { atol: EPS / (1 - p[x]!) + 2 * EPS, rtol: EPS }, { t, x });
        expectClose(Math.exp(toOne[x]!) + Math.exp(toZero[x]!), 1, { atol: 4 * EPS }, { t, x });
      }
    },
  );
});

describe('the closed-form marginal', () => {
  test.prop([arbBinomialSchedule({ maxT: 60 })])(
    'binomial/forward#composition: q(x_t | x_0) equals the product of the t one-step 2x2 transition matrices, entry by entry within (t + 8) EPS relative',
    (s) => {
      // M = K_1 K_2 ... K_t with K_s[i][j] = P(x_s = j | x_{s-1} = i), from `kernel`.
      let m00 = 1;
      let m01 = 0;
      let m10 = 0;
      let m11 = 1;
      for (let t = 1; t <= s.T; t++) {
        const p = kernel(s, bothBits, t).data; // P(x_t = 1 | x_{t-1} = 0), P(x_t = 1 | x_{t-1} = 1)
        const k00 = 1 - p[0]!;
        const k01 = p[0]!;
        const k10 = 1 - p[1]!;
        const k11 = p[1]!;
        [m00, m01, m10, m11] = [m00 * k00 + m01 * k10, m00 * k01 + m01 * k11, m10 * k00 + m11 * k10, m10 * k01 + m11 * k11];
        const q = marginal(s, bothBits, t).data; // P(x_t = 1 | x_0 = 0), P(x_t = 1 | x_0 = 1)
        // Products and sums of non-negative numbers: each of the t multiplications adds at most
        // EPS relative to every entry (a sum of two products), the kernel entries carry EPS/2
        // (1 - beta/2 and 1 - p rounded), and the library's (1 - gamma_t)/2 carries 5 EPS
        // (proofs/binomial/schedule.md): (t + 8) EPS covers both sides.
        const tol = { rtol: (t + 8) * EPS };
        expectClose(q[0]!, m01, tol, { t, entry: '01' });
        expectClose(q[1]!, m11, tol, { t, entry: '11' });
        expectClose(1 - q[0]!, m00, { rtol: (t + 8) * EPS, atol: EPS }, { t, entry: '00' });
        expectClose(1 - q[1]!, m10, { rtol: (t + 8) * EPS, atol: EPS }, { t, entry: '10' });
        const lStay = marginalLogProb(s, bothBits, bothBits, t).data;
        expectClose(lStay[0]!, Math.log(m00), { atol: (t + 10) * EPS }, { t });
        const lFlip = marginalLogProb(s, bothBits, nd([1, 0], [2]), t).data;
        expectClose(lFlip[0]!, Math.log(m01), { atol: (t + 10) * EPS }, { t });
      }
    },
  );

  test('binomial/forward#composition: under the erasure schedule q(x_T | x_0) = B(1/2) exactly, whatever x_0', () => {
    for (const T of [1, 2, 7, 2000]) {
      const s = fromBetas(erasureBetas(T));
      expect(Array.from(marginal(s, bothBits, T).data)).toEqual([0.5, 0.5]);
      expect(Array.from(kernel(s, bothBits, T).data)).toEqual([0.5, 0.5]);
    }
  });
});

describe('the samplers', () => {
  test.prop([arbBinomialSchedule(), fc.nat(), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 })])(
    'binomial/forward#sample: x_t = 1{u < P(x_t = 1 | x_{t-1})} and x_t = 1{u < P(x_t = 1 | x_0)}, bit for bit',
    (s, k, u) => {
      const t = 1 + (k % s.T);
      const uu = nd(u, [2]);
      const p = kernel(s, bothBits, t).data;
      const m = marginal(s, bothBits, t).data;
      const a = kernelSample(s, bothBits, t, uu).data;
      const b = marginalSample(s, bothBits, t, uu).data;
      for (let i = 0; i < 2; i++) {
        expect(a[i]).toBe(u[i]! < p[i]! ? 1 : 0);
        expect(b[i]).toBe(u[i]! < m[i]! ? 1 : 0);
      }
    },
  );

  test('binomial/forward#sample: t kernel steps from a key reach the closed-form marginal in distribution (chi-square at ALPHA)', () => {
    const s = fromBetas(Float64Array.of(0, 0.3, 0.05, 0.5, 0.2));
    const n = 20000;
    const root = key(2015);
    for (const start of [0, 1]) {
      let x = nd(new Float64Array(n).fill(start), [n]);
      for (let t = 1; t <= s.T; t++) {
        x = kernelSampleWithKey(s, x, t, foldIn(root, 10 * start + t));
        let ones = 0;
        for (const v of x.data) ones += v;
        const p1 = marginal(s, nd([start], [1]), t).data[0]!;
        const { pValue, stat } = chiSquareTest([n - ones, ones], [1 - p1, p1]);
        expect(pValue, `start ${start}, t ${t}: ones ${ones} of ${n}, p ${p1}, chi2 ${stat}`).toBeGreaterThan(ALPHA);
      }
      // One direct draw from the marginal matches too.
      const direct = marginalSampleWithKey(s, nd(new Float64Array(n).fill(start), [n]), s.T, foldIn(root, 100 + start)).data;
      let ones = 0;
      for (const v of direct) ones += v;
      const p1 = marginal(s, nd([start], [1]), s.T).data[0]!;
      expect(chiSquareTest([n - ones, ones], [1 - p1, p1]).pValue).toBeGreaterThan(ALPHA);
    }
  });
});
