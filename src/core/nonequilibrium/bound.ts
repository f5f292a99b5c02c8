/**
 * The log-likelihood lower bound K of a Gaussian diffusion probabilistic model
 * (Sohl-Dickstein et al. 2015, Eqs. 13-14 and Appendix B), per example: the KL terms of the
 * reverse kernels N(mu_theta(x_t, t), Sigma_theta(x_t, t)) against the forward posteriors,
 * estimated at one draw of x_t per step, plus the three entropy terms computed analytically.
 *
 * @see proofs/nonequilibrium/bound.md
 * @see docs/nonequilibrium/bound.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkFunction } from '../../_internal/fields.js';
import { expm1MinusX, LOG_2PI } from '../../_internal/gaussian-kernels.js';
import { checkSchedule } from '../../_internal/schedule-check.js';
import { isNdArray, wrap, type Float64NdArray } from '../../_internal/validate.js';
import { logOneMinusAlphaBar } from '../ddpm/steps.js';
import { checkKey } from '../random/checks.js';
import { foldIn, type Key } from '../random/keys.js';
import { fillNormal } from '../random/normal.js';
import type { Schedule } from '../schedule/from-betas.js';
import { checkBatch, checkReturned, checkStepTable, LOG_VAR_DOMAIN, VALUE_DOMAIN } from './checks.js';

/** A reverse kernel's diagonal Gaussian at one step: mean mu_theta(x_t, t) and log-variance log Sigma_theta(x_t, t), each of x_t's shape. */
export interface GaussianKernel {
  readonly mean: Float64NdArray;
  readonly logVariance: Float64NdArray;
}

/** A reverse model: (x_t, t) => { mean, logVariance } of p(x_{t-1} | x_t) = N(mean, diag(exp(logVariance))). */
export type GaussianReverse = (xt: Float64NdArray, t: number) => GaussianKernel;

/**
 * A reverse model given as arrays evaluated at the x_t the noise draws: `mean` and
 * `logVariance` of shape [T, ...x0.shape], row t - 1 holding step t (row 0, step 1, is unused:
 * the first reverse step is fixed to the forward one).
 */
export interface GaussianReverseArrays {
  readonly mean: Float64NdArray;
  readonly logVariance: Float64NdArray;
}

/** The noise of x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps_t at step t: standard normals of x_0's shape. */
export type GaussianNoiseSource = (t: number) => Float64NdArray;

/** The bound K of a batch, per example, with its parts (nats unless named bits). */
export interface GaussianBound {
  /** K per example (nats): an unbiased estimate of the example's bound (one x_t per step). */
  readonly K: Float64Array;
  /** K per example in bits. */
  readonly bits: Float64Array;
  /** The mean of K over the examples (nats): the paper's K for the data set given. */
  readonly mean: number;
  /** `mean` in bits. */
  readonly meanBits: number;
  /** Length T + 1: klByStep[t] is the mean over examples of KL(q(x_{t-1}|x_t,x_0) || p(x_{t-1}|x_t)) summed over coordinates (0 at t = 0, 1). */
  readonly klByStep: Float64Array;
  /** H_q(X^T | X^0) = D/2 (1 + log 2 pi + log(1 - alphaBar_T)) per example. */
  readonly entropyT: number;
  /** H_q(X^1 | X^0) = D/2 (1 + log 2 pi + log beta_1) per example. */
  readonly entropy1: number;
  /** H_p(X^T) = D/2 (1 + log 2 pi): the entropy of the prior N(0, I) per example. */
  readonly priorEntropy: number;
}

const LN2 = Math.LN2;

/**
 * The entropy terms of Eq. 14 for D coordinates: q(x_t | x_0) = N(sqrt(alphaBar_t) x_0, (1 - alphaBar_t) I)
 * has entropy D/2 (1 + log 2 pi + log(1 - alphaBar_t)) whatever x_0; 1 - alphaBar_1 = beta_1.
 */
export function gaussianEntropyTerms(s: Schedule, dim: number): { entropyT: number; entropy1: number; priorEntropy: number } {
  const half = 0.5 * dim;
  const c = 1 + LOG_2PI;
  return {
    entropyT: half * (c + logOneMinusAlphaBar(s, s.T)),
    entropy1: half * (c + Math.log(s.beta[1]!)),
    priorEntropy: half * c,
  };
}

/**
 * The bound K of Eq. 14 for Gaussian diffusion, per example (Sohl-Dickstein et al. 2015,
 * Eqs. 13-14 and Appendix B; the reference code's `get_negL_bound`):
 *
 *     K(x_0) = - sum_{t=2}^T E_{q(x_t|x_0)} KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t))
 *              + H_q(X^T | X^0) - H_q(X^1 | X^0) - H_p(X^T),
 *
 *     q(x_{t-1} | x_t, x_0) = N(mu-tilde_t, beta-tilde_t I),   p(x_{t-1} | x_t) = N(mu_theta(x_t, t), diag Sigma_theta(x_t, t)),
 *     H_q(X^t | X^0) = D/2 (1 + log 2 pi + log(1 - alphaBar_t)),   H_p(X^T) = D/2 (1 + log 2 pi),
 *
 * each expectation estimated at one x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps_t with
 * eps_t = random.normal(random.foldIn(key, t), x0.shape) (the same draws as `elbo.vlb` with that
 * key), or noise(t), or noise[t - 1] of an array [T, ...x0.shape]. The mean over examples is the
 * paper's K for the data set. The first reverse step is the forward one (p(x_0 | x_1) =
 * q(x_1 | x_0) pi(x_0)/pi(x_1), Appendix B.2) and the model is not evaluated at t = 1. K differs
 * from minus the DDPM bound by named constants that vanish for data with E|x_0|^2 = D (see the
 * proof): K(x_0) = -L(x_0) + (alphaBar_T + beta_1)(|x_0|^2 - D)/2 for the DDPM bound L of `elbo.vlb`
 * with 'fixedLarge' variances and the edge decoder N(x_0; sqrt(alpha_1) x_1, beta_1), in expectation
 * (draw by draw for the terms t >= 2 at the same key).
 *
 * @param s - the schedule (from `schedule.fromBetas`: every beta_t in (0, 1))
 * @param x0 - x_0, a float64 ndarray [n, ...] (n examples of D coordinates), entries in [-1e100, 1e100]
 * @param reverse - the reverse model: a function (x_t, t) => { mean, logVariance } (arrays of x0's
 *   shape; log-variances in [-200, 200]) called for t = 2..T, or arrays { mean, logVariance } of
 *   shape [T, ...x0.shape] evaluated at the x_t the noise gives. The function's x_t is a view of a
 *   buffer the next step overwrites: read it during the call, copy it to keep it
 * @param noise - a PRNG key, a function t => eps_t (standard normals of x0's shape), or an array
 *   [T, ...x0.shape] whose row t - 1 is eps_t
 * @returns `{ K, bits, mean, meanBits, klByStep, entropyT, entropy1, priorEntropy }` per example
 * @throws InvalidArgumentError for invalid arguments, a reverse model or noise returning anything
 *   but finite arrays of x0's shape (log-variances in [-200, 200]), or a KL that overflows;
 *   ShapeError for mismatched shapes (arrays whose leading axis is not T included)
 * @example
 * import ndarray from 'ndarray';
 * import { nonequilibrium, random, schedule } from 'diffusion-ts';
 * const s = schedule.fromBetas(schedule.linearBetas(40, 1e-3, 0.2));
 * const x0 = random.normal(random.key(1), [1000, 2]);
 * // The exact reverse kernel for N(0, I) data: the forward kernel read backwards.
 * const exact = (xt, t) => ({
 *   mean: ndarray(xt.data.map((v) => Math.sqrt(s.alpha[t]) * v), xt.shape),
 *   logVariance: ndarray(new Float64Array(xt.size).fill(Math.log(s.beta[t])), xt.shape),
 * });
 * nonequilibrium.boundK(s, x0, exact, random.key(2)).meanBits; // returns ~-4.15 (in expectation -4.094 bits, minus the entropy of N(0, I_2): tight)
 * @see proofs/nonequilibrium/bound.md (claims nonequilibrium/bound#vlb-identity, nonequilibrium/bound#unbiased)
 */
export function boundK(
  s: Schedule,
  x0: Float64NdArray,
  reverse: GaussianReverse | GaussianReverseArrays,
  noise: Key | GaussianNoiseSource | Float64NdArray,
): GaussianBound {
  const api = 'nonequilibrium.boundK';
  const sch = checkSchedule(api, 's', s);
  const x = checkBatch(api, 'x0', x0);
  const { n, dim } = x;
  const T = sch.T;
  const size = x.data.length;
  const shape = x.shape;

  let model: GaussianReverse | null = null;
  let meanTable: Float64Array | null = null;
  let logVarTable: Float64Array | null = null;
  if (typeof reverse === 'function') model = checkFunction<GaussianReverse>(api, 'reverse', reverse);
  else if (typeof reverse === 'object' && reverse !== null && !isNdArray(reverse)) {
    meanTable = checkStepTable(api, 'reverse.mean', (reverse as GaussianReverseArrays).mean, T, shape, 'x0', VALUE_DOMAIN);
    logVarTable = checkStepTable(api, 'reverse.logVariance', (reverse as GaussianReverseArrays).logVariance, T, shape, 'x0', LOG_VAR_DOMAIN);
  } else {
    throw new InvalidArgumentError(api, 'reverse', 'a function (x_t, t) => { mean, logVariance } or arrays { mean, logVariance } of shape [T, ...x0.shape]', reverse);
  }

  let key: Key | null = null;
  let source: GaussianNoiseSource | null = null;
  let noiseTable: Float64Array | null = null;
  if (typeof noise === 'function') source = noise as GaussianNoiseSource;
  else if (isNdArray(noise)) noiseTable = checkStepTable(api, 'noise', noise, T, shape, 'x0');
  else key = checkKey(api, 'noise', noise);

  const eps = key !== null ? new Float64Array(size) : null;
  const xt = new Float64Array(size); // the model's argument; never read back after its call
  const xtView = wrap(xt, shape);
  const muTilde = new Float64Array(size);
  const K = new Float64Array(n);
  const klByStep = new Float64Array(T + 1);

  for (let t = 2; t <= T; t++) {
    let e: Float64Array;
    if (noiseTable !== null) e = noiseTable.subarray((t - 1) * size, t * size);
    else if (eps !== null) {
      const k = foldIn(key!, t);
      fillNormal(k.k0, k.k1, eps);
      e = eps;
    } else e = checkReturned(api, 'noise', source!(t), shape, 'x0');
    // x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps_t, and mu-tilde_t = c1 x_0 + c2 x_t (Ho et al. 2020, Eq. 7).
    const a = sch.sqrtAlphaBar[t]!;
    const c = sch.sqrtOneMinusAlphaBar[t]!;
    const c1 = sch.posteriorMeanCoef1[t]!;
    const c2 = sch.posteriorMeanCoef2[t]!;
    let check = 0;
    for (let i = 0; i < size; i++) {
      const x0i = x.data[i]!;
      const v = a * x0i + c * e[i]!;
      xt[i] = v;
      const m = c1 * x0i + c2 * v;
      muTilde[i] = m;
      check += m * 0;
    }
    if (check !== 0) {
      throw new InvalidArgumentError(api, 'noise', 'noise for which x_t and the posterior mean are finite in float64', got(`an overflow at step t = ${t}`));
    }
    let mean: Float64Array;
    let logVar: Float64Array;
    if (model !== null) {
      const value: unknown = model(xtView, t);
      if (typeof value !== 'object' || value === null) {
        throw new InvalidArgumentError(api, 'reverse', 'a function returning { mean, logVariance }', got(`a function returning ${value === null ? 'null' : typeof value}`));
      }
      const kernel = value as { mean?: unknown; logVariance?: unknown };
      mean = checkReturned(api, 'reverse', kernel.mean, shape, 'x0 (the mean)', VALUE_DOMAIN);
      logVar = checkReturned(api, 'reverse', kernel.logVariance, shape, 'x0 (the log-variance)', LOG_VAR_DOMAIN);
    } else {
      mean = meanTable!.subarray((t - 1) * size, t * size);
      logVar = logVarTable!.subarray((t - 1) * size, t * size);
    }
    // KL(N(mu-tilde, beta-tilde) || N(mu, e^l)) per coordinate, cancellation-free as in gaussian.normalKL:
    // 1/2 (f(D) + D_err (D + f(D)) + (mu-tilde - mu)^2 e^{-l}), D = log beta-tilde - l formed exactly
    // (TwoSum), f(D) = e^D - 1 - D. The parts that depend on l alone are recomputed only when l
    // changes from one coordinate to the next (a model with one variance per step pays them once).
    const logPost = sch.posteriorLogVarianceClipped[t]!; // log beta-tilde_t exactly for t >= 2
    let lastLogVar = NaN;
    let varPart = 0; // f(D) + D_err (D + f(D))
    let precision = 0; // e^{-l}
    let stepSum = 0;
    for (let b = 0; b < n; b++) {
      let acc = 0;
      const end = (b + 1) * dim;
      for (let i = b * dim; i < end; i++) {
        const lv = logVar[i]!;
        if (lv !== lastLogVar) {
          lastLogVar = lv;
          const dd = logPost - lv;
          const bVirtual = dd - logPost;
          const dErr = logPost - (dd - bVirtual) + (-lv - bVirtual);
          const f = expm1MinusX(dd);
          varPart = f + dErr * (dd + f);
          precision = Math.exp(-lv);
        }
        const dm = muTilde[i]! - mean[i]!;
        acc += varPart + dm * dm * precision;
      }
      acc *= 0.5;
      K[b] = K[b]! - acc;
      stepSum += acc;
    }
    if (!(stepSum < Infinity)) {
      throw new InvalidArgumentError(api, 'reverse', 'kernels for which every KL term is finite in float64', got(`an overflow at step t = ${t}`));
    }
    klByStep[t] = n === 0 ? 0 : stepSum / n;
  }
  const terms = gaussianEntropyTerms(sch, dim);
  const constant = terms.entropyT - terms.entropy1 - terms.priorEntropy;
  const bits = new Float64Array(n);
  let sum = 0;
  for (let b = 0; b < n; b++) {
    K[b] = K[b]! + constant;
    bits[b] = K[b]! / LN2;
    sum += K[b]!;
  }
  const mean = n === 0 ? 0 : sum / n;
  return { K, bits, mean, meanBits: mean / LN2, klByStep, ...terms };
}

