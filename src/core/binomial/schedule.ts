/**
 * The schedule of a binomial diffusion (Sohl-Dickstein et al. 2015, Section 2.4.1 and
 * Table App.1): every per-step quantity of the bit-flip process derived once from the
 * betas, with the signal fraction gamma_t computed in log space.
 *
 * @see proofs/binomial/schedule.md
 * @see docs/binomial/forward.md
 */
import { checkBetaArray, logCumulativeOneMinus } from '../../_internal/betas.js';

/**
 * The smallest beta_t accepted: 2^-1021, so that the flip probability beta_t / 2 is a
 * normal float64 (a subnormal beta would round beta_t / 2 to 0 and make a step
 * deterministic, where the posterior's Bayes ratio is 0/0).
 */
export const MIN_BINOMIAL_BETA = 4.450147717014403e-308;

/**
 * A binomial diffusion schedule: arrays of length T + 1 indexed by the step t in 1..T
 * (index 0 holds the limit t = 0: gamma_0 = 1, no flip). Built by `fromBetas`; the
 * arrays are shared and must not be written to. Every value is a finite probability; the
 * logs the functions use (some -Infinity, e.g. log gamma_T = log 0 for the erasure
 * schedule) are kept out of the record.
 */
export interface BinomialSchedule {
  /** Number of steps T. */
  readonly T: number;
  /** beta_t in (0, 1]: the probability that step t replaces a bit by a fair coin. */
  readonly beta: Float64Array;
  /** gamma_t = prod_{s<=t} (1 - beta_s): the fraction of the original signal left after t steps (exp of a compensated sum of log1p(-beta_s)). */
  readonly gamma: Float64Array;
  /** beta_t / 2: the probability that step t flips a bit, P(x_t != x_{t-1}) (0 at t = 0). */
  readonly flip: Float64Array;
  /** (1 - gamma_t) / 2 = -expm1(log gamma_t) / 2: the probability P(x_t != x_0) after t steps (0 at t = 0). */
  readonly marginalFlip: Float64Array;
}

/** The logs behind a schedule (internal: some entries are -Infinity). */
export interface LogTables {
  /** log(1 - beta_t) = log1p(-beta_t) (-Infinity where beta_t = 1). */
  readonly logOneMinusBeta: Float64Array;
  /** log gamma_t = sum_{s<=t} log(1 - beta_s) (compensated sum; -Infinity from the first beta_s = 1 on). */
  readonly logGamma: Float64Array;
  /** log(beta_t / 2) (-Infinity at t = 0). */
  readonly logFlip: Float64Array;
  /** log(1 - beta_t / 2) = log1p(-beta_t / 2): the log-probability that step t keeps a bit. */
  readonly logStay: Float64Array;
  /** log((1 - gamma_t) / 2) (-Infinity at t = 0). */
  readonly logMarginalFlip: Float64Array;
  /** log((1 + gamma_t) / 2) = log1p(-(1 - gamma_t) / 2): the log-probability P(x_t = x_0) (0 at t = 0). */
  readonly logMarginalStay: Float64Array;
}

const tables = new WeakMap<object, LogTables>();

/** The log tables of a schedule built by `fromBetas` (internal; `s` must be one). */
export function logTables(s: BinomialSchedule): LogTables {
  return tables.get(s)!;
}



/**
 * True when `s` was built by `binomial.fromBetas` (the only records the other functions accept).
 *
 * @param s - any value
 * @returns whether `s` is a BinomialSchedule made by `fromBetas`
 * @example
 * import { binomial, schedule } from 'diffusion-ts';
 * binomial.isBinomialSchedule(binomial.fromBetas(schedule.erasureBetas(3))); // returns true
 * binomial.isBinomialSchedule(schedule.fromBetas(schedule.linearBetas(3))); // returns false
 * @see proofs/binomial/validation.md (claim binomial/validation#contract)
 */
export function isBinomialSchedule(s: unknown): s is BinomialSchedule {
  return typeof s === 'object' && s !== null && tables.has(s);
}

/**
 * Derives every quantity of a binomial diffusion from beta_1..beta_T (Sohl-Dickstein et
 * al. 2015, Table App.1: q(x_t | x_{t-1}) = B(x_t; x_{t-1}(1 - beta_t) + beta_t / 2)):
 *
 *     gamma_t = prod_{s<=t} (1 - beta_s) = exp(sum_{s<=t} log1p(-beta_s)),
 *     P(x_t != x_{t-1}) = beta_t / 2,   P(x_t != x_0) = (1 - gamma_t) / 2 = -expm1(log gamma_t) / 2.
 *
 * Unlike `schedule.fromBetas`, beta_t = 1 is allowed (the step erases the bit: x_t is a
 * fair coin whatever x_{t-1}); the erasure schedule `schedule.erasureBetas(T)` ends with
 * beta_T = 1, so gamma_T = 0 and q(x_T | x_0) = B(1/2) exactly.
 *
 * @param betas - Float64Array of length T + 1 with betas[0] = 0 and beta_t in [2^-1021, 1] for t = 1..T
 * @returns the frozen BinomialSchedule record `{ T, beta, gamma, flip, marginalFlip }`
 * @throws InvalidArgumentError when `betas` is not a Float64Array, has length < 2 or above
 *   MAX_STEPS + 1, betas[0] != 0, or a beta_t is outside [2^-1021, 1] (0 and subnormal betas
 *   make a step deterministic; see MIN_BINOMIAL_BETA)
 * @example
 * import { binomial, schedule } from 'diffusion-ts';
 * const s = binomial.fromBetas(schedule.erasureBetas(4));
 * s.gamma[2]; // returns ~0.5 (= 1 - 2/4: the erasure schedule removes 1/T of the original signal per step)
 * @see proofs/binomial/schedule.md (claims binomial/schedule#log-gamma, binomial/schedule#erasure)
 */
export function fromBetas(betas: Float64Array): BinomialSchedule {
  const api = 'binomial.fromBetas';
  checkBetaArray(api, betas, (b) => b >= MIN_BINOMIAL_BETA && b <= 1, `[${MIN_BINOMIAL_BETA}, 1]`);
  const T = betas.length - 1;
  const n = T + 1;
  const beta = Float64Array.from(betas);
  const gamma = new Float64Array(n);
  const flip = new Float64Array(n);
  const logFlip = new Float64Array(n);
  const logStay = new Float64Array(n);
  const marginalFlip = new Float64Array(n);
  const logMarginalFlip = new Float64Array(n);
  const logMarginalStay = new Float64Array(n);

  gamma[0] = 1;
  logFlip[0] = -Infinity;
  logMarginalFlip[0] = -Infinity;
  // log gamma_t: the compensated running sum of log(1 - beta_s), -Infinity from the first beta_s = 1.
  const { logOneMinus: logOneMinusBeta, logCumulative: logGamma } = logCumulativeOneMinus(beta);
  for (let t = 1; t <= T; t++) {
    const b = beta[t]!;
    const lg = logGamma[t]!;
    gamma[t] = Math.exp(lg);
    flip[t] = 0.5 * b;
    logFlip[t] = Math.log(0.5 * b);
    logStay[t] = Math.log1p(-0.5 * b);
    // (1 - gamma)/2 from expm1: full relative precision where gamma_t is close to 1 (small t).
    const mf = -0.5 * Math.expm1(lg);
    marginalFlip[t] = mf;
    logMarginalFlip[t] = Math.log(mf);
    // log((1 + gamma)/2) = log1p(-mf): no cancellation where gamma_t is close to 1 (log1p(gamma) - log 2 would lose it).
    logMarginalStay[t] = Math.log1p(-mf);
  }
  const s: BinomialSchedule = Object.freeze({ T, beta, gamma, flip, marginalFlip });
  tables.set(s, Object.freeze({ logOneMinusBeta, logGamma, logFlip, logStay, logMarginalFlip, logMarginalStay }));
  return s;
}
