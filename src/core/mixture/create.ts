/**
 * Building a Gaussian mixture p(x) = sum_k w_k N(x; mu_k, Sigma_k): validation, weight
 * normalization and the Cholesky factors, computed once.
 *
 * @see proofs/mixture/create.md
 * @see docs/mixture/create.md
 */
import { DTypeError, InvalidArgumentError, ShapeError } from '../errors.js';
import { checkArray, isNdArray, type Float64NdArray } from '../../_internal/validate.js';
import { buildMixture, SYMMETRY_RTOL, type GaussianMixture } from './internal.js';

export type { GaussianMixture } from './internal.js';

/**
 * The covariances of a mixture, in one of four forms:
 * - a number s > 0: Sigma_k = s I for every component (isotropic, shared);
 * - K numbers s_k > 0 (`number[]`, a Float64Array, or a Float64NdArray of shape [K]):
 *   Sigma_k = s_k I;
 * - K full d x d matrices (`number[][][]` or a Float64NdArray of shape [K, d, d]),
 *   symmetric positive definite.
 */
export type CovariancesInput =
  | number
  | readonly number[]
  | Float64Array
  | readonly (readonly (readonly number[])[])[]
  | Float64NdArray;

/** The arguments of `create`. */
export interface MixtureSpec {
  /** Weights w_k > 0, length K >= 1; normalized to sum to 1. */
  readonly weights: readonly number[] | Float64Array;
  /** Means mu_k: K rows of length d >= 1 (`number[][]`), or a Float64NdArray of shape [K, d]. */
  readonly means: readonly (readonly number[])[] | Float64NdArray;
  /** Covariances Sigma_k (see CovariancesInput). */
  readonly covs: CovariancesInput;
}

const API = 'mixture.create';

/**
 * Creates the Gaussian mixture p(x) = sum_{k=1}^K w_k N(x; mu_k, Sigma_k), normalizing the
 * weights (w_k / sum_j w_j) and computing once the Cholesky factors Sigma_k = L_k L_k^T,
 * log det Sigma_k = 2 sum_i log (L_k)_ii and the log-weights.
 *
 * A covariance is accepted when it is symmetric to 1e-12 relative
 * (|S_ij - S_ji| <= 1e-12 sqrt(S_ii S_jj); stored as (S + S^T)/2) and numerically positive
 * definite: every Cholesky pivot exceeds d EPS times its diagonal entry.
 *
 * @param spec - `{ weights, means, covs }`:
 *   weights w_k > 0 finite (number[] or Float64Array, length K >= 1);
 *   means mu_k (number[][] with K rows of one length d >= 1, or Float64NdArray [K, d]);
 *   covs Sigma_k: a variance s > 0 (Sigma_k = s I), K variances s_k > 0 (Sigma_k = s_k I),
 *   or K symmetric positive definite d x d matrices (number[][][] or Float64NdArray [K, d, d])
 * @returns the frozen GaussianMixture record (its arrays are copies of the inputs)
 * @throws InvalidArgumentError naming `spec`, `weights`, `means` or `covs` for a missing or
 *   ill-typed field, a non-finite entry, a weight <= 0, a variance <= 0, an asymmetric or
 *   non positive definite covariance; ShapeError when the shapes of means and covs do not
 *   match K and d; DTypeError for typed arrays other than Float64Array
 * @example
 * // NCSN's toy mixture (Song and Ermon 2019, Section 3): 1/5 N((-5,-5), I) + 4/5 N((5,5), I)
 * const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
 * mix.logWeights[1]; // returns ~-0.2231 (log 0.8)
 * @see proofs/mixture/create.md
 */
export function create(spec: MixtureSpec): GaussianMixture {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || isNdArray(spec)) {
    throw new InvalidArgumentError(API, 'spec', 'an object { weights, means, covs }', spec);
  }
  const weights = readWeights(spec.weights);
  const K = weights.length;
  const { means, dim } = readMeans(spec.means, K);
  const covs = readCovs(spec.covs, K, dim);
  return buildMixture(API, 'covs', spec.covs, weights, means, covs, dim);
}

/** Normalized weights: w_k / sum_j w_j, computed as (w_k / w_max) / sum_j (w_j / w_max) so the sum cannot overflow. */
function readWeights(w: unknown): Float64Array {
  let values: ArrayLike<unknown>;
  if (w instanceof Float64Array) values = w;
  else if (Array.isArray(w)) values = w;
  else if (ArrayBuffer.isView(w)) {
    throw new DTypeError(API, 'weights', 'number[] or a Float64Array', (w as object).constructor.name);
  } else throw new InvalidArgumentError(API, 'weights', 'number[] or a Float64Array of positive finite weights', w);
  const K = values.length;
  if (K < 1) throw new InvalidArgumentError(API, 'weights', 'at least one weight', w);
  const out = new Float64Array(K);
  let max = 0;
  for (let k = 0; k < K; k++) {
    const v = values[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || !(v > 0)) {
      throw new InvalidArgumentError(API, 'weights', `positive finite weights (entry ${k})`, v);
    }
    out[k] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let k = 0; k < K; k++) {
    out[k] = out[k]! / max;
    sum += out[k]!;
  }
  for (let k = 0; k < K; k++) {
    out[k] = out[k]! / sum;
    if (!(out[k]! > 0)) {
      throw new InvalidArgumentError(API, 'weights', `weights whose ratios to the largest are representable (entry ${k} normalizes to 0)`, values[k]);
    }
  }
  return out;
}

function readMeans(m: unknown, K: number): { means: Float64Array; dim: number } {
  if (isNdArray(m)) {
    const { data, shape } = checkArray(API, 'means', m);
    if (shape.length !== 2 || shape[1]! < 1) {
      throw new InvalidArgumentError(API, 'means', `an array of shape [${K}, d] with d >= 1`, m);
    }
    if (shape[0] !== K) throw new ShapeError(API, 'means', shape, [K, shape[1]!], 'weights.length, d');
    return { means: Float64Array.from(data), dim: shape[1]! };
  }
  if (!Array.isArray(m)) {
    throw new InvalidArgumentError(API, 'means', 'number[][] (K rows of length d) or a Float64NdArray of shape [K, d]', m);
  }
  if (m.length !== K) throw new ShapeError(API, 'means', [m.length], [K], 'weights.length');
  const first: unknown = m[0];
  if (!Array.isArray(first) || first.length < 1) {
    throw new InvalidArgumentError(API, 'means', 'rows that are number[] of length d >= 1 (row 0)', first);
  }
  const d = first.length;
  const means = new Float64Array(K * d);
  for (let k = 0; k < K; k++) {
    const row: unknown = m[k];
    if (!Array.isArray(row)) throw new InvalidArgumentError(API, 'means', `rows that are number[] (row ${k})`, row);
    if (row.length !== d) throw new ShapeError(API, 'means', [K, row.length], [K, d], 'row 0');
    for (let i = 0; i < d; i++) {
      const v: unknown = row[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new InvalidArgumentError(API, 'means', `finite numbers (entry [${k}, ${i}])`, v);
      }
      means[k * d + i] = v;
    }
  }
  return { means, dim: d };
}

/** Covariances [K, d, d] from any accepted form; full matrices are checked for symmetry and symmetrized. */
function readCovs(c: unknown, K: number, d: number): Float64Array {
  const dd = d * d;
  const covs = new Float64Array(K * dd);
  const isotropic = (k: number, s: unknown): void => {
    if (typeof s !== 'number' || !Number.isFinite(s) || !(s > 0)) {
      throw new InvalidArgumentError(API, 'covs', `positive finite variances (entry ${k})`, s);
    }
    for (let i = 0; i < d; i++) covs[k * dd + i * d + i] = s;
  };
  if (typeof c === 'number') {
    for (let k = 0; k < K; k++) isotropic(k, c);
    return covs;
  }
  if (c instanceof Float64Array) {
    if (c.length !== K) throw new ShapeError(API, 'covs', [c.length], [K], 'weights.length');
    for (let k = 0; k < K; k++) isotropic(k, c[k]);
    return covs;
  }
  if (ArrayBuffer.isView(c)) throw new DTypeError(API, 'covs', 'a number, number[], number[][][] or Float64NdArray', (c as object).constructor.name);
  if (isNdArray(c)) {
    const { data, shape } = checkArray(API, 'covs', c);
    if (shape.length === 1) {
      if (shape[0] !== K) throw new ShapeError(API, 'covs', shape, [K], 'weights.length');
      for (let k = 0; k < K; k++) isotropic(k, data[k]);
      return covs;
    }
    if (shape.length !== 3 || shape[0] !== K || shape[1] !== d || shape[2] !== d) {
      throw new ShapeError(API, 'covs', shape, [K, d, d], 'weights.length, d, d');
    }
    covs.set(data);
    symmetrize(covs, K, d, c);
    return covs;
  }
  if (!Array.isArray(c)) {
    throw new InvalidArgumentError(API, 'covs', 'a variance, K variances, or K matrices d x d (number[][][] or Float64NdArray)', c);
  }
  if (c.length !== K) throw new ShapeError(API, 'covs', [c.length], [K], 'weights.length');
  if (c.every((v) => typeof v === 'number')) {
    for (let k = 0; k < K; k++) isotropic(k, c[k]);
    return covs;
  }
  for (let k = 0; k < K; k++) {
    const mat: unknown = c[k];
    if (!Array.isArray(mat) || mat.length !== d) {
      throw new InvalidArgumentError(API, 'covs', `K variances or K matrices of shape [${d}, ${d}] (entry ${k})`, mat);
    }
    for (let i = 0; i < d; i++) {
      const row: unknown = mat[i];
      if (!Array.isArray(row) || row.length !== d) {
        throw new InvalidArgumentError(API, 'covs', `matrices of shape [${d}, ${d}] (component ${k}, row ${i})`, row);
      }
      for (let j = 0; j < d; j++) {
        const v: unknown = row[j];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new InvalidArgumentError(API, 'covs', `finite numbers (entry [${k}, ${i}, ${j}])`, v);
        }
        covs[k * dd + i * d + j] = v;
      }
    }
  }
  symmetrize(covs, K, d, c);
  return covs;
}

/**
 * Checks |S_ij - S_ji| <= 1e-12 sqrt(S_ii S_jj) and S_ii > 0, then stores (S_ij + S_ji)/2
 * in both places (exact when S is already symmetric).
 */
function symmetrize(covs: Float64Array, K: number, d: number, given: unknown): void {
  const dd = d * d;
  for (let k = 0; k < K; k++) {
    const off = k * dd;
    for (let i = 0; i < d; i++) {
      const sii = covs[off + i * d + i]!;
      if (!(sii > 0)) {
        throw new InvalidArgumentError(
          API,
          'covs',
          `symmetric positive definite covariances (component ${k} has diagonal entry ${sii} <= 0 at [${i}, ${i}])`,
          given,
        );
      }
    }
    for (let i = 0; i < d; i++) {
      for (let j = i + 1; j < d; j++) {
        const sij = covs[off + i * d + j]!;
        const sji = covs[off + j * d + i]!;
        const scale = Math.sqrt(covs[off + i * d + i]!) * Math.sqrt(covs[off + j * d + j]!);
        if (!(Math.abs(sij - sji) <= SYMMETRY_RTOL * scale)) {
          throw new InvalidArgumentError(
            API,
            'covs',
            `symmetric covariances (component ${k}: [${i}, ${j}] = ${sij} but [${j}, ${i}] = ${sji})`,
            given,
          );
        }
        // Halves are summed (not (a + b)/2) so no sum overflows; equal entries stay exact.
        const mid = sij === sji ? sij : sij / 2 + sji / 2;
        covs[off + i * d + j] = mid;
        covs[off + j * d + i] = mid;
      }
    }
  }
}
