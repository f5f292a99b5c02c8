/**
 * The score of a Gaussian mixture, grad_x log p(x), as the responsibility-weighted
 * average of the component scores.
 *
 * @see proofs/mixture/score.md
 * @see docs/mixture/score.md
 */
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import { checkFiniteOutput, checkMixture, checkPoints, logTerms, normalizedExp, tooFar, type GaussianMixture } from './internal.js';

/**
 * Score of the mixture (Stein score, the gradient of the log-density in x):
 *
 *     grad_x log p(x) = sum_k r_k(x) s_k(x),   s_k(x) = -Sigma_k^{-1} (x - mu_k),
 *
 * with r_k(x) = softmax_k(log w_k + log N(x; mu_k, Sigma_k)) the responsibilities,
 * computed in log space (no 0/0 where every density underflows). Sigma_k^{-1}(x - mu_k)
 * is L_k^{-T} L_k^{-1}(x - mu_k) by two triangular solves with the Cholesky factor;
 * no inverse is formed.
 *
 * Near mode k (r_k ~ 1) the score is that component's score, whatever the weights: the
 * weights enter only through r, whose dependence on them is exponentially small there
 * (the observation of Song and Ermon 2019, Section 3, that motivates annealing).
 *
 * @param mix - the mixture p (from `create`)
 * @param x - points, a Float64NdArray of shape [n, d] (n >= 0), or shape [d] for one point
 * @returns grad_x log p(x_i), shape [n, d] (shape [d] for one point)
 * @throws InvalidArgumentError for a bad `mix` or `x`, for a point so far out that every
 *   quadratic form overflows, and where the score itself overflows float64;
 *   ShapeError when the last axis of `x` is not d
 * @example
 * const mix = create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });
 * score(mix, ndarray(new Float64Array([6, 5]), [2])).get(0); // returns ~-1 (-(x - mu_2) near mode 2)
 * @see proofs/mixture/score.md (claims mixture/score#finite-difference, #weight-blind)
 * @see Song and Ermon (2019), Section 3 (scores of a two-mode mixture)
 */
export function score(mix: GaussianMixture, x: Float64NdArray): Float64NdArray {
  const api = 'mixture.score';
  const m = checkMixture(api, mix);
  const pts = checkPoints(api, m, x);
  const d = m.dim;
  const dd = d * d;
  const K = m.components;
  const chol = m.cholesky;
  const a = new Float64Array(K);
  const e = new Float64Array(K);
  const r = new Float64Array(K);
  const y = new Float64Array(K * d);
  const v = new Float64Array(d);
  const out = new Float64Array(pts.n * d);
  for (let p = 0; p < pts.n; p++) {
    const max = logTerms(m, pts.data, p * d, a, y);
    if (max === -Infinity) throw tooFar(api, x, p);
    normalizedExp(a, max, e, r, 0);
    const oOff = p * d;
    for (let k = 0; k < K; k++) {
      const rk = r[k]!;
      // A component whose responsibility underflowed contributes nothing (and its y_k may
      // be the overflowed residual of a far component).
      if (rk === 0) continue;
      const lOff = k * dd;
      const yOff = k * d;
      // v = L_k^{-T} y_k = Sigma_k^{-1}(x - mu_k), by back substitution on L_k^T.
      for (let i = d - 1; i >= 0; i--) {
        let s = y[yOff + i]!;
        for (let j = i + 1; j < d; j++) s -= chol[lOff + j * d + i]! * v[j]!;
        v[i] = s / chol[lOff + i * d + i]!;
      }
      for (let i = 0; i < d; i++) out[oOff + i] = out[oOff + i]! - rk * v[i]!;
    }
  }
  checkFiniteOutput(api, 'x', x, out, 'points where the score is representable in float64');
  return wrap(out, pts.single ? [d] : [pts.n, d]);
}
