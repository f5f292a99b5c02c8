/**
 * Checks shared by the tests of the three SDEs: the 50-digit fixture, finite-difference
 * residuals of the marginal ODEs with their fitted order, the forward Euler-Maruyama
 * moments propagated exactly, and their first-order bias coefficients.
 *
 * @see proofs/sde/vp.md ("The marginal ODEs", "Forward Euler-Maruyama")
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ndarray from 'ndarray';
import type { Sde } from '../../../src/core/sde/index.js';
import { expect } from 'vitest';
import { logPdf } from '../../../src/core/gaussian/index.js';
import { foldIn, key, normal } from '../../../src/core/random/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { Z_CRIT } from '../../_support/stats.js';
import { fittedOrder } from './gaussian-data.js';

export interface FixtureRow {
  readonly t: number;
  readonly a: string;
  readonly g: string;
  readonly scale: string;
  readonly std: string;
}
export interface FixtureCase {
  readonly kind: 'vp' | 'subVp' | 've';
  readonly params: Record<string, number>;
  readonly rows: readonly FixtureRow[];
}

/** The cases of test/fixtures/sde/marginals/data.json (50-digit mpmath). */
export function fixtureCases(): FixtureCase[] {
  const path = join(import.meta.dirname, '..', '..', 'fixtures', 'sde', 'marginals', 'data.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: FixtureCase[] }).cases;
}

/** The closed-form variance v(t) = s(t)^2 of x(t) | x(0) and the drift coefficient's parts. */
export function variance(sde: Sde, t: number): number {
  const s = sde.marginalCoefficients(t).std;
  return s * s;
}

/**
 * Residuals of the marginal ODEs by central differences of step delta:
 *   rm = (m(t + d) - m(t - d))/(2 d) - a(t) m(t),
 *   rv = (v(t + d) - v(t - d))/(2 d) - (2 a(t) v(t) + g(t)^2),
 * each O(d^2) when the closed forms solve the ODEs (Taylor: the central difference's error
 * is d^2 f'''/6 + O(d^4)), and O(1) otherwise.
 */
export function odeResiduals(sde: Sde, t: number, delta: number): { rm: number; rv: number } {
  const m = (u: number) => sde.marginalCoefficients(u).scale;
  const a = sde.driftCoefficient(t);
  const g = sde.diffusion(t);
  const rm = (m(t + delta) - m(t - delta)) / (2 * delta) - a * m(t);
  const rv = (variance(sde, t + delta) - variance(sde, t - delta)) / (2 * delta) - (2 * a * variance(sde, t) + g * g);
  return { rm, rv };
}

/** The fitted orders of |rm| and |rv| over the steps `deltas` (halving). */
export function odeOrders(sde: Sde, t: number, deltas: readonly number[]): { mean: number; variance: number; rm: number[]; rv: number[] } {
  const r = deltas.map((d) => odeResiduals(sde, t, d));
  const inv = deltas.map((d) => 1 / d);
  return {
    mean: fittedOrder(inv, r.map((x) => Math.abs(x.rm))),
    variance: fittedOrder(inv, r.map((x) => Math.abs(x.rv))),
    rm: r.map((x) => x.rm),
    rv: r.map((x) => x.rv),
  };
}

/**
 * Forward Euler-Maruyama x_{k+1} = x_k + a(t_k) x_k h + g(t_k) sqrt(h) z_k from x(0) = x0 on
 * t_k = k h, h = T/N, using the record's `drift` and `diffusion`, on the points x (rows)
 * with the noise source z(k).
 */
export function forwardEm(sde: Sde, x: ndarray.NdArray<Float64Array>, T: number, N: number, z: (k: number) => Float64Array): Float64Array {
  const h = T / N;
  const sqrtH = Math.sqrt(h);
  let cur = x;
  for (let k = 0; k < N; k++) {
    const t = k * h;
    const f = sde.drift(cur, t).data;
    const g = sde.diffusion(t);
    const noise = z(k);
    const next = new Float64Array(cur.data.length);
    for (let i = 0; i < next.length; i++) next[i] = cur.data[i]! + f[i]! * h + g * sqrtH * noise[i]!;
    cur = ndarray(next, cur.shape.slice());
  }
  return cur.data;
}

/**
 * The exact mean and variance of forward EM from a fixed x0 (the recursion is affine:
 * mean_{k+1} = (1 + a_k h) mean_k, var_{k+1} = (1 + a_k h)^2 var_k + g_k^2 h), computed
 * by running `forwardEm` on two rows (x0 with zero noise; the unit-noise rows give the
 * variance as in gaussian-data.ts's affineMoments).
 */
export function emMoments(sde: Sde, x0: number, T: number, N: number): { mean: number; variance: number } {
  const rows = N + 1;
  const x = new Float64Array(rows).fill(x0);
  const out = forwardEm(sde, ndarray(x, [rows, 1]), T, N, (k) => {
    const z = new Float64Array(rows);
    z[k + 1] = 1;
    return z;
  });
  let v = 0;
  for (let k = 1; k < rows; k++) v += (out[k]! - out[0]!) ** 2;
  return { mean: out[0]!, variance: v };
}

/**
 * The first-order coefficients of forward EM's bias at T (proofs/sde/vp.md, "Forward
 * Euler-Maruyama"): mean_EM - m(T) x0 = h cMean + O(h^2), var_EM - v(T) = h cVar + O(h^2),
 *   cMean = -(m(T) x0 / 2) [a(T) - a(0) + int_0^T a^2],
 *   cVar  = int_0^T (m(T)/m(s))^2 (a^2 v - v''/2)(s) ds,   v'' = 2 a' v + 2 a v' + (g^2)',
 * with a', (g^2)' by central differences and the integral by Simpson's rule on 2000
 * panels (both far more accurate than the O(h) they are compared with).
 */
export function emBias(sde: Sde, x0: number, T: number): { cMean: number; cVar: number } {
  const a = (t: number) => sde.driftCoefficient(t);
  const g2 = (t: number) => sde.diffusion(t) ** 2;
  const m = (t: number) => sde.marginalCoefficients(t).scale;
  const v = (t: number) => variance(sde, t);
  const d = 1e-5;
  const deriv = (f: (t: number) => number, t: number) => (f(Math.min(1, t + d)) - f(Math.max(0, t - d))) / (Math.min(1, t + d) - Math.max(0, t - d));
  const simpson = (f: (t: number) => number) => {
    const n = 2000;
    const h = T / n;
    let s = f(0) + f(T);
    for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(i * h);
    return (s * h) / 3;
  };
  const cMean = -(m(T) * x0 / 2) * (a(T) - a(0) + simpson((t) => a(t) ** 2));
  const vpp = (t: number) => {
    const vp = 2 * a(t) * v(t) + g2(t);
    return 2 * deriv(a, t) * v(t) + 2 * a(t) * vp + deriv(g2, t);
  };
  const cVar = simpson((s) => (m(T) / m(s)) ** 2 * (a(s) ** 2 * v(s) - vpp(s) / 2));
  return { cMean, cVar };
}

/**
 * The checks every SDE's test file runs, as plain functions (each file names its own
 * claims in the tests that call them).
 */

/**
 * The fixture check: a(t), g(t), m(t), s(t) against 50-digit values. Each closed form is a
 * few roundings and one exp/expm1/sqrt of an argument y computed to 3 EPS relative, so its
 * relative error is at most (3 |y| + 4) EPS (an exp's relative error is the absolute error
 * of its argument plus 1 ulp; expm1(y) for y in [-inf, 0] likewise to within 1 + |y|
 * (its condition number y e^y/(e^y - 1) is at most 1 + |y|); a sqrt halves relative errors).
 * `argument(t)` is the largest |y| the SDE's formulas use at t.
 */
export function checkFixture(sde: Sde, rows: readonly FixtureRow[], argument: (t: number) => number): void {
  for (const r of rows) {
    const k = 3 * argument(r.t) + 4;
    const c = sde.marginalCoefficients(r.t);
    const ctx = { t: r.t, kind: sde.kind, params: sde.params };
    expectClose(sde.driftCoefficient(r.t), Number(r.a), { rtol: 2 * EPS }, { ...ctx, what: 'a' });
    expectClose(sde.diffusion(r.t), Number(r.g), { rtol: k * EPS }, { ...ctx, what: 'g' });
    expectClose(c.scale, Number(r.scale), { rtol: k * EPS }, { ...ctx, what: 'm' });
    expectClose(c.std, Number(r.std), { rtol: k * EPS }, { ...ctx, what: 's' });
  }
}

/** The marginal ODE residuals shrink at order 2 (the central difference's) at each t; the mean's is exactly 0 where m is constant. */
export function checkOdes(sde: Sde, times: readonly number[]): void {
  const deltas = [0.02, 0.01, 0.005, 0.0025];
  for (const t of times) {
    const o = odeOrders(sde, t, deltas);
    const ctx = { t, kind: sde.kind, params: sde.params, rm: o.rm, rv: o.rv };
    // Margin 0.1: the next Taylor term, O(delta^4) against O(delta^2), moves the fitted order
    // by about 2 (f^(5)/f''') delta^2 / 20, a few hundredths at delta <= 0.02.
    if (o.rm.every((r) => r === 0)) expect(sde.kind).toBe('ve');
    else expectClose(o.mean, 2, { atol: 0.1 }, { ...ctx, what: 'order of the mean ODE residual' });
    expectClose(o.variance, 2, { atol: 0.1 }, { ...ctx, what: 'order of the variance ODE residual' });
  }
}

/**
 * Forward EM's exact bias: (EM - exact)/h = c + d(h) with d(h) = O(h): the remainders at
 * N = 250, 500, 1000, 2000 shrink at order 1 (margin 0.15), so c is the leading coefficient.
 */
export function checkEmBias(sde: Sde, x0: number, T: number): void {
  const { cMean, cVar } = emBias(sde, x0, T);
  const exact = sde.marginalCoefficients(T);
  const Ns = [250, 500, 1000, 2000];
  const dm: number[] = [];
  const dv: number[] = [];
  for (const N of Ns) {
    const em = emMoments(sde, x0, T, N);
    const h = T / N;
    dm.push((em.mean - exact.scale * x0) / h - cMean);
    dv.push((em.variance - exact.std ** 2) / h - cVar);
  }
  const ctx = { kind: sde.kind, params: sde.params, T, cMean, cVar, dm, dv };
  if (cMean !== 0) expectClose(fittedOrder(Ns, dm.map(Math.abs)), 1, { atol: 0.15 }, { ...ctx, what: 'mean remainder order' });
  else expect(dm.every((d) => Math.abs(d) <= 8 * EPS * Math.abs(x0) * 2000)).toBe(true);
  expectClose(fittedOrder(Ns, dv.map(Math.abs)), 1, { atol: 0.15 }, { ...ctx, what: 'variance remainder order' });
}

/**
 * Monte Carlo: n particles of forward EM from x0 (N steps to T, noise foldIn(key, k)) have
 * mean and variance equal to the marginal's plus the derived bias h c, within Z_CRIT
 * standard errors plus the O(h^2) remainder (its exact value, from emMoments).
 */
export function checkEmMonteCarlo(sde: Sde, x0: number, T: number, N: number, n: number, seed: number): void {
  const root = key(seed);
  const out = forwardEm(sde, ndarray(new Float64Array(n).fill(x0), [n, 1]), T, N, (k) => normal(foldIn(root, k), [n, 1]).data);
  let mean = 0;
  for (const v of out) mean += v;
  mean /= n;
  let s2 = 0;
  for (const v of out) s2 += (v - mean) ** 2;
  s2 /= n - 1;
  const h = T / N;
  const { cMean, cVar } = emBias(sde, x0, T);
  const exact = sde.marginalCoefficients(T);
  const em = emMoments(sde, x0, T, N);
  const meanTarget = exact.scale * x0 + h * cMean;
  const varTarget = exact.std ** 2 + h * cVar;
  const seMean = Math.sqrt(em.variance / n);
  const seVar = em.variance * Math.sqrt(2 / (n - 1));
  const ctx = { kind: sde.kind, T, N, n, seed, mean, s2, meanTarget, varTarget };
  expectClose(mean, meanTarget, { atol: Z_CRIT * seMean + Math.abs(em.mean - meanTarget) }, ctx);
  expectClose(s2, varTarget, { atol: Z_CRIT * seVar + Math.abs(em.variance - varTarget) }, ctx);
}

/** priorLogp is the row sum of log N(x_i; 0, sigma_T^2) and priorSample is sigma_T z, exactly. */
export function checkPrior(sde: Sde, priorStd: number, x: ndarray.NdArray<Float64Array>): void {
  const n = x.shape[0]!;
  const D = x.data.length / n;
  const lp = sde.priorLogp(x);
  expect(lp.shape).toEqual([n]);
  const each = logPdf(x, 0, 2 * Math.log(priorStd)).data;
  for (let r = 0; r < n; r++) {
    let sum = 0;
    let mag = 0;
    for (let i = r * D; i < (r + 1) * D; i++) {
      sum += each[i]!;
      mag += Math.abs(each[i]!);
    }
    // Two evaluations of D terms each a few roundings: (D + 6) EPS of the sum of magnitudes.
    expectClose(lp.data[r]!, sum, { atol: (D + 6) * EPS * mag }, { r });
  }
  const z = sde.priorSample(x);
  for (let i = 0; i < x.data.length; i++) expect(z.data[i]).toBe(priorStd * x.data[i]!);
}
