/**
 * Helpers for the `nonequilibrium` tests: arrays from lists, affine reverse models, small
 * dense linear algebra written independently of the library (Gauss-Jordan inversion), and
 * the 40-digit fixtures of test/fixtures/nonequilibrium.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ndarray from 'ndarray';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import type { GaussianReverse } from '../../../src/core/nonequilibrium/index.js';

/** A float64 ndarray holding `values` in the given shape (default: one axis). */
export function nd(values: ArrayLike<number>, shape: number[] = [values.length]): Float64NdArray {
  return ndarray(Float64Array.from(values), shape);
}

/** The affine reverse model N(a_t x_t + b_t, e^{l_t}) per coordinate; a, b, l indexed by t - 2. */
export function affineModel(a: readonly number[], b: readonly number[], l: readonly number[]): GaussianReverse {
  return (xt, t) => ({
    mean: ndarray(Float64Array.from(xt.data, (v) => a[t - 2]! * v + b[t - 2]!), xt.shape.slice()),
    logVariance: ndarray(new Float64Array(xt.size).fill(l[t - 2]!), xt.shape.slice()),
  });
}

/** The inverse of a d x d matrix (row-major) by Gauss-Jordan elimination with partial pivoting. */
export function inverse(m: ArrayLike<number>, d: number): Float64Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) inv[i * d + i] = 1;
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r * d + c]!) > Math.abs(a[p * d + c]!)) p = r;
    for (let k = 0; k < d; k++) {
      [a[c * d + k], a[p * d + k]] = [a[p * d + k]!, a[c * d + k]!];
      [inv[c * d + k], inv[p * d + k]] = [inv[p * d + k]!, inv[c * d + k]!];
    }
    const pivot = a[c * d + c]!;
    for (let k = 0; k < d; k++) {
      a[c * d + k] = a[c * d + k]! / pivot;
      inv[c * d + k] = inv[c * d + k]! / pivot;
    }
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = a[r * d + c]!;
      for (let k = 0; k < d; k++) {
        a[r * d + k] = a[r * d + k]! - f * a[c * d + k]!;
        inv[r * d + k] = inv[r * d + k]! - f * inv[c * d + k]!;
      }
    }
  }
  return inv;
}

/** y = M x for a d x d row-major M. */
export function matVec(m: ArrayLike<number>, x: ArrayLike<number>, d: number): Float64Array {
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) y[i] = y[i]! + m[i * d + j]! * x[j]!;
  return y;
}

/** C = A B for d x d row-major matrices. */
export function matMul(a: ArrayLike<number>, b: ArrayLike<number>, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) c[i * d + j] = c[i * d + j]! + a[i * d + k]! * b[k * d + j]!;
  return c;
}

/** The exact product N(mu, Sigma) N(x; m, S) / Z: (Sigma^-1 + S^-1)^-1 (Sigma^-1 mu + S^-1 m) and its covariance. */
export function gaussianProduct(mu: ArrayLike<number>, sigma: ArrayLike<number>, m: ArrayLike<number>, s: ArrayLike<number>, d: number) {
  const si = inverse(sigma, d);
  const ri = inverse(s, d);
  const precision = Float64Array.from(si, (v, i) => v + ri[i]!);
  const cov = inverse(precision, d);
  const a = matVec(si, mu, d);
  const b = matVec(ri, m, d);
  const mean = matVec(cov, Float64Array.from(a, (v, i) => v + b[i]!), d);
  return { mean, cov };
}

const num = (v: string): number => (v === '-Infinity' ? -Infinity : Number(v));
const read = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'nonequilibrium', name, 'data.json'), 'utf8'));
const betasOf = (values: string[]): Float64Array => {
  const b = new Float64Array(values.length + 1);
  values.forEach((v, i) => (b[i + 1] = Number(v)));
  return b;
};

const boundRaw = read('bound') as {
  bounds: { name: string; betas: string[]; a: string[]; b: string[]; logVariance: string[]; x0: string[]; K: string[]; logNormalPlusConstant?: string[] }[];
  entropyBounds: { name: string; betas: string[]; lower: string[]; upper: string[]; upperAnyData: string[]; exact: Record<string, string[]> }[];
};

/** K(x_0) of affine reverse models in closed form (one coordinate). */
export const boundFixture = boundRaw.bounds.map((c) => ({
  name: c.name,
  betas: betasOf(c.betas),
  a: c.a.map(Number),
  b: c.b.map(Number),
  l: c.logVariance.map(Number),
  x0: c.x0.map(Number),
  K: c.K.map(num),
  logNormalPlusConstant: c.logNormalPlusConstant?.map(num),
}));

/** The entropy bounds per step t = 1..T (index t - 1) and the exact conditional entropy for N(m, s^2) data, per s^2. */
export const entropyFixture = boundRaw.entropyBounds.map((c) => ({
  name: c.name,
  betas: betasOf(c.betas),
  lower: c.lower.map(num),
  upper: c.upper.map(num),
  upperAnyData: c.upperAnyData.map(num),
  exact: Object.entries(c.exact).map(([s2, values]) => ({ s2: Number(s2), values: values.map(num) })),
}));

const multiplyRaw = read('multiply') as {
  products: { d: number; mu: string[]; sigma: string[]; mR: string[]; sR: string[]; mean: string[]; covariance: string[]; firstOrderMean: string[]; logNormalizer: string }[];
  inpaints: { d: number; mu: string[]; sigma: string[]; known: number[]; values: string[]; mean: string[]; covariance: string[]; logNormalizer: string }[];
};

/** Gaussian kernels times Gaussian r: the exact product and the first-order mean. */
export const productFixture = multiplyRaw.products.map((c) => ({
  d: c.d,
  mu: c.mu.map(Number),
  sigma: c.sigma.map(Number),
  mR: c.mR.map(Number),
  sR: c.sR.map(Number),
  mean: c.mean.map(num),
  covariance: c.covariance.map(num),
  firstOrderMean: c.firstOrderMean.map(num),
  logNormalizer: num(c.logNormalizer),
}));

/** Gaussian kernels times deltas on known coordinates: the conditional, via the precision matrix. */
export const inpaintFixture = multiplyRaw.inpaints.map((c) => ({
  d: c.d,
  mu: c.mu.map(Number),
  sigma: c.sigma.map(Number),
  known: c.known,
  values: c.values.map(Number),
  mean: c.mean.map(num),
  covariance: c.covariance.map(num),
  logNormalizer: num(c.logNormalizer),
}));
