/**
 * Diffusion probabilistic models as in Sohl-Dickstein et al. (2015), Section 2, for Gaussian
 * diffusion: the log-likelihood lower bound K of Eq. 14 with its entropy terms computed
 * analytically, the upper and lower bounds on the conditional entropy of each reverse step
 * (Section 2.6, Appendix A), and multiplying the reverse process by a function r(x)
 * (Section 2.5): the first-order perturbed kernel for a smooth r and the exact product with
 * delta functions (inpainting). Binomial diffusion is the `binomial` area.
 *
 * Conventions: `s` is a Schedule from `schedule.fromBetas`; batches are arrays [n, ...] with
 * the examples on the leading axis; Gaussians are means [n, d] with variances [n, d] or
 * covariances [n, d, d]; K and entropies are in nats (bits where named).
 *
 * @see docs/api.md (section nonequilibrium)
 * @see proofs/nonequilibrium/bound.md
 */
export {
  boundK,
  type GaussianBound,
  type GaussianKernel,
  type GaussianReverse,
  type GaussianReverseArrays,
  type GaussianNoiseSource,
} from './bound.js';
export { entropyBounds, type EntropyBounds } from './entropy-bounds.js';
export { perturbKernel, inpaintKernel, type SmoothR, type MultipliedKernel } from './multiply.js';
