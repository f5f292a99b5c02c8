/**
 * Test-side helpers for the `langevin` area: array builders, score functions of Gaussian
 * targets written independently of the library, exact moment tests (a z-test on the mean
 * and the chi-square test on the variance of Gaussian samples), and the fixture.
 *
 * Nothing here is a reference value for the samplers: references are closed forms
 * (proofs/langevin/*.md), the NumPy fixture, and the exact CDFs of the targets.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ndarray from 'ndarray';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { gammaQ, zTestPValue } from '../../_support/stats.js';

/** A float64 ndarray from numbers (default shape: a column [n, 1]). */
export function nd(values: ArrayLike<number>, shape?: number[]): Float64NdArray {
  const data = Float64Array.from(values);
  return ndarray(data, shape ?? [data.length, 1]);
}

/** A noise source that returns zeros of the given shape (deterministic dynamics). */
export function zeros(shape: number[]): (i: number) => Float64NdArray {
  let size = 1;
  for (const n of shape) size *= n;
  return () => ndarray(new Float64Array(size), shape.slice());
}

/** The score of N(mu, s2) elementwise: -(x - mu) / s2, in two roundings per element. */
export function gaussianScore(mu: number, s2: number): (x: Float64NdArray) => Float64NdArray {
  return (x) => {
    const out = new Float64Array(x.data.length);
    for (let j = 0; j < out.length; j++) out[j] = -(x.data[j]! - mu) / s2;
    return ndarray(out, x.shape.slice());
  };
}

/**
 * Two-sided p-value of the chi-square test of a Gaussian sample's variance against v:
 * (n - 1) S^2 / v ~ chi^2_{n-1} exactly for iid N(m, v) draws (Cochran's theorem).
 */
export function varianceTestPValue(xs: ArrayLike<number>, v: number): number {
  const n = xs.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += xs[i]!;
  m /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i]! - m) ** 2;
  const q = gammaQ((n - 1) / 2, ss / (2 * v));
  return Math.min(1, 2 * Math.min(q, 1 - q));
}

/** Two-sided p-value of the z-test of the sample mean against m, with the exact variance v of one draw. */
export function meanTestPValue(xs: ArrayLike<number>, m: number, v: number): number {
  const n = xs.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i]!;
  return zTestPValue((s / n - m) / Math.sqrt(v / n));
}

/** Column j of a row-major [n, d] array. */
export function column(x: Float64NdArray, j: number): Float64Array {
  const n = x.shape[0]!;
  const d = x.data.length / n;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = x.data[r * d + j]!;
  return out;
}

// --- the NumPy fixture (test/fixtures/langevin/reference) ----------------------------

export interface LangevinFixture {
  versions: Record<string, string>;
  mu: number[];
  Sigma: number[][];
  P: number[][];
  x0: number[][];
  ula: { eps: number; steps: number; noise: number[][][]; states: number[][][] };
  mala: { eps: number; steps: number; noise: number[][][]; uniforms: number[][]; states: number[][][]; accepted: number[][]; minLogMargin: number };
  annealed: { eps: number; sigmas: number[]; stepsPerLevel: number; precisions: number[][][]; noise: number[][][]; levels: number[][][]; denoised: number[][] };
  inpaint: { mask: number[]; known: number[]; noise: number[][][]; levels: number[][][] };
}

const here = dirname(fileURLToPath(import.meta.url));
export const fixture: LangevinFixture = JSON.parse(
  readFileSync(join(here, '..', '..', 'fixtures', 'langevin', 'reference', 'data.json'), 'utf8'),
) as LangevinFixture;

/** A [n, d] ndarray from rows. */
export function fromRows(rows: number[][]): Float64NdArray {
  return ndarray(Float64Array.from(rows.flat()), [rows.length, rows[0]!.length]);
}

/** The linear score -P (x - mu) of a Gaussian with precision P, row by row (d x d, any d). */
export function linearScore(P: number[][], mu: number[]): (x: Float64NdArray) => Float64NdArray {
  const d = mu.length;
  return (x) => {
    const n = x.shape[0]!;
    const out = new Float64Array(n * d);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += P[i]![k]! * (x.data[r * d + k]! - mu[k]!);
        out[r * d + i] = -s;
      }
    }
    return ndarray(out, [n, d]);
  };
}

/** -(1/2)(x - mu)^T P (x - mu) per row: log N(x; mu, P^{-1}) up to its constant. */
export function quadraticLogDensity(P: number[][], mu: number[]): (x: Float64NdArray) => Float64NdArray {
  const d = mu.length;
  return (x) => {
    const n = x.shape[0]!;
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let q = 0;
      for (let i = 0; i < d; i++) {
        for (let k = 0; k < d; k++) q += (x.data[r * d + i]! - mu[i]!) * P[i]![k]! * (x.data[r * d + k]! - mu[k]!);
      }
      out[r] = -0.5 * q;
    }
    return ndarray(out, [n]);
  };
}

/** Spectral norm of I - h P for symmetric 2x2 P: max |1 - h lambda| over P's eigenvalues. */
export function contraction2(P: number[][], h: number): number {
  const a = P[0]![0]!;
  const b = P[0]![1]!;
  const c = P[1]![1]!;
  const mid = (a + c) / 2;
  const rad = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  return Math.max(Math.abs(1 - h * (mid + rad)), Math.abs(1 - h * (mid - rad)));
}
