/**
 * Private machinery of the `ddpm` and `elbo` areas (not re-exported from their indexes):
 * the step argument `t` (one step for the whole array, or one per example along the
 * leading axis), the variance choice, and the finiteness guard on results.
 *
 * A validated step argument becomes a `StepRows` plan: the array is cut into `rows`
 * contiguous blocks of `rowSize` values, block r taken at step `steps[r]`. A scalar t is
 * one block covering the whole array, so every kernel runs the same two nested loops
 * with per-step coefficients looked up once per block, never per element.
 *
 * @see proofs/ddpm/validation.md (claim ddpm/validation#contract)
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkArray, checkSameShape, wrap, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import type { Schedule } from '../schedule/from-betas.js';

/**
 * A step argument: an integer t in 1..T for the whole array, or one step per example
 * (an array of integers in 1..T of length x.shape[0], the batch axis).
 */
export type Steps = number | readonly number[] | Int32Array;

/** The type of a per-step scalar for a step argument: a number for one t, else one per example. */
export type PerStep<S extends Steps> = S extends number ? number : Float64Array;

/** The reverse-process variance choices of Ho et al. (2020, Section 3.2). */
export type VarianceKind = 'fixedSmall' | 'fixedLarge';

/** A validated step argument, as contiguous blocks of the flattened array. */
export interface StepRows {
  /** Number of blocks (1 for a scalar t, else the batch size). */
  readonly rows: number;
  /** Values per block. */
  readonly rowSize: number;
  /** The step of each block, in 1..T. */
  readonly steps: Int32Array;
  /** True when `t` was a single integer (results are then scalars, not per-example arrays). */
  readonly scalar: boolean;
}

/**
 * Validates a step argument against schedule `s` and an array shape. A number must be an
 * integer in 1..T; an array (number[] or Int32Array) must hold shape[0] integers in 1..T,
 * one per example along the leading axis.
 */
export function checkSteps(api: string, name: string, t: unknown, s: Schedule, shape: readonly number[]): StepRows {
  let size = 1;
  for (const n of shape) size *= n;
  if (typeof t === 'number') {
    if (!Number.isInteger(t) || t < 1 || t > s.T) {
      throw new InvalidArgumentError(api, name, `an integer in 1..${s.T} (or one per example)`, t);
    }
    return { rows: 1, rowSize: size, steps: Int32Array.of(t), scalar: true };
  }
  if (!Array.isArray(t) && !(t instanceof Int32Array)) {
    throw new InvalidArgumentError(api, name, `an integer in 1..${s.T}, or an array (number[] or Int32Array) of them, one per example`, t);
  }
  if (shape.length === 0) {
    throw new InvalidArgumentError(api, name, 'a single integer step (a 0-d array has no batch axis for per-example steps)', t);
  }
  const batch = shape[0]!;
  if (t.length !== batch) {
    throw new InvalidArgumentError(api, name, `${batch} steps, one per example along the leading axis (shape [${shape.join(', ')}])`, got(`${t.length} steps`));
  }
  const steps = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const v: unknown = t[b];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > s.T) {
      throw new InvalidArgumentError(api, name, `integers in 1..${s.T}`, got(`${describe(v)} at index ${b}`));
    }
    steps[b] = v;
  }
  return { rows: batch, rowSize: batch === 0 ? 0 : size / batch, steps, scalar: false };
}

function describe(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v);
  return typeof v;
}

/** Throws unless `v` is one of the two variance choices. */
export function checkVariance(api: string, name: string, v: unknown): VarianceKind {
  if (v !== 'fixedSmall' && v !== 'fixedLarge') {
    throw new InvalidArgumentError(api, name, "'fixedSmall' (beta-tilde_t) or 'fixedLarge' (beta_t)", v);
  }
  return v;
}

/** Validates an array argument and, when `against` is given, that it has that array's shape. */
export function checkLike(api: string, name: string, x: unknown, againstName?: string, against?: Dense): Dense {
  const d = checkArray(api, name, x);
  if (against !== undefined) checkSameShape(api, name, d.shape, againstName!, against.shape);
  return d;
}

/**
 * A per-step scalar as the caller asked for it: a number for a scalar t, else a
 * Float64Array with one value per example.
 */
export function perStep<S extends Steps>(plan: StepRows, table: (t: number) => number): PerStep<S> {
  if (plan.scalar) return table(plan.steps[0]!) as PerStep<S>;
  const out = new Float64Array(plan.rows);
  for (let r = 0; r < plan.rows; r++) out[r] = table(plan.steps[r]!);
  return out as PerStep<S>;
}

/**
 * Throws unless every value of a result is finite. Finite inputs can still overflow (a
 * sum of two values near 1.8e308, a division by a tiny sqrt(alphaBar_t)); the public
 * functions never return Infinity or NaN, so they report the overflow instead.
 *
 * The kernels accumulate `check += v * 0` over their outputs (0 while every v is finite,
 * NaN from the first infinite or NaN v on; free in loops bound by memory traffic) and the
 * public functions call this scan, which finds the offending index, only when the check
 * is not 0.
 */
export function checkFiniteResult(api: string, name: string, out: Float64Array, what: string): void {
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (!(v - v === 0)) {
      throw new InvalidArgumentError(api, name, `values for which ${what} is finite in float64`, got(`${v} at flat index ${i} of the result`));
    }
  }
}

/** Wraps a result buffer in the shape of a validated input. */
export function like(data: Float64Array, x: Dense): Float64NdArray {
  return wrap(data, x.shape);
}

/** sigma_t^2 of a variance choice at step t (Ho et al. 2020, Section 3.2). */
export function modelVariance(s: Schedule, kind: VarianceKind, t: number): number {
  return kind === 'fixedSmall' ? s.posteriorVariance[t]! : s.beta[t]!;
}

/** log sigma_t^2 of a variance choice at step t: log beta-tilde_t clipped at t = 1, or log beta_t. */
export function modelLogVariance(s: Schedule, kind: VarianceKind, t: number): number {
  return kind === 'fixedSmall' ? s.posteriorLogVarianceClipped[t]! : Math.log(s.beta[t]!);
}

/** Validates the options of the reverse step: undefined, or an object whose `clipDenoised` is a boolean or undefined. */
export function checkReverseOptions(api: string, options: unknown): { clipDenoised: boolean } {
  if (options === undefined) return { clipDenoised: false };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(api, 'options', 'an object { clipDenoised?: boolean } or undefined', options);
  }
  const clip: unknown = (options as { clipDenoised?: unknown }).clipDenoised;
  if (clip !== undefined && typeof clip !== 'boolean') {
    throw new InvalidArgumentError(api, 'options.clipDenoised', 'a boolean or undefined', clip);
  }
  return { clipDenoised: clip === true };
}

/**
 * Throws unless sqrt(1/alphaBar_t) is finite at every step of the plan: x_0 from x_t is
 * undefined where alphaBar_t = 0, and not representable where 1/sqrt(alphaBar_t) overflows
 * float64 (log alphaBar_t < -1419.6, e.g. 2000 steps of beta = 0.6: fromBetas accepts
 * every beta_t < 1, and alphaBar_t underflows long before its log does).
 */
export function checkInvertible(api: string, s: Schedule, plan: StepRows): void {
  for (let r = 0; r < plan.rows; r++) {
    const k = plan.steps[r]!;
    if (!Number.isFinite(s.sqrtRecipAlphaBar[k]!)) {
      throw new InvalidArgumentError(
        api,
        't',
        `a step with alphaBar_t > 0 (x_0 = (x_t - sqrt(1 - alphaBar_t) eps)/sqrt(alphaBar_t) is undefined where alphaBar_t = 0 or 1/sqrt(alphaBar_t) overflows)`,
        got(`t = ${k} with alphaBar_t = ${s.alphaBar[k]} (log alphaBar_t = ${s.logAlphaBar[k]})`),
      );
    }
  }
}

/**
 * log(1 - alphaBar_t), to a few EPS relative at every t: log1p(-alphaBar_t) while
 * alphaBar_t <= 1/2 (where 1 - alphaBar_t is close to 1 and the log of its rounded value
 * would lose log10(1/alphaBar_t) digits), log(1 - alphaBar_t) from the schedule's accurate
 * 1 - alphaBar_t beyond.
 */
export function logOneMinusAlphaBar(s: Schedule, t: number): number {
  const alphaBar = s.alphaBar[t]!;
  return alphaBar <= 0.5 ? Math.log1p(-alphaBar) : Math.log(s.oneMinusAlphaBar[t]!);
}
