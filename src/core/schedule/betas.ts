/**
 * Noise schedules: the betas of DDPM and Sohl-Dickstein et al., and NCSN's sigmas.
 *
 * A beta schedule is a Float64Array of length T + 1 indexed by the step t in 1..T, with
 * `beta[0] = 0` (there is no step 0). A sigma schedule is a Float64Array of length L with
 * `sigmas[i - 1] = sigma_i`, strictly decreasing.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkInteger, checkNumber } from '../../_internal/validate.js';

/** The largest T the schedules accept: enough for any paper's setting, small enough to allocate. */
export const MAX_STEPS = 10_000_000;

/**
 * Linear betas (Ho et al. 2020, Section 4): beta_t = start + (end - start) (t - 1)/(T - 1),
 * t = 1..T, taken as given (no rescaling by 1000/T).
 *
 * @param T - number of steps, an integer >= 1 (T = 1 gives beta_1 = start)
 * @param start - beta_1, in (0, 1)
 * @param end - beta_T, in (0, 1)
 * @returns Float64Array of length T + 1 with beta[0] = 0
 * @example
 * const beta = linearBetas(1000);
 * beta[1]; // returns 1e-4
 * beta[1000]; // returns ~0.02
 * @see proofs/schedule/betas.md
 */
export function linearBetas(T: number, start = 1e-4, end = 0.02): Float64Array {
  const api = 'schedule.linearBetas';
  checkInteger(api, 'T', T, 1, MAX_STEPS);
  checkNumber(api, 'start', start, { min: 0, max: 1 });
  checkNumber(api, 'end', end, { min: 0, max: 1 });
  const beta = new Float64Array(T + 1);
  const delta = end - start;
  for (let t = 1; t <= T; t++) {
    // Written as start + delta * fraction (as numpy.linspace does) so both ends are exact.
    beta[t] = T === 1 ? start : t === T ? end : start + (delta * (t - 1)) / (T - 1);
  }
  return beta;
}

/**
 * Cosine betas (Nichol and Dhariwal 2021, Eq. 17):
 * alphaBar(t) = f(t)/f(0), f(t) = cos^2(((t/T + s)/(1 + s)) pi/2), and
 * beta_t = min(1 - alphaBar(t)/alphaBar(t - 1), maxBeta).
 *
 * Evaluated without cancellation, to a few ulps relative even where beta_t is tiny. With
 * theta(t) = ((t/T + s)/(1 + s)) pi/2 and its complement phi(t) = pi/2 - theta(t) =
 * (pi/2) (T - t)/(T (1 + s)),
 *   beta_t = 1 - cos^2 theta(t)/cos^2 theta(t-1) = sin(theta(t-1) + theta(t)) sin(delta) / sin^2 phi(t-1),
 * where delta = theta(t) - theta(t-1) = (pi/2)/(T (1 + s)) and cos theta(t-1) = sin phi(t-1).
 * Every angle is formed directly from integers (never as a difference of rounded angles),
 * and sin(theta(t-1) + theta(t)) is evaluated as sin(phi(t-1) + phi(t)) when that sum is
 * the smaller of the two (they add to pi), so each sine has an argument in [0, pi/2] where
 * it is well conditioned. The naive 1 - ratio loses log10(1/beta_t) digits; the difference
 * of rounded angles b - a would lose log10(theta/delta), up to T digits' worth of ulps.
 *
 * @param T - number of steps, an integer >= 1
 * @param s - the offset s >= 0 that keeps beta_1 from vanishing (0.008 in the paper)
 * @param maxBeta - the clip in (0, 1] (0.999 in the paper: avoids beta_T = 1)
 * @returns Float64Array of length T + 1 with beta[0] = 0
 * @example
 * const beta = cosineBetas(1000);
 * beta[1000]; // returns 0.999
 * @see proofs/schedule/betas.md
 */
export function cosineBetas(T: number, s = 0.008, maxBeta = 0.999): Float64Array {
  const api = 'schedule.cosineBetas';
  checkInteger(api, 'T', T, 1, MAX_STEPS);
  checkNumber(api, 's', s, { min: 0, minClosed: true, max: 1 });
  checkNumber(api, 'maxBeta', maxBeta, { min: 0, max: 1, maxClosed: true });
  const beta = new Float64Array(T + 1);
  // Angles in units of (pi/2)/(T (1 + s)): phi(t) = (T - t) u, theta(t-1) + theta(t) = (2t - 1 + 2sT) u.
  const unit = Math.PI / 2 / (T * (1 + s));
  const sinDelta = Math.sin(unit); // delta = theta(t) - theta(t-1) = unit, exactly in exact arithmetic
  for (let t = 1; t <= T; t++) {
    const sinPhiPrev = Math.sin((T - t + 1) * unit); // cos theta(t-1)
    const thetaSum = (2 * t - 1 + 2 * s * T) * unit; // theta(t-1) + theta(t)
    const phiSum = (2 * (T - t) + 1) * unit; // phi(t-1) + phi(t) = pi - thetaSum
    const sinSum = Math.sin(Math.min(thetaSum, phiSum));
    // At t = T, phi(T) = 0 and beta_T = 1 up to rounding: clipped to maxBeta.
    const raw = (sinSum * sinDelta) / (sinPhiPrev * sinPhiPrev);
    beta[t] = Math.min(raw, maxBeta);
  }
  return beta;
}

/**
 * Sohl-Dickstein et al. (2015, Section 2.4.1 and Appendix) erasure schedule
 * beta_t = 1/(T - t + 1): each step erases 1/T of the original signal (the fraction beta_t of what remains),
 * so that alphaBar_t = prod_{s<=t} (T - s)/(T - s + 1) = 1 - t/T and beta_T = 1. It is the
 * schedule of binomial diffusion; `fromBetas` rejects beta_T = 1 (alphaBar_T = 0 makes
 * log alphaBar_T infinite), so a Gaussian DDPM uses its first T - 1 steps.
 *
 * @param T - number of steps, an integer >= 1
 * @returns Float64Array of length T + 1 with beta[0] = 0 and beta[T] = 1
 * @example
 * erasureBetas(4); // returns Float64Array [0, 0.25, 1/3, 0.5, 1]
 * @see proofs/schedule/betas.md
 */
export function erasureBetas(T: number): Float64Array {
  checkInteger('schedule.erasureBetas', 'T', T, 1, MAX_STEPS);
  const beta = new Float64Array(T + 1);
  for (let t = 1; t <= T; t++) beta[t] = 1 / (T - t + 1);
  return beta;
}

/**
 * NCSN's geometric noise levels (Song and Ermon 2019, Section 4.2):
 * sigma_i = sigmaMax (sigmaMin/sigmaMax)^((i - 1)/(L - 1)), i = 1..L, so that
 * sigma_1 = sigmaMax > ... > sigma_L = sigmaMin with a constant ratio.
 *
 * @param sigmaMax - sigma_1 > sigmaMin
 * @param sigmaMin - sigma_L > 0
 * @param L - number of levels, an integer >= 2
 * @returns Float64Array of length L with sigmas[i - 1] = sigma_i, both ends exact
 * @throws InvalidArgumentError for sigmas that are not finite and positive, sigmaMin >= sigmaMax,
 *   L < 2, or levels so close that they are not strictly decreasing in float64
 * @example
 * geometricSigmas(1, 0.01, 10)[9]; // returns 0.01
 * @see proofs/schedule/betas.md
 */
export function geometricSigmas(sigmaMax: number, sigmaMin: number, L: number): Float64Array {
  const api = 'schedule.geometricSigmas';
  checkNumber(api, 'sigmaMax', sigmaMax, { min: 0 });
  checkNumber(api, 'sigmaMin', sigmaMin, { min: 0 });
  checkInteger(api, 'L', L, 2, MAX_STEPS);
  if (!(sigmaMin < sigmaMax)) {
    throw new InvalidArgumentError(api, 'sigmaMin', `a number below sigmaMax = ${sigmaMax}`, sigmaMin);
  }
  const logMax = Math.log(sigmaMax);
  const logRatio = Math.log(sigmaMin) - logMax;
  const sigmas = new Float64Array(L);
  for (let i = 1; i <= L; i++) {
    sigmas[i - 1] = i === 1 ? sigmaMax : i === L ? sigmaMin : Math.exp(logMax + (logRatio * (i - 1)) / (L - 1));
  }
  // With sigmaMin within a few ulps of sigmaMax (or L larger than the floats between them)
  // neighbouring levels round to equal or swapped values: reject rather than return them.
  for (let i = 1; i < L; i++) {
    if (!(sigmas[i]! < sigmas[i - 1]!)) {
      throw new InvalidArgumentError(
        api,
        'sigmaMin',
        `a sigmaMin far enough below sigmaMax = ${sigmaMax} that ${L} levels are strictly decreasing in float64`,
        sigmaMin,
      );
    }
  }
  return sigmas;
}
