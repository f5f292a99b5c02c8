/**
 * The variance-preserving SDE (Song et al. 2021, Section 3.4, Eq. 11): the continuous
 * limit of DDPM,
 *
 *     dx = -1/2 beta(t) x dt + sqrt(beta(t)) dw,   beta(t) = betaMin + t (betaMax - betaMin).
 *
 * @see proofs/sde/vp.md
 * @see docs/sde/vp.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import { buildSde, checkOptions, checkSteps, readParam } from './internal.js';
import { stepOf } from './steps.js';
import type { Sde } from './types.js';

/** The parameters of `vp` and `subVp`. */
export interface VpOptions {
  /** beta(0) = betaMin > 0 (default 0.1). */
  readonly betaMin?: number;
  /** beta(1) = betaMax >= betaMin, finite (default 20). */
  readonly betaMax?: number;
}

/** Validated (betaMin, betaMax) of `vp` and `subVp`. */
export function readBetas(api: string, options: unknown): { betaMin: number; betaMax: number } {
  const o = checkOptions(api, options, '{ betaMin?: number, betaMax?: number }');
  const betaMin = readParam(api, o, 'betaMin', 0.1);
  const betaMax = readParam(api, o, 'betaMax', 20);
  if (!(betaMin <= betaMax)) throw new InvalidArgumentError(api, 'betaMax', `a number >= betaMin = ${betaMin}`, betaMax);
  return { betaMin, betaMax };
}

/**
 * The integral B(t) = int_0^t beta(s) ds = betaMin t + (betaMax - betaMin) t^2 / 2, written
 * as t (betaMin + t (betaMax - betaMin)/2): every term is non-negative, so no cancellation.
 */
export function integratedBeta(betaMin: number, betaMax: number, t: number): number {
  return t * (betaMin + 0.5 * t * (betaMax - betaMin));
}

/**
 * The discrete beta of step k of N (score_sde's `discrete_betas`, the DDPM betas of the
 * discretization): beta_k = (betaMin + (betaMax - betaMin)(k - 1)/(N - 1)) / N, evaluated
 * exactly as `schedule.linearBetas(N, betaMin/N, betaMax/N)[k]` is, so that the two agree
 * bit for bit.
 */
export function discreteBeta(betaMin: number, betaMax: number, k: number, N: number): number {
  const start = betaMin / N;
  const end = betaMax / N;
  if (N === 1) return start;
  if (k === N) return end;
  return start + ((end - start) * (k - 1)) / (N - 1);
}

/** Validates N for the DDPM discretization: the discrete betas must lie in (0, 1). */
export function checkDiscreteN(api: string, N: unknown, betaMin: number, betaMax: number, name = 'N'): number {
  const n = checkSteps(api, N, name);
  if (!(betaMax / n < 1) || !(betaMin / n > 0)) {
    throw new InvalidArgumentError(
      api,
      name,
      `an integer N > betaMax = ${betaMax} (the discrete betas beta_k = (betaMin + (betaMax - betaMin)(k - 1)/(N - 1))/N must lie in (0, 1))`,
      got(String(n)),
    );
  }
  return n;
}

/**
 * The variance-preserving (VP) SDE of Song et al. (2021, Eq. 11), DDPM's continuous limit:
 *
 *     f(x, t) = -1/2 beta(t) x,   g(t) = sqrt(beta(t)),   beta(t) = betaMin + t (betaMax - betaMin),
 *     x(t) | x(0) ~ N(m(t) x(0), s(t)^2 I),  m(t) = exp(-B(t)/2),  s(t)^2 = 1 - exp(-B(t)),
 *     B(t) = int_0^t beta = betaMin t + (betaMax - betaMin) t^2/2     (Appendix B, Eq. 29),
 *
 * prior p_1 = N(0, I). s(t)^2 is computed as -expm1(-B(t)), exact to a few ulps relative
 * as t -> 0 (where 1 - exp(-B) would lose every digit). `discretize(x, t, N)` is DDPM's
 * kernel at step k = `timeStep(t, N)`: f_k = (sqrt(1 - beta_k) - 1) x, G_k = sqrt(beta_k)
 * with beta_k = (betaMin + (betaMax - betaMin)(k - 1)/(N - 1))/N (Appendix B; score_sde's
 * discrete betas, `schedule.linearBetas(N, betaMin/N, betaMax/N)`), for N > betaMax.
 *
 * @param options - `{ betaMin, betaMax }`: beta(0) = betaMin > 0 (default 0.1) and
 *   beta(1) = betaMax >= betaMin (default 20), finite
 * @returns the frozen Sde record (kind 'vp', T = 1, eps = 1e-3)
 * @throws InvalidArgumentError naming `options`, `betaMin` or `betaMax` for a non-object
 *   options, a parameter that is not a finite positive number, or betaMax < betaMin
 * @example
 * import { sde } from 'diffusion-ts';
 * const vp = sde.vp();
 * vp.marginalCoefficients(1).scale; // returns ~6.57e-3 (exp(-B(1)/2), B(1) = 0.1 + 19.9/2)
 * @see proofs/sde/vp.md (claims sde/vp#marginal-odes, sde/vp#ddpm-kernel)
 * @see Song et al. (2021), Section 3.4 and Appendix B
 */
export function vp(options?: VpOptions): Sde {
  const api = 'sde.vp';
  const { betaMin, betaMax } = readBetas(api, options);
  const slope = betaMax - betaMin;
  const beta = (t: number) => betaMin + t * slope;
  return buildSde({
    kind: 'vp',
    name: api,
    params: { betaMin, betaMax },
    eps: 1e-3,
    a: (t) => -0.5 * beta(t),
    g: (t) => Math.sqrt(beta(t)),
    marginal: (t) => {
      const B = integratedBeta(betaMin, betaMax, t);
      return { scale: Math.exp(-0.5 * B), std: Math.sqrt(-Math.expm1(-B)) };
    },
    priorStd: 1,
    checkN: (a, N, name) => checkDiscreteN(a, N, betaMin, betaMax, name),
    step: (t, N) => {
      const b = discreteBeta(betaMin, betaMax, stepOf(t, N), N);
      // sqrt(1 - b) - 1 = -b / (1 + sqrt(1 - b)): no cancellation for small b.
      return { fScale: -b / (1 + Math.sqrt(1 - b)), G: Math.sqrt(b) };
    },
    ancestral: (k, N) => {
      const b = discreteBeta(betaMin, betaMax, k, N);
      const sqrtAlpha = Math.sqrt(1 - b);
      // x_mean = (x + beta_k s)/sqrt(1 - beta_k), std sqrt(beta_k) (Eq. 47 with DDPM's variance).
      return { A: 1 / sqrtAlpha, B: b / sqrtAlpha, C: Math.sqrt(b) };
    },
    correctorAlpha: {
      checkN: (a, N, name) => checkDiscreteN(a, N, betaMin, betaMax, name),
      at: (k, N) => 1 - discreteBeta(betaMin, betaMax, k, N),
    },
  });
}
