/**
 * The log-density of a Gaussian mixture by log-sum-exp, and the responsibilities (the
 * posterior over components).
 *
 * @see proofs/mixture/density.md
 * @see docs/mixture/density.md
 */
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import { checkMixture, checkPoints, logSumExp, logTerms, normalizedExp, tooFar, type GaussianMixture } from './internal.js';

/**
 * Log-density of the mixture, log p(x) = log sum_k exp(a_k(x)) with
 * a_k(x) = log w_k - (d/2) log(2 pi) - (1/2) log det Sigma_k - (1/2) |L_k^{-1}(x - mu_k)|^2,
 * evaluated as m + log1p(sum_{k != k*} exp(a_k - m)), m = max_k a_k (log-sum-exp).
 *
 * Subtracting the maximum keeps every exponent <= 0: the result is finite wherever one
 * a_k is, even 50 standard deviations into the tails where every w_k N_k(x) underflows
 * to 0 and the naive log(sum) gives -Infinity. Its absolute error is a few EPS times
 * (1 + |m|) plus the error of the largest a_k, itself of order d kappa(L_k) EPS |a_k|
 * (proofs/mixture/density.md). When every quadratic form |L_k^{-1}(x - mu_k)|^2
 * exceeds the largest double (|x| beyond ~1e154 standard deviations) the log-density is
 * below -1.7e308 and not representable: the point is rejected (the library never
 * returns a non-finite value), as `score` and `responsibilities` do.
 *
 * @param mix - the mixture p (from `create`)
 * @param x - points, a Float64NdArray of shape [n, d] (n >= 0), or shape [d] for one point
 * @returns log p(x_i), shape [n]; a 0-d array (shape [], read it with `.get()`) for one point of shape [d]
 * @throws InvalidArgumentError for a `mix` not made by `create`, non-float64 or
 *   non-finite `x`, or a point so far out that log p(x) < -1.7e308; ShapeError when the
 *   last axis of `x` is not d
 * @example
 * const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
 * logPdf(mix, ndarray(new Float64Array([5, 5]), [2])).get(); // returns ~-2.0610 (log 0.8 - log 2 pi)
 * @see proofs/mixture/density.md (claims mixture/density#fixture, #tails, #normalized)
 * @see Bishop (2006), Pattern Recognition and Machine Learning, Eq. 9.7 (the mixture density)
 */
export function logPdf(mix: GaussianMixture, x: Float64NdArray): Float64NdArray {
  const api = 'mixture.logPdf';
  const m = checkMixture(api, mix);
  const pts = checkPoints(api, m, x);
  const d = m.dim;
  const K = m.components;
  const a = new Float64Array(K);
  const e = new Float64Array(K);
  const y = new Float64Array(K * d);
  const out = new Float64Array(pts.n);
  for (let i = 0; i < pts.n; i++) {
    const max = logTerms(m, pts.data, i * d, a, y);
    if (max === -Infinity) throw tooFar(api, x, i);
    out[i] = logSumExp(a, max, e);
  }
  return wrap(out, pts.single ? [] : [pts.n]);
}

/**
 * Responsibilities, the posterior over components given x:
 * r_k(x) = w_k N(x; mu_k, Sigma_k) / p(x) = softmax_k(a_k(x)),
 * computed in log space as exp(a_k - m) / sum_j exp(a_j - m), m = max_j a_j, so each r_k
 * has a relative error of a few EPS plus that of a_k - m, whatever the magnitudes of the
 * densities (no 0/0 in the tails).
 *
 * @param mix - the mixture p (from `create`)
 * @param x - points, a Float64NdArray of shape [n, d] (n >= 0), or shape [d] for one point
 * @returns r_k(x_i), shape [n, K] (rows sum to 1 within K EPS); shape [K] for one point
 * @throws InvalidArgumentError for a bad `mix` or `x`, and for a point so far out
 *   (|L_k^{-1}(x - mu_k)|^2 > 1.7e308 for every k) that no log-term is representable;
 *   ShapeError when the last axis of `x` is not d
 * @example
 * const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
 * responsibilities(mix, ndarray(new Float64Array([0, 0]), [2])).get(0); // returns ~0.2 (equidistant: r = w)
 * @see proofs/mixture/density.md (claim mixture/density#responsibilities)
 * @see Bishop (2006), Eq. 9.13 (responsibilities)
 */
export function responsibilities(mix: GaussianMixture, x: Float64NdArray): Float64NdArray {
  const api = 'mixture.responsibilities';
  const m = checkMixture(api, mix);
  const pts = checkPoints(api, m, x);
  const d = m.dim;
  const K = m.components;
  const a = new Float64Array(K);
  const e = new Float64Array(K);
  const y = new Float64Array(K * d);
  const out = new Float64Array(pts.n * K);
  for (let i = 0; i < pts.n; i++) {
    const max = logTerms(m, pts.data, i * d, a, y);
    if (max === -Infinity) throw tooFar(api, x, i);
    normalizedExp(a, max, e, out, i * K);
  }
  return wrap(out, pts.single ? [K] : [pts.n, K]);
}
