/**
 * Oracles for the probability-flow ODE tests: Gaussian data N(mu, Sigma) with
 * Sigma = U diag(lambda) U^T (U a Householder reflection, exact eigenvectors), whose
 * marginals under the linear SDEs are N(m_t mu, C_t), C_t = m_t^2 Sigma + s_t^2 I, with the
 * exact score -C_t^{-1}(x - m_t mu), its Jacobian -C_t^{-1}, the exact flow map of the
 * probability-flow ODE x_t = m_t mu + C_t^{1/2} C_tau^{-1/2} (x_tau - m_tau mu)
 * (proofs/solvers/ode-sample.md, "The Gaussian flow map") and log N(x; m_t mu, C_t).
 */
import ndarray from 'ndarray';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import type { Sde } from '../../../src/core/sde/types.js';

export const nd = (data: ArrayLike<number>, shape: number[]): Float64NdArray => ndarray(Float64Array.from(data), shape);

/** Gaussian data N(mu, Sigma), Sigma = U diag(lambda) U^T. */
export interface GaussianData {
  readonly d: number;
  readonly mu: Float64Array;
  readonly lambda: Float64Array;
  /** U, row-major d x d, orthogonal and symmetric (a Householder reflection I - 2 v v^T / |v|^2). */
  readonly U: Float64Array;
  /** Sigma, row-major. */
  readonly Sigma: Float64Array;
}

/** Builds N(mu, U diag(lambda) U^T) with U = I - 2 v v^T / |v|^2 (v = 0 gives U = I). */
export function gaussianData(mu: number[], lambda: number[], v: number[]): GaussianData {
  const d = mu.length;
  const U = new Float64Array(d * d);
  const vv = v.reduce((s, x) => s + x * x, 0);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) U[i * d + j] = (i === j ? 1 : 0) - (vv === 0 ? 0 : (2 * v[i]! * v[j]!) / vv);
  const Sigma = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += U[i * d + k]! * lambda[k]! * U[j * d + k]!;
    Sigma[i * d + j] = s;
  }
  // Symmetrize exactly (rounding may leave Sigma_ij and Sigma_ji an ulp apart).
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) {
    const m = (Sigma[i * d + j]! + Sigma[j * d + i]!) / 2;
    Sigma[i * d + j] = m;
    Sigma[j * d + i] = m;
  }
  return { d, mu: Float64Array.from(mu), lambda: Float64Array.from(lambda), U, Sigma };
}

/** c_i(t) = m_t^2 lambda_i + s_t^2: the eigenvalues of C_t. */
export function eigC(sde: Sde, g: GaussianData, t: number): { m: number; c: Float64Array } {
  const { scale: m, std: s } = sde.marginalCoefficients(t);
  return { m, c: g.lambda.map((l) => m * m * l + s * s) };
}

/** U diag(w) U^T x for one vector x (length d). */
function applySym(g: GaussianData, w: ArrayLike<number>, x: ArrayLike<number>, out: Float64Array, off = 0): void {
  const d = g.d;
  const y = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += g.U[j * d + k]! * x[j]!;
    y[k] = w[k]! * s;
  }
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += g.U[i * d + k]! * y[k]!;
    out[off + i] = s;
  }
}

/** The exact score of p_t = N(m_t mu, C_t): s(x, t) = -C_t^{-1} (x - m_t mu), row by row. */
export function gaussianScore(sde: Sde, g: GaussianData) {
  return (x: Float64NdArray, t: number): Float64NdArray => {
    const d = g.d;
    const n = x.shape[0]!;
    const { m, c } = eigC(sde, g, t);
    const w = c.map((v) => -1 / v);
    const out = new Float64Array(n * d);
    const r = new Float64Array(d);
    for (let p = 0; p < n; p++) {
      for (let i = 0; i < d; i++) r[i] = x.data[p * d + i]! - m * g.mu[i]!;
      applySym(g, w, r, out, p * d);
    }
    return ndarray(out, [n, d]);
  };
}

/** The Jacobian of the exact score, -C_t^{-1}, repeated for each row: shape [n, d, d]. */
export function gaussianJacobian(sde: Sde, g: GaussianData) {
  return (x: Float64NdArray, t: number): Float64NdArray => {
    const d = g.d;
    const n = x.shape[0]!;
    const { c } = eigC(sde, g, t);
    const out = new Float64Array(n * d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s -= (g.U[i * d + k]! * g.U[j * d + k]!) / c[k]!;
      for (let p = 0; p < n; p++) out[p * d * d + i * d + j] = s;
    }
    return ndarray(out, [n, d, d]);
  };
}

/** tr(d s / d x) = -sum_i 1/c_i(t): the exact divergence of the score. */
export function scoreDivergence(sde: Sde, g: GaussianData, t: number): number {
  return -eigC(sde, g, t).c.reduce((s, v) => s + 1 / v, 0);
}

/**
 * The exact flow map of the probability-flow ODE from tau to t, x -> M x + b with
 * M = U diag(sqrt(c(t)/c(tau))) U^T and b = m_t mu - M m_tau mu.
 */
export function flowMap(sde: Sde, g: GaussianData, tau: number, t: number): { M: Float64Array; b: Float64Array } {
  const d = g.d;
  const a = eigC(sde, g, tau);
  const z = eigC(sde, g, t);
  const w = z.c.map((v, i) => Math.sqrt(v / a.c[i]!));
  const M = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += g.U[i * d + k]! * w[k]! * g.U[j * d + k]!;
    M[i * d + j] = s;
  }
  const b = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += M[i * d + j]! * a.m * g.mu[j]!;
    b[i] = z.m * g.mu[i]! - s;
  }
  return { M, b };
}

/** Applies x -> M x + b to the rows of x. */
export function applyAffine(M: Float64Array, b: Float64Array, x: Float64NdArray): Float64Array {
  const d = b.length;
  const n = x.shape[0]!;
  const out = new Float64Array(n * d);
  for (let p = 0; p < n; p++) for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let j = 0; j < d; j++) s += M[i * d + j]! * x.data[p * d + j]!;
    out[p * d + i] = s;
  }
  return out;
}

/**
 * The affine map x -> M x + b that a deterministic row-wise solver applies, read off by
 * running it on the d + 1 rows 0, e_1, ..., e_d (exact for a linear ODE up to rounding:
 * every Runge-Kutta step of a linear ODE is an affine map of the state).
 */
export function affineOf(d: number, solve: (x: Float64NdArray) => Float64NdArray): { M: Float64Array; b: Float64Array } {
  const rows = new Float64Array((d + 1) * d);
  for (let j = 0; j < d; j++) rows[(j + 1) * d + j] = 1;
  const out = solve(nd(rows, [d + 1, d])).data;
  const b = out.slice(0, d);
  const M = new Float64Array(d * d);
  for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) M[i * d + j] = out[(j + 1) * d + i]! - b[i]!;
  return { M, b };
}

/** log N(x; m_t mu, C_t) per row. */
export function logDensity(sde: Sde, g: GaussianData, t: number, x: Float64NdArray): Float64Array {
  const d = g.d;
  const n = x.shape[0]!;
  const { m, c } = eigC(sde, g, t);
  const out = new Float64Array(n);
  const logDet = c.reduce((s, v) => s + Math.log(v), 0);
  for (let p = 0; p < n; p++) {
    let q = 0;
    for (let k = 0; k < d; k++) {
      let y = 0;
      for (let j = 0; j < d; j++) y += g.U[j * d + k]! * (x.data[p * d + j]! - m * g.mu[j]!);
      q += (y * y) / c[k]!;
    }
    out[p] = -0.5 * (d * Math.log(2 * Math.PI) + logDet + q);
  }
  return out;
}

/** Largest absolute entry of a - b. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Largest absolute entry. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}


/**
 * The range [min, max] of c(t) = m_t^2 lambda + s_t^2 over t in [t0, t1], in closed form:
 * VP: c = 1 + m^2 (lambda - 1) and VE: c = lambda + s^2 are monotone in t (extremes at the
 * ends); sub-VP: c = u lambda + (1 - u)^2 with u = m^2 is convex in u, so its maximum is
 * at an end and its minimum at an end or at u* = 1 - lambda/2, c = lambda - lambda^2/4.
 */
export function rangeC(sde: Sde, lambda: number, t0: number, t1: number): { min: number; max: number } {
  const c = (t: number) => {
    const { scale: m, std: s } = sde.marginalCoefficients(t);
    return m * m * lambda + s * s;
  };
  const ends = [c(t0), c(t1)];
  let min = Math.min(...ends);
  const max = Math.max(...ends);
  if (sde.kind === 'subVp') {
    const u0 = sde.marginalCoefficients(t0).scale ** 2;
    const u1 = sde.marginalCoefficients(t1).scale ** 2;
    const uStar = 1 - lambda / 2;
    if (uStar > Math.min(u0, u1) && uStar < Math.max(u0, u1)) min = Math.min(min, lambda - (lambda * lambda) / 4);
  }
  return { min, max };
}

/**
 * kappa = sup over s between t and t' of ||Phi||_2 = max_i sqrt(max c_i / min c_i) over [eps, 1]:
 * a bound on the growth of any perturbation carried by the Gaussian flow map.
 */
export function flowKappa(sde: Sde, g: GaussianData, eps: number): number {
  let k = 1;
  for (const l of g.lambda) {
    const r = rangeC(sde, l, eps, 1);
    k = Math.max(k, Math.sqrt(r.max / r.min));
  }
  return k;
}

/** Euclidean norm of each row's error (rows of length d), maximized over rows. */
export function maxRowError(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  let m = 0;
  for (let r = 0; r * d < a.length; r++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += (a[r * d + i]! - b[r * d + i]!) ** 2;
    m = Math.max(m, Math.sqrt(s));
  }
  return m;
}

/** Euclidean norm. */
export function norm2(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}
