/**
 * Euler-Maruyama: the step for forward and reverse-time SDEs, the reverse-time sampler as
 * iterated steps, its weak order from exactly propagated moments (Gaussian data, exact
 * score), its leading error coefficient for VE, Monte Carlo against the propagated
 * moments, and the key wrapper.
 *
 * @see proofs/solvers/euler-maruyama.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { foldIn, key, normal, split } from '../../../src/core/random/index.js';
import { subVp, ve, vp, type Sde } from '../../../src/core/sde/index.js';
import { eulerMaruyamaSample, eulerMaruyamaSampleWithKey, eulerMaruyamaStep } from '../../../src/core/solvers/euler-maruyama.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { Z_CRIT } from '../../_support/stats.js';
import { arbSde, arbTime } from '../../arbitraries/arb-sde.js';
import { affineMoments, exactScore, fittedOrder, marginalMoments, sampleMoments } from '../sde/gaussian-data.js';

const DATA = { mu: 1, s0: 2 };
const arbPoints = fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 2, maxLength: 8 }).map((xs) => {
  const n = Math.floor(xs.length / 2);
  return { x: ndarray(Float64Array.from(xs.slice(0, 2 * n)), [n, 2]), z: ndarray(Float64Array.from(xs.slice(0, 2 * n).reverse()), [n, 2]) };
});

describe('one step', () => {
  test.prop([arbSde(), arbTime(), fc.double({ min: 1e-6, max: 1, noNaN: true }), arbPoints, fc.constantFrom('forward', 'reverse', 'flow')])(
    'solvers/euler-maruyama#step: xMean = x + f(x, t) dt and x = xMean + g(t) sqrt(|dt|) z, forward (dt > 0) and reverse (dt < 0, drift f - lambda g^2 s, diffusion g or 0)',
    (sde, t, h, { x, z }, kind) => {
      const score = exactScore(sde, DATA);
      const rec = kind === 'forward' ? sde : sde.reverse(score, { probabilityFlow: kind === 'flow' });
      const dt = kind === 'forward' ? h : -h;
      const step = eulerMaruyamaStep(rec, x, t, dt, z);
      const drift = rec.drift(x, t).data;
      const g = rec.diffusion(t);
      for (let i = 0; i < x.data.length; i++) {
        const mean = x.data[i]! + drift[i]! * dt;
        // (1 + a dt) x + b s against x + (a x - b' s) dt: 4 roundings on each of |x| and |drift dt|,
        // plus the drift's own 3 on its two products (sde/reverse#drift).
        const budget = 6 * EPS * (Math.abs(x.data[i]!) + Math.abs(drift[i]! * dt)) + 4 * EPS * Math.abs(sde.driftCoefficient(t) * x.data[i]! * dt);
        const sScale = kind === 'forward' ? 0 : (kind === 'flow' ? 0.5 : 1) * sde.diffusion(t) ** 2 * Math.abs(score(x, t).data[i]!) * h;
        expectClose(step.xMean.data[i]!, mean, { atol: budget + 6 * EPS * sScale }, { i, kind });
        expectClose(step.x.data[i]!, step.xMean.data[i]! + g * Math.sqrt(h) * z.data[i]!, { atol: 3 * EPS * (Math.abs(step.xMean.data[i]!) + g * Math.sqrt(h) * Math.abs(z.data[i]!)) }, { i, kind });
      }
    },
  );
});

describe('the sampler', () => {
  test('solvers/euler-maruyama#sample: eulerMaruyamaSample is eulerMaruyamaStep on the reverse SDE iterated over t_k = 1 - k h, h = (1 - eps)/N, returning the last xMean (bit for bit), with the path on request', () => {
    for (const sde of [vp(), subVp(), ve()]) {
      const score = exactScore(sde, DATA);
      const rev = sde.reverse(score);
      const root = key(3);
      const shape = [5, 3];
      const noise = (k: number) => normal(foldIn(root, k), shape);
      const x1 = normal(foldIn(root, 1000), shape);
      const N = 17;
      const out = eulerMaruyamaSample(sde, score, { steps: N, eps: 0.01, trajectory: true }, x1, noise);
      const h = (1 - 0.01) / N;
      let x = x1;
      let last = x1;
      for (let k = 0; k < N; k++) {
        const step = eulerMaruyamaStep(rev, x, k === 0 ? 1 : 1 - k * h, -h, noise(k));
        expect(Array.from(out.trajectory![k]!.data)).toEqual(Array.from(step.x.data));
        x = step.x;
        last = step.xMean;
      }
      expect(Array.from(out.x.data)).toEqual(Array.from(last.data));
      expect(out.nfe).toBe(N);
      expect(out.trajectory).toHaveLength(N);
      expect(eulerMaruyamaSample(sde, score, { steps: N, eps: 0.01 }, x1, noise).trajectory).toBeUndefined();
      // The input is not written to.
      expect(Array.from(x1.data)).toEqual(Array.from(normal(foldIn(root, 1000), shape).data));
    }
  });

  test('solvers/euler-maruyama#with-key: eulerMaruyamaSampleWithKey starts at priorSample(normal(k0, shape)) and draws noise(k) = normal(foldIn(k1, k), shape), [k0, k1] = split(key)', () => {
    const sde = ve();
    const score = exactScore(sde, DATA);
    const k = key(77);
    const [k0, k1] = split(k, 2) as [ReturnType<typeof key>, ReturnType<typeof key>];
    const shape = [4, 2];
    const a = eulerMaruyamaSampleWithKey(sde, score, { steps: 9 }, shape, k);
    const b = eulerMaruyamaSample(sde, score, { steps: 9 }, sde.priorSample(normal(k0, shape)), (i) => normal(foldIn(k1, i), shape));
    expect(Array.from(a.x.data)).toEqual(Array.from(b.x.data));
  });
});

/** Exact moments of the EM sampler's output started at the true marginal at t = 1. */
function emMoments(sde: Sde, N: number, eps: number) {
  const start = marginalMoments(sde, DATA, 1);
  const score = exactScore(sde, DATA);
  return affineMoments((x, noise) => eulerMaruyamaSample(sde, score, { steps: N, eps }, x, noise).x, N, start.mean, start.variance);
}

describe('weak order', () => {
  const Ns = [50, 100, 200, 400];

  test('solvers/euler-maruyama#weak-order: with the exact score of Gaussian data the exact output moments converge to p_eps at order 1 (fitted over N = 50..400 within 0.15); VE keeps the mean exactly', () => {
    for (const sde of [vp(), subVp(), ve({ sigmaMin: 1, sigmaMax: 20 })]) {
      const eps = sde.eps;
      const target = marginalMoments(sde, DATA, eps);
      const ms = Ns.map((N) => emMoments(sde, N, eps));
      const eMean = ms.map((m) => Math.abs(m.mean - target.mean));
      const eVar = ms.map((m) => Math.abs(m.variance - target.variance));
      const ctx = { kind: sde.kind, eMean, eVar };
      if (sde.kind === 've') {
        // m = 1 and s(mu, t) = 0: every step maps the mean mu to mu (a few roundings of |mu|).
        for (const e of eMean) expect(e).toBeLessThanOrEqual(16 * EPS);
      } else {
        expectClose(fittedOrder(Ns, eMean), 1, { atol: 0.15 }, { ...ctx, what: 'mean' });
      }
      expectClose(fittedOrder(Ns, eVar), 1, { atol: 0.15 }, { ...ctx, what: 'variance' });
    }
  });

  test("solvers/euler-maruyama#ve-coefficient: for VE the variance error is h C1 + O(h^2) with the derived C1 = -L (sigma(eps)^2 + sigmaMax^2 V(eps)^2 / V(1)^2)", () => {
    for (const p of [{ sigmaMin: 1, sigmaMax: 20 }, { sigmaMin: 0.5, sigmaMax: 50 }]) {
      const sde = ve(p);
      const eps = 1e-5;
      const L = Math.log(p.sigmaMax / p.sigmaMin);
      const V0 = marginalMoments(sde, DATA, eps).variance;
      const V1 = marginalMoments(sde, DATA, 1).variance;
      const sigmaEps = p.sigmaMin * Math.exp(eps * L);
      const C1 = -L * (sigmaEps ** 2 + p.sigmaMax ** 2 * (V0 / V1) ** 2);
      const Ms = [400, 800, 1600, 3200];
      const rem = Ms.map((N) => {
        const h = (1 - eps) / N;
        return Math.abs((emMoments(sde, N, eps).variance - V0) / h - C1);
      });
      // The remainder (e/h - C1) is O(h): it halves with h (margin 0.2 for the next terms).
      expectClose(fittedOrder(Ms, rem), 1, { atol: 0.2 }, { p, C1, rem });
    }
  });

  test('solvers/euler-maruyama#monte-carlo: 20000 particles agree with the exactly propagated moments (z-tests at ALPHA)', () => {
    for (const [i, sde] of [vp(), subVp(), ve({ sigmaMin: 1, sigmaMax: 20 })].entries()) {
      const N = 60;
      const n = 20000;
      const start = marginalMoments(sde, DATA, 1);
      const root = key(400 + i);
      const x1 = ndarray(normal(foldIn(root, 1_000_000), [n, 1]).data.map((z) => start.mean + Math.sqrt(start.variance) * z), [n, 1]);
      const out = eulerMaruyamaSample(sde, exactScore(sde, DATA), { steps: N }, x1, (k) => normal(foldIn(root, k), [n, 1]));
      const got = sampleMoments(out.x.data);
      const exact = emMoments(sde, N, sde.eps);
      // The output is exactly Gaussian (affine in Gaussians): se(mean) = sqrt(V/n), se(var) = V sqrt(2/(n - 1)).
      expectClose(got.mean, exact.mean, { atol: Z_CRIT * Math.sqrt(exact.variance / n) }, { kind: sde.kind, got, exact });
      expectClose(got.variance, exact.variance, { atol: Z_CRIT * exact.variance * Math.sqrt(2 / (n - 1)) }, { kind: sde.kind, got, exact });
    }
  });
});
