/**
 * The DDPM bound for Gaussian data x_0 ~ N(m, v) (one coordinate) under the model whose
 * eps prediction is exact for that data, evaluated by exact Gauss-Hermite quadrature over
 * (x_0, x_t), with the rounding budget of proofs/elbo/vlb.md; and the 40-digit reference
 * written by test/fixtures/elbo/gaussian-data/runner.py.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vlb, type Bound } from '../../../src/core/elbo/index.js';
import type { VarianceKind } from '../../../src/core/ddpm/index.js';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import type { Schedule } from '../../../src/core/schedule/index.js';
import { LOG_2PI } from '../../../src/_internal/gaussian-kernels.js';
import { EPS } from '../../_support/expect-close.js';
import { nd } from '../ddpm/support.js';

export interface GaussianDataCase {
  readonly name: string;
  readonly variance: VarianceKind;
  readonly m: number;
  readonly v: number;
  readonly betas: Float64Array;
  readonly priorKL: number;
  /** E[L_{t-1}] for t = 1..T (t = 1: the continuous decoder's E[L_0]). */
  readonly terms: readonly number[];
  readonly total: number;
  readonly entropy: number;
}

interface Raw {
  cases: { name: string; variance: VarianceKind; m: number; v: number; betas: string[]; priorKL: string; terms: string[]; total: string; entropy: string }[];
}

const raw = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'elbo', 'gaussian-data', 'data.json'), 'utf8')) as Raw;

export const gaussianDataFixture: readonly GaussianDataCase[] = raw.cases.map((c) => ({
  name: c.name,
  variance: c.variance,
  m: c.m,
  v: c.v,
  betas: Float64Array.from([0, ...c.betas.map(Number)]),
  priorKL: Number(c.priorKL),
  terms: c.terms.map(Number),
  total: Number(c.total),
  entropy: Number(c.entropy),
}));

/** The exact eps for N(m, v) data: eps*(x_t) = sqrt(1 - alphaBar_t)(x_t - sqrt(alphaBar_t) m)/(alphaBar_t v + 1 - alphaBar_t). */
export function exactEps(s: Schedule, m: number, v: number): (xt: Float64NdArray, t: number) => Float64NdArray {
  return (xt, t) => {
    const a = s.sqrtAlphaBar[t]!;
    const c = s.sqrtOneMinusAlphaBar[t]!;
    const w = s.alphaBar[t]! * v + s.oneMinusAlphaBar[t]!;
    const out = new Float64Array(xt.size);
    for (let i = 0; i < out.length; i++) out[i] = (c * (xt.data[i]! - a * m)) / w;
    return nd(out, xt.shape.slice());
  };
}

/** Probabilists' Gauss-Hermite, 3 nodes: exact for polynomials of degree <= 5 under N(0, 1). */
const NODES = [-Math.sqrt(3), 0, Math.sqrt(3)];
const WEIGHTS = [1 / 6, 2 / 3, 1 / 6];

/** Quadrature of the bound: the 9 node pairs (g1, g2) as a batch, x_0 = m + sqrt(v) g1, eps_t = g2. */
export interface Quadrature {
  readonly bound: Bound;
  readonly x0: Float64Array;
  readonly noise: Float64Array;
  readonly weights: Float64Array;
  /** E[L_T], and E[L_{t-1}] for t = 1..T, as weighted sums over the nodes. */
  readonly priorKL: number;
  readonly terms: Float64Array;
  readonly total: number;
  /** The rounding budget of each: absolute bounds on |computed - exact| (proofs/elbo/vlb.md). */
  readonly priorTol: number;
  readonly termTols: Float64Array;
  readonly totalTol: number;
}

export function quadrature(s: Schedule, m: number, v: number, kind: VarianceKind): Quadrature {
  const n = NODES.length;
  const x0 = new Float64Array(n * n);
  const noise = new Float64Array(n * n);
  const weights = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      x0[i * n + j] = m + Math.sqrt(v) * NODES[i]!;
      noise[i * n + j] = NODES[j]!;
      weights[i * n + j] = WEIGHTS[i]! * WEIGHTS[j]!;
    }
  }
  const B = n * n;
  const epsFn = exactEps(s, m, v);
  const bound = vlb(s, nd(x0, [B, 1]), epsFn, () => nd(noise, [B, 1]), kind, { decoder: 'gaussian' });
  const T = s.T;
  const terms = new Float64Array(T);
  const termTols = new Float64Array(T);
  let priorKL = 0;
  let total = 0;
  let priorMagnitude = 0;
  for (let b = 0; b < B; b++) {
    priorKL += weights[b]! * bound.priorKL[b]!;
    total += weights[b]! * bound.total[b]!;
    priorMagnitude += weights[b]! * Math.abs(bound.priorKL[b]!);
  }
  const LT = Math.abs(s.logAlphaBar[T]!);
  // L_T = c0 + alphaBar_T x0^2 / 2: schedule error (2 |L_T| + 8) EPS relative on each part, 4 roundings.
  const priorTol = ((2 * LT + 8) * EPS + 4 * EPS + B * EPS) * priorMagnitude;
  let totalTol = priorTol;
  for (let t = 1; t <= T; t++) {
    const a = s.sqrtAlphaBar[t]!;
    const c = s.sqrtOneMinusAlphaBar[t]!;
    const sqrtAlpha = Math.sqrt(s.alpha[t]!);
    const bCoef = s.beta[t]! / (sqrtAlpha * c);
    const sigma2 = kind === 'fixedSmall' ? (t === 1 ? Math.exp(s.posteriorLogVarianceClipped[1]!) : s.posteriorVariance[t]!) : s.beta[t]!;
    // r_s: relative error of the schedule's quantities at t and t - 1 (proofs/schedule/from-betas.md).
    const rs = (2 * Math.abs(s.logAlphaBar[t]!) + 2 * Math.abs(s.logAlphaBar[t - 1]!) + 8) * EPS;
    const xt = new Float64Array(B);
    const eps = epsFn(nd(xt.map((_, b) => a * x0[b]! + c * noise[b]!), [B, 1]), t).data;
    let sum = 0;
    let magnitude = 0;
    let roundingTol = 0;
    for (let b = 0; b < B; b++) {
      const value = bound.terms[(t - 1) * B + b]!;
      const xtb = a * x0[b]! + c * noise[b]!;
      sum += weights[b]! * value;
      magnitude += weights[b]! * Math.abs(value);
      if (t >= 2) {
        // d = eps_theta - (x_t - a x_0)/c: eps_theta's 4 roundings (4 EPS |eps_theta|), x_t's own
        // rounding and the subtraction, product by 1/c (4 EPS (|x_t| + a |x_0|)/c).
        const epsTrue = (xtb - a * x0[b]!) / c;
        const d = Math.abs(eps[b]! - epsTrue);
        const dd = EPS * (4 * Math.abs(eps[b]!) + (4 * (Math.abs(xtb) + a * Math.abs(x0[b]!))) / c);
        const e = (0.5 * bCoef * bCoef) / sigma2;
        roundingTol += weights[b]! * (e * (2 * d * dd + dd * dd) + 3 * EPS * Math.abs(value));
      } else {
        // d = x_0 - (x_1/sqrt(alpha_1) - b eps_theta): 4 EPS of each part; the constant log 2 pi + lv: 2 EPS.
        const mu = xtb / sqrtAlpha - bCoef * eps[b]!;
        const d = Math.abs(x0[b]! - mu);
        const dd = 4 * EPS * (Math.abs(x0[b]!) + Math.abs(xtb) / sqrtAlpha + bCoef * Math.abs(eps[b]!));
        const lv = Math.log(sigma2);
        roundingTol += weights[b]! * (EPS * (LOG_2PI + Math.abs(lv)) + (0.5 * (2 * d * dd + dd * dd)) / sigma2 + 3 * EPS * Math.abs(value));
      }
    }
    terms[t - 1] = sum;
    // Schedule errors: L_{t-1} is a product or quotient of at most 16 such quantities (relative 16 r_s
    // on each part), and a sum over 9 nodes (9 EPS of the magnitudes).
    const tol = roundingTol + (16 * rs + B * EPS) * magnitude + (t === 1 ? rs : 0);
    termTols[t - 1] = tol;
    totalTol += tol;
  }
  // The per-example totals add T + 1 terms (T EPS of their magnitudes) before the weighting.
  let totalMagnitude = 0;
  for (let b = 0; b < B; b++) totalMagnitude += weights[b]! * Math.abs(bound.priorKL[b]!);
  for (let i = 0; i < T * B; i++) totalMagnitude += weights[i % B]! * Math.abs(bound.terms[i]!);
  totalTol += (T + B) * EPS * totalMagnitude;
  return { bound, x0, noise, weights, priorKL, terms, total, priorTol, termTols, totalTol };
}
