/**
 * Test-side helpers for the `mixture` area: the fixture, an independent float64 analysis
 * of a mixture (eigenvalues by Jacobi rotations, inverses from them) used to evaluate the
 * error bounds derived in proofs/mixture/density.md and proofs/mixture/score.md, and a
 * compensated sum for quadratures.
 *
 * Nothing here is compared with the library as a reference value: the references are the
 * fixture (mpmath, scipy) and quadratures; these helpers only size the tolerances.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ndarray from 'ndarray';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { EPS } from '../../_support/expect-close.js';

/** Unit roundoff u = EPS / 2. */
export const U = EPS / 2;

export interface FixturePoint {
  x: number[];
  logPdf: number;
  logPdfScipy: number;
  naiveLogPdf: number | null;
  responsibilities: number[];
  score: number[];
}

export interface FixtureCase {
  name: string;
  weights: number[];
  means: number[][];
  covs: number[][][];
  mean: number[];
  covariance: number[][];
  points: FixturePoint[];
}

export interface Fixture {
  versions: Record<string, string>;
  cases: FixtureCase[];
}

const here = dirname(fileURLToPath(import.meta.url));

export function loadFixture(): Fixture {
  const path = join(here, '..', '..', 'fixtures', 'mixture', 'logpdf', 'data.json');
  return JSON.parse(readFileSync(path, 'utf8')) as Fixture;
}

/** A dense float64 ndarray from nested numbers. */
export function nd(values: number[] | number[][], shape?: number[]): Float64NdArray {
  const flat = (values as (number | number[])[]).flat() as number[];
  return ndarray(Float64Array.from(flat), shape ?? (Array.isArray(values[0]) ? [values.length, (values[0] as number[]).length] : [values.length]));
}

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: { values, vectors (columns) }. */
export function symEig(a: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const d = a.length;
  const m = a.map((r) => r.slice());
  const v: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) off += m[i]![j]! ** 2;
    if (off < 1e-40) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        if (m[p]![q] === 0) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * m[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < d; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: m.map((r, i) => r[i]!), vectors: v };
}

/** Per-component facts a tolerance needs: kappa(Sigma_k), log det Sigma_k, Sigma_k^{-1}. */
export interface Analysis {
  d: number;
  K: number;
  weights: number[];
  means: number[][];
  kappa: number[];
  logDet: number[];
  inverse: number[][][];
  /** log w_k - (d/2) log 2 pi - (1/2) log det Sigma_k */
  logNormalizer: number[];
  /**
   * d max(|log lambda_min|, |log lambda_max|) >= sum_i |log (L_k)_ii^2|: every Cholesky pivot
   * (L_k)_ii^2 lies in [lambda_min, lambda_max] (it is a Schur complement's diagonal entry).
   */
  logSpread: number[];
}

export function analyze(spec: { weights: number[]; means: number[][]; covs: number[][][] }): Analysis {
  const K = spec.weights.length;
  const d = spec.means[0]!.length;
  const total = spec.weights.reduce((s, w) => s + w, 0);
  const weights = spec.weights.map((w) => w / total);
  const kappa: number[] = [];
  const logDet: number[] = [];
  const inverse: number[][][] = [];
  const logSpread: number[] = [];
  for (const cov of spec.covs) {
    const { values, vectors } = symEig(cov);
    kappa.push(Math.max(...values) / Math.min(...values));
    logSpread.push(d * Math.max(Math.abs(Math.log(Math.min(...values))), Math.abs(Math.log(Math.max(...values)))));
    logDet.push(values.reduce((s, l) => s + Math.log(l), 0));
    inverse.push(
      Array.from({ length: d }, (_, i) =>
        Array.from({ length: d }, (_, j) => values.reduce((s, l, m) => s + (vectors[i]![m]! * vectors[j]![m]!) / l, 0)),
      ),
    );
  }
  const logNormalizer = weights.map((w, k) => Math.log(w) - (d / 2) * Math.log(2 * Math.PI) - logDet[k]! / 2);
  return { d, K, weights, means: spec.means, kappa, logDet, inverse, logNormalizer, logSpread };
}

/** Float64 evaluation of the terms at x (for sizing tolerances): a_k, q_k, r_k, log p, v_k = Sigma_k^{-1}(x - mu_k). */
export function terms(an: Analysis, x: readonly number[]) {
  const { d, K } = an;
  const q: number[] = [];
  const a: number[] = [];
  const v: number[][] = [];
  for (let k = 0; k < K; k++) {
    const diff = Array.from({ length: d }, (_, i) => x[i]! - an.means[k]![i]!);
    const vk = Array.from({ length: d }, (_, i) => diff.reduce((s, di, j) => s + an.inverse[k]![i]![j]! * di, 0));
    const qk = Math.max(0, diff.reduce((s, di, i) => s + di * vk[i]!, 0));
    q.push(qk);
    v.push(vk);
    a.push(an.logNormalizer[k]! - qk / 2);
  }
  const m = Math.max(...a);
  const lp = m + Math.log(a.reduce((s, ak) => s + Math.exp(ak - m), 0));
  const r = a.map((ak) => Math.exp(ak - lp));
  return { a, q, r, v, lp };
}

/**
 * Bound on the relative error factor of component k's whitened quantities
 * (proofs/mixture/density.md, "Error"): rho_k = (d + 1)(d kappa_k + 2 sqrt(d kappa_k) + 2) u,
 * covering the Cholesky backward error, the forward substitution and the subtraction x - mu.
 */
export function rho(an: Analysis, k: number): number {
  const { d } = an;
  const kap = an.kappa[k]!;
  return (d + 1) * (d * kap + 2 * Math.sqrt(d * kap) + 2) * U;
}

/** eps_k, the bound (E1) on |a^_k - a_k| (proofs/mixture/density.md). */
export function termBound(an: Analysis, k: number, qk: number): number {
  const { d } = an;
  const logW = Math.abs(Math.log(an.weights[k]!));
  return rho(an, k) * (qk / 2 + d / 2) + 4 * U * (logW + d * 0.92 + Math.abs(an.logDet[k]!)) + (d + 1) * U * an.logSpread[k]!;
}

/** The bound (R1) on |r^_k - r_k| / r_k: 2 (eps_k + dLse + u (|a_k - log p| + K + 3)). */
export function responsibilityRelBound(an: Analysis, x: readonly number[], k: number): number {
  const t = terms(an, x);
  return 2 * (termBound(an, k, t.q[k]!) + logPdfBound(an, x) + U * (Math.abs(t.a[k]! - t.lp) + an.K + 3));
}

/** The bound (E2) on |logPdf^(x) - log p(x)|: sum_k r_k eps_k + u (|log p| + 2K + 2). */
export function logPdfBound(an: Analysis, x: readonly number[]): number {
  const t = terms(an, x);
  let b = 0;
  for (let k = 0; k < an.K; k++) b += t.r[k]! * termBound(an, k, t.q[k]!);
  // Slack of 2x on the first-order sum for the second-order terms and the float64 r_k used here.
  return 2 * b + U * (Math.abs(t.lp) + 2 * an.K + 2);
}

/**
 * The bound (S1) of proofs/mixture/score.md on |score^(x) - score(x)|_2:
 * sum_k r_k (|dv_k| + rr_k |v_k| + (K + 1) u |v_k|), with |dv_k| <= 2 rho_k sqrt(kappa_k) |v_k|
 * and rr_k the responsibility bound (R1), doubled for second-order terms.
 */
export function scoreBound(an: Analysis, x: readonly number[]): number {
  const t = terms(an, x);
  let b = 0;
  for (let k = 0; k < an.K; k++) {
    const vNorm = Math.hypot(...t.v[k]!);
    const dv = 2 * rho(an, k) * Math.sqrt(an.kappa[k]!) * vNorm;
    b += t.r[k]! * (dv + responsibilityRelBound(an, x, k) * vNorm + (an.K + 1) * U * vNorm);
  }
  return 2 * b;
}

/** Neumaier's compensated sum: error <= 2u |S| + O(n u^2) sum |x_i|. */
export class CompensatedSum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    if (Math.abs(this.s) >= Math.abs(x)) this.c += this.s - t + x;
    else this.c += x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}
