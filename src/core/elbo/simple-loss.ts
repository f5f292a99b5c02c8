/**
 * DDPM's simplified training objective, L_simple (Ho et al. 2020, Eq. 14).
 *
 * @see proofs/elbo/simple-loss.md
 * @see docs/elbo/simple-loss.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkArray, checkSameShape, type Float64NdArray } from '../../_internal/validate.js';

/**
 * The simplified objective per example (Ho et al. 2020, Eq. 14 and Algorithm 1):
 *
 *     L_simple = mean over coordinates of (eps - eps_theta(sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps, t))^2,
 *
 * the mean squared error of the noise prediction. It is the bound's term L_{t-1} with its
 * weight beta_t^2 / (2 sigma_t^2 alpha_t (1 - alphaBar_t)) (Eq. 12) dropped, which
 * down-weights the easy small-t terms; it is what DDPM trains on.
 *
 * @param eps - the noise eps, a float64 ndarray of shape [batch, ...], finite values
 * @param epsPred - the prediction eps_theta, a float64 ndarray of the same shape, finite values
 * @returns the mean squared error of each example, a Float64Array of length batch
 * @throws InvalidArgumentError for non-finite values, a 0-d array, or examples with no coordinates; ShapeError for mismatched shapes
 * @example
 * import { elbo } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const eps = ndarray(new Float64Array([1, -1, 0, 2]), [2, 2]);
 * const pred = ndarray(new Float64Array([0, -1, 0, 0]), [2, 2]);
 * elbo.simpleLoss(eps, pred); // returns ~Float64Array [0.5, 2]
 * @see proofs/elbo/simple-loss.md (claim elbo/simple-loss#definition)
 */
export function simpleLoss(eps: Float64NdArray, epsPred: Float64NdArray): Float64Array {
  const api = 'elbo.simpleLoss';
  const e = checkArray(api, 'eps', eps);
  const p = checkArray(api, 'epsPred', epsPred);
  checkSameShape(api, 'epsPred', p.shape, 'eps', e.shape);
  if (e.shape.length === 0) {
    throw new InvalidArgumentError(api, 'eps', 'an array with a leading batch axis (shape [batch, ...])', got('a 0-d array'));
  }
  const batch = e.shape[0]!;
  const dim = batch === 0 ? 0 : e.data.length / batch;
  if (batch > 0 && dim === 0) {
    throw new InvalidArgumentError(api, 'eps', 'examples with at least one coordinate', got(`shape [${e.shape.join(', ')}]`));
  }
  const out = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let acc = 0;
    const end = (b + 1) * dim;
    for (let i = b * dim; i < end; i++) {
      const d = e.data[i]! - p.data[i]!;
      acc += d * d;
    }
    out[b] = acc / dim;
  }
  for (let b = 0; b < batch; b++) {
    if (!Number.isFinite(out[b]!)) {
      throw new InvalidArgumentError(api, 'epsPred', 'values whose squared error is finite in float64', got(`${out[b]} for example ${b}`));
    }
  }
  return out;
}
