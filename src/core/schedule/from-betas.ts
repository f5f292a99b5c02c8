/**
 * Every quantity of a discrete-time Gaussian diffusion derived once from its betas.
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkBetaArray, logCumulativeOneMinus } from '../../_internal/betas.js';

/**
 * The smallest log alphaBar_t a schedule may reach: 1/sqrt(alphaBar_t) = exp(-log alphaBar_t / 2)
 * overflows float64 below -2 * 709.78. No paper's schedule comes near it (Ho et al.'s linear
 * T = 1000 ends at -10.1; the same betas with T = 10^5 at -1001).
 */
export const MIN_LOG_ALPHA_BAR = -1419;

/**
 * A DDPM schedule: arrays of length T + 1 indexed by the step t in 1..T, with the value
 * at t = 0 given by its limit (alphaBar_0 = 1, beta_0 = 0). Built by `fromBetas`; the
 * arrays are shared and must not be written to.
 */
export interface Schedule {
  /** Number of steps T. */
  readonly T: number;
  /** beta_t, the variance of step t. */
  readonly beta: Float64Array;
  /** alpha_t = 1 - beta_t. */
  readonly alpha: Float64Array;
  /** log alpha_t = log1p(-beta_t). */
  readonly logAlpha: Float64Array;
  /** log alphaBar_t = sum_{s<=t} log alpha_s (compensated sum). */
  readonly logAlphaBar: Float64Array;
  /** alphaBar_t = prod_{s<=t} alpha_s = exp(log alphaBar_t). */
  readonly alphaBar: Float64Array;
  /** 1 - alphaBar_t = -expm1(log alphaBar_t), accurate when alphaBar_t is near 1. */
  readonly oneMinusAlphaBar: Float64Array;
  /** sqrt(alphaBar_t) = exp(log alphaBar_t / 2) (no underflow where alphaBar_t does). */
  readonly sqrtAlphaBar: Float64Array;
  /** sqrt(1 - alphaBar_t). */
  readonly sqrtOneMinusAlphaBar: Float64Array;
  /** sqrt(1/alphaBar_t) = exp(-log alphaBar_t / 2): used by x0 = (x_t - sqrt(1 - alphaBar) eps)/sqrt(alphaBar). */
  readonly sqrtRecipAlphaBar: Float64Array;
  /** sqrt(1/alphaBar_t - 1) = sqrt(expm1(-log alphaBar_t)). */
  readonly sqrtRecipM1AlphaBar: Float64Array;
  /** beta-tilde_t = beta_t (1 - alphaBar_{t-1})/(1 - alphaBar_t), the posterior variance (0 at t = 1). */
  readonly posteriorVariance: Float64Array;
  /** log beta-tilde_t with t = 1 replaced by t = 2 (beta-tilde_1 = 0), as improved-diffusion clips it. */
  readonly posteriorLogVarianceClipped: Float64Array;
  /** sqrt(alphaBar_{t-1}) beta_t / (1 - alphaBar_t): the coefficient of x_0 in mu-tilde_t. */
  readonly posteriorMeanCoef1: Float64Array;
  /** sqrt(alpha_t) (1 - alphaBar_{t-1}) / (1 - alphaBar_t): the coefficient of x_t in mu-tilde_t. */
  readonly posteriorMeanCoef2: Float64Array;
}

/**
 * Derives every DDPM quantity from beta_1..beta_T (Ho et al. 2020, Eqs. 4, 6, 7).
 *
 * alphaBar_t is computed as exp(sum_{s<=t} log1p(-beta_s)) with a compensated (Neumaier)
 * sum, so its relative error stays within a few ulps times (1 + |log alphaBar_t|) for any
 * T (the product form accumulates t roundings); 1 - alphaBar_t uses expm1, so it keeps
 * full relative precision at small t where alphaBar_t is close to 1.
 *
 * @param betas - Float64Array of length T + 1 with betas[0] = 0 and betas[t] in (0, 1) for
 *   t = 1..T. beta_t = 1 is rejected: it makes alphaBar_t = 0, where log alphaBar_t,
 *   1/sqrt(alphaBar_t) and x_0 from eps are infinite (Sohl-Dickstein's erasure schedule
 *   ends at beta_T = 1; it is meant for binomial diffusion, or drop its last step)
 * @returns the frozen Schedule record
 * @throws InvalidArgumentError when `betas` is not a Float64Array, has length < 2,
 *   log alphaBar_T < MIN_LOG_ALPHA_BAR = -1419 (where 1/sqrt(alphaBar_T) overflows),
 *   betas[0] != 0, or a beta_t is outside (0, 1)
 * @example
 * const s = fromBetas(linearBetas(1000));
 * s.alphaBar[1000]; // returns ~4.04e-5
 * @see proofs/schedule/from-betas.md
 */
export function fromBetas(betas: Float64Array): Schedule {
  const api = 'schedule.fromBetas';
  checkBetaArray(api, betas, (b) => b > 0 && b < 1, '(0, 1)');
  const T = betas.length - 1;
  const n = T + 1;
  const beta = Float64Array.from(betas);
  const alpha = new Float64Array(n);
  const logAlpha = new Float64Array(n);
  const logAlphaBar = new Float64Array(n);
  const alphaBar = new Float64Array(n);
  const oneMinusAlphaBar = new Float64Array(n);
  const sqrtAlphaBar = new Float64Array(n);
  const sqrtOneMinusAlphaBar = new Float64Array(n);
  const sqrtRecipAlphaBar = new Float64Array(n);
  const sqrtRecipM1AlphaBar = new Float64Array(n);
  const posteriorVariance = new Float64Array(n);
  const posteriorLogVarianceClipped = new Float64Array(n);
  const posteriorMeanCoef1 = new Float64Array(n);
  const posteriorMeanCoef2 = new Float64Array(n);

  alpha[0] = 1;
  alphaBar[0] = 1;
  sqrtAlphaBar[0] = 1;
  sqrtRecipAlphaBar[0] = 1;
  // log alphaBar_t: the compensated running sum of log alpha_s.
  const { logOneMinus, logCumulative } = logCumulativeOneMinus(beta);
  for (let t = 1; t <= T; t++) {
    alpha[t] = 1 - beta[t]!;
    logAlpha[t] = logOneMinus[t]!;
    const logAB = logCumulative[t]!;
    if (!(logAB >= MIN_LOG_ALPHA_BAR)) {
      // Beyond this 1/sqrt(alphaBar_t) (and x_0 from eps) overflows float64: no finite
      // schedule record exists, so the betas are rejected rather than stored as Infinity.
      throw new InvalidArgumentError(
        api,
        'betas',
        `betas whose log alphaBar_t = sum log(1 - beta_s) stays >= ${MIN_LOG_ALPHA_BAR} (1/sqrt(alphaBar_t) must be finite in float64)`,
        got(`log alphaBar_${t} = ${logAB}`),
      );
    }
    logAlphaBar[t] = logAB;
    alphaBar[t] = Math.exp(logAB);
    oneMinusAlphaBar[t] = -Math.expm1(logAB);
    sqrtAlphaBar[t] = Math.exp(0.5 * logAB);
    sqrtOneMinusAlphaBar[t] = Math.sqrt(oneMinusAlphaBar[t]!);
    sqrtRecipAlphaBar[t] = Math.exp(-0.5 * logAB);
    // expm1(-log alphaBar) overflows once log alphaBar < -709.78, long before the value does:
    // there sqrt(1/alphaBar - 1) = sqrt(1/alphaBar) sqrt(1 - alphaBar), finite while 1/sqrt(alphaBar) is.
    sqrtRecipM1AlphaBar[t] = logAB > -700 ? Math.sqrt(Math.expm1(-logAB)) : sqrtRecipAlphaBar[t]! * sqrtOneMinusAlphaBar[t]!;
  }
  for (let t = 1; t <= T; t++) {
    const b = beta[t]!;
    const omPrev = oneMinusAlphaBar[t - 1]!; // 1 - alphaBar_{t-1}
    const om = oneMinusAlphaBar[t]!; // 1 - alphaBar_t > 0 since beta_t > 0
    posteriorVariance[t] = (b * omPrev) / om;
    posteriorMeanCoef1[t] = (sqrtAlphaBar[t - 1]! * b) / om;
    posteriorMeanCoef2[t] = (Math.sqrt(alpha[t]!) * omPrev) / om;
  }
  for (let t = 1; t <= T; t++) {
    // beta-tilde_1 = 0: its log is clipped to beta-tilde_2 (or to log beta_1 when T = 1),
    // the value improved-diffusion uses so that the decoder's variance stays finite.
    const k = t === 1 && T >= 2 ? 2 : t;
    if (k === 1) {
      posteriorLogVarianceClipped[t] = Math.log(beta[1]!);
      continue;
    }
    // beta-tilde_k underflows to 0 for subnormal betas; its log stays finite as a sum of logs.
    const v = posteriorVariance[k]!;
    posteriorLogVarianceClipped[t] =
      v >= 2.2250738585072014e-308 ? Math.log(v) : Math.log(beta[k]!) + Math.log(oneMinusAlphaBar[k - 1]!) - Math.log(oneMinusAlphaBar[k]!);
  }
  const schedule: Schedule = Object.freeze({
    T,
    beta,
    alpha,
    logAlpha,
    logAlphaBar,
    alphaBar,
    oneMinusAlphaBar,
    sqrtAlphaBar,
    sqrtOneMinusAlphaBar,
    sqrtRecipAlphaBar,
    sqrtRecipM1AlphaBar,
    posteriorVariance,
    posteriorLogVarianceClipped,
    posteriorMeanCoef1,
    posteriorMeanCoef2,
  });
  made.add(schedule);
  return schedule;
}

/** Schedules built by `fromBetas`: only these are trusted by the other modules. */
const made = new WeakSet<object>();

/** True when `s` was built by `fromBetas` (its arrays are consistent by construction). */
export function isSchedule(s: unknown): s is Schedule {
  return typeof s === 'object' && s !== null && made.has(s);
}
