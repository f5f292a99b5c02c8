/**
 * Annealed Langevin dynamics: Algorithm 1 as a composition of ULA chains, exact moments on
 * a Gaussian target, the stability bound of the first level, NCSN's two-mode experiment
 * (annealing recovers the mode weights, plain Langevin does not), and the NumPy run.
 *
 * @see proofs/langevin/annealed.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { annealed, annealedWithKey, chain, chainWithKey } from '../../../src/core/langevin/index.js';
import * as mixture from '../../../src/core/mixture/index.js';
import { foldIn, key, normal, uniform } from '../../../src/core/random/index.js';
import { geometricSigmas } from '../../../src/core/schedule/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ALPHA, Z_CRIT, zTestPValue } from '../../_support/stats.js';
import { arbSigmas } from '../../arbitraries/arb-sigmas.js';
import { contraction2, fixture, fromRows, linearScore, meanTestPValue, nd, varianceTestPValue, zeros } from './support.js';

/** A smooth nonlinear noise-conditional field (not a score of anything in particular). */
const wavy = (x: Float64NdArray, sigma: number): Float64NdArray =>
  ndarray(
    x.data.map((v) => -v / (1 + sigma * sigma) + 0.3 * Math.sin(v)),
    x.shape.slice(),
  );

/** alpha_i as the claim states it: eps (sigma_i / sigma_L)^2, and exactly eps at the last level. */
function alphaOf(sigmas: Float64Array, eps: number, i: number): number {
  const L = sigmas.length;
  const ratio = sigmas[i]! / sigmas[L - 1]!;
  return i === L - 1 ? eps : eps * (ratio * ratio);
}

describe('Algorithm 1', () => {
  test.prop([
    arbSigmas({ maxLevels: 4, maxFirst: 5, minRatio: 0.4 }),
    fc.double({ min: 0.01, max: 1, noNaN: true }),
    fc.integer({ min: 1, max: 4 }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.boolean(),
  ])(
    'langevin/annealed#algorithm: annealed is, level by level, a ULA chain of T steps with eps = alpha_i = eps sigma_i^2 / sigma_L^2 on s(., sigma_i), step t of level i taking noise(i T + t); denoise adds sigma_L^2 s(x, sigma_L)',
    (sigmas, fraction, T, n, seed, denoise) => {
      const L = sigmas.length;
      const eps = fraction * sigmas[L - 1]! ** 2;
      const shape = [n, 2];
      const k = key(seed);
      const noise = (i: number) => normal(foldIn(k, i), shape);
      const x0 = normal(key(seed + 1), shape);
      const r = annealed(wavy, sigmas, { eps, stepsPerLevel: T, trajectory: 'levels', denoise }, x0, noise);
      const steps = annealed(wavy, sigmas, { eps, stepsPerLevel: T, trajectory: 1 }, x0, noise);
      // A stride of T records exactly the level ends: the 'levels' record.
      expect(Array.from(annealed(wavy, sigmas, { eps, stepsPerLevel: T, trajectory: T, denoise }, x0, noise).trajectory!.data)).toEqual(Array.from(r.trajectory!.data));
      expect(r.trajectory!.shape).toEqual([L + 1, n, 2]);
      expect(steps.trajectory!.shape).toEqual([L * T + 1, n, 2]);
      const size = 2 * n;
      let x = x0;
      let last = x0;
      for (let i = 0; i < L; i++) {
        const sigma = sigmas[i]!;
        const res = chain((y) => wavy(y, sigma), x, { eps: alphaOf(sigmas, eps, i), steps: T }, (t) => noise(i * T + t));
        expect(Array.from(r.trajectory!.data.subarray((i + 1) * size, (i + 2) * size))).toEqual(Array.from(res.x.data));
        expect(Array.from(steps.trajectory!.data.subarray((i + 1) * T * size, ((i + 1) * T + 1) * size))).toEqual(Array.from(res.x.data));
        x = res.x;
        last = res.xMean;
      }
      if (denoise) {
        const sL = sigmas[L - 1]!;
        const s = wavy(x, sL);
        const expected = Array.from(x.data, (v, j) => v + sL * sL * s.data[j]!);
        expect(Array.from(r.x.data)).toEqual(expected);
        expect(Array.from(r.xMean.data)).toEqual(expected);
      } else {
        expect(Array.from(r.x.data)).toEqual(Array.from(x.data));
        expect(Array.from(r.xMean.data)).toEqual(Array.from(last.data));
      }
      // The key wrapper draws the same noise.
      const viaKey = annealedWithKey(wavy, sigmas, { eps, stepsPerLevel: T, denoise }, x0, k);
      expect(Array.from(viaKey.x.data)).toEqual(Array.from(r.x.data));
    },
  );
});

describe('a Gaussian target', () => {
  const mu = 3;
  const s0Sq = 0.25;
  const score = (x: Float64NdArray, sigma: number) => ndarray(x.data.map((v) => -(v - mu) / (s0Sq + sigma * sigma)), x.shape.slice());
  const sigmas = geometricSigmas(10, 0.1, 10);
  const L = sigmas.length;
  /** The stability bound of proofs/langevin/annealed.md: eps < 4 sigma_L^2 (1 + s0^2 / sigma_1^2). */
  const bound = 4 * sigmas[L - 1]! ** 2 * (1 + s0Sq / sigmas[0]! ** 2);

  test('langevin/annealed#gaussian-moments: on N(mu, s0^2) with the exact perturbed scores, each level is the AR(1) map a_i = 1 - alpha_i / (2 (s0^2 + sigma_i^2)); the particles match the composed means and variances after every level (z and chi-square tests, fixed key)', () => {
    const eps = 0.01; // a quarter of the stability bound 0.0401
    expect(eps).toBeLessThan(bound / 4 + 1e-12);
    const T = 100;
    const n = 20000;
    const [m0, v0] = [-4, 4];
    const root = key(4301);
    const x0 = nd(normal(foldIn(root, 0), [n, 1]).data.map((v) => m0 + Math.sqrt(v0) * v));
    const r = annealedWithKey(score, sigmas, { eps, stepsPerLevel: T, trajectory: 'levels' }, x0, foldIn(root, 1));
    let m = m0;
    let v = v0;
    const level = ALPHA / (2 * L);
    for (let i = 0; i < L; i++) {
      const alpha = eps * (sigmas[i]! / sigmas[L - 1]!) ** 2;
      const a = 1 - alpha / (2 * (s0Sq + sigmas[i]! ** 2));
      const aT = a ** T;
      m = mu + aT * (m - mu);
      v = aT * aT * v + (alpha * (1 - aT * aT)) / (1 - a * a);
      const xs = r.trajectory!.data.subarray((i + 1) * n, (i + 2) * n);
      expect(meanTestPValue(xs, m, v), `mean after level ${i + 1}`).toBeGreaterThan(level);
      expect(varianceTestPValue(xs, v), `variance after level ${i + 1}`).toBeGreaterThan(level);
    }
    // The last level's law is close to, but not exactly, N(mu, s0^2 + sigma_L^2) (its stationary
    // variance is biased and T = 100 steps of a_L = 0.98 leave 1.8% of the previous level's).
    expectClose(v, s0Sq + sigmas[L - 1]! ** 2, { rtol: 0.05 });
  });

  test('langevin/annealed#stability: without noise, level 1 multiplies x - mu by a_1^T; |a_1| < 1 below the bound eps < 4 sigma_L^2 (1 + s0^2 / sigma_1^2) and > 1 above it', () => {
    const T = 100;
    const x0 = 1;
    for (const factor of [0.95, 1.05]) {
      const eps = factor * bound;
      const r = annealed(score, sigmas, { eps, stepsPerLevel: T, trajectory: 1 }, nd([x0]), zeros([1, 1]));
      const alpha = alphaOf(sigmas, eps, 0);
      const h = alpha / 2;
      const sigmaSq = sigmas[0]! * sigmas[0]!;
      const a = 1 - h / (s0Sq + sigmaSq);
      expectClose(a, 1 - 2 * factor, { rtol: 32 * EPS }); // a_1 = 1 - 2 eps / bound
      let tol = 0;
      for (let t = 0; t < T; t++) {
        const x = r.trajectory!.data[t]!;
        const hs = h * (-(x - mu) / (s0Sq + sigmaSq));
        // The step's roundings (x - mu, the variance sum, /, *h, + x: EPS (|x'| + 4|h s|)),
        // carried by |a| per later step; and the reference's a (4 roundings: relative 4 EPS |a - 1| / |a|).
        tol = Math.abs(a) * tol + EPS * (Math.abs(r.trajectory!.data[t + 1]!) + 4 * Math.abs(hs));
      }
      const expected = mu + a ** T * (x0 - mu);
      const aErr = (4 * EPS * Math.abs(1 - a)) / Math.abs(a);
      expectClose(r.trajectory!.data[T]!, expected, { atol: tol + (T * aErr + 4 * EPS) * Math.abs(expected - mu) }, { factor });
      if (factor < 1) expect(Math.abs(r.trajectory!.data[T]! - mu)).toBeLessThan(1e-4 * Math.abs(x0 - mu));
      else expect(Math.abs(r.trajectory!.data[T]! - mu)).toBeGreaterThan(1e4 * Math.abs(x0 - mu));
    }
  });
});

describe("NCSN's two-mode experiment (Song and Ermon 2019, Section 3, Figure 3)", () => {
  // p = 1/5 N((-5,-5), I) + 4/5 N((5,5), I) with the exact scores of its perturbations.
  const p = mixture.create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
  const sigmas = geometricSigmas(10, 0.1, 10);
  const perturbed = new Map(Array.from(sigmas, (s) => [s, mixture.perturb(p, s)] as const));
  const score = (x: Float64NdArray, sigma: number) => mixture.score(perturbed.get(sigma)!, x);
  const n = 1000;
  const x0 = uniform(key(4401), [n, 2], -8, 8);
  /** The fraction of particles on mode 1's side of the line x1 + x2 = 0. */
  const modeOneFraction = (x: Float64NdArray) => {
    let c = 0;
    for (let r = 0; r < n; r++) if (x.data[2 * r]! + x.data[2 * r + 1]! < 0) c++;
    return c / n;
  };

  test('langevin/annealed#mode-weights: annealed Langevin (L = 10, sigma 10 -> 0.1, T = 100, eps = 0.002) from uniform noise on [-8, 8]^2 puts a fraction of particles on mode 1 within the binomial interval of its weight 1/5 (fixed key)', () => {
    // Stability at level 1 (locally N(mu_k, (1 + sigma_1^2) I)): eps < 4 sigma_L^2 (1 + 1/sigma_1^2) = 0.0404.
    // eps = 0.002 ~ bound / 20: each level's stationary variance within 1 / (1 - 1/20) = 5.3%.
    const eps = 0.002;
    expect(eps).toBeLessThan((4 * 0.01 * (1 + 1 / 100)) / 20);
    const r = annealedWithKey(score, sigmas, { eps, stepsPerLevel: 100 }, x0, key(4402));
    const f = modeOneFraction(r.x);
    const z = (f - 0.2) / Math.sqrt((0.2 * 0.8) / n);
    expect(zTestPValue(z), `fraction ${f}, z = ${z}`).toBeGreaterThan(ALPHA);
  });

  test('langevin/annealed#mode-weights: plain Langevin (ULA, eps = 0.1, 1000 steps) with the exact score of p from the same starts keeps each particle in the basin it started in: its mode-1 fraction rejects 1/5 and matches P(start on mode 1\'s side) = (16 - ln(4)/10)^2 / 512 (fixed key)', () => {
    const r = chainWithKey((x) => mixture.score(p, x), x0, { eps: 0.1, steps: 1000 }, key(4403));
    const f = modeOneFraction(r.x);
    const zWeight = (f - 0.2) / Math.sqrt((0.2 * 0.8) / n);
    expect(zWeight, `fraction ${f}`).toBeGreaterThan(Z_CRIT);
    // The responsibilities are equal on x1 + x2 = -ln(4)/10; x1 + x2 of a uniform start on
    // [-8, 8]^2 has the triangular density (16 - |s|)/256 on [-16, 16].
    const c = Math.log(4) / 10;
    const pSide = (16 - c) ** 2 / 512;
    const zSide = (f - pSide) / Math.sqrt((pSide * (1 - pSide)) / n);
    expect(zTestPValue(zSide), `fraction ${f} vs ${pSide}`).toBeGreaterThan(ALPHA);
  });
});

describe('against the NumPy reference', () => {
  test('langevin/annealed#reference: annealed on the fixture\'s 2-D Gaussian (exact perturbed scores) matches NumPy\'s Algorithm 1 after each level, and its denoised output', () => {
    const f = fixture.annealed;
    const sigmas = Float64Array.from(f.sigmas);
    const L = sigmas.length;
    const T = f.stepsPerLevel;
    const scores = f.precisions.map((P) => linearScore(P, fixture.mu));
    const score = (x: Float64NdArray, sigma: number) => scores[sigmas.indexOf(sigma)]!(x);
    const noise = (i: number) => fromRows(f.noise[i]!);
    const r = annealed(score, sigmas, { eps: f.eps, stepsPerLevel: T, trajectory: 1 }, fromRows(fixture.x0), noise);
    const d = annealed(score, sigmas, { eps: f.eps, stepsPerLevel: T, denoise: true }, fromRows(fixture.x0), noise);
    const n = fixture.x0.length;
    let tol = 0;
    for (let i = 0; i < L; i++) {
      const P = f.precisions[i]!;
      const alpha = alphaOf(sigmas, f.eps, i);
      const h = alpha / 2;
      const c = Math.sqrt(alpha);
      const rho = contraction2(P, h);
      expect(rho).toBeLessThan(1);
      for (let t = 0; t < T; t++) {
        const k = i * T + t;
        let bound = 0;
        for (let p = 0; p < n; p++) {
          for (let j = 0; j < 2; j++) {
            const x = r.trajectory!.data.subarray(k * 2 * n + 2 * p, k * 2 * n + 2 * p + 2);
            let pd = 0;
            let s = 0;
            for (let l = 0; l < 2; l++) {
              pd += Math.abs(P[j]![l]!) * Math.abs(x[l]! - fixture.mu[l]!);
              s -= P[j]![l]! * (x[l]! - fixture.mu[l]!);
            }
            const m = x[j]! + h * s;
            const cz = c * f.noise[k]![p]![j]!;
            // As for ULA (langevin/step#reference), plus the different roundings of alpha_i
            // (NumPy: eps * s**2 / sigma_L**2; here eps (sigma_i / sigma_L)^2; 8u apart) in h s and c z.
            bound = Math.max(
              bound,
              2 * Math.SQRT2 * EPS * (Math.abs(m) + Math.abs(m + cz) + Math.abs(h * s) + 2 * Math.abs(cz) + 3 * h * pd) +
                Math.SQRT2 * 4 * EPS * (Math.abs(h * s) + Math.abs(cz)),
            );
          }
        }
        tol = rho * tol + bound;
      }
      for (let p = 0; p < n; p++) {
        for (let j = 0; j < 2; j++) {
          expectClose(r.trajectory!.data[(i + 1) * T * 2 * n + 2 * p + j]!, f.levels[i + 1]![p]![j]!, { atol: tol }, { level: i + 1, p, j });
        }
      }
    }
    // Denoising: x + sigma_L^2 s(x, sigma_L) has |I - sigma_L^2 P_L| <= 1 as well; its own rounding is 4 EPS of the terms.
    const PL = f.precisions[L - 1]!;
    const sL2 = sigmas[L - 1]! ** 2;
    expect(contraction2(PL, sL2)).toBeLessThan(1);
    for (let p = 0; p < n; p++) {
      for (let j = 0; j < 2; j++) {
        expectClose(d.x.data[2 * p + j]!, f.denoised[p]![j]!, { atol: tol + 8 * EPS * (Math.abs(f.denoised[p]![j]!) + 4) }, { p, j });
      }
    }
  });
});
