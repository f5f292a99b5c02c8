/**
 * The beta and sigma schedules: linear ends and spacing, the cosine schedule against
 * 50-digit references and its closed form, the erasure schedule's alphaBar_t = 1 - t/T,
 * and NCSN's geometric sigmas.
 *
 * @see proofs/schedule/betas.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { cosineBetas, erasureBetas, fromBetas, geometricSigmas, linearBetas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { alphaBarFixture } from './fixture.js';

/** Relative error bound of a linear beta, in EPS: 4 roundings of positive terms, u = EPS/2 each. */
const K_LINEAR = 2;
/** Relative error bound of a cosine beta, in EPS (proofs/schedule/betas.md: 29.4 u). */
const K_COSINE = 15;

describe('linear betas', () => {
  test.prop([fc.integer({ min: 2, max: 5000 }), fc.double({ min: 1e-6, max: 0.5, noNaN: true }), fc.double({ min: 1e-6, max: 0.5, noNaN: true })])(
    'schedule/betas#linear: beta_1 = start and beta_T = end exactly, equal spacing to the rounding of each beta',
    (T, start, end) => {
      const beta = linearBetas(T, start, end);
      expect(beta.length).toBe(T + 1);
      expect(beta[0]).toBe(0);
      expect(beta[1]).toBe(start);
      expect(beta[T]).toBe(end);
      const step = (end - start) / (T - 1);
      for (let t = 1; t < T; t++) {
        // Each beta has relative error <= K_LINEAR EPS when start <= end (a sum of positive
        // terms); when end < start, delta (t - 1)/(T - 1) is subtracted, and the error is
        // relative to the larger operand, start. The difference of two neighbours is off by
        // the sum of their errors, plus the rounding of `step` itself (EPS |step|).
        const scale = start <= end ? beta[t]! + beta[t + 1]! : 2 * start;
        expectClose(beta[t + 1]! - beta[t]!, step, { atol: K_LINEAR * EPS * scale + EPS * Math.abs(step) }, { T, start, end, t });
      }
    },
  );

  test('schedule/betas#linear: the DDPM defaults, T = 1 and a constant schedule', () => {
    const b = linearBetas(1000);
    expect([b[1], b[1000]]).toEqual([1e-4, 0.02]);
    expect(Array.from(linearBetas(1, 0.3, 0.7))).toEqual([0, 0.3]);
    expect(Array.from(linearBetas(3, 0.1, 0.1))).toEqual([0, 0.1, 0.1, 0.1]);
  });
});

describe('cosine betas', () => {
  test('schedule/betas#cosine: every sampled beta_t matches the 50-digit reference to 15 EPS (T = 1000 and 100000)', () => {
    for (const c of alphaBarFixture.cases.filter((c) => c.kind === 'cosine')) {
      const beta = cosineBetas(c.T);
      for (const r of c.rows) {
        // Clipped betas are the float64 0.999 itself in both.
        if (r.clipped) expect(beta[r.t]).toBe(0.999);
        else expectClose(beta[r.t]!, r.beta, { rtol: K_COSINE * EPS }, { T: c.T, t: r.t });
      }
    }
  });

  test('schedule/betas#cosine: the naive 1 - f(t)/f(t-1) loses digits that the sine product keeps (T = 100000)', () => {
    // Documents why the sine-product form exists: at T = 10^5 the naive ratio cancels to
    // about log10(1/beta_t) digits at t = 1 (beta_1 ~ 1.6e-7), and the difference of two
    // rounded angles b - a loses log10(theta/delta) digits near t = T.
    const c = alphaBarFixture.cases.find((k) => k.kind === 'cosine' && k.T === 100000)!;
    const s = 0.008;
    const f = (t: number) => Math.cos(((t / c.T + s) / (1 + s)) * (Math.PI / 2)) ** 2;
    let naiveWorst = 0;
    let oursWorst = 0;
    const ours = cosineBetas(c.T);
    for (const r of c.rows) {
      if (r.clipped) continue;
      const naive = 1 - f(r.t) / f(r.t - 1);
      naiveWorst = Math.max(naiveWorst, Math.abs(naive - r.beta) / r.beta / EPS);
      oursWorst = Math.max(oursWorst, Math.abs(ours[r.t]! - r.beta) / r.beta / EPS);
    }
    expect(oursWorst).toBeLessThanOrEqual(K_COSINE);
    expect(naiveWorst).toBeGreaterThan(1000 * K_COSINE);
  });

  test.prop([fc.integer({ min: 2, max: 3000 }), fc.double({ min: 0, max: 0.5, noNaN: true })])(
    'schedule/betas#cosine: alphaBar_t = f(t)/f(0) for t < T (the closed form, via cos theta = sin phi)',
    (T, s) => {
      const sch = fromBetas(cosineBetas(T, s));
      const unit = Math.PI / 2 / (T * (1 + s));
      const f0 = Math.sin(T * unit) ** 2;
      let sumBetaOverAlpha = 0;
      for (let t = 1; t < T; t++) {
        const beta = sch.beta[t]!;
        sumBetaOverAlpha += beta / (1 - beta);
        const closed = Math.sin((T - t) * unit) ** 2 / f0;
        const L = Math.abs(sch.logAlphaBar[t]!);
        // alphaBar_t: EPS (2 |L| + K_COSINE S + 1) (proofs/schedule/from-betas.md, with the
        // betas' own error); the closed form: two sines of 6.35 u each, squared, divided: 14 EPS.
        const rtol = (2 * L + K_COSINE * sumBetaOverAlpha + 1 + 14) * EPS;
        expectClose(sch.alphaBar[t]!, closed, { rtol }, { T, s, t });
      }
    },
  );

  test('schedule/betas#cosine: beta_T is clipped to maxBeta, and T = 1 gives beta_1 = maxBeta', () => {
    expect(cosineBetas(1000)[1000]).toBe(0.999);
    expect(cosineBetas(1, 0.008, 0.5)[1]).toBe(0.5);
    expect(cosineBetas(10, 0.008, 1)[10]).toBe(1);
  });
});

describe('erasure betas', () => {
  test.prop([fc.integer({ min: 2, max: 20000 })])(
    'schedule/betas#erasure: alphaBar_t = 1 - t/T for t < T within the derived bound (its last step, beta_T = 1, dropped)',
    (T) => {
      // fromBetas rejects beta_T = 1 (alphaBar_T = 0): a Gaussian DDPM uses the first T - 1 steps.
      const s = fromBetas(erasureBetas(T).slice(0, T));
      expect(s.T).toBe(T - 1);
      // S_t = sum_{u<=t} beta_u/(1 - beta_u) = sum_{j=T-t}^{T-1} 1/j: the factor that turns the
      // betas' rounding (one division, EPS/2) into an error of log alphaBar_t.
      let S = 0;
      for (let t = 1; t < T; t++) {
        S += 1 / (T - t);
        const L = Math.abs(s.logAlphaBar[t]!);
        const dL = (2 * L + 0.5 * S) * EPS; // error of log alphaBar_t (proofs/schedule/from-betas.md)
        const ab = (T - t) / T; // one rounding: EPS/2
        expectClose(s.alphaBar[t]!, ab, { rtol: dL + EPS + 0.5 * EPS }, { T, t });
        // 1 - alphaBar_t = -expm1(log alphaBar_t): dL alphaBar/(1 - alphaBar) + EPS, and t/T's EPS/2.
        expectClose(s.oneMinusAlphaBar[t]!, t / T, { rtol: (dL * ab) / (1 - ab) + EPS + 0.5 * EPS }, { T, t });
      }
    },
  );

  test('schedule/betas#erasure: the betas 1/(T - t + 1)', () => {
    expect(Array.from(erasureBetas(4))).toEqual([0, 0.25, 1 / 3, 0.5, 1]);
  });
});

describe('geometric sigmas', () => {
  test.prop([
    fc.double({ min: -10, max: 10, noNaN: true }),
    fc.double({ min: Math.log(1.01), max: 14, noNaN: true }),
    fc.integer({ min: 2, max: 1000 }),
  ])('schedule/betas#geometric: exact ends, a constant ratio to the derived tolerance, strictly decreasing', (logMax, logSpan, L) => {
    const sigmaMax = Math.exp(logMax);
    const sigmaMin = Math.exp(logMax - logSpan);
    const sigmas = geometricSigmas(sigmaMax, sigmaMin, L);
    expect(sigmas.length).toBe(L);
    expect(sigmas[0]).toBe(sigmaMax);
    expect(sigmas[L - 1]).toBe(sigmaMin);
    // Each exponent x_i = log sigmaMax + log(ratio) (i-1)/(L-1) has absolute error <= 6.5 M EPS,
    // M = max |log sigma| (proofs/schedule/betas.md); a ratio of neighbours adds two such
    // errors, the two exps and the division (2.5 EPS), and r = (min/max)^(1/(L-1)) 1.5 EPS.
    const M = Math.max(Math.abs(Math.log(sigmaMax)), Math.abs(Math.log(sigmaMin)));
    const r = Math.pow(sigmaMin / sigmaMax, 1 / (L - 1));
    for (let i = 0; i + 1 < L; i++) {
      expect(sigmas[i + 1]!).toBeLessThan(sigmas[i]!);
      expectClose(sigmas[i + 1]! / sigmas[i]!, r, { rtol: (13 * M + 4) * EPS }, { sigmaMax, sigmaMin, L, i });
    }
  });

  test('schedule/betas#geometric: NCSN settings (1 to 0.01, L = 10)', () => {
    const s = geometricSigmas(1, 0.01, 10);
    expect([s[0], s[9]]).toEqual([1, 0.01]);
    expectClose(s[1]!, Math.pow(0.01, 1 / 9), { rtol: 4 * EPS });
  });
});
