/**
 * Helpers shared by the `scoreMatching` tests: arrays, the rounding constants, test models
 * with known Jacobians (linear, "wave", cubic), Gaussian samples and their moments, a small
 * matrix inverse, and the z-test used by every Monte Carlo check.
 */
import ndarray from 'ndarray';
import { expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { create, sample, type GaussianMixture } from '../../../src/core/mixture/index.js';
import type { Key } from '../../../src/core/random/index.js';
import { EPS } from '../../_support/expect-close.js';
import { ALPHA, meanAndStdErr, zTestPValue } from '../../_support/stats.js';

/** The unit roundoff u = EPS / 2: |fl(a op b) - a op b| <= u |a op b|. */
export const U = EPS / 2;

/** gamma_k = k u / (1 - k u), the bound on the relative error of k chained roundings (Higham 2002, Lemma 3.1). */
export function gamma(k: number): number {
  return (k * U) / (1 - k * U);
}

/** A float64 ndarray of the given shape holding `values`. */
export function nd(values: ArrayLike<number>, shape: number[]): Float64NdArray {
  return ndarray(Float64Array.from(values), shape);
}

/**
 * y_i = A x_i + b for the n rows of x, each coordinate summed as b_a + sum_c A_ac x_ic in
 * order: d + 1 terms and d products, so |fl(y_a) - y_a| <= gamma_{d+1} (|b_a| + sum_c |A_ac x_ic|).
 */
export function applyLinear(A: Float64Array, b: Float64Array, x: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      let s = b[a]!;
      for (let c = 0; c < d; c++) s += A[a * d + c]! * x[i * d + c]!;
      out[i * d + a] = s;
    }
  }
  return out;
}

/** The linear model s(x) = A x + b with its constant Jacobian A, as a `{ score, jacobian }` record. */
export function linearModel(A: Float64Array, b: Float64Array, d: number) {
  const score = (x: Float64NdArray) => nd(applyLinear(A, b, x.data, x.shape[0]!, d), x.shape.slice());
  const jacobian = (x: Float64NdArray) => {
    const n = x.shape[0]!;
    const out = new Float64Array(n * d * d);
    for (let i = 0; i < n; i++) out.set(A, i * d * d);
    return nd(out, [n, d, d]);
  };
  return { score, jacobian };
}

/**
 * A nonlinear model with an exact Jacobian: s_a(x) = (A x + b)_a + c_a sin(x_a), so
 * J_ab = A_ab + [a = b] c_a cos(x_a).
 */
export function waveModel(A: Float64Array, b: Float64Array, c: Float64Array, d: number) {
  const score = (x: Float64NdArray) => {
    const n = x.shape[0]!;
    const y = applyLinear(A, b, x.data, n, d);
    for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) y[i * d + a] = y[i * d + a]! + c[a]! * Math.sin(x.data[i * d + a]!);
    return nd(y, x.shape.slice());
  };
  const jacobian = (x: Float64NdArray) => {
    const n = x.shape[0]!;
    const out = new Float64Array(n * d * d);
    for (let i = 0; i < n; i++) {
      out.set(A, i * d * d);
      for (let a = 0; a < d; a++) out[i * d * d + a * d + a] = A[a * d + a]! + c[a]! * Math.cos(x.data[i * d + a]!);
    }
    return nd(out, [n, d, d]);
  };
  return { score, jacobian };
}

/** The score function of a model shifted by delta(x) = B x + c: x -> s(x) + B x + c (and its Jacobian J + B). */
export function shifted(model: { score: (x: Float64NdArray) => Float64NdArray; jacobian: (x: Float64NdArray) => Float64NdArray }, B: Float64Array, c: Float64Array, d: number) {
  const score = (x: Float64NdArray) => {
    const s = model.score(x).data;
    const dl = applyLinear(B, c, x.data, x.shape[0]!, d);
    const out = new Float64Array(s.length);
    for (let k = 0; k < s.length; k++) out[k] = s[k]! + dl[k]!;
    return nd(out, x.shape.slice());
  };
  const jacobian = (x: Float64NdArray) => {
    const J = model.jacobian(x).data;
    const out = Float64Array.from(J);
    const n = x.shape[0]!;
    for (let i = 0; i < n; i++) for (let k = 0; k < d * d; k++) out[i * d * d + k] = out[i * d * d + k]! + B[k]!;
    return nd(out, [n, d, d]);
  };
  return { score, jacobian };
}

/** n draws of N(mu, cov) (a one-component mixture; `mixture.sample` at the key). */
export function gaussianSample(key: Key, n: number, mu: number[], cov: number[][]): { mix: GaussianMixture; x: Float64NdArray } {
  const mix = create({ weights: [1], means: [mu], covs: [cov] });
  return { mix, x: sample(mix, key, n) };
}

/** Sample mean and covariance (divisor n) of the rows of x. */
export function moments(x: Float64Array, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mean[a] = mean[a]! + x[i * d + a]!;
  for (let a = 0; a < d; a++) mean[a] = mean[a]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) cov[a * d + b] = cov[a * d + b]! + (x[i * d + a]! - mean[a]!) * (x[i * d + b]! - mean[b]!);
    }
  }
  for (let k = 0; k < d * d; k++) cov[k] = cov[k]! / n;
  return { mean, cov };
}

/** The inverse of a d x d matrix by Gauss-Jordan elimination with partial pivoting (test-side, d small). */
export function invert(M: Float64Array, d: number): Float64Array {
  const a = Float64Array.from(M);
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) inv[i * d + i] = 1;
  for (let col = 0; col < d; col++) {
    let p = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(a[r * d + col]!) > Math.abs(a[p * d + col]!)) p = r;
    for (let k = 0; k < d; k++) {
      [a[col * d + k], a[p * d + k]] = [a[p * d + k]!, a[col * d + k]!];
      [inv[col * d + k], inv[p * d + k]] = [inv[p * d + k]!, inv[col * d + k]!];
    }
    const piv = a[col * d + col]!;
    for (let k = 0; k < d; k++) {
      a[col * d + k] = a[col * d + k]! / piv;
      inv[col * d + k] = inv[col * d + k]! / piv;
    }
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = a[r * d + col]!;
      for (let k = 0; k < d; k++) {
        a[r * d + k] = a[r * d + k]! - f * a[col * d + k]!;
        inv[r * d + k] = inv[r * d + k]! - f * inv[col * d + k]!;
      }
    }
  }
  return inv;
}

/** The trace of a d x d row-major matrix. */
export function trace(M: Float64Array, d: number): number {
  let t = 0;
  for (let a = 0; a < d; a++) t += M[a * d + a]!;
  return t;
}

/**
 * Two-sided z-test at level ALPHA that the values have mean `expected`: z = (mean - expected)
 * / (s / sqrt(n)) with the sample standard deviation s (n in the thousands, so the normal
 * approximation of the t statistic is exact to far below ALPHA's resolution).
 */
export function expectMean(values: ArrayLike<number>, expected: number, context: Record<string, unknown> = {}): { z: number; mean: number; stdErr: number } {
  const { mean, stdErr } = meanAndStdErr(values);
  const z = (mean - expected) / stdErr;
  const p = zTestPValue(z);
  expect(p, `z-test: mean ${mean} vs ${expected}, standard error ${stdErr}, z = ${z}, p = ${p} < ALPHA; ${JSON.stringify(context)}`).toBeGreaterThanOrEqual(ALPHA);
  return { z, mean, stdErr };
}

/**
 * Two-sided z-test at level ALPHA of an estimate against its expectation with a known
 * standard error (from an exact variance formula).
 */
export function expectZ(estimate: number, expected: number, stdErr: number, context: Record<string, unknown> = {}): number {
  const z = (estimate - expected) / stdErr;
  const p = zTestPValue(z);
  expect(p, `z-test: ${estimate} vs ${expected}, standard error ${stdErr}, z = ${z}, p = ${p} < ALPHA; ${JSON.stringify(context)}`).toBeGreaterThanOrEqual(ALPHA);
  return z;
}

/** Row i of x as a copy. */
export function row(x: Float64Array, i: number, d: number): Float64Array {
  return x.slice(i * d, (i + 1) * d);
}
