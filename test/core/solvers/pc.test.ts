/**
 * Predictor-corrector sampling: the sampler as corrector-then-predictor steps on score_sde's
 * grid (bit for bit, noise in order), the weak order of every predictor from exactly
 * propagated moments, Monte Carlo against them, the Langevin-corrected sampler's moments,
 * and the key wrapper.
 *
 * @see proofs/solvers/pc.md
 */
import ndarray from 'ndarray';
import { describe, expect, test } from 'vitest';
import { foldIn, key, normal, split } from '../../../src/core/random/index.js';
import { subVp, ve, vp, type Sde } from '../../../src/core/sde/index.js';
import { langevinCorrector } from '../../../src/core/solvers/corrector.js';
import { eulerMaruyamaStep } from '../../../src/core/solvers/euler-maruyama.js';
import { pcSample, pcSampleWithKey, type PredictorName } from '../../../src/core/solvers/pc.js';
import { ancestralPredictor, reverseDiffusionPredictor } from '../../../src/core/solvers/predictors.js';
import { expectClose } from '../../_support/expect-close.js';
import { Z_CRIT } from '../../_support/stats.js';
import { affineMoments, exactScore, fittedOrder, marginalMoments, sampleMoments } from '../sde/gaussian-data.js';

const DATA = { mu: 1, s0: 2 };

/** score_sde's grid linspace(1, eps, N). */
const gridTime = (j: number, N: number, eps: number) => (j === 0 ? 1 : j === N - 1 ? eps : 1 - (j * (1 - eps)) / (N - 1));

describe('the sampler as steps', () => {
  test('solvers/pc#steps: pcSample runs, at each t_j = linspace(1, eps, N)[j], M Langevin steps then one predictor step (reverse diffusion, ancestral, or EM with dt = -1/N), drawing noise(i) in order; bit for bit', () => {
    const cases: [Sde, PredictorName][] = [
      [vp(), 'reverseDiffusion'],
      [ve(), 'ancestral'],
      [subVp(), 'eulerMaruyama'],
      [vp(), 'none'],
    ];
    for (const [sde, predictor] of cases) {
      const score = exactScore(sde, DATA);
      const rev = sde.reverse(score);
      const shape = [4, 3];
      const root = key(21);
      const noise = (i: number) => normal(foldIn(root, i), shape);
      const x1 = sde.priorSample(normal(foldIn(root, 5000), shape));
      const N = 30;
      const M = 2;
      const eps = 2e-3;
      const out = pcSample(sde, score, { steps: N, predictor, corrector: 'langevin', snr: 0.2, correctorSteps: M, eps, trajectory: true }, x1, noise);
      let x = x1;
      let mean = x1;
      let i = 0;
      for (let j = 0; j < N; j++) {
        const t = gridTime(j, N, eps);
        const first = i;
        const c = langevinCorrector(sde, score, x, t, { snr: 0.2, steps: M, N }, (m) => noise(first + m));
        i += M;
        x = c.x;
        mean = c.xMean;
        if (predictor !== 'none') {
          const z = noise(i++);
          const p =
            predictor === 'reverseDiffusion'
              ? reverseDiffusionPredictor(rev, x, t, N, z)
              : predictor === 'ancestral'
                ? ancestralPredictor(sde, score, x, t, N, z)
                : eulerMaruyamaStep(rev, x, t, -1 / N, z);
          x = p.x;
          mean = p.xMean;
        }
        expect(Array.from(out.trajectory![j]!.data)).toEqual(Array.from(x.data));
      }
      expect(Array.from(out.x.data)).toEqual(Array.from(mean.data));
      expect(out.nfe).toBe(N * (M + (predictor === 'none' ? 0 : 1)));
    }
  });

  test('solvers/pc#with-key: pcSampleWithKey starts at priorSample(normal(k0, shape)) with noise(i) = normal(foldIn(k1, i), shape), [k0, k1] = split(key)', () => {
    const sde = vp();
    const score = exactScore(sde, DATA);
    const k = key(31);
    const [k0, k1] = split(k, 2) as [ReturnType<typeof key>, ReturnType<typeof key>];
    const shape = [3, 5];
    const options = { steps: 25, predictor: 'reverseDiffusion', corrector: 'langevin', snr: 0.16 } as const;
    const a = pcSampleWithKey(sde, score, options, shape, k);
    const b = pcSample(sde, score, options, sde.priorSample(normal(k0, shape)), (i) => normal(foldIn(k1, i), shape));
    expect(Array.from(a.x.data)).toEqual(Array.from(b.x.data));
    expect(a.nfe).toBe(50);
  });
});

/** Exact moments of a predictor-only PC sampler started at the true marginal at t = 1. */
function pcMoments(sde: Sde, predictor: PredictorName, N: number, eps: number) {
  const start = marginalMoments(sde, DATA, 1);
  const score = exactScore(sde, DATA);
  return affineMoments((x, noise) => pcSample(sde, score, { steps: N, predictor, corrector: 'none', eps }, x, noise).x, N, start.mean, start.variance);
}

describe('weak order', () => {
  const cases: [Sde, PredictorName][] = [
    [vp(), 'reverseDiffusion'],
    [vp(), 'ancestral'],
    [vp(), 'eulerMaruyama'],
    [subVp(), 'reverseDiffusion'],
    [subVp(), 'eulerMaruyama'],
    [ve(), 'reverseDiffusion'],
    [ve(), 'ancestral'],
    [ve(), 'eulerMaruyama'],
  ];

  test('solvers/pc#weak-order: with the exact score of Gaussian data every predictor recovers the data mean and variance at order 1 in 1/N (exactly propagated moments, fitted over N = 50..400 within 0.15); VE keeps the mean exactly', () => {
    const Ns = [50, 100, 200, 400];
    const eps = 1e-6;
    for (const [sde, predictor] of cases) {
      const ms = Ns.map((N) => pcMoments(sde, predictor, N, eps));
      const eMean = ms.map((m) => Math.abs(m.mean - DATA.mu));
      const eVar = ms.map((m) => Math.abs(m.variance - DATA.s0 ** 2));
      const ctx = { kind: sde.kind, predictor, eMean, eVar };
      if (sde.kind === 've') for (const e of eMean) expect(e, JSON.stringify(ctx)).toBeLessThanOrEqual(1e-13);
      else expectClose(fittedOrder(Ns, eMean), 1, { atol: 0.15 }, { ...ctx, what: 'mean' });
      expectClose(fittedOrder(Ns, eVar), 1, { atol: 0.15 }, { ...ctx, what: 'variance' });
    }
  });

  test('solvers/pc#monte-carlo: 20000 particles of the predictor-only samplers agree with the exactly propagated moments (z-tests at ALPHA)', () => {
    for (const [i, [sde, predictor]] of ([[vp(), 'reverseDiffusion'], [ve(), 'ancestral'], [subVp(), 'eulerMaruyama']] as [Sde, PredictorName][]).entries()) {
      const N = 60;
      const n = 20000;
      const eps = sde.eps;
      const start = marginalMoments(sde, DATA, 1);
      const root = key(600 + i);
      const x1 = ndarray(normal(foldIn(root, 1_000_000), [n, 1]).data.map((z) => start.mean + Math.sqrt(start.variance) * z), [n, 1]);
      const out = pcSample(sde, exactScore(sde, DATA), { steps: N, predictor, corrector: 'none', eps }, x1, (k) => normal(foldIn(root, k), [n, 1]));
      const got = sampleMoments(out.x.data);
      const exact = pcMoments(sde, predictor, N, eps);
      expectClose(got.mean, exact.mean, { atol: Z_CRIT * Math.sqrt(exact.variance / n) }, { kind: sde.kind, predictor, got, exact });
      expectClose(got.variance, exact.variance, { atol: Z_CRIT * exact.variance * Math.sqrt(2 / (n - 1)) }, { kind: sde.kind, predictor, got, exact });
    }
  });

  test('solvers/pc#langevin: with the Langevin corrector (snr 0.16, d = 32) the sample mean is the data mean within Z_CRIT standard errors plus the predictor-only bias, and the variance is not below the data variance less that bias (the corrector only inflates it, by about (1 + snr^2)(d + 2)/(d - 2))', () => {
    for (const [i, sde] of [vp(), ve()].entries()) {
      const N = 100;
      const n = 1000;
      const d = 32;
      const root = key(700 + i);
      const score = exactScore(sde, DATA);
      const out = pcSample(sde, score, { steps: N, predictor: 'reverseDiffusion', corrector: 'langevin', snr: 0.16 }, sde.priorSample(normal(foldIn(root, 1_000_000), [n, d])), (k) => normal(foldIn(root, k), [n, d]));
      const got = sampleMoments(out.x.data);
      const predictorOnly = pcMoments(sde, 'reverseDiffusion', N, sde.eps);
      // Rows are independent; coordinates within a row uncorrelated: se(mean) = sqrt(var/(n d)).
      const biasMean = Math.abs(predictorOnly.mean - DATA.mu);
      expectClose(got.mean, DATA.mu, { atol: Z_CRIT * Math.sqrt(got.variance / (n * d)) + biasMean }, { kind: sde.kind, got, predictorOnly });
      const perRow = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        let q = 0;
        for (let j = r * d; j < (r + 1) * d; j++) q += (out.x.data[j]! - got.mean) ** 2;
        perRow[r] = q / d;
      }
      const se = Math.sqrt(sampleMoments(perRow).variance / n);
      const biasVar = Math.min(0, predictorOnly.variance - DATA.s0 ** 2);
      expect(got.variance).toBeGreaterThanOrEqual(DATA.s0 ** 2 + biasVar - Z_CRIT * se);
    }
  });
});
