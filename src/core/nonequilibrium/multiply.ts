/**
 * Multiplying the reverse process by a function r(x) (Sohl-Dickstein et al. 2015,
 * Section 2.5 and Appendix C): each reverse Gaussian kernel N(mu, Sigma) is replaced by its
 * product with r, normalized. For a smooth r, to first order in Sigma, the product is the
 * same Gaussian with its mean moved by Sigma grad log r(mu) (Section 2.5.3); for r made of
 * delta functions on some coordinates (inpainting) the product is exact: the known
 * coordinates are set and the others take their conditional Gaussian.
 *
 * A kernel is a batch of n Gaussians in d coordinates: `mean` of shape [n, d] and
 * `covariance` either [n, d] (diagonal: the variances) or [n, d, d] (full, symmetric positive
 * definite; only its lower triangle is read).
 *
 * @see proofs/nonequilibrium/multiply.md
 * @see docs/nonequilibrium/multiply.md
 */
import { InvalidArgumentError, ShapeError, got } from '../errors.js';
import { checkFunction } from '../../_internal/fields.js';
import { LOG_2PI } from '../../_internal/gaussian-kernels.js';
import { checkArray, isNdArray, wrap, type Float64NdArray } from '../../_internal/validate.js';
import { checkReturned, VALUE_DOMAIN } from './checks.js';
import { choleskySub, solveLower, sym } from './linalg.js';

/** A smooth positive function r(x) given by its log and gradient, both applied to every row of x [n, d]. */
export interface SmoothR {
  /** log r(x) per row: an array [n]. */
  readonly logR: (x: Float64NdArray) => Float64NdArray;
  /** grad_x log r(x) per row: an array [n, d]. */
  readonly gradLogR: (x: Float64NdArray) => Float64NdArray;
}

/** A Gaussian kernel multiplied by r: its new mean and covariance, and log of the normalizer Z = integral N(x; mu, Sigma) r(x) dx per row. */
export interface MultipliedKernel {
  readonly mean: Float64NdArray;
  /** [n, d] variances or [n, d, d] covariances, as given. */
  readonly covariance: Float64NdArray;
  /** log Z per row (first order in Sigma for `perturbKernel`, exact for `inpaintKernel`). */
  readonly logNormalizer: Float64Array;
}

interface Kernel {
  readonly n: number;
  readonly d: number;
  readonly mean: Float64Array;
  readonly cov: Float64Array;
  readonly full: boolean;
}

/** Relative asymmetry allowed in a full covariance, in units of sqrt(Sigma_ii Sigma_jj). */
const SYMMETRY_TOL = 1e-12;

/** Validates a kernel: mean [n, d]; covariance [n, d] of positive variances or [n, d, d] symmetric positive definite. */
function checkKernel(api: string, mean: unknown, covariance: unknown): Kernel {
  if (isNdArray(mean) && mean.shape.length !== 2) {
    throw new InvalidArgumentError(api, 'mean', 'a 2-d array [n, d] (n Gaussians in d coordinates)', got(`shape [${mean.shape.join(', ')}]`));
  }
  const m = checkArray(api, 'mean', mean, VALUE_DOMAIN);
  const [n, d] = m.shape as [number, number];
  if (d < 1) throw new InvalidArgumentError(api, 'mean', 'Gaussians in at least one coordinate (shape [n, d] with d >= 1)', got(`shape [${n}, ${d}]`));
  if (!isNdArray(covariance)) throw new InvalidArgumentError(api, 'covariance', `an ndarray [${n}, ${d}] of variances or [${n}, ${d}, ${d}] of covariances`, covariance);
  if (covariance.shape.length === 2) {
    const c = checkArray(api, 'covariance', covariance, { min: 0, max: 1e200, maxClosed: true });
    if (c.shape[0] !== n || c.shape[1] !== d) throw new ShapeError(api, 'covariance', c.shape, [n, d], 'mean');
    return { n, d, mean: m.data, cov: c.data, full: false };
  }
  if (covariance.shape.length !== 3 || covariance.shape[0] !== n || covariance.shape[1] !== d || covariance.shape[2] !== d) {
    throw new ShapeError(api, 'covariance', covariance.shape, [n, d, d], 'mean, with a trailing [d, d] for full covariances');
  }
  const c = checkArray(api, 'covariance', covariance, { min: -1e200, minClosed: true, max: 1e200, maxClosed: true });
  const idx = new Int32Array(d);
  for (let i = 0; i < d; i++) idx[i] = i;
  const L = new Float64Array(d * d);
  for (let b = 0; b < n; b++) {
    const off = b * d * d;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) {
        const lo = c.data[off + i * d + j]!;
        const hi = c.data[off + j * d + i]!;
        const scale = Math.sqrt(Math.abs(c.data[off + i * d + i]! * c.data[off + j * d + j]!));
        if (!(Math.abs(lo - hi) <= SYMMETRY_TOL * scale)) {
          throw new InvalidArgumentError(api, 'covariance', 'symmetric matrices', got(`entries (${i}, ${j}) = ${lo} and (${j}, ${i}) = ${hi} of matrix ${b}`));
        }
      }
    }
    if (!choleskySub(c.data, off, d, idx, d, L)) {
      throw new InvalidArgumentError(api, 'covariance', 'positive definite matrices (a Cholesky factor exists in float64)', got(`matrix ${b}`));
    }
  }
  return { n, d, mean: m.data, cov: c.data, full: true };
}

/**
 * The reverse Gaussian kernel multiplied by a smooth r(x), to first order in Sigma
 * (Sohl-Dickstein et al. 2015, Section 2.5.3, Appendix C and Table App.1):
 *
 *     N(x; mu, Sigma) r(x) / Z  ~  N(x; mu + Sigma g, Sigma),   g = grad_x log r(x) at x = mu,
 *     log Z ~ log r(mu) + 1/2 g^T Sigma g,
 *
 * from log r(x) ~ log r(mu) + g^T (x - mu): exact when log r is linear in x. For a Gaussian
 * r = N(m_r, S_r) the exact product has mean (Sigma^-1 + S_r^-1)^-1 (Sigma^-1 mu + S_r^-1 m_r)
 * = mu + Sigma g - Sigma S_r^-1 Sigma g + O(|Sigma|^3): the first-order mean is off by O(|Sigma|^2).
 * r is evaluated once, at the means.
 *
 * @param mean - mu, a float64 ndarray [n, d], entries in [-1e100, 1e100]
 * @param covariance - Sigma: [n, d] positive variances (diagonal) or [n, d, d] symmetric positive definite matrices
 * @param r - `{ logR, gradLogR }`: x [n, d] => log r(x) per row ([n]), and => grad log r(x) ([n, d]); finite values
 * @returns `{ mean: mu + Sigma g, covariance: Sigma (a copy), logNormalizer: log r(mu) + g^T Sigma g / 2 }`
 * @throws InvalidArgumentError for invalid arguments or r returning non-finite values (naming `r`);
 *   ShapeError for mismatched shapes
 * @example
 * import ndarray from 'ndarray';
 * import { nonequilibrium } from 'diffusion-ts';
 * // r(x) = exp(2 x_0): a linear log r, for which the first-order form is exact.
 * const r = {
 *   logR: (x) => ndarray(Float64Array.from({ length: x.shape[0] }, (_, b) => 2 * x.get(b, 0)), [x.shape[0]]),
 *   gradLogR: (x) => ndarray(Float64Array.from({ length: x.size }, (_, i) => (i % 2 === 0 ? 2 : 0)), x.shape),
 * };
 * const k = nonequilibrium.perturbKernel(ndarray(new Float64Array([0, 0]), [1, 2]), ndarray(new Float64Array([0.5, 0.5]), [1, 2]), r);
 * k.mean.data; // returns ~Float64Array [1, 0]
 * @see proofs/nonequilibrium/multiply.md (claims nonequilibrium/multiply#first-order, nonequilibrium/multiply#linear-exact)
 */
export function perturbKernel(mean: Float64NdArray, covariance: Float64NdArray, r: SmoothR): MultipliedKernel {
  const api = 'nonequilibrium.perturbKernel';
  const k = checkKernel(api, mean, covariance);
  if (typeof r !== 'object' || r === null) throw new InvalidArgumentError(api, 'r', 'an object { logR, gradLogR } of functions', r);
  const logR = checkFunction<SmoothR['logR']>(api, 'r', (r as SmoothR).logR);
  const gradLogR = checkFunction<SmoothR['gradLogR']>(api, 'r', (r as SmoothR).gradLogR);
  const { n, d } = k;
  const muView = wrap(k.mean.slice(), [n, d]);
  const lr = checkReturned(api, 'r', logR(muView), [n], 'the rows of mean (log r per row)');
  const g = checkReturned(api, 'r', gradLogR(wrap(k.mean.slice(), [n, d])), [n, d], 'mean (grad log r)');
  const out = new Float64Array(n * d);
  const logZ = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    let quad = 0;
    for (let i = 0; i < d; i++) {
      let shift = 0; // (Sigma g)_i
      if (k.full) {
        const off = b * d * d;
        for (let j = 0; j < d; j++) shift += sym(k.cov, off, d, i, j) * g[b * d + j]!;
      } else {
        shift = k.cov[b * d + i]! * g[b * d + i]!;
      }
      out[b * d + i] = k.mean[b * d + i]! + shift;
      quad += g[b * d + i]! * shift;
    }
    logZ[b] = lr[b]! + 0.5 * quad;
  }
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) throw new InvalidArgumentError(api, 'r', 'a gradient for which mu + Sigma g is finite in float64', got(`an overflow at flat index ${i}`));
  }
  for (let b = 0; b < n; b++) {
    if (!Number.isFinite(logZ[b]!)) throw new InvalidArgumentError(api, 'r', 'values for which log r(mu) + g^T Sigma g / 2 is finite in float64', got(`an overflow at row ${b}`));
  }
  return { mean: wrap(out, [n, d]), covariance: wrap(k.cov.slice(), k.full ? [n, d, d] : [n, d]), logNormalizer: logZ };
}

/**
 * The reverse Gaussian kernel multiplied by delta functions on some coordinates, exactly
 * (Sohl-Dickstein et al. 2015, Section 2.5.3 and Figure 5, inpainting):
 *
 *     N(x; mu, Sigma) prod_{i in K} delta(x_i - v_i) / Z = delta(x_K - v_K) N(x_U; mu_U|K, Sigma_U|K),
 *     mu_U|K = mu_U + Sigma_UK Sigma_KK^-1 (v_K - mu_K),   Sigma_U|K = Sigma_UU - Sigma_UK Sigma_KK^-1 Sigma_KU,
 *     log Z = log N(v_K; mu_K, Sigma_KK),
 *
 * with K the known coordinates of a row and U the others. For a diagonal covariance the
 * unknown coordinates keep their mean and variance. Known coordinates get the given value and
 * variance 0 (and zero covariances).
 *
 * @param mean - mu, a float64 ndarray [n, d]
 * @param covariance - Sigma: [n, d] positive variances or [n, d, d] symmetric positive definite matrices
 * @param known - the mask, a float64 ndarray [n, d] of bits: 1 where the coordinate is known
 * @param values - v, a float64 ndarray [n, d], finite; read where known = 1
 * @returns `{ mean, covariance, logNormalizer }`: the conditional Gaussian (known coordinates set,
 *   with zero variance) and log N(v_K; mu_K, Sigma_KK) per row (0 for a row with no known coordinate)
 * @throws InvalidArgumentError for invalid arguments (a mask entry other than 0 or 1 included);
 *   ShapeError for mismatched shapes
 * @example
 * import ndarray from 'ndarray';
 * import { nonequilibrium } from 'diffusion-ts';
 * const mu = ndarray(new Float64Array([0, 0]), [1, 2]);
 * const cov = ndarray(new Float64Array([1, 0.5, 0.5, 1]), [1, 2, 2]);
 * const k = nonequilibrium.inpaintKernel(mu, cov, ndarray(new Float64Array([1, 0]), [1, 2]), ndarray(new Float64Array([2, 0]), [1, 2]));
 * [k.mean.get(0, 1), k.covariance.get(0, 1, 1)]; // returns ~[1, 0.75] (mean 0.5 * 2, variance 1 - 0.5^2)
 * @see proofs/nonequilibrium/multiply.md (claims nonequilibrium/multiply#delta-diagonal, nonequilibrium/multiply#delta-full)
 */
export function inpaintKernel(mean: Float64NdArray, covariance: Float64NdArray, known: Float64NdArray, values: Float64NdArray): MultipliedKernel {
  const api = 'nonequilibrium.inpaintKernel';
  const k = checkKernel(api, mean, covariance);
  const { n, d } = k;
  const mask = checkArray(api, 'known', known);
  if (mask.shape.length !== 2 || mask.shape[0] !== n || mask.shape[1] !== d) throw new ShapeError(api, 'known', mask.shape, [n, d], 'mean');
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i]!;
    if (v !== 0 && v !== 1) throw new InvalidArgumentError(api, 'known', 'a mask of bits (1 known, 0 unknown)', got(`${v} at flat index ${i}`));
  }
  const v = checkArray(api, 'values', values, VALUE_DOMAIN);
  if (v.shape.length !== 2 || v.shape[0] !== n || v.shape[1] !== d) throw new ShapeError(api, 'values', v.shape, [n, d], 'mean');

  const outMean = new Float64Array(n * d);
  const outCov = new Float64Array(k.cov.length);
  const logZ = new Float64Array(n);
  const idxK = new Int32Array(d);
  const idxU = new Int32Array(d);
  const L = new Float64Array(d * d);
  const resid = new Float64Array(d);
  const W = new Float64Array(d * d); // L^-1 Sigma_KU, column by column (k x u)
  const col = new Float64Array(d);
  for (let b = 0; b < n; b++) {
    const row = b * d;
    if (!k.full) {
      let lz = 0;
      for (let i = 0; i < d; i++) {
        if (mask.data[row + i] === 1) {
          const varI = k.cov[row + i]!;
          const diff = v.data[row + i]! - k.mean[row + i]!;
          lz += -0.5 * (LOG_2PI + Math.log(varI) + (diff * diff) / varI);
          outMean[row + i] = v.data[row + i]!;
          outCov[row + i] = 0;
        } else {
          outMean[row + i] = k.mean[row + i]!;
          outCov[row + i] = k.cov[row + i]!;
        }
      }
      logZ[b] = lz;
      continue;
    }
    const off = b * d * d;
    let nk = 0;
    let nu = 0;
    for (let i = 0; i < d; i++) {
      if (mask.data[row + i] === 1) idxK[nk++] = i;
      else idxU[nu++] = i;
    }
    // Sigma_KK = L L^T (positive definite as a principal submatrix of a positive definite matrix).
    if (!choleskySub(k.cov, off, d, idxK, nk, L)) {
      throw new InvalidArgumentError(api, 'covariance', 'matrices whose known block Sigma_KK is positive definite in float64', got(`matrix ${b}`));
    }
    // resid = L^-1 (v_K - mu_K); log Z = -1/2 (nk log 2 pi + 2 sum log L_ii + |resid|^2).
    let logDet = 0;
    for (let a = 0; a < nk; a++) {
      resid[a] = v.data[row + idxK[a]!]! - k.mean[row + idxK[a]!]!;
      logDet += Math.log(L[a * nk + a]!);
    }
    solveLower(L, nk, resid);
    let sq = 0;
    for (let a = 0; a < nk; a++) sq += resid[a]! * resid[a]!;
    logZ[b] = -0.5 * (nk * LOG_2PI + sq) - logDet;
    // W = L^-1 Sigma_KU: then Sigma_UK Sigma_KK^-1 (v - mu) = W^T resid and Sigma_UK Sigma_KK^-1 Sigma_KU = W^T W.
    for (let c = 0; c < nu; c++) {
      for (let a = 0; a < nk; a++) col[a] = sym(k.cov, off, d, idxK[a]!, idxU[c]!);
      solveLower(L, nk, col);
      for (let a = 0; a < nk; a++) W[a * nu + c] = col[a]!;
    }
    for (let i = 0; i < d; i++) outMean[row + i] = mask.data[row + i] === 1 ? v.data[row + i]! : 0;
    for (let c = 0; c < nu; c++) {
      let shift = 0;
      for (let a = 0; a < nk; a++) shift += W[a * nu + c]! * resid[a]!;
      outMean[row + idxU[c]!] = k.mean[row + idxU[c]!]! + shift;
      for (let e = 0; e <= c; e++) {
        let dot = 0;
        for (let a = 0; a < nk; a++) dot += W[a * nu + c]! * W[a * nu + e]!;
        const value = sym(k.cov, off, d, idxU[c]!, idxU[e]!) - dot;
        outCov[off + idxU[c]! * d + idxU[e]!] = value;
        outCov[off + idxU[e]! * d + idxU[c]!] = value;
      }
    }
  }
  for (let i = 0; i < outMean.length; i++) {
    if (!Number.isFinite(outMean[i]!)) throw new InvalidArgumentError(api, 'values', 'values for which the conditional mean is finite in float64', got(`an overflow at flat index ${i}`));
  }
  for (let b = 0; b < n; b++) {
    if (!Number.isFinite(logZ[b]!)) throw new InvalidArgumentError(api, 'values', 'values for which log N(v_K; mu_K, Sigma_KK) is finite in float64', got(`an overflow at row ${b}`));
  }
  return { mean: wrap(outMean, [n, d]), covariance: wrap(outCov, k.full ? [n, d, d] : [n, d]), logNormalizer: logZ };
}
