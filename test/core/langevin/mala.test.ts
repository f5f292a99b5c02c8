/**
 * MALA: the acceptance ratio and detailed balance, one step and the chain, invariance of
 * the target at a step size where ULA is visibly biased (KS tests that ULA fails), and the
 * NumPy reference run.
 *
 * @see proofs/langevin/mala.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { logPdf as gaussianLogPdf, normalCdf } from '../../../src/core/gaussian/index.js';
import { chainWithKey, mala, malaLogRatio, malaStep, malaWithKey } from '../../../src/core/langevin/index.js';
import * as mixture from '../../../src/core/mixture/index.js';
import { foldIn, key, normal, split, uniform } from '../../../src/core/random/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ALPHA, ksTest } from '../../_support/stats.js';
import { arbMixture, arbPoint } from '../../arbitraries/arb-mixture.js';
import { contraction2, fixture, fromRows, linearScore, quadraticLogDensity } from './support.js';

const rowsOf = (pts: number[][], d: number): Float64NdArray => ndarray(Float64Array.from(pts.flatMap((p) => p.slice(0, d))), [pts.length, d]);

describe('the acceptance ratio', () => {
  const arbCase = arbMixture({ maxDim: 3, maxComponents: 3 }).chain((m) =>
    fc.tuple(
      fc.constant(m.mix),
      fc.integer({ min: 1, max: 4 }).chain((n) =>
        fc.tuple(fc.array(arbPoint(3, 6), { minLength: n, maxLength: n }), fc.array(arbPoint(3, 6), { minLength: n, maxLength: n })),
      ),
      fc.double({ min: 1e-3, max: 5, noNaN: true }),
    ),
  );

  test.prop([arbCase])(
    'langevin/mala#detailed-balance: log r(y, x) = -log r(x, y) exactly, and log p(x) + log q(y|x) + log a(x, y) = log p(y) + log q(x|y) + log a(y, x) with q from gaussian.logPdf',
    ([mix, [xs, ys], eps]) => {
      const d = mix.dim;
      const x = rowsOf(xs, d);
      const y = rowsOf(ys, d);
      const cur = { x, logDensity: mixture.logPdf(mix, x), score: mixture.score(mix, x) };
      const prop = { x: y, logDensity: mixture.logPdf(mix, y), score: mixture.score(mix, y) };
      const forward = malaLogRatio(cur, prop, eps);
      const backward = malaLogRatio(prop, cur, eps);
      const h = eps / 2;
      const logVar = Math.log(eps);
      for (let r = 0; r < xs.length; r++) {
        const lr = forward.data[r]!;
        // The two calls evaluate the same roundings with the roles swapped (fl(a - b) = -fl(b - a)).
        expect(backward.data[r] === -lr, `row ${r}: ${backward.data[r]} vs ${-lr}`).toBe(true);
        // log q(y|x) = sum_j log N(y_j; x_j + h s_j(x), eps), written independently of the library.
        let lqYX = 0;
        let lqXY = 0;
        let mag = 0;
        for (let j = 0; j < d; j++) {
          const xj = x.data[r * d + j]!;
          const yj = y.data[r * d + j]!;
          const sx = cur.score.data[r * d + j]!;
          const sy = prop.score.data[r * d + j]!;
          lqYX += gaussianLogPdf(yj, xj + h * sx, logVar);
          lqXY += gaussianLogPdf(xj, yj + h * sy, logVar);
          const rf = Math.abs(yj - xj - h * sx);
          const rb = Math.abs(xj - yj - h * sy);
          // The residuals' rounding (|y| + |x| + h|s|) times their size, over eps, and their squares.
          mag += ((rf + rb) * (Math.abs(xj) + Math.abs(yj) + h * Math.abs(sx) + h * Math.abs(sy))) / eps + (rf * rf + rb * rb) / (2 * eps);
          mag += Math.abs(0.5 * (Math.log(2 * Math.PI) + logVar)) * 2;
        }
        const lpX = cur.logDensity.data[r]!;
        const lpY = prop.logDensity.data[r]!;
        const lhs = lpX + lqYX + Math.min(0, lr);
        const rhs = lpY + lqXY + Math.min(0, backward.data[r]!);
        // log p and s are shared by both sides (their errors cancel); what differs is the
        // residual quadratics of the library and of gaussian.logPdf, each within (d + 4) u of
        // `mag`, and the final sums, within u of |log p| terms. 4 (d + 4) EPS covers both.
        const tol = 4 * (d + 4) * EPS * (mag + Math.abs(lpX) + Math.abs(lpY) + Math.abs(lqYX) + Math.abs(lqXY));
        expectClose(lhs, rhs, { atol: tol }, { r, eps, lr });
      }
    },
  );

  test('langevin/mala#detailed-balance: for N(0, 1), x = 0, y = 1 and eps = 1/2 the log ratio is -1/16, computed by hand', () => {
    // log p(y) - log p(x) = -1/2; y - x - h s(x) = 1 - 0 = 1; x - y - h s(y) = -1 + 1/4 = -3/4;
    // log r = -1/2 + (1 - 9/16) / (2 * 1/2) = -1/2 + 7/16 = -1/16 (every value exact in binary).
    const nd1 = (v: number) => ndarray(new Float64Array([v]), [1, 1]);
    const lr = malaLogRatio(
      { x: nd1(0), logDensity: ndarray(new Float64Array([0]), [1]), score: nd1(0) },
      { x: nd1(1), logDensity: ndarray(new Float64Array([-0.5]), [1]), score: nd1(-1) },
      0.5,
    );
    expect(lr.get(0)).toBe(-1 / 16);
  });
});

describe('one step and the chain', () => {
  const target = mixture.create({ weights: [0.3, 0.7], means: [[-2], [1.5]], covs: [0.25, 1] });
  const logp = (x: Float64NdArray) => mixture.logPdf(target, x);
  const score = (x: Float64NdArray) => mixture.score(target, x);

  test.prop([
    fc.integer({ min: 1, max: 6 }).chain((n) =>
      fc.tuple(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }),
        fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: n, maxLength: n }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: n, maxLength: n }),
      ),
    ),
    fc.double({ min: 1e-3, max: 3, noNaN: true }),
  ])(
    'langevin/mala#step: malaStep proposes y = x + (eps/2) s(x) + sqrt(eps) z and moves row r to y iff log u_r < log r(x_r, y_r); acceptProb = min(1, e^{log r})',
    ([xs, zs, us], eps) => {
      const n = xs.length;
      const x = ndarray(Float64Array.from(xs), [n, 1]);
      const z = ndarray(Float64Array.from(zs), [n, 1]);
      const u = ndarray(Float64Array.from(us), [n]);
      const r = malaStep(logp, score, x, eps, z, u);
      const sx = score(x);
      const y = ndarray(
        Float64Array.from(xs, (v, j) => v + (eps / 2) * sx.data[j]! + Math.sqrt(eps) * zs[j]!),
        [n, 1],
      );
      const lr = malaLogRatio({ x, logDensity: logp(x), score: sx }, { x: y, logDensity: logp(y), score: score(y) }, eps);
      for (let j = 0; j < n; j++) {
        const ok = Math.log(us[j]!) < lr.data[j]!;
        expect(r.accepted.data[j]).toBe(ok ? 1 : 0);
        expect(r.x.data[j]).toBe(ok ? y.data[j] : xs[j]);
        expect(r.xMean.data[j]).toBe(ok ? xs[j]! + (eps / 2) * sx.data[j]! : xs[j]);
        expect(r.acceptProb.data[j]).toBe(Math.min(1, Math.exp(lr.data[j]!)));
      }
    },
  );

  test.prop([fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0.01, max: 2, noNaN: true })])(
    'langevin/mala#step: mala is malaStep iterated, counting acceptances; malaWithKey draws z_k, u_k from foldIn of split(key)',
    (seed, K, eps) => {
      const n = 5;
      const k = key(seed);
      const [kz, ku] = split(k, 2) as [ReturnType<typeof key>, ReturnType<typeof key>];
      const noise = (i: number) => normal(foldIn(kz, i), [n, 1]);
      const unif = (i: number) => uniform(foldIn(ku, i), [n]);
      const x0 = ndarray(Float64Array.from([-2, -1, 0, 1, 2]), [n, 1]);
      const chainResult = mala(logp, score, x0, { eps, steps: K }, noise, unif);
      let x: Float64NdArray = x0;
      const counts = new Float64Array(n);
      for (let i = 0; i < K; i++) {
        const r = malaStep(logp, score, x, eps, noise(i), unif(i));
        for (let j = 0; j < n; j++) counts[j] = counts[j]! + r.accepted.data[j]!;
        x = r.x;
      }
      expect(Array.from(chainResult.x.data)).toEqual(Array.from(x.data));
      expect(Array.from(chainResult.accepted.data)).toEqual(Array.from(counts));
      expect(chainResult.acceptanceRate).toBe(counts.reduce((s, v) => s + v, 0) / (n * K));
      const viaKey = malaWithKey(logp, score, x0, { eps, steps: K }, k);
      expect(Array.from(viaKey.x.data)).toEqual(Array.from(chainResult.x.data));
      expect(viaKey.acceptanceRate).toBe(chainResult.acceptanceRate);
    },
  );
});

describe('invariance', () => {
  const n = 4000;

  test('langevin/mala#invariance: particles drawn from N(1, 4) stay N(1, 4) after 10 MALA steps with eps = 2 s^2 = 8, and ULA with the same eps fails the same KS test (fixed keys)', () => {
    const target = mixture.create({ weights: [1], means: [[1]], covs: 4 });
    const cdf = (v: number) => normalCdf((v - 1) / 2);
    const root = key(4201);
    const x0 = mixture.sample(target, foldIn(root, 0), n);
    const logp = (x: Float64NdArray) => mixture.logPdf(target, x);
    const score = (x: Float64NdArray) => mixture.score(target, x);
    const m = malaWithKey(logp, score, x0, { eps: 8, steps: 10 }, foldIn(root, 1));
    expect(m.acceptanceRate).toBeGreaterThan(0.5);
    expect(m.acceptanceRate).toBeLessThan(1);
    expect(ksTest(m.x.data, cdf).pValue).toBeGreaterThan(ALPHA);
    // ULA at eps = 2 s^2 has a = 0: one step gives N(mu, eps) = N(1, 8), not N(1, 4).
    const u = chainWithKey(score, x0, { eps: 8, steps: 10 }, foldIn(root, 1));
    expect(ksTest(u.x.data, cdf).pValue).toBeLessThan(ALPHA);
  });

  test('langevin/mala#invariance: particles drawn from 0.3 N(-2, 0.5^2) + 0.7 N(1.5, 1) stay so after 20 MALA steps with eps = 0.5, and ULA with the same eps fails the KS test (fixed keys)', () => {
    const target = mixture.create({ weights: [0.3, 0.7], means: [[-2], [1.5]], covs: [0.25, 1] });
    const cdf = (v: number) => 0.3 * normalCdf((v + 2) / 0.5) + 0.7 * normalCdf(v - 1.5);
    const root = key(4202);
    const x0 = mixture.sample(target, foldIn(root, 0), n);
    const logp = (x: Float64NdArray) => mixture.logPdf(target, x);
    const score = (x: Float64NdArray) => mixture.score(target, x);
    const m = malaWithKey(logp, score, x0, { eps: 0.5, steps: 20 }, foldIn(root, 1));
    expect(m.acceptanceRate).toBeLessThan(1);
    expect(ksTest(m.x.data, cdf).pValue).toBeGreaterThan(ALPHA);
    // ULA at eps = 0.5 doubles the first component's variance: 0.25 / (1 - 0.5 / (4 * 0.25)) = 0.5.
    const u = chainWithKey(score, x0, { eps: 0.5, steps: 20 }, foldIn(root, 1));
    expect(ksTest(u.x.data, cdf).pValue).toBeLessThan(ALPHA);
  });
});

describe('against the NumPy reference', () => {
  test('langevin/mala#reference: malaStep reproduces NumPy\'s MALA (scipy log q) decision by decision and state by state; mala gives the same end state and counts', () => {
    const f = fixture;
    const { eps, steps } = f.mala;
    const score = linearScore(f.P, f.mu);
    const logp = quadraticLogDensity(f.P, f.mu);
    const n = f.x0.length;
    const h = eps / 2;
    const c = Math.sqrt(eps);
    // The proposal map's norm ||I - h P||_2 may exceed 1 at eps = 1.2; an error is carried
    // by at most rho per accepted step (and unchanged by a rejection).
    const rho = Math.max(1, contraction2(f.P, h));
    // The decisions cannot flip: the runner's smallest |log u - log r| is 0.38, and the two
    // log ratios differ by rounding only (below 1e-12 at these magnitudes).
    expect(f.mala.minLogMargin).toBeGreaterThan(1e-6);
    let x = fromRows(f.x0);
    let tol = 0;
    const counts = new Float64Array(n);
    for (let k = 0; k < steps; k++) {
      const r = malaStep(logp, score, x, eps, fromRows(f.mala.noise[k]!), ndarray(Float64Array.from(f.mala.uniforms[k]!), [n]));
      expect(Array.from(r.accepted.data)).toEqual(f.mala.accepted[k]);
      let bound = 0;
      for (let p = 0; p < n; p++) {
        counts[p] = counts[p]! + r.accepted.data[p]!;
        const xr = f.mala.states[k]![p]!;
        for (let i = 0; i < 2; i++) {
          let pd = 0;
          let s = 0;
          for (let j = 0; j < 2; j++) {
            pd += Math.abs(f.P[i]![j]!) * Math.abs(xr[j]! - f.mu[j]!);
            s -= f.P[i]![j]! * (xr[j]! - f.mu[j]!);
          }
          const m = xr[i]! + h * s;
          const cz = c * f.mala.noise[k]![p]![i]!;
          // As for ULA (langevin/step#reference): both implementations' roundings of one step.
          bound = Math.max(bound, 2 * Math.SQRT2 * EPS * (Math.abs(m) + Math.abs(m + cz) + Math.abs(h * s) + 2 * Math.abs(cz) + 3 * h * pd));
        }
      }
      tol = rho * tol + bound;
      for (let p = 0; p < n; p++) {
        for (let i = 0; i < 2; i++) expectClose(r.x.data[p * 2 + i]!, f.mala.states[k + 1]![p]![i]!, { atol: tol }, { k, p, i });
      }
      x = r.x;
    }
    const whole = mala(logp, score, fromRows(f.x0), { eps, steps }, (k) => fromRows(f.mala.noise[k]!), (k) => ndarray(Float64Array.from(f.mala.uniforms[k]!), [n]));
    expect(Array.from(whole.x.data)).toEqual(Array.from(x.data));
    expect(Array.from(whole.accepted.data)).toEqual(Array.from(counts));
  });
});
