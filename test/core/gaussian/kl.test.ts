/**
 * KL divergence of Gaussians: against mpmath (nearly equal variances included), as
 * cross-entropy minus entropy, its sign, and against Monte Carlo at fixed keys.
 *
 * Rounding bound (proofs/gaussian/kl.md, "Accuracy"): relative error at most 4 EPS (the
 * series or expm1 form of e^D - 1 - D within 6u, the mean term within 6u, the sum u,
 * D = lv1 - lv2 carried exactly by TwoSum).
 *
 * @see proofs/gaussian/kl.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { LOG_2PI, normalKLInto, normalKLScalar } from '../../../src/_internal/gaussian-kernels.js';
import { entropy, logPdf, normalKL } from '../../../src/core/gaussian/index.js';
import { key, normalArray } from '../../../src/core/random/index.js';
import { arbGaussian } from '../../arbitraries/arb-gaussian.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { meanAndStdErr, Z_CRIT } from '../../_support/stats.js';
import { klRows } from './fixtures.js';

const u = EPS / 2;
/** Relative rounding bound of normalKL (proofs/gaussian/kl.md). */
const KL_RTOL = 4 * EPS;

describe('closed form', () => {
  test('gaussian/kl#closed-form: matches mpmath (60 digits) within 4 EPS relative', () => {
    expect(klRows.length).toBeGreaterThan(400);
    for (const r of klRows) {
      expectClose(normalKL(r.mean1, r.logVar1, r.mean2, r.logVar2), r.kl, { rtol: KL_RTOL }, { ...r });
    }
  });

  test('gaussian/kl#expm1: nearly equal variances (logVar1 - logVar2 from 1e-300 to 1e-2) keep 4 EPS relative accuracy', () => {
    // The naive -1 - D + e^D loses every digit here: at D = 1e-8 its rounding error is
    // ~1e-16 against a KL of 2.5e-17. The series / expm1 form does not cancel.
    let n = 0;
    for (const r of klRows) {
      const d = Math.abs(r.logVar1 - r.logVar2);
      if (r.mean1 !== r.mean2 || d === 0 || d > 1e-2) continue;
      n++;
      const kl = normalKL(r.mean1, r.logVar1, r.mean2, r.logVar2);
      // Positive wherever the exact KL is (D = 1e-300 gives D^2/4, below MIN_VALUE: 0).
      if (r.kl > 0) expect(kl).toBeGreaterThan(0);
      expectClose(kl, r.kl, { rtol: KL_RTOL }, { ...r });
    }
    expect(n).toBeGreaterThan(20);
  });

  test.prop([arbGaussian(), arbGaussian()])(
    'gaussian/kl#closed-form: KL(p || q) = H(p, q) - H(p), the cross-entropy by exact 2-point Gauss-Hermite quadrature',
    (p, q) => {
      // H(p, q) = -E_p[log q(X)] is exactly -(log q(mu1 + sigma1) + log q(mu1 - sigma1))/2
      // (the 2-point rule is exact for quadratics). Rounding, absolute: each log q within
      // 4 EPS S (S the magnitude of its terms); the nodes' rounding u |x+-| moves log q by
      // |q'(x+-)| u |x+-|; the entropy within 2 EPS (1.42 + |l1|/2); the rule's sum, the
      // halving and the subtraction u each on their magnitudes; the KL's own 4 EPS.
      const s1 = Math.exp(p.logVar / 2);
      const xp = p.mean + s1;
      const xm = p.mean - s1;
      const lp = logPdf(xp, q.mean, q.logVar);
      const lm = logPdf(xm, q.mean, q.logVar);
      const cross = -0.5 * (lp + lm);
      const h = entropy(p.logVar);
      const kl = normalKL(p.mean, p.logVar, q.mean, q.logVar);
      const scale = (y: number) => 0.5 * (LOG_2PI + Math.abs(q.logVar) + (y - q.mean) ** 2 * Math.exp(-q.logVar));
      const slope = (y: number) => Math.abs(y - q.mean) * Math.exp(-q.logVar);
      const tol =
        2 * EPS * (scale(xp) + scale(xm)) +
        0.5 * u * (slope(xp) * Math.abs(xp) + slope(xm) * Math.abs(xm)) +
        2 * EPS * (1.42 + 0.5 * Math.abs(p.logVar)) +
        u * (Math.abs(lp) + Math.abs(lm) + 2 * Math.abs(cross) + Math.abs(h)) +
        KL_RTOL * kl;
      expectClose(cross - h, kl, { atol: tol }, { p, q });
    },
  );

  test('gaussian/kl#closed-form: broadcasting (ndarray with scalars), the kernel, and the ndarray shape', () => {
    const m = new Float64Array([0.1, -2, 3, 0]);
    const l = new Float64Array([-1, 0.5, 2, 0]);
    const out = normalKL(ndarray(m, [2, 2]), ndarray(l, [2, 2]), 0, 0);
    expect(out.shape).toEqual([2, 2]);
    const into = normalKLInto(new Float64Array(4), m, l, Float64Array.of(0), Float64Array.of(0));
    for (let i = 0; i < 4; i++) {
      expect(out.data[i]).toBe(normalKLScalar(m[i]!, l[i]!, 0, 0));
      expect(into[i]).toBe(out.data[i]);
    }
    expect(typeof normalKL(0, 0, 1, 1)).toBe('number');
  });
});

describe('sign', () => {
  test.prop([arbGaussian({ meanRange: 100, minLogVar: -200, maxLogVar: 200 }), arbGaussian({ meanRange: 100, minLogVar: -200, maxLogVar: 200 })])(
    'gaussian/kl#nonnegative: KL >= 0 always, and 0 for equal Gaussians',
    (p, q) => {
      expect(normalKL(p.mean, p.logVar, q.mean, q.logVar)).toBeGreaterThanOrEqual(0);
      expect(normalKL(p.mean, p.logVar, p.mean, p.logVar)).toBe(0);
    },
  );

  test.prop([
    arbGaussian(),
    fc.double({ min: 1e-12, max: 3, noNaN: true }),
    fc.double({ min: 1e-12, max: 3, noNaN: true }),
    fc.constantFrom(-1, 1),
    fc.constantFrom(-1, 0, 1),
    fc.constantFrom(-1, 0, 1),
  ])(
    'gaussian/kl#nonnegative: KL > 0 for different Gaussians, and at least its lower bound e^-|D| D^2/4 + (dm)^2 e^-l2 / 2',
    (p, dMean, dLogVar, s0, s1, s2) => {
      // At least one parameter differs (s0 != 0 moves the mean when s1 = s2 = 0 ...).
      const meanShift = (s1 === 0 && s2 === 0 ? s0 : s1) * dMean;
      const logVarShift = s2 * dLogVar;
      const q = { mean: p.mean + meanShift, logVar: p.logVar + logVarShift };
      const d = p.logVar - q.logVar;
      const dm = p.mean - q.mean;
      if (d === 0 && dm === 0) return; // the shift was absorbed by rounding
      // e^D - 1 - D = e^xi D^2/2 >= e^-|D| D^2/2 (Taylor with the Lagrange remainder).
      const lower = (Math.exp(-Math.abs(d)) * d * d) / 4 + (dm * dm * Math.exp(-q.logVar)) / 2;
      const kl = normalKL(p.mean, p.logVar, q.mean, q.logVar);
      expect(kl).toBeGreaterThan(0);
      expect(kl).toBeGreaterThanOrEqual(lower * (1 - 8 * EPS));
    },
  );
});

describe('Monte Carlo', () => {
  const cases = [
    { p: { mean: 0, logVar: 0 }, q: { mean: 1, logVar: 0 }, seed: 21 },
    { p: { mean: 0.5, logVar: -1 }, q: { mean: -0.3, logVar: 0.7 }, seed: 22 },
    { p: { mean: 2, logVar: 1 }, q: { mean: 0, logVar: -1 }, seed: 23 },
  ];
  for (const { p, q, seed } of cases) {
    test(`gaussian/kl#monte-carlo: KL(${JSON.stringify(p)} || ${JSON.stringify(q)}) = E_p[log p - log q] at key(${seed}), n = 2e5, within Z_CRIT standard errors`, () => {
      const n = 200_000;
      const z = normalArray(key(seed), n);
      const s1 = Math.exp(p.logVar / 2);
      const x = ndarray(Float64Array.from(z, (v) => p.mean + s1 * v), [n]);
      const lp = logPdf(x, p.mean, p.logVar).data;
      const lq = logPdf(x, q.mean, q.logVar).data;
      const diff = Float64Array.from(lp, (v, i) => v - lq[i]!);
      const { mean, stdErr } = meanAndStdErr(diff);
      const kl = normalKL(p.mean, p.logVar, q.mean, q.logVar);
      expect(Math.abs(mean - kl) / stdErr, `MC ${mean} vs ${kl} (se ${stdErr})`).toBeLessThan(Z_CRIT);
    });
  }
});
