/**
 * The Langevin corrector: its per-example step size (Algorithms 4-5), M steps as M single
 * steps, and the near-invariance of the exact marginal under many steps with the exact
 * score: the mean kept, an exact stationary identity, and the ULA variance bound.
 *
 * @see proofs/solvers/corrector.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { foldIn, key, normal } from '../../../src/core/random/index.js';
import { fromBetas, linearBetas } from '../../../src/core/schedule/index.js';
import { subVp, timeStep, ve, vp } from '../../../src/core/sde/index.js';
import { langevinCorrector } from '../../../src/core/solvers/corrector.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { Z_CRIT } from '../../_support/stats.js';
import { arbTime } from '../../arbitraries/arb-sde.js';
import { sampleMoments } from '../sde/gaussian-data.js';

const arbRows = fc.integer({ min: 1, max: 4 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    x: fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 3 * n, maxLength: 3 * n }),
    s: fc.array(fc.double({ min: 0.05, max: 4, noNaN: true }), { minLength: 3 * n, maxLength: 3 * n }),
    z: fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 3 * n, maxLength: 3 * n }),
  }),
);

describe('the step size', () => {
  test.prop([fc.constantFrom('vp', 'subVp', 've'), arbRows, arbTime(), fc.double({ min: 1e-3, max: 2, noNaN: true }), fc.integer({ min: 21, max: 2000 })])(
    'solvers/corrector#step-size: eps_r = 2 alpha (snr |z_r| / |s_r|)^2 per row, alpha = 1 - beta_k (k = timeStep(t, N)) for VP and sub-VP and 1 for VE; xMean = x + eps_r s, x = xMean + sqrt(2 eps_r) z',
    (kind, { n, x, s, z }, t, snr, N) => {
      const sde = kind === 'vp' ? vp() : kind === 'subVp' ? subVp() : ve();
      const shape = [n, 3];
      const out = langevinCorrector(sde, () => ndarray(Float64Array.from(s), shape), ndarray(Float64Array.from(x), shape), t, { snr, N }, () => ndarray(Float64Array.from(z), shape));
      const alpha = kind === 've' ? 1 : 1 - fromBetas(linearBetas(N, 0.1 / N, 20 / N)).beta[timeStep(t, N)]!;
      for (let r = 0; r < n; r++) {
        let ss = 0;
        let zz = 0;
        for (let i = 3 * r; i < 3 * r + 3; i++) {
          ss += s[i]! * s[i]!;
          zz += z[i]! * z[i]!;
        }
        const eps = 2 * alpha * snr * snr * (zz / ss);
        for (let i = 3 * r; i < 3 * r + 3; i++) {
          // eps to ~8 EPS relative (norms, a quotient, squares); then a product and a sum.
          expectClose(out.xMean.data[i]!, x[i]! + eps * s[i]!, { atol: 12 * EPS * (Math.abs(x[i]!) + eps * s[i]!) }, { r, eps });
          expectClose(out.x.data[i]!, out.xMean.data[i]! + Math.sqrt(2 * eps) * z[i]!, { atol: 12 * EPS * (Math.abs(out.x.data[i]!) + Math.sqrt(2 * eps) * Math.abs(z[i]!)) + 1e-300 }, { r });
        }
      }
    },
  );

  test.prop([fc.constantFrom('vp', 'subVp', 've'), arbRows, arbTime(), fc.double({ min: 1e-3, max: 2, noNaN: true })])(
    "solvers/corrector#step-size: with norms 'batch', one eps = 2 alpha (snr mean_r |z_r| / mean_r |s_r|)^2 for every row (score_sde's form)",
    (kind, { n, x, s, z }, t, snr) => {
      const N = 1000;
      const sde = kind === 'vp' ? vp() : kind === 'subVp' ? subVp() : ve();
      const shape = [n, 3];
      const out = langevinCorrector(sde, () => ndarray(Float64Array.from(s), shape), ndarray(Float64Array.from(x), shape), t, { snr, N, norms: 'batch' }, () => ndarray(Float64Array.from(z), shape));
      const alpha = kind === 've' ? 1 : 1 - fromBetas(linearBetas(N, 0.1 / N, 20 / N)).beta[timeStep(t, N)]!;
      let sMean = 0;
      let zMean = 0;
      for (let r = 0; r < n; r++) {
        sMean += Math.hypot(s[3 * r]!, s[3 * r + 1]!, s[3 * r + 2]!) / n;
        zMean += Math.hypot(z[3 * r]!, z[3 * r + 1]!, z[3 * r + 2]!) / n;
      }
      const eps = 2 * alpha * snr * snr * (zMean / sMean) ** 2;
      for (let i = 0; i < 3 * n; i++) {
        // eps to ~(12 + 2 n) EPS relative (norms, n-term means, a quotient, squares); then a product and a sum.
        expectClose(out.xMean.data[i]!, x[i]! + eps * s[i]!, { atol: (16 + 2 * n) * EPS * (Math.abs(x[i]!) + eps * Math.abs(s[i]!)) }, { eps });
      }
      expect(() => langevinCorrector(sde, () => ndarray(Float64Array.from(s), shape), ndarray(Float64Array.from(x), shape), t, { snr, N, norms: 'mean' as never }, () => ndarray(Float64Array.from(z), shape))).toThrow('`options.norms`');
    },
  );

  test('solvers/corrector#step-size: M steps are M single steps with noise(0), ..., noise(M - 1) (bit for bit)', () => {
    const sde = ve();
    const shape = [6, 4];
    const root = key(8);
    const score = (y: ndarray.NdArray<Float64Array>) => ndarray(y.data.map((v) => -(v - 1) / 3), y.shape.slice());
    const noise = (j: number) => normal(foldIn(root, j), shape);
    const x0 = normal(foldIn(root, 99), shape);
    const all = langevinCorrector(sde, score, x0, 0.4, { snr: 0.2, steps: 5 }, noise);
    let x = x0;
    let last = x0;
    for (let j = 0; j < 5; j++) {
      const one = langevinCorrector(sde, score, x, 0.4, { snr: 0.2, steps: 1 }, () => noise(j));
      x = one.x;
      last = one.xMean;
    }
    expect(Array.from(all.x.data)).toEqual(Array.from(x.data));
    expect(Array.from(all.xMean.data)).toEqual(Array.from(last.data));
  });

  test('solvers/corrector#step-size: VP and sub-VP need N (alpha_k), VE does not; a zero score row is rejected', () => {
    const x = ndarray(Float64Array.of(1, 2), [1, 2]);
    const s = () => ndarray(Float64Array.of(-1, -2), [1, 2]);
    const z = () => ndarray(Float64Array.of(0.3, 0.1), [1, 2]);
    expect(() => langevinCorrector(vp(), s, x, 0.5, { snr: 0.1 }, z)).toThrow(/solvers\.langevinCorrector: invalid argument `options\.N`/);
    expect(() => langevinCorrector(subVp(), s, x, 0.5, { snr: 0.1, N: 10 }, z)).toThrow(/`options\.N`: expected an integer N > betaMax = 20/);
    expect(langevinCorrector(ve(), s, x, 0.5, { snr: 0.1 }, z).x.shape).toEqual([1, 2]);
    expect(() => langevinCorrector(ve(), () => ndarray(new Float64Array(2), [1, 2]), x, 0.5, { snr: 0.1 }, z)).toThrow(
      /solvers\.langevinCorrector: invalid argument `score`: expected a score with a nonzero norm in every row/,
    );
  });
});

describe('near-invariance of the marginal', () => {
  test('solvers/corrector#invariance: from N(m, v I) in d = 16 dimensions, 150 steps with the exact score keep the mean (z-test), satisfy the stationary identity E[v/|x - m|^2] = 2/((c + 2)(d + 2)), c = 2 alpha snr^2 (z-test), and inflate the variance by at least (1 + c/2)(1 + 2/d)', () => {
    for (const [i, snr] of [0.16, 0.5].entries()) {
      const m = 2;
      const v = 0.25;
      const n = 2000;
      const d = 16;
      const root = key(500 + i);
      const start = ndarray(normal(foldIn(root, 1_000_000), [n, d]).data.map((z) => m + Math.sqrt(v) * z), [n, d]);
      const score = (y: ndarray.NdArray<Float64Array>) => ndarray(y.data.map((u) => -(u - m) / v), y.shape.slice());
      const out = langevinCorrector(ve(), score, start, 0.5, { snr, steps: 150 }, (j) => normal(foldIn(root, j), [n, d])).x.data;
      const c = 2 * snr * snr;
      // Mean: by reflection symmetry every coordinate keeps mean m; coordinates are uncorrelated.
      const mom = sampleMoments(out);
      expectClose(mom.mean, m, { atol: Z_CRIT * Math.sqrt(mom.variance / (n * d)) }, { snr, mom });
      // E[1/R], R = |x - m|^2 / v per row: rows are independent.
      const inv = new Float64Array(n);
      const perRow = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        let R = 0;
        for (let j = r * d; j < (r + 1) * d; j++) R += (out[j]! - m) ** 2 / v;
        inv[r] = 1 / R;
        perRow[r] = R / d;
      }
      const invMom = sampleMoments(inv);
      const expected = 2 / ((c + 2) * (d + 2));
      expectClose(invMom.mean, expected, { atol: Z_CRIT * Math.sqrt(invMom.variance / n) }, { snr, invMom, expected });
      // Jensen: E[R] >= 1/E[1/R] = (1 + c/2)(d + 2), so E[R]/d (the variance ratio) is at least
      // (1 + c/2)(1 + 2/d); its estimate, the mean of R_r/d over independent rows, has standard
      // error sd(R_r/d)/sqrt(n) (coordinates within a row are uncorrelated but share the step size).
      const ratio = sampleMoments(perRow);
      const lower = (1 + c / 2) * (1 + 2 / d);
      expect(ratio.mean).toBeGreaterThanOrEqual(lower - Z_CRIT * Math.sqrt(ratio.variance / n));
    }
  });
});
