/**
 * The sub-VP SDE (Song et al. 2021, Section 3.4, Eq. 12): VP's drift with a smaller
 * diffusion, whose marginal variance is bounded by VP's at every t and which gives better
 * likelihoods.
 *
 * @see proofs/sde/sub-vp.md
 * @see docs/sde/sub-vp.md
 */
import { buildSde, checkSteps } from './internal.js';
import type { Sde } from './types.js';
import { checkDiscreteN, discreteBeta, integratedBeta, readBetas, type VpOptions } from './vp.js';

/**
 * The sub-VP SDE of Song et al. (2021, Eq. 12):
 *
 *     f(x, t) = -1/2 beta(t) x,   g(t)^2 = beta(t) (1 - exp(-2 B(t))),
 *     x(t) | x(0) ~ N(m(t) x(0), s(t)^2 I),  m(t) = exp(-B(t)/2),  s(t) = 1 - exp(-B(t)),
 *
 * with beta(t) and B(t) = int_0^t beta as for `vp`, prior p_1 = N(0, I). s(t) is -expm1(-B)
 * and g(t)^2 uses -expm1(-2B), both exact to a few ulps relative as t -> 0. Its variance
 * s(t)^2 = (1 - e^{-B})^2 is at most VP's 1 - e^{-B} at every t. `discretize(x, t, N)` is
 * the generic Euler-Maruyama discretization f_k = f(x, t)/N, G_k = g(t)/sqrt(N) (score_sde's
 * default; sub-VP has no DDPM counterpart and no ancestral sampler).
 *
 * @param options - `{ betaMin, betaMax }` as for `vp`: betaMin > 0 (default 0.1),
 *   betaMax >= betaMin (default 20), finite
 * @returns the frozen Sde record (kind 'subVp', T = 1, eps = 1e-3)
 * @throws InvalidArgumentError naming `options`, `betaMin` or `betaMax` as `vp` does
 * @example
 * import { sde } from 'diffusion-ts';
 * const sub = sde.subVp();
 * sub.marginalCoefficients(0.5).std; // returns ~0.9209 (1 - exp(-(0.05 + 19.9/8)))
 * @see proofs/sde/sub-vp.md (claims sde/sub-vp#marginal-odes, sde/sub-vp#below-vp)
 * @see Song et al. (2021), Section 3.4 and Appendix B
 */
export function subVp(options?: VpOptions): Sde {
  const api = 'sde.subVp';
  const { betaMin, betaMax } = readBetas(api, options);
  const slope = betaMax - betaMin;
  const beta = (t: number) => betaMin + t * slope;
  const g = (t: number) => Math.sqrt(beta(t) * -Math.expm1(-2 * integratedBeta(betaMin, betaMax, t)));
  return buildSde({
    kind: 'subVp',
    name: api,
    params: { betaMin, betaMax },
    eps: 1e-3,
    a: (t) => -0.5 * beta(t),
    g,
    marginal: (t) => {
      const B = integratedBeta(betaMin, betaMax, t);
      return { scale: Math.exp(-0.5 * B), std: -Math.expm1(-B) };
    },
    priorStd: 1,
    checkN: checkSteps,
    step: (t, N) => ({ fScale: (-0.5 * beta(t)) / N, G: g(t) / Math.sqrt(N) }),
    ancestral: null,
    // Algorithm 4 with VP's discrete alpha_k = 1 - beta_k (score_sde reads `sde.alphas` for
    // sub-VP as well; the sub-VP record there has none, so VP's are the meaning intended).
    correctorAlpha: {
      checkN: (a, N, name) => checkDiscreteN(a, N, betaMin, betaMax, name),
      at: (k, N) => 1 - discreteBeta(betaMin, betaMax, k, N),
    },
  });
}
