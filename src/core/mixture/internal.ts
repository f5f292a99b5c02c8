/**
 * Private machinery of the `mixture` area (not re-exported from its index): building the
 * frozen record with its Cholesky factors, the provenance check on `mix`, reading points,
 * and the per-point kernels shared by `logPdf`, `score` and `responsibilities`.
 *
 * The kernels work on plain Float64Arrays with caller-owned scratch buffers, so the loops
 * over n points allocate nothing per point.
 *
 * @see proofs/mixture/create.md
 * @see proofs/mixture/density.md
 */
import { InvalidArgumentError } from '../errors.js';
import { checkArray, checkSameShape } from '../../_internal/validate.js';

/** (1/2) log(2 pi), the per-dimension constant of the Gaussian log-density. */
export const HALF_LOG_2PI = 0.91893853320467274178;

/** Asymmetry accepted in a covariance: |S_ij - S_ji| <= SYMMETRY_RTOL sqrt(S_ii S_jj). */
export const SYMMETRY_RTOL = 1e-12;

/**
 * A Gaussian mixture p(x) = sum_k w_k N(x; mu_k, Sigma_k), with everything the density,
 * the score and the sampler need computed once at creation.
 *
 * Built only by `mixture.create` (or `perturb`, `vpPerturb`); the functions of the area
 * reject any other object. The record is frozen; its Float64Arrays are shared with every
 * call and must never be written to.
 *
 * @see proofs/mixture/create.md
 */
export interface GaussianMixture {
  /** Dimension d of a point x. */
  readonly dim: number;
  /** Number of components K. */
  readonly components: number;
  /** Normalized weights w_k > 0, length K, summing to 1 within K EPS. */
  readonly weights: Float64Array;
  /** log w_k, length K. */
  readonly logWeights: Float64Array;
  /** Means mu_k, row-major [K, d]: mu_k[i] = means[k d + i]. */
  readonly means: Float64Array;
  /** Covariances Sigma_k, row-major [K, d, d], symmetric positive definite. */
  readonly covs: Float64Array;
  /** Lower Cholesky factors L_k with Sigma_k = L_k L_k^T, row-major [K, d, d] (zeros above the diagonal). */
  readonly cholesky: Float64Array;
  /** log det Sigma_k = 2 sum_i log (L_k)_ii, length K. */
  readonly logDets: Float64Array;
  /** log w_k - (d/2) log(2 pi) - (1/2) log det Sigma_k: the constant part of log w_k N_k(x), length K. */
  readonly logNormalizers: Float64Array;
  /** Cumulative weights C_k = w_1 + ... + w_k (0-based: C[k] sums w[0..k]); C[K-1] = 1 exactly. */
  readonly cumulativeWeights: Float64Array;
}

const made = new WeakSet<object>();

/** Throws unless `mix` is a record built by this area (`create`, `perturb`, `vpPerturb`). */
export function checkMixture(api: string, mix: unknown): GaussianMixture {
  if (typeof mix !== 'object' || mix === null || !made.has(mix)) {
    throw new InvalidArgumentError(api, 'mix', 'a GaussianMixture made by mixture.create', mix);
  }
  return mix as GaussianMixture;
}

/**
 * Cholesky factor of the symmetric matrix in `a` (d x d at offset `off`), written into `l`
 * at the same offset (lower triangle; the upper triangle is left as zeros). Returns -1 on
 * success, else the row j whose pivot a_jj - sum_{i<j} L_ji^2 is not above d EPS a_jj
 * (not numerically positive definite), with the pivot in `pivotOut[0]`.
 */
export function choleskyInto(a: Float64Array, off: number, d: number, l: Float64Array, pivotOut: Float64Array): number {
  for (let j = 0; j < d; j++) {
    let pivot = a[off + j * d + j]!;
    for (let i = 0; i < j; i++) {
      const lji = l[off + j * d + i]!;
      pivot -= lji * lji;
    }
    // A pivot at or below d EPS a_jj is indistinguishable from 0 after the rounding of the
    // subtraction above: the matrix is singular to working precision.
    if (!(pivot > d * Number.EPSILON * a[off + j * d + j]!) || !Number.isFinite(pivot)) {
      pivotOut[0] = pivot;
      return j;
    }
    const ljj = Math.sqrt(pivot);
    l[off + j * d + j] = ljj;
    for (let r = j + 1; r < d; r++) {
      let s = a[off + r * d + j]!;
      for (let i = 0; i < j; i++) s -= l[off + r * d + i]! * l[off + j * d + i]!;
      l[off + r * d + j] = s / ljj;
    }
  }
  return -1;
}

/**
 * Builds, freezes and registers a mixture from normalized weights, means [K, d] and
 * symmetric covariances [K, d, d] (the arrays are owned by the record from here on).
 * Throws an InvalidArgumentError naming `covArg` when a covariance has a non-finite entry
 * or is not numerically positive definite.
 */
export function buildMixture(
  api: string,
  covArg: string,
  covGiven: unknown,
  weights: Float64Array,
  means: Float64Array,
  covs: Float64Array,
  dim: number,
): GaussianMixture {
  const K = weights.length;
  const d = dim;
  const dd = d * d;
  for (let i = 0; i < covs.length; i++) {
    if (!Number.isFinite(covs[i]!)) {
      const k = Math.floor(i / dd);
      throw new InvalidArgumentError(
        api,
        covArg,
        `covariances with finite entries (component ${k} has ${covs[i]} at [${Math.floor((i % dd) / d)}, ${i % d}])`,
        covGiven,
      );
    }
  }
  const cholesky = new Float64Array(K * dd);
  const logDets = new Float64Array(K);
  const pivot = new Float64Array(1);
  for (let k = 0; k < K; k++) {
    const off = k * dd;
    const failed = choleskyInto(covs, off, d, cholesky, pivot);
    if (failed >= 0) {
      throw new InvalidArgumentError(
        api,
        covArg,
        `symmetric positive definite covariances (component ${k}: Cholesky pivot at row ${failed} is ${pivot[0]}, not above ${d} EPS times its diagonal entry)`,
        covGiven,
      );
    }
    // log det Sigma = log det (L L^T) = 2 sum_i log L_ii: a sum of d logs, no overflow.
    let logDet = 0;
    for (let i = 0; i < d; i++) logDet += Math.log(cholesky[off + i * d + i]!);
    logDets[k] = 2 * logDet;
  }
  const logWeights = new Float64Array(K);
  const logNormalizers = new Float64Array(K);
  const cumulativeWeights = new Float64Array(K);
  let c = 0;
  for (let k = 0; k < K; k++) {
    logWeights[k] = Math.log(weights[k]!);
    logNormalizers[k] = logWeights[k]! - d * HALF_LOG_2PI - 0.5 * logDets[k]!;
    c += weights[k]!;
    cumulativeWeights[k] = c;
  }
  // The running sum of positive terms is nondecreasing; its last value is 1 up to K EPS.
  // Setting it to 1 makes the inverse CDF total: every u in [0, 1) picks a component.
  cumulativeWeights[K - 1] = 1;
  const mix: GaussianMixture = Object.freeze({
    dim: d,
    components: K,
    weights,
    logWeights,
    means,
    covs,
    cholesky,
    logDets,
    logNormalizers,
    cumulativeWeights,
  });
  made.add(mix);
  return mix;
}

/** Points read from `x`: [n, d] (a batch) or [d] (one point, `single`). */
export interface Points {
  readonly data: Float64Array;
  readonly n: number;
  readonly single: boolean;
}

/** Validates x as finite float64 points of the mixture's dimension: shape [n, d] or [d]. */
export function checkPoints(api: string, mix: GaussianMixture, x: unknown, name = 'x'): Points {
  const { data, shape } = checkArray(api, name, x);
  if (shape.length === 1) {
    checkSameShape(api, name, shape, '[mix.dim] (one point) or [n, mix.dim]', [mix.dim]);
    return { data, n: 1, single: true };
  }
  if (shape.length !== 2) {
    throw new InvalidArgumentError(api, name, `an array of shape [n, ${mix.dim}] (n points) or [${mix.dim}] (one point)`, x);
  }
  checkSameShape(api, name, shape, '[n, mix.dim]', [shape[0]!, mix.dim]);
  return { data, n: shape[0]!, single: false };
}

/**
 * The K log-terms a_k = log w_k + log N(x; mu_k, Sigma_k) at the point x[xOff .. xOff + d),
 * written into `a`; the whitened residuals y_k = L_k^{-1}(x - mu_k) go into `y` ([K, d]).
 * Returns max_k a_k (-Infinity when every quadratic form overflows).
 *
 * a_k = logNormalizer_k - |y_k|^2 / 2, with y_k by forward substitution: backward stable,
 * so |y_k|^2 carries a relative error of order d kappa(L_k) EPS (proofs/mixture/density.md).
 */
export function logTerms(mix: GaussianMixture, x: Float64Array, xOff: number, a: Float64Array, y: Float64Array): number {
  const d = mix.dim;
  const dd = d * d;
  const K = mix.components;
  const means = mix.means;
  const chol = mix.cholesky;
  const logNorm = mix.logNormalizers;
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    const mOff = k * d;
    const lOff = k * dd;
    let q = 0;
    for (let i = 0; i < d; i++) {
      let s = x[xOff + i]! - means[mOff + i]!;
      const row = lOff + i * d;
      for (let j = 0; j < i; j++) s -= chol[row + j]! * y[mOff + j]!;
      const yi = s / chol[row + i]!;
      y[mOff + i] = yi;
      q += yi * yi;
    }
    // q overflows (to Infinity, or NaN from Infinity - Infinity in the substitution) only
    // when the true |y_k|^2 exceeds the largest double: the term is -Infinity, rounded.
    const ak = q < Infinity ? logNorm[k]! - 0.5 * q : -Infinity;
    a[k] = ak;
    if (ak > max) max = ak;
  }
  return max;
}

/**
 * log sum_k exp(a_k) = m + log1p(sum_{k != k*} exp(a_k - m)), m = a_{k*} = max_k a_k: every
 * exponent is <= 0, so nothing overflows, and the dominant term contributes exactly 1
 * (log1p keeps the small remainder's digits). Writes exp(a_k - m) into `e`.
 */
export function logSumExp(a: Float64Array, max: number, e: Float64Array): number {
  if (max === -Infinity) return -Infinity;
  const K = a.length;
  let rest = 0;
  let seenMax = false;
  for (let k = 0; k < K; k++) {
    const ek = Math.exp(a[k]! - max);
    e[k] = ek;
    if (!seenMax && a[k] === max) seenMax = true;
    else rest += ek;
  }
  return max + Math.log1p(rest);
}

/** Throws unless every value is finite: the output of `api` overflowed float64. */
export function checkFiniteOutput(api: string, name: string, given: unknown, out: Float64Array, what: string): void {
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new InvalidArgumentError(api, name, `${what} (the result overflows float64 at flat index ${i})`, given);
    }
  }
}

/** out[off + k] = exp(a_k - m) / sum_j exp(a_j - m): the softmax, with the max term exactly 1. */
export function normalizedExp(a: Float64Array, max: number, e: Float64Array, out: Float64Array, off: number): void {
  const K = a.length;
  let sum = 0;
  for (let k = 0; k < K; k++) {
    const ek = Math.exp(a[k]! - max);
    e[k] = ek;
    sum += ek;
  }
  for (let k = 0; k < K; k++) out[off + k] = e[k]! / sum;
}

/** The error for a point at which every component's quadratic form overflows. */
export function tooFar(api: string, x: unknown, row: number): InvalidArgumentError {
  return new InvalidArgumentError(
    api,
    'x',
    `points where some |L_k^-1 (x - mu_k)|^2 is below 1.7e308 (row ${row} is too far from every component)`,
    x,
  );
}
