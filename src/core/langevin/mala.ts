/**
 * The Metropolis-adjusted Langevin algorithm (MALA; Roberts and Tweedie 1996, Section 1.4;
 * Besag 1994): the ULA step as a proposal, accepted with the Metropolis-Hastings
 * probability, so that the target is exactly invariant for every step size.
 *
 * @see proofs/langevin/mala.md
 * @see docs/langevin/mala.md
 */
import { callField, checkFunction, checkFieldValue } from '../../_internal/fields.js';
import { checkArray, checkSameShape, wrap, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import { InvalidArgumentError, got } from '../errors.js';
import type { NoiseSource, ScoreFn, StepResult } from '../fields.js';
import { checkKey } from '../random/checks.js';
import { foldIn, split, type Key } from '../random/keys.js';
import { normal } from '../random/normal.js';
import { uniform } from '../random/uniform.js';
import { checkEps, checkOptions, checkSteps, checkUnitInterval, dense, drawNoise, drawUniforms, field, sizeOf } from './checks.js';

/** A log-density up to a constant, log p(x) + C, one value per row of x: shape [n]. */
export type LogDensityFn = (x: Float64NdArray) => Float64NdArray;

/** A source of uniforms for the accept/reject decisions: uniforms(k) has shape [n], values in [0, 1). */
export type UniformSource = (step: number) => Float64NdArray;

/** Options of `mala` and `malaWithKey`. */
export interface MalaOptions {
  /** The step size eps > 0 of the Langevin proposal (finite). */
  readonly eps: number;
  /** The number of steps K, an integer >= 1. */
  readonly steps: number;
}

/** A point of a MALA chain with its log-density and score: what the acceptance ratio needs. */
export interface MalaState {
  /** The points, shape [n, ...] (one particle per row). */
  readonly x: Float64NdArray;
  /** log p(x_r) + C for each row r, shape [n] (the same constant C for both states). */
  readonly logDensity: Float64NdArray;
  /** s(x) = grad_x log p(x), shape of x. */
  readonly score: Float64NdArray;
}

/** One MALA step: the new state, its noise-free part, and the decisions. */
export interface MalaStepResult extends StepResult {
  /** 1 where the row's proposal was accepted, 0 where it was rejected: shape [n]. */
  readonly accepted: Float64NdArray;
  /** The acceptance probability min(1, r) of each row's proposal, shape [n], in [0, 1]. */
  readonly acceptProb: Float64NdArray;
}

/** The result of a MALA chain. */
export interface MalaResult {
  /** The final state x_K, shape of x. */
  readonly x: Float64NdArray;
  /** The fraction of accepted proposals over all n particles and K steps, in [0, 1]. */
  readonly acceptanceRate: number;
  /** The number of accepted proposals of each particle, shape [n]. */
  readonly accepted: Float64NdArray;
}

/** Rows n and the size m of each row of a state of shape [n, ...]; throws unless it has a leading axis. */
function rowsOf(api: string, name: string, x: Dense, needRows: boolean): { n: number; m: number } {
  if (x.shape.length < 1) {
    throw new InvalidArgumentError(api, name, 'an array of shape [n, ...] (one particle per row)', got('a 0-d array'));
  }
  const n = x.shape[0]!;
  if (needRows && n < 1) throw new InvalidArgumentError(api, name, 'an array of shape [n, ...] with n >= 1 particles', got(`shape [${x.shape.join(', ')}]`));
  return { n, m: n === 0 ? sizeOf(x.shape.slice(1)) : x.data.length / n };
}

/**
 * The log Metropolis-Hastings ratio of each row, in the log space (kernel; not validated):
 *
 *     log r = log p(y) - log p(x) + (|y - x - h s(x)|^2 - |x - y - h s(y)|^2) / (2 eps)
 *
 * with h = eps/2 (the Gaussian normalizers of q cancel). Writes n values into `out`.
 */
function logRatioInto(
  x: Float64Array,
  lpX: Float64Array,
  sX: Float64Array,
  y: Float64Array,
  lpY: Float64Array,
  sY: Float64Array,
  eps: number,
  n: number,
  m: number,
  out: Float64Array,
): void {
  const h = eps / 2;
  const twoEps = 2 * eps;
  for (let r = 0; r < n; r++) {
    // qf = |y - x - h s(x)|^2 (the forward proposal's residual), qb = |x - y - h s(y)|^2.
    let qf = 0;
    let qb = 0;
    const off = r * m;
    for (let j = off; j < off + m; j++) {
      const d = y[j]! - x[j]!;
      const f = d - h * sX[j]!;
      const b = -d - h * sY[j]!;
      qf += f * f;
      qb += b * b;
    }
    out[r] = lpY[r]! - lpX[r]! + (qf - qb) / twoEps;
  }
}

/**
 * The log Metropolis-Hastings acceptance ratio of MALA for moving each row of `current`
 * to the same row of `proposal` (Roberts and Tweedie 1996, Section 1.4):
 *
 *     log r(x, y) = log p(y) + log q(x | y) - log p(x) - log q(y | x),
 *     q(y | x) = N(y; x + eps/2 s(x), eps I),
 *
 * so log r = log p(y) - log p(x) + (|y - x - eps/2 s(x)|^2 - |x - y - eps/2 s(y)|^2)/(2 eps).
 * The move is accepted with probability a(x, y) = min(1, e^{log r}), which makes
 * p(x) q(y|x) a(x, y) = p(y) q(x|y) a(y, x) (detailed balance). log r(y, x) = -log r(x, y).
 *
 * @param current - `{ x, logDensity, score }`: points x of shape [n, ...], log p(x) + C of
 *   shape [n], s(x) of the shape of x; all finite
 * @param proposal - `{ x, logDensity, score }` of the proposals y, same shapes (same C)
 * @param eps - the proposal's step size eps > 0, finite
 * @returns log r per row, a Float64NdArray of shape [n]
 * @throws InvalidArgumentError on `current`, `proposal` (not records of finite float64
 *   arrays, or a log ratio that overflows float64) and `eps`; ShapeError for shapes that do
 *   not match `current.x`
 * @example
 * import ndarray from 'ndarray';
 * import { langevin } from 'diffusion-ts';
 * const nd = (v) => ndarray(new Float64Array(v), [v.length, 1]);
 * const x = { x: nd([0]), logDensity: ndarray(new Float64Array([0]), [1]), score: nd([0]) };
 * const y = { x: nd([1]), logDensity: ndarray(new Float64Array([-0.5]), [1]), score: nd([-1]) };
 * langevin.malaLogRatio(x, y, 0.5).get(0); // returns ~-0.0625 (N(0, 1): -1/2 + (1 - 9/16) / 1)
 * @see proofs/langevin/mala.md (claim langevin/mala#detailed-balance)
 */
export function malaLogRatio(current: MalaState, proposal: MalaState, eps: number): Float64NdArray {
  const api = 'langevin.malaLogRatio';
  const c = checkState(api, 'current', current);
  const { n, m } = rowsOf(api, 'current', c.x, false);
  const p = checkState(api, 'proposal', proposal, c.x.shape);
  const e = checkEps(api, 'eps', eps);
  const out = new Float64Array(n);
  logRatioInto(c.x.data, c.lp, c.s, p.x.data, p.lp, p.s, e, n, m, out);
  for (let r = 0; r < n; r++) {
    if (!Number.isFinite(out[r]!)) {
      throw new InvalidArgumentError(api, 'proposal', 'states whose log ratio is finite in float64', got(`${out[r]} at row ${r}`));
    }
  }
  return wrap(out, [n]);
}

/** Validates a MalaState record: x (any shape with a leading axis, or of shape `xShape`), logDensity [n], score shape of x. */
function checkState(api: string, name: string, state: unknown, xShape?: readonly number[]): { x: Dense; lp: Float64Array; s: Float64Array } {
  if (typeof state !== 'object' || state === null || Array.isArray(state) || ArrayBuffer.isView(state)) {
    throw new InvalidArgumentError(api, name, 'a record { x, logDensity, score } of float64 ndarrays', state);
  }
  const o = state as Record<string, unknown>;
  const x = checkArray(api, `${name}.x`, field(o, 'x'));
  if (xShape !== undefined) checkSameShape(api, `${name}.x`, x.shape, 'current.x', xShape);
  const { n } = rowsOf(api, `${name}.x`, x, false);
  const lp = checkArray(api, `${name}.logDensity`, field(o, 'logDensity'));
  checkSameShape(api, `${name}.logDensity`, lp.shape, `${name}.x.shape[0]`, [n]);
  const s = checkArray(api, `${name}.score`, field(o, 'score'));
  checkSameShape(api, `${name}.score`, s.shape, `${name}.x`, x.shape);
  return { x, lp: lp.data, s: s.data };
}

/** A state of the chain with its cached log-density and score. */
interface Cached {
  x: Float64Array;
  lp: Float64Array;
  s: Float64Array;
}

/**
 * One MALA transition over flat arrays (kernel): proposal y = x + h s(x) + sqrt(eps) z
 * (written into the scratch buffer `y`), evaluated by the user's functions, accepted row by
 * row when log u < log r. Updates the cached state `cur` in place (only accepted rows
 * change; the buffers are private to the caller) and writes the decisions, and optionally
 * the probabilities and the noise-free parts.
 */
function malaTransition(
  api: string,
  epsName: string,
  logDensity: LogDensityFn,
  score: ScoreFn,
  cur: Cached,
  y: Float64Array,
  shape: readonly number[],
  n: number,
  m: number,
  eps: number,
  z: Float64Array,
  u: Float64Array,
  accepted: Float64Array,
  acceptProb: Float64Array | undefined,
  xMean: Float64Array | undefined,
  logR: Float64Array,
  step: number,
): void {
  const h = eps / 2;
  const c = Math.sqrt(eps);
  const size = n * m;
  const x = cur.x;
  const s = cur.s;
  let check = 0;
  for (let j = 0; j < size; j++) {
    const v = x[j]! + h * s[j]! + c * z[j]!;
    y[j] = v;
    check += v * 0;
  }
  if (check !== 0) {
    throw new InvalidArgumentError(api, epsName, 'a step size for which the Langevin proposal stays finite in float64', got(`an overflow in the proposal of step ${step}`));
  }
  // callField hands the user a copy of y, so the scratch buffer stays private.
  const sY = callField(api, 'score', score, dense(y, shape));
  const lpY = checkFieldValue(api, 'logDensity', callLogDensity(logDensity, y, shape), [n], 'one value per row of x');
  logRatioInto(x, cur.lp, s, y, lpY, sY, eps, n, m, logR);
  for (let r = 0; r < n; r++) {
    const lr = logR[r]!;
    // Accept iff u < min(1, e^{log r}), i.e. log u < log r (log 0 = -inf accepts every
    // finite ratio; a NaN ratio, from two overflowed residuals, rejects). For u in [0, 1),
    // log u < 0, so log r >= 0 accepts without evaluating the logarithm.
    const ok = lr >= 0 || Math.log(u[r]!) < lr;
    accepted[r] = ok ? 1 : 0;
    if (acceptProb !== undefined) acceptProb[r] = lr >= 0 ? 1 : lr < 0 ? Math.exp(lr) : 0;
    const off = r * m;
    if (xMean !== undefined) {
      // The noise-free part of the new state: the proposal's mean x + h s(x) where the move
      // was accepted, the unchanged x where it was rejected.
      for (let j = off; j < off + m; j++) xMean[j] = ok ? x[j]! + h * s[j]! : x[j]!;
    }
    if (ok) {
      for (let j = off; j < off + m; j++) {
        x[j] = y[j]!;
        s[j] = sY[j]!;
      }
      cur.lp[r] = lpY[r]!;
    }
  }
}

function callLogDensity(fn: LogDensityFn, data: Float64Array, shape: readonly number[]): unknown {
  return (fn as (x: Float64NdArray) => unknown)(wrap(data.slice(), shape));
}

/** Evaluates log p and s at a validated start. */
function start(api: string, logDensity: LogDensityFn, score: ScoreFn, x: Dense, n: number): Cached {
  const s = Float64Array.from(callField(api, 'score', score, x));
  const lp = Float64Array.from(checkFieldValue(api, 'logDensity', callLogDensity(logDensity, x.data, x.shape), [n], 'one value per row of x'));
  return { x: Float64Array.from(x.data), lp, s };
}

/**
 * One step of the Metropolis-adjusted Langevin algorithm (Roberts and Tweedie 1996):
 *
 *     y = x + eps/2 s(x) + sqrt(eps) z,
 *     x' = y   if u < min(1, r(x, y)),   else x        (row by row),
 *
 * with r(x, y) = p(y) q(x|y) / (p(x) q(y|x)), q(y|x) = N(y; x + eps/2 s(x), eps I), computed
 * in log space (`malaLogRatio`). Leaves p invariant for every eps > 0. Evaluates
 * `logDensity` and `score` at x and at y; `mala` caches the current state's values.
 *
 * @param logDensity - log p(x) + C: a function of an array of the shape of x returning
 *   one finite value per row, shape [n] (C may be unknown: it cancels)
 * @param score - s(x) = grad_x log p(x), returning an array of the shape of x
 * @param x - the state, shape [n, ...] (one particle per row), finite
 * @param eps - the step size eps > 0, finite
 * @param noise - z, standard normal noise of the shape of x
 * @param uniforms - u, shape [n], values in [0, 1)
 * @returns `{ x: x', xMean, accepted, acceptProb }`: xMean is x + eps/2 s(x) on accepted
 *   rows and x on rejected ones; accepted holds 1 or 0 per row; acceptProb min(1, r)
 * @throws InvalidArgumentError on every argument (wrong types, non-finite values, uniforms
 *   outside [0, 1), functions returning bad arrays, eps <= 0); ShapeError for mismatched shapes
 * @example
 * import ndarray from 'ndarray';
 * import { langevin } from 'diffusion-ts';
 * const logp = (x) => ndarray(x.data.map((v) => -v * v / 2), [x.shape[0]]);
 * const score = (x) => ndarray(x.data.map((v) => -v), x.shape);
 * const x = ndarray(new Float64Array([0]), [1, 1]);
 * langevin.malaStep(logp, score, x, 1, ndarray(new Float64Array([1]), [1, 1]), ndarray(new Float64Array([0.5]), [1])).x.get(0, 0); // returns ~1 (r = e^{-1/8} = 0.88 > u = 0.5: accepted)
 * @see proofs/langevin/mala.md (claims langevin/mala#detailed-balance, #invariance)
 */
export function malaStep(
  logDensity: LogDensityFn,
  score: ScoreFn,
  x: Float64NdArray,
  eps: number,
  noise: Float64NdArray,
  uniforms: Float64NdArray,
): MalaStepResult {
  const api = 'langevin.malaStep';
  const lpFn = checkFunction<LogDensityFn>(api, 'logDensity', logDensity);
  const sFn = checkFunction<ScoreFn>(api, 'score', score);
  const xs = checkArray(api, 'x', x);
  const { n, m } = rowsOf(api, 'x', xs, false);
  const e = checkEps(api, 'eps', eps);
  const z = checkArray(api, 'noise', noise);
  checkSameShape(api, 'noise', z.shape, 'x', xs.shape);
  const u = checkArray(api, 'uniforms', uniforms);
  checkSameShape(api, 'uniforms', u.shape, 'x.shape[0]', [n]);
  checkUnitInterval(api, 'uniforms', u.data, false);
  const cur = start(api, lpFn, sFn, xs, n);
  const accepted = new Float64Array(n);
  const acceptProb = new Float64Array(n);
  const xMean = new Float64Array(n * m);
  const logR = new Float64Array(n);
  malaTransition(api, 'eps', lpFn, sFn, cur, new Float64Array(n * m), xs.shape, n, m, e, z.data, u.data, accepted, acceptProb, xMean, logR, 0);
  return {
    x: wrap(cur.x, xs.shape),
    xMean: wrap(xMean, xs.shape),
    accepted: wrap(accepted, [n]),
    acceptProb: wrap(acceptProb, [n]),
  };
}

/** Validated arguments of a MALA chain. */
interface MalaArgs {
  readonly logDensity: LogDensityFn;
  readonly score: ScoreFn;
  readonly x: Dense;
  readonly n: number;
  readonly m: number;
  readonly eps: number;
  readonly steps: number;
}

function prepareMala(api: string, logDensity: unknown, score: unknown, x: unknown, options: unknown): MalaArgs {
  const lpFn = checkFunction<LogDensityFn>(api, 'logDensity', logDensity);
  const sFn = checkFunction<ScoreFn>(api, 'score', score);
  const xs = checkArray(api, 'x', x);
  const { n, m } = rowsOf(api, 'x', xs, true);
  const o = checkOptions(api, options, '{ eps, steps }');
  const eps = checkEps(api, 'options.eps', field(o, 'eps'));
  const steps = checkSteps(api, 'options.steps', field(o, 'steps'));
  return { logDensity: lpFn, score: sFn, x: xs, n, m, eps, steps };
}

function runMala(api: string, a: MalaArgs, noise: (i: number) => unknown, uniforms: (i: number) => unknown): MalaResult {
  const shape = a.x.shape;
  const cur = start(api, a.logDensity, a.score, a.x, a.n);
  const y = new Float64Array(a.n * a.m);
  const accepted = new Float64Array(a.n);
  const counts = new Float64Array(a.n);
  const logR = new Float64Array(a.n);
  let total = 0;
  for (let k = 0; k < a.steps; k++) {
    const z = drawNoise(api, noise, k, shape);
    const u = drawUniforms(api, uniforms, k, a.n);
    malaTransition(api, 'options.eps', a.logDensity, a.score, cur, y, shape, a.n, a.m, a.eps, z, u, accepted, undefined, undefined, logR, k);
    for (let r = 0; r < a.n; r++) {
      counts[r] = counts[r]! + accepted[r]!;
      total += accepted[r]!;
    }
  }
  return { x: wrap(cur.x, shape), acceptanceRate: total / (a.n * a.steps), accepted: wrap(counts, [a.n]) };
}

/**
 * A chain of K Metropolis-adjusted Langevin steps (Roberts and Tweedie 1996), run on every
 * particle (row) independently: for k = 0..K-1,
 *
 *     y = x_k + eps/2 s(x_k) + sqrt(eps) z_k,   x_{k+1} = y if u_k < min(1, r(x_k, y)) else x_k,
 *
 * with z_k = noise(k) and u_k = uniforms(k). p is exactly invariant: particles started from
 * p stay distributed as p after every step, for any eps > 0 (unlike `chain`). log p and s
 * are evaluated once per step, at the proposals (the current state's values are cached).
 *
 * @param logDensity - log p(x) + C, one finite value per row (shape [n])
 * @param score - s(x) = grad_x log p(x), of the shape of x
 * @param x - the start, shape [n, ...] with n >= 1 particles, finite
 * @param options - `{ eps, steps }`: eps > 0 finite, steps K an integer >= 1
 * @param noise - the noise source: noise(k) is z_k, shape of x
 * @param uniforms - the uniform source: uniforms(k) is u_k, shape [n], values in [0, 1)
 * @returns `{ x: x_K, acceptanceRate, accepted }`: the fraction of accepted proposals over
 *   all particles and steps, and the number of accepted proposals per particle (shape [n])
 * @throws InvalidArgumentError on each argument (as `malaStep`), `options`, `options.eps`,
 *   `options.steps`, and on `options.eps` when a proposal overflows float64
 * @example
 * import ndarray from 'ndarray';
 * import { langevin, random } from 'diffusion-ts';
 * const logp = (x) => ndarray(x.data.map((v) => -v * v / 2), [x.shape[0]]);
 * const score = (x) => ndarray(x.data.map((v) => -v), x.shape);
 * const k = random.key(0);
 * const [kz, ku] = random.split(k);
 * const x0 = random.normal(random.key(1), [1000, 1]);
 * const r = langevin.mala(logp, score, x0, { eps: 2, steps: 10 }, (i) => random.normal(random.foldIn(kz, i), [1000, 1]), (i) => random.uniform(random.foldIn(ku, i), [1000]));
 * r.acceptanceRate; // returns ~0.7834
 * @see proofs/langevin/mala.md (claims langevin/mala#invariance, #detailed-balance)
 */
export function mala(
  logDensity: LogDensityFn,
  score: ScoreFn,
  x: Float64NdArray,
  options: MalaOptions,
  noise: NoiseSource,
  uniforms: UniformSource,
): MalaResult {
  const api = 'langevin.mala';
  const a = prepareMala(api, logDensity, score, x, options);
  const z = checkFunction<(i: number) => unknown>(api, 'noise', noise);
  const u = checkFunction<(i: number) => unknown>(api, 'uniforms', uniforms);
  return runMala(api, a, z, u);
}

/**
 * `mala` with its randomness drawn from a PRNG key: with [kz, ku] = random.split(key),
 * z_k = random.normal(random.foldIn(kz, k), x.shape) and u_k = random.uniform(random.foldIn(ku,
 * k), [n]).
 *
 * @param logDensity - log p(x) + C, as for `mala`
 * @param score - s(x), as for `mala`
 * @param x - the start, as for `mala`
 * @param options - `{ eps, steps }`, as for `mala`
 * @param key - a Key record; use it once
 * @returns as `mala`
 * @throws as `mala`, and InvalidArgumentError on `key`
 * @example
 * import ndarray from 'ndarray';
 * import { langevin, random } from 'diffusion-ts';
 * const logp = (x) => ndarray(x.data.map((v) => -v * v / 2), [x.shape[0]]);
 * const score = (x) => ndarray(x.data.map((v) => -v), x.shape);
 * langevin.malaWithKey(logp, score, random.normal(random.key(1), [1000, 1]), { eps: 2, steps: 10 }, random.key(0)).acceptanceRate; // returns ~0.7834
 * @see proofs/langevin/mala.md (claim langevin/mala#invariance)
 */
export function malaWithKey(logDensity: LogDensityFn, score: ScoreFn, x: Float64NdArray, options: MalaOptions, key: Key): MalaResult {
  const api = 'langevin.malaWithKey';
  const a = prepareMala(api, logDensity, score, x, options);
  const k = checkKey(api, 'key', key);
  const [kz, ku] = split(k, 2) as [Key, Key];
  const shape = a.x.shape.slice();
  const n = a.n;
  return runMala(
    api,
    a,
    (i) => normal(foldIn(kz, i), shape),
    (i) => uniform(foldIn(ku, i), [n]),
  );
}
