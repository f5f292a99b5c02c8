/**
 * The whole variational bound of a DDPM, per example (Ho et al. 2020, Eqs. 3 and 5), and
 * its unbiased single-step estimator.
 *
 * @see proofs/elbo/vlb.md
 * @see docs/elbo/vlb.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkSchedule } from '../../_internal/schedule-check.js';
import { checkArrayDeferred, checkSameShape, isNdArray, wrap, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import { qSampleInto } from '../ddpm/kernels.js';
import { checkFiniteResult, checkLike, checkVariance, type StepRows, type Steps, type VarianceKind } from '../ddpm/steps.js';
import { checkKey } from '../random/checks.js';
import { foldIn, type Key } from '../random/keys.js';
import { fillNormal } from '../random/normal.js';
import type { Schedule } from '../schedule/from-betas.js';
import { checkBoundOptions, checkGrid, checkDecoderScale, klSumsInto, type BoundOptions } from './kernels.js';
import { priorKLInto } from './prior.js';
import { checkTermArgs, evaluateTerms } from './term.js';

/** A model's noise prediction: eps_theta(x_t, t) for a batch x_t at one step t, an array of x_t's shape. */
export type EpsFn = (xt: Float64NdArray, t: number) => Float64NdArray;

/** The noise of x_t ~ q(x_t | x_0) at step t: a standard normal array of x_0's shape. */
export type NoiseFn = (t: number) => Float64NdArray;

/** The bound of a batch, per example. */
export interface Bound {
  /** The bound L = L_T + sum_{t=1}^T L_{t-1} per example, in nats: an upper bound on -log p_theta(x_0). */
  readonly total: Float64Array;
  /** Row-major [T, batch]: terms[(t - 1) batch + b] is example b's L_{t-1} summed over its coordinates (L_0 at t = 1). */
  readonly terms: Float64Array;
  /** L_T per example, in nats. */
  readonly priorKL: Float64Array;
  /** total / (D ln 2): the bound in bits per dimension (D coordinates per example). */
  readonly bitsPerDim: Float64Array;
}

const LN2 = Math.LN2;

/** Sums each of `batch` contiguous blocks of `dim` values of `x` into `into[offset + b]`. */
function sumRows(x: Float64Array, batch: number, dim: number, into: Float64Array, offset: number): void {
  for (let b = 0; b < batch; b++) {
    let acc = 0;
    const end = (b + 1) * dim;
    for (let i = b * dim; i < end; i++) acc += x[i]!;
    into[offset + b] = acc;
  }
}

function batchShape(api: string, x: Dense): { batch: number; dim: number } {
  if (x.shape.length === 0) {
    throw new InvalidArgumentError(api, 'x0', 'an array with a leading batch axis (shape [batch, ...])', got('a 0-d array'));
  }
  const batch = x.shape[0]!;
  const dim = batch === 0 ? 0 : x.data.length / batch;
  if (batch > 0 && dim === 0) {
    throw new InvalidArgumentError(api, 'x0', 'examples with at least one coordinate', got(`shape [${x.shape.join(', ')}]`));
  }
  return { batch, dim };
}

/** Calls a user function returning an array and validates its result like an argument. */
function callArray(api: string, name: string, f: () => unknown, like: Dense, deferFinite = false): Dense {
  const v = f();
  if (!isNdArray(v)) {
    throw new InvalidArgumentError(api, name, `a function returning a float64 ndarray of shape [${like.shape.join(', ')}]`, v);
  }
  if (!deferFinite) return checkLike(api, name, v, 'x0', like);
  const d = checkArrayDeferred(api, name, v);
  checkSameShape(api, name, d.shape, 'x0', like.shape);
  return d;
}

/**
 * The variational bound of a batch, per example, by one draw of x_t for each t
 * (Ho et al. 2020, Eqs. 3 and 5):
 *
 *     L(x_0) = L_T + sum_{t=2}^T L_{t-1} + L_0
 *            = KL(q(x_T|x_0) || N(0, I)) + sum_{t>=2} KL(q(x_{t-1}|x_t,x_0) || p_theta(x_{t-1}|x_t)) - log p_theta(x_0|x_1),
 *
 * each L_{t-1} evaluated (as `term`) at one x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps_t
 * with eps_t = random.normal(random.foldIn(key, t), x0.shape) (or noise(t)), and the
 * model's eps_theta(x_t, t) = epsFn(x_t, t). Each x_t is drawn from q(x_t | x_0) on its own,
 * as in improved-diffusion's `calc_bpd_loop`: the sum is an unbiased estimate of
 * E_q[L(x_0)] >= -log p_theta(x_0), the expectation being over the forward process.
 *
 * The first axis of x_0 is the batch; each term is summed over the other axes (D
 * coordinates per example). `total` is `priorKL + terms[t = 1] + ... + terms[t = T]`
 * accumulated in that order, exactly.
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param x0 - x_0, a float64 ndarray of shape [batch, ...], finite values (on the 8-bit grid for the discretized decoder)
 * @param epsFn - the model, (x_t, t) => eps_theta(x_t, t), returning a float64 ndarray of x_0's shape; called once per t = 1..T.
 *   Its x_t argument is a view of a buffer that the next step overwrites: read it during the
 *   call, copy it to keep it, never write to it (the bound is computed from it afterwards)
 * @param noise - a PRNG key (eps_t from foldIn(key, t)) or a function t => eps_t returning a float64 ndarray of x_0's shape
 * @param variance - 'fixedSmall' (sigma_t^2 = beta-tilde_t) or 'fixedLarge' (beta_t)
 * @param options - `{ decoder: 'discretized' | 'gaussian' }` (default 'discretized')
 * @returns `{ total, terms, priorKL, bitsPerDim }`, per example, in nats (bits for bitsPerDim)
 * @throws InvalidArgumentError for invalid arguments, a model or
 *   noise function returning anything but a finite float64 array of x_0's shape, or a
 *   result that overflows; ShapeError for mismatched shapes. An exception thrown by
 *   `epsFn` or `noise` itself propagates unchanged.
 * @example
 * import { elbo, random, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.linearBetas(100, 1e-3, 0.2));
 * const x0 = ndarray(new Float64Array([-1, 1]), [2, 1]);
 * const zeroModel = (xt) => ndarray(new Float64Array(xt.size), xt.shape);
 * elbo.vlb(s, x0, zeroModel, random.key(0), 'fixedLarge').total.length; // returns ~2
 * @see proofs/elbo/vlb.md (claims elbo/vlb#sum, elbo/vlb#gaussian-data, elbo/vlb#upper-bound)
 */
export function vlb(
  s: Schedule,
  x0: Float64NdArray,
  epsFn: EpsFn,
  noise: Key | NoiseFn,
  variance: VarianceKind,
  options?: BoundOptions,
): Bound {
  const api = 'elbo.vlb';
  const sch = checkSchedule(api, 's', s);
  const x = checkLike(api, 'x0', x0);
  const { batch, dim } = batchShape(api, x);
  if (typeof epsFn !== 'function') throw new InvalidArgumentError(api, 'epsFn', 'a function (x_t, t) => eps_theta(x_t, t)', epsFn);
  let key: Key | null = null;
  let noiseFn: NoiseFn | null = null;
  if (typeof noise === 'function') noiseFn = noise;
  else key = checkKey(api, 'noise', noise);
  const kind = checkVariance(api, 'variance', variance);
  const decoder = checkBoundOptions(api, options);
  const T = sch.T;
  const all: StepRows = { rows: 1, rowSize: x.data.length, steps: new Int32Array(1), scalar: true };
  all.steps[0] = 1;
  checkDecoderScale(api, sch, all, kind, decoder);
  if (decoder === 'discretized') checkGrid(api, 'x0', x.data, null);

  const size = x.data.length;
  const prior = new Float64Array(batch);
  const scratch = new Float64Array(size);
  if (priorKLInto(scratch, sch, x.data) !== 0) checkFiniteResult(api, 'x0', scratch, 'L_T');
  sumRows(scratch, batch, dim, prior, 0);

  const terms = new Float64Array(T * batch);
  const eps = new Float64Array(size);
  // One x_t buffer for all steps: the model reads x_t during its call and must neither keep
  // nor modify it (documented above). Reusing it spares T fresh allocations, whose page
  // faults cost as much as the arithmetic.
  const xt = new Float64Array(size);
  for (let t = 1; t <= T; t++) {
    all.steps[0] = t;
    if (key !== null) {
      const k = foldIn(key, t);
      fillNormal(k.k0, k.k1, eps);
      // |eps| < 12.23 (random.normal's bound) and sqrt(alphaBar_t) <= 1: x_t is finite for any finite x_0.
      qSampleInto(xt, sch, x.data, eps, 1, size, all.steps);
    } else {
      const given = callArray(api, 'noise', () => noiseFn!(t), x).data;
      if (qSampleInto(xt, sch, x.data, given, 1, size, all.steps) !== 0) {
        checkFiniteResult(api, 'noise', xt, 'x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps_t');
      }
    }
    // For t >= 2 the prediction's finiteness is checked through the KL sums: every summand
    // c + e d^2 is non-finite when the prediction is (e > 0), so no separate scan is needed.
    const pred = callArray(api, 'epsFn', () => epsFn(wrap(xt, x.shape), t), x, t >= 2);
    const offset = (t - 1) * batch;
    if (t >= 2) {
      // Summed per example as computed (bit for bit the sums of `term`'s output); every
      // summand is >= 0, so a finite sum means finite terms.
      klSumsInto(terms, offset, sch, x.data, xt, pred.data, t, kind, batch, dim);
      for (let b = 0; b < batch; b++) {
        if (!Number.isFinite(terms[offset + b]!)) {
          checkLike(api, 'epsFn', wrap(pred.data, pred.shape.slice()), 'x0', x); // names a NaN or infinite prediction
          throw new InvalidArgumentError(api, 'epsFn', `predictions for which L_${t - 1} is finite in float64`, got(`${terms[offset + b]} for example ${b}`));
        }
      }
    } else {
      const xtDense: Dense = { data: xt, shape: x.shape };
      const elementwise = evaluateTerms(api, { sch, x0: x, xt: xtDense, eps: pred, plan: all, kind, decoder });
      sumRows(elementwise, batch, dim, terms, offset);
    }
  }

  const total = new Float64Array(batch);
  const bits = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let acc = prior[b]!;
    for (let t = 1; t <= T; t++) acc += terms[(t - 1) * batch + b]!;
    total[b] = acc;
    bits[b] = acc / (dim * LN2);
  }
  checkFiniteResult(api, 'x0', total, 'the bound');
  return { total, terms, priorKL: prior, bitsPerDim: bits };
}

/**
 * The unbiased single-step estimate of the bound, per example (Ho et al. 2020, Eq. 5 with
 * t drawn uniformly; improved-diffusion's rescaled 'kl' loss):
 *
 *     L_hat(x_0) = L_T + T L_{t-1}(x_0, x_t),   t ~ U{1..T},   x_t ~ q(x_t | x_0),
 *
 * so E_t E_{x_t}[L_hat] = L_T + sum_{t=1}^T E[L_{t-1}] = E_q[L(x_0)]. Given the steps, the
 * x_t drawn at them and the model's eps there, it returns L_T + T sum_coords L_{t-1} per
 * example.
 *
 * @param s - the schedule (from `schedule.fromBetas`)
 * @param x0 - x_0, a float64 ndarray of shape [batch, ...], finite values
 * @param t - the steps: one per example (an array of integers in 1..T), or one integer for all
 * @param xt - x_t ~ q(x_t | x_0) at those steps, of x_0's shape
 * @param epsPred - eps_theta(x_t, t), of x_0's shape
 * @param variance - 'fixedSmall' or 'fixedLarge'
 * @param options - `{ decoder: 'discretized' | 'gaussian' }` (default 'discretized')
 * @returns per-example estimates in nats, a Float64Array of length batch
 * @throws as `term`, and InvalidArgumentError for an x_0 without a batch axis
 * @example
 * import { ddpm, elbo, schedule } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const s = schedule.fromBetas(schedule.linearBetas(1000));
 * const x0 = ndarray(new Float64Array([0.5, -0.5]), [2, 1]);
 * const noise = ndarray(new Float64Array([0.3, -1.2]), [2, 1]);
 * const xt = ddpm.qSample(s, x0, [10, 700], noise);
 * elbo.vlbEstimate(s, x0, [10, 700], xt, noise, 'fixedSmall')[0]; // returns ~5.0e-6 (L_T alone: with the exact eps the KL term vanishes)
 * @see proofs/elbo/vlb.md (claim elbo/vlb#unbiased)
 */
export function vlbEstimate(
  s: Schedule,
  x0: Float64NdArray,
  t: Steps,
  xt: Float64NdArray,
  epsPred: Float64NdArray,
  variance: VarianceKind,
  options?: BoundOptions,
): Float64Array {
  const api = 'elbo.vlbEstimate';
  const args = checkTermArgs(api, s, x0, xt, t, epsPred, variance, options);
  const { batch, dim } = batchShape(api, args.x0);
  const elementwise = evaluateTerms(api, args);
  const prior = new Float64Array(args.x0.data.length);
  if (priorKLInto(prior, args.sch, args.x0.data) !== 0) checkFiniteResult(api, 'x0', prior, 'L_T');
  const out = new Float64Array(batch);
  const T = args.sch.T;
  for (let b = 0; b < batch; b++) {
    let priorSum = 0;
    let termSum = 0;
    const end = (b + 1) * dim;
    for (let i = b * dim; i < end; i++) {
      priorSum += prior[i]!;
      termSum += elementwise[i]!;
    }
    out[b] = priorSum + T * termSum;
  }
  checkFiniteResult(api, 'x0', out, 'L_T + T L_{t-1}');
  return out;
}
