/**
 * The predictors: reverse diffusion from the reverse discretization, its first-order
 * agreement with DDPM's ancestral step (with the exact difference), the ancestral
 * predictor against ddpm.ancestralStep (VP) and against SMLD's exact posterior (VE).
 *
 * @see proofs/solvers/predictors.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { ancestralStep, epsFromScore } from '../../../src/core/ddpm/index.js';
import { fromBetas, geometricSigmas, linearBetas } from '../../../src/core/schedule/index.js';
import { subVp, timeStep, ve, vp } from '../../../src/core/sde/index.js';
import { ancestralPredictor, reverseDiffusionPredictor } from '../../../src/core/solvers/predictors.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbSde, arbTime } from '../../arbitraries/arb-sde.js';
import { exactScore } from '../sde/gaussian-data.js';

const DATA = { mu: 1, s0: 2 };
const arbVec = fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 3, maxLength: 3 });
const nd = (xs: number[]) => ndarray(Float64Array.from(xs), [xs.length, 1]);
const arbVpCase = fc
  .record({
    betaMin: fc.double({ min: 0.01, max: 1, noNaN: true }),
    extra: fc.double({ min: 0, max: 30, noNaN: true }),
    extraN: fc.integer({ min: 1, max: 3000 }),
    t: arbTime(),
    x: arbVec,
    s: arbVec,
    z: arbVec,
  })
  .map((c) => ({ ...c, betaMax: c.betaMin + c.extra, N: Math.floor(c.betaMin + c.extra) + c.extraN }));

/** A score model returning the fixed values s (for any x of their shape). */
const fixed = (s: number[]) => () => nd(s);

describe('reverse diffusion', () => {
  test.prop([arbSde({ maxBeta: 20 }), arbTime(), fc.integer({ min: 21, max: 3000 }), arbVec, arbVec, fc.boolean()])(
    'solvers/predictors#reverse-diffusion: xMean = x - rev_f and x_{k-1} = xMean + rev_G z with (rev_f, rev_G) = reverse.discretize(x, t, N)',
    (sde, t, N, xs, zs, probabilityFlow) => {
      const rev = sde.reverse(exactScore(sde, DATA), { probabilityFlow });
      const x = nd(xs);
      const z = nd(zs);
      const out = reverseDiffusionPredictor(rev, x, t, N, z);
      const { f, G } = rev.discretize(x, t, N);
      for (let i = 0; i < xs.length; i++) {
        // (1 - c) x + d s against x - (c x - d s): 3 roundings on each part of |x| + |f|.
        expectClose(out.xMean.data[i]!, xs[i]! - f.data[i]!, { atol: 6 * EPS * (Math.abs(xs[i]!) + Math.abs(f.data[i]!)) + 1e-300 }, { i });
        expectClose(out.x.data[i]!, out.xMean.data[i]! + G * zs[i]!, { atol: 2 * EPS * (Math.abs(out.xMean.data[i]!) + G * Math.abs(zs[i]!)) }, { i });
      }
    },
  );

  test.prop([arbVpCase])(
    "solvers/predictors#ddpm-first-order: on VP, reverse diffusion's mean (2 - u) x + beta s and DDPM's ancestral mean (x + beta s)/u (u = sqrt(1 - beta_k)) differ by exactly beta^2 [x/((1+u)^2 u) + s/((1+u) u)], i.e. beta^2 (x/4 + s/2) + O(beta^3); the noise scales are equal",
    ({ betaMin, betaMax, N, t, x, s, z }) => {
      const sde = vp({ betaMin, betaMax });
      const rd = reverseDiffusionPredictor(sde.reverse(fixed(s)), nd(x), t, N, nd(z));
      const sch = fromBetas(linearBetas(N, betaMin / N, betaMax / N));
      const k = timeStep(t, N);
      const anc = ancestralStep(sch, nd(x), k, epsFromScore(sch, k, nd(s)), 'fixedLarge', nd(z));
      const beta = sch.beta[k]!;
      const u = Math.sqrt(1 - beta);
      for (let i = 0; i < 3; i++) {
        const diff = anc.xMean.data[i]! - rd.xMean.data[i]!;
        const exact = beta * beta * (x[i]! / ((1 + u) ** 2 * u) + s[i]! / ((1 + u) * u));
        // Each mean is a few roundings (<= 8 EPS) of its parts |x|/u + beta |s|/u.
        expectClose(diff, exact, { atol: 16 * EPS * (Math.abs(x[i]!) / u + (beta * Math.abs(s[i]!)) / u) + 1e-300 }, { k, beta });
        // First order: |diff| <= beta^2 (|x| + |s|)/u.
        expect(Math.abs(exact)).toBeLessThanOrEqual((beta * beta * (Math.abs(x[i]!) + Math.abs(s[i]!))) / u);
        // Equal noise scales sqrt(beta_k) (DDPM adds none at k = 1).
        if (k > 1) expectClose(rd.x.data[i]! - rd.xMean.data[i]!, anc.x.data[i]! - anc.xMean.data[i]!, { atol: 8 * EPS * (Math.abs(rd.x.data[i]!) + Math.abs(anc.x.data[i]!)) + 1e-300 }, { k });
      }
    },
  );
});

describe('ancestral sampling', () => {
  test.prop([arbVpCase])(
    'solvers/predictors#ancestral-ddpm: on VP the ancestral predictor is ddpm.ancestralStep with fixedLarge, eps = epsFromScore, on fromBetas(linearBetas(N, betaMin/N, betaMax/N)) at k = timeStep(t, N) (x for k > 1, xMean always)',
    ({ betaMin, betaMax, N, t, x, s, z }) => {
      const sde = vp({ betaMin, betaMax });
      const out = ancestralPredictor(sde, fixed(s), nd(x), t, N, nd(z));
      const sch = fromBetas(linearBetas(N, betaMin / N, betaMax / N));
      const k = timeStep(t, N);
      const anc = ancestralStep(sch, nd(x), k, epsFromScore(sch, k, nd(s)), 'fixedLarge', nd(z));
      const u = Math.sqrt(1 - sch.beta[k]!);
      for (let i = 0; i < 3; i++) {
        // (x + beta s)/u two ways: ddpm goes through eps = -sqrt(1 - alphaBar) s and b = beta/(u sqrt(1 - alphaBar)):
        // a few roundings each of |x|/u and beta |s|/u.
        const scale = Math.abs(x[i]!) / u + (sch.beta[k]! * Math.abs(s[i]!)) / u;
        expectClose(out.xMean.data[i]!, anc.xMean.data[i]!, { atol: 12 * EPS * scale + 1e-300 }, { k });
        if (k > 1) expectClose(out.x.data[i]!, anc.x.data[i]!, { atol: 12 * EPS * (scale + Math.sqrt(sch.beta[k]!) * Math.abs(z[i]!)) + 1e-300 }, { k });
        // score_sde adds noise at k = 1 too: x = xMean + sqrt(beta_1) z.
        else expectClose(out.x.data[i]!, out.xMean.data[i]! + Math.sqrt(sch.beta[1]!) * z[i]!, { atol: 4 * EPS * (Math.abs(out.x.data[i]!) + 1) }, { k });
      }
    },
  );

  test.prop([
    fc.record({ sigmaMin: fc.double({ min: 1e-3, max: 1, noNaN: true }), ratio: fc.double({ min: 2, max: 1e4, noNaN: true }) }),
    fc.integer({ min: 2, max: 2000 }),
    arbTime(),
    arbVec,
    arbVec,
    arbVec,
  ])(
    "solvers/predictors#ancestral-smld: on VE the ancestral step with the conditional score -(x_k - x_0)/sigma_k^2 is SMLD's exact posterior q(x_{k-1} | x_k, x_0) = N(x_0 + (sigma_{k-1}^2/sigma_k^2)(x_k - x_0), sigma_{k-1}^2 (sigma_k^2 - sigma_{k-1}^2)/sigma_k^2)",
    ({ sigmaMin, ratio }, N, t, xs, x0, zs) => {
      const sigmaMax = sigmaMin * ratio;
      const sde = ve({ sigmaMin, sigmaMax });
      const k = timeStep(t, N);
      const levels = geometricSigmas(sigmaMax, sigmaMin, N);
      const sigma = levels[N - k]!;
      const prev = k === 1 ? 0 : levels[N - k + 1]!;
      const score = () => nd(xs.map((v, i) => -(v - x0[i]!) / (sigma * sigma)));
      const out = ancestralPredictor(sde, score, nd(xs), t, N, nd(zs));
      // sigma_k^2 - sigma_{k-1}^2 as (sigma_k - sigma_{k-1})(sigma_k + sigma_{k-1}): the direct difference
      // of squares would lose ~ N/(2 log ratio) ulps to cancellation for close levels.
      const std = (prev / sigma) * Math.sqrt((sigma - prev) * (sigma + prev));
      for (let i = 0; i < 3; i++) {
        const mean = x0[i]! + ((prev * prev) / (sigma * sigma)) * (xs[i]! - x0[i]!);
        const scale = Math.abs(xs[i]!) + Math.abs(x0[i]!);
        // x_k + (sigma_k^2 - sigma_{k-1}^2) s against x_0 + r (x_k - x_0): ~10 roundings of |x_k| + |x_0|.
        expectClose(out.xMean.data[i]!, mean, { atol: 16 * EPS * scale }, { k, sigma, prev });
        expectClose(out.x.data[i]! - out.xMean.data[i]!, std * zs[i]!, { atol: 8 * EPS * (Math.abs(out.x.data[i]!) + std * Math.abs(zs[i]!)) + 1e-300 }, { k });
      }
    },
  );

  test('solvers/predictors#ancestral-smld: sub-VP has no ancestral sampler (rejected, naming sde)', () => {
    const x = nd([1, 2, 3]);
    expect(() => ancestralPredictor(subVp(), fixed([0, 0, 0]), x, 0.5, 100, x)).toThrow(/solvers\.ancestralPredictor: invalid argument `sde`: expected a VP or VE Sde/);
  });
});
