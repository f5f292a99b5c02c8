/**
 * Gaussian data N(mu 1, s0^2 I) pushed through the linear SDEs of the `sde` area: its
 * marginal at t is Gaussian, N(m(t) mu 1, (m(t)^2 s0^2 + s(t)^2) I), so its score is known
 * in closed form (proofs/sde/reverse.md). Shared by the sde and solvers tests.
 *
 * Also the exact moment propagation of a sampler that is affine in its start and its
 * noise (every step here is, when the score is linear): one call on a batch of unit
 * inputs gives the whole affine map (proofs/solvers/euler-maruyama.md, "Exact moments").
 */
import ndarray from 'ndarray';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import type { NoiseSource, TimeScoreFn } from '../../../src/core/fields.js';
import { create, score as mixtureScore } from '../../../src/core/mixture/index.js';
import type { Sde } from '../../../src/core/sde/index.js';

/** Data N(mu 1, s0^2 I) in d dimensions. */
export interface GaussianData {
  readonly mu: number;
  readonly s0: number;
}

/** The marginal moments of Gaussian data at time t: per-coordinate mean and variance. */
export function marginalMoments(sde: Sde, data: GaussianData, t: number): { mean: number; variance: number } {
  const { scale, std } = sde.marginalCoefficients(t);
  return { mean: scale * data.mu, variance: scale * scale * data.s0 * data.s0 + std * std };
}

/** The closed-form score of the marginal: s(x, t) = -(x - m(t) mu) / (m(t)^2 s0^2 + s(t)^2). */
export function exactScore(sde: Sde, data: GaussianData): TimeScoreFn {
  return (x: Float64NdArray, t: number) => {
    const { mean, variance } = marginalMoments(sde, data, t);
    const out = new Float64Array(x.data.length);
    const src = x.data;
    const inv = 1 / variance;
    for (let i = 0; i < src.length; i++) out[i] = (mean - src[i]!) * inv;
    return ndarray(out, x.shape.slice());
  };
}

/** The same score from the mixture oracle (a one-component mixture with the marginal's parameters), for points of shape [n, d]. */
export function oracleScore(sde: Sde, data: GaussianData, d: number): TimeScoreFn {
  return (x: Float64NdArray, t: number) => {
    const { mean, variance } = marginalMoments(sde, data, t);
    const mix = create({ weights: [1], means: [new Array<number>(d).fill(mean)], covs: variance });
    return mixtureScore(mix, x);
  };
}

/**
 * The exact mean and variance of the output of a sampler that is affine in its start x and
 * its noise z_0..z_{draws-1} (per coordinate, rows independent): out = alpha x + beta +
 * sum_i gamma_i z_i. One call on draws + 2 rows of one coordinate reads off beta (row 0:
 * x = 0, no noise), alpha (row 1: x = 1) and every gamma_i (row i + 2: z_i = 1 in that row
 * only). With x ~ (startMean, startVariance) independent of the noise,
 *     E[out] = alpha startMean + beta,   Var[out] = alpha^2 startVariance + sum_i gamma_i^2.
 */
export function affineMoments(
  run: (x: Float64NdArray, noise: NoiseSource) => Float64NdArray,
  draws: number,
  startMean: number,
  startVariance: number,
): { mean: number; variance: number } {
  const rows = draws + 2;
  const x = new Float64Array(rows);
  x[1] = 1;
  const noise: NoiseSource = (i: number) => {
    const z = new Float64Array(rows);
    z[i + 2] = 1;
    return ndarray(z, [rows, 1]);
  };
  const out = run(ndarray(x, [rows, 1]), noise).data;
  const beta = out[0]!;
  const alpha = out[1]! - beta;
  let sumSq = 0;
  for (let i = 0; i < draws; i++) {
    const gamma = out[i + 2]! - beta;
    sumSq += gamma * gamma;
  }
  return { mean: alpha * startMean + beta, variance: alpha * alpha * startVariance + sumSq };
}

/** Least-squares slope of log2(error) against log2(N): the fitted order is minus it. */
export function fittedOrder(Ns: readonly number[], errors: readonly number[]): number {
  const xs = Ns.map((n) => Math.log2(n));
  const ys = errors.map((e) => Math.log2(e));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return -num / den;
}

/** Per-coordinate sample mean and unbiased variance of all values. */
export function sampleMoments(a: ArrayLike<number>): { mean: number; variance: number } {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i]!;
  m /= a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i]! - m) ** 2;
  return { mean: m, variance: v / (a.length - 1) };
}
