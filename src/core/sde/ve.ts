/**
 * The variance-exploding SDE (Song et al. 2021, Section 3.4, Eq. 9): the continuous limit
 * of NCSN's (SMLD's) noise levels,
 *
 *     dx = sqrt(d[sigma^2(t)]/dt) dw,   sigma(t) = sigmaMin (sigmaMax/sigmaMin)^t.
 *
 * @see proofs/sde/ve.md
 * @see docs/sde/ve.md
 */
import { InvalidArgumentError } from '../errors.js';
import { buildSde, checkOptions, checkSteps, readParam } from './internal.js';
import { stepOf } from './steps.js';
import type { Sde } from './types.js';

/** The parameters of `ve`. */
export interface VeOptions {
  /** sigma(0) = sigmaMin > 0 (default 0.01). */
  readonly sigmaMin?: number;
  /** sigma(1) = sigmaMax > sigmaMin, with sigmaMax^2 finite (default 50). */
  readonly sigmaMax?: number;
}

/**
 * The noise level of step k of N (score_sde's `discrete_sigmas`, NCSN's geometric levels):
 * sigma_k = sigmaMin (sigmaMax/sigmaMin)^((k-1)/(N-1)), evaluated exactly as
 * `schedule.geometricSigmas(sigmaMax, sigmaMin, N)[N - k]` is (both ends exact), so that
 * the two agree bit for bit; sigma_1 = sigmaMin when N = 1.
 */
export function discreteSigma(sigmaMin: number, sigmaMax: number, k: number, N: number): number {
  if (k === 1) return sigmaMin;
  if (k === N) return sigmaMax;
  const logMax = Math.log(sigmaMax);
  const logRatio = Math.log(sigmaMin) - logMax;
  // geometricSigmas' level i = N - k + 1 (1-based, decreasing): exp(logMax + logRatio (i - 1)/(N - 1)).
  return Math.exp(logMax + (logRatio * (N - k)) / (N - 1));
}

/** sigma_k^2 - sigma_{k-1}^2 (sigma_0 = 0) as (sigma_k - sigma_{k-1})(sigma_k + sigma_{k-1}): exact difference for close levels. */
function levelIncrement(sigmaMin: number, sigmaMax: number, k: number, N: number): { sigma: number; prev: number; incSq: number } {
  const sigma = discreteSigma(sigmaMin, sigmaMax, k, N);
  const prev = k === 1 ? 0 : discreteSigma(sigmaMin, sigmaMax, k - 1, N);
  return { sigma, prev, incSq: (sigma - prev) * (sigma + prev) };
}

/**
 * The variance-exploding (VE) SDE of Song et al. (2021, Eq. 9 and Appendix C), NCSN's
 * continuous limit:
 *
 *     f = 0,   g(t) = sigma(t) sqrt(2 log(sigmaMax/sigmaMin)),   sigma(t) = sigmaMin (sigmaMax/sigmaMin)^t,
 *     x(t) | x(0) ~ N(x(0), s(t)^2 I),   s(t)^2 = sigma(t)^2 - sigmaMin^2,
 *
 * prior p_1 = N(0, sigmaMax^2 I). The marginal std is the exact transition of the SDE
 * started at t = 0 (Appendix B, Eq. 29: int_0^t g^2 = sigma(t)^2 - sigma(0)^2), computed as
 * sigmaMin sqrt(expm1(2 t log(sigmaMax/sigmaMin))); score_sde's code returns sigma(t)
 * instead, treating the data as already perturbed by sigmaMin (the two differ by less than
 * sigmaMin^2 / (2 s(t))); for 2 t log(sigmaMax/sigmaMin) > 1 it is evaluated as
 * sigma(t) sqrt(-expm1(-2 t log(sigmaMax/sigmaMin))), which cannot overflow. `discretize(x, t, N)` is SMLD's: at step k = `timeStep(t, N)`,
 * f_k = 0 and G_k = sqrt(sigma_k^2 - sigma_{k-1}^2) with NCSN's geometric levels sigma_k =
 * sigmaMin (sigmaMax/sigmaMin)^((k-1)/(N-1)) and sigma_0 = 0 (score_sde's convention:
 * step 1 adds the whole of sigmaMin^2), so that sum_k G_k^2 = sigmaMax^2.
 *
 * @param options - `{ sigmaMin, sigmaMax }`: sigma(0) = sigmaMin > 0 (default 0.01) and
 *   sigma(1) = sigmaMax > sigmaMin (default 50), with sigmaMax^2 finite in float64
 * @returns the frozen Sde record (kind 've', T = 1, eps = 1e-5)
 * @throws InvalidArgumentError naming `options`, `sigmaMin` or `sigmaMax` for a non-object
 *   options, a parameter that is not a finite positive number, sigmaMin >= sigmaMax, or a
 *   sigmaMax whose square overflows
 * @example
 * import { sde } from 'diffusion-ts';
 * const ve = sde.ve();
 * ve.diffusion(0); // returns ~0.0413 (0.01 sqrt(2 log 5000))
 * @see proofs/sde/ve.md (claims sde/ve#marginal-odes, sde/ve#smld-telescopes)
 * @see Song et al. (2021), Section 3.4 and Appendix B
 */
export function ve(options?: VeOptions): Sde {
  const api = 'sde.ve';
  const o = checkOptions(api, options, '{ sigmaMin?: number, sigmaMax?: number }');
  const sigmaMin = readParam(api, o, 'sigmaMin', 0.01);
  const sigmaMax = readParam(api, o, 'sigmaMax', 50);
  if (!(sigmaMin < sigmaMax)) throw new InvalidArgumentError(api, 'sigmaMax', `a number > sigmaMin = ${sigmaMin}`, sigmaMax);
  if (!Number.isFinite(sigmaMax * sigmaMax)) {
    throw new InvalidArgumentError(api, 'sigmaMax', 'a number whose square (the prior variance) is finite in float64', sigmaMax);
  }
  const logRatio = Math.log(sigmaMax) - Math.log(sigmaMin);
  const rootTwoLogRatio = Math.sqrt(2 * logRatio);
  // sigma(t) = sigmaMin e^{tL}, or sigmaMax e^{(t-1)L} where e^{tL} alone would overflow (ratios beyond e^700).
  const sigma = (t: number) => (t === 1 ? sigmaMax : t * logRatio < 700 ? sigmaMin * Math.exp(t * logRatio) : sigmaMax * Math.exp((t - 1) * logRatio));
  return buildSde({
    kind: 've',
    name: api,
    params: { sigmaMin, sigmaMax },
    eps: 1e-5,
    a: () => 0,
    g: (t) => sigma(t) * rootTwoLogRatio,
    // s(t) = sqrt(sigma(t)^2 - sigmaMin^2): sigmaMin sqrt(expm1(2 t L)) while 2 t L <= 1 (exact as
    // t -> 0), sigma(t) sqrt(-expm1(-2 t L)) beyond (no overflow of expm1 for huge ratios).
    marginal: (t) => {
      const y = 2 * t * logRatio;
      return { scale: 1, std: y <= 1 ? sigmaMin * Math.sqrt(Math.expm1(y)) : sigma(t) * Math.sqrt(-Math.expm1(-y)) };
    },
    priorStd: sigmaMax,
    checkN: checkSteps,
    step: (t, N) => ({ fScale: 0, G: Math.sqrt(levelIncrement(sigmaMin, sigmaMax, stepOf(t, N), N).incSq) }),
    ancestral: (k, N) => {
      const { sigma: s, prev, incSq } = levelIncrement(sigmaMin, sigmaMax, k, N);
      // x_mean = x + (sigma_k^2 - sigma_{k-1}^2) s,  std^2 = sigma_{k-1}^2 (sigma_k^2 - sigma_{k-1}^2)/sigma_k^2 (Eq. 47).
      const ratio = prev / s;
      return { A: 1, B: incSq, C: Math.sqrt(incSq) * ratio };
    },
    correctorAlpha: null,
  });
}
