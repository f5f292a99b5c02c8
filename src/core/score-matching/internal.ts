/**
 * Private machinery of the `scoreMatching` area (not re-exported from its index, except
 * its types): the result record, reading the data batch, the model and the options, the
 * finite-difference step, and the finiteness checks every objective ends with.
 *
 * @see proofs/score-matching/explicit.md
 * @see proofs/score-matching/validation.md
 */
import { DiffusionError, InvalidArgumentError, got } from '../errors.js';
import { checkArray, checkNumber, isNdArray, wrap, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import { callField, checkFieldValue } from '../../_internal/fields.js';
import type { ScoreFn } from '../fields.js';

/**
 * The value of a score-matching objective on a batch: the Monte Carlo average over the
 * rows of x and the per-example terms it averages.
 *
 *     value = (1/n) sum_i perExample[i]
 *
 * (summed in row order, then divided once by n).
 */
export interface Objective {
  /** The batch average (1/n) sum_i l_i, the Monte Carlo estimate of the objective. */
  readonly value: number;
  /** The per-example terms l_i, a Float64NdArray of shape [n]. */
  readonly perExample: Float64NdArray;
}

/**
 * The Jacobian of a score model at every row of x: J[i, a, b] = d s_a / d x_b at x_i, an
 * array of shape [n, d, d] (d the number of coordinates of one row, flattened row-major).
 */
export type JacobianFn = (x: Float64NdArray) => Float64NdArray;

/** A score model with its exact Jacobian (for the exact trace and the exact v^T J v). */
export interface ScoreWithJacobian {
  /** s(x), of the shape of x. */
  readonly score: ScoreFn;
  /** grad_x s(x), shape [n, d, d]. */
  readonly jacobian: JacobianFn;
}

/** A score model: a bare score function (derivatives by central differences) or one with its Jacobian. */
export type ScoreModel = ScoreFn | ScoreWithJacobian;

/**
 * The default relative step of the central differences, h = EPS^(1/3) = 2^(-52/3)
 * ~ 6.0555e-6: it balances the truncation error (h^2/6) |s'''| against the rounding error
 * (EPS |s|)/h of a difference quotient (proofs/score-matching/explicit.md, "The step").
 */
export const DEFAULT_STEP = Math.cbrt(Number.EPSILON);

/** Smallest accepted step factor h: EPS, the least relative change that moves every x. */
export const MIN_STEP = Number.EPSILON;

/** A validated batch of n points of d coordinates each (rows flattened row-major). */
export interface Batch {
  readonly dense: Dense;
  readonly n: number;
  readonly d: number;
}

/** Largest number of random values one `...WithKey` call draws: 2^31, as `random` allows. */
export const MAX_DRAW = 2 ** 31;

/**
 * Validates x as a batch: a finite float64 ndarray of shape [n, ...] with n >= 1 examples
 * and d >= 1 coordinates per example.
 */
export function checkBatch(api: string, name: string, x: unknown): Batch {
  const dense = checkArray(api, name, x);
  const shape = dense.shape;
  if (shape.length < 2) {
    throw new InvalidArgumentError(api, name, 'an array of shape [n, d] (the rows are the examples) or [n, ...]', x);
  }
  const n = shape[0]!;
  let d = 1;
  for (let a = 1; a < shape.length; a++) d *= shape[a]!;
  if (n < 1 || d < 1) {
    throw new InvalidArgumentError(api, name, 'at least one example (n >= 1) of at least one coordinate (d >= 1)', x);
  }
  return { dense, n, d };
}

/** The model read by `readModel`: its score and, when given, its Jacobian. */
export interface Model {
  readonly score: ScoreFn;
  readonly jacobian: JacobianFn | undefined;
  /** The argument name the errors about the score use: `model` or `model.score`. */
  readonly scoreName: string;
}

/** Throws unless `model` is a function or a record { score, jacobian } of two functions. */
export function readModel(api: string, model: unknown): Model {
  if (typeof model === 'function') return { score: model as ScoreFn, jacobian: undefined, scoreName: 'model' };
  if (typeof model === 'object' && model !== null && !Array.isArray(model) && !isNdArray(model)) {
    const score: unknown = (model as { score?: unknown }).score;
    const jacobian: unknown = (model as { jacobian?: unknown }).jacobian;
    if (typeof score === 'function' && typeof jacobian === 'function') {
      return { score: score as ScoreFn, jacobian: jacobian as JacobianFn, scoreName: 'model.score' };
    }
  }
  throw new InvalidArgumentError(api, 'model', 'a score function s(x) or a record { score, jacobian } of two functions', model);
}

/** Throws unless `options` is undefined or an object (not an array or ndarray); returns it as a record. */
export function readOptions(api: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options) || isNdArray(options) || ArrayBuffer.isView(options)) {
    throw new InvalidArgumentError(api, 'options', 'undefined or an options object', options);
  }
  return options as Record<string, unknown>;
}

/** options.h: undefined (the default EPS^(1/3)) or a finite number in [EPS, 1]. */
export function readStep(api: string, opts: Record<string, unknown>): number {
  const h = opts.h;
  if (h === undefined) return DEFAULT_STEP;
  return checkNumber(api, 'options.h', h, { min: MIN_STEP, minClosed: true, max: 1, maxClosed: true });
}

/** A boolean option (default false). */
export function readFlag(api: string, opts: Record<string, unknown>, name: string): boolean {
  const v = opts[name];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(api, `options.${name}`, 'a boolean', v);
  return v;
}

/** s(x): calls the score on a copy of x and validates the result (shape of x, finite float64). */
export function evalScore(api: string, name: string, score: ScoreFn, x: Dense): Float64Array {
  return callField(api, name, score, x);
}

/** The Jacobian at x: calls `jacobian` on a copy of x and validates a finite float64 result of shape [n, d, d]. */
export function evalJacobian(api: string, jacobian: JacobianFn, x: Dense, n: number, d: number): Float64Array {
  const value = jacobian(wrap(x.data.slice(), x.shape));
  return checkFieldValue(api, 'model.jacobian', value, [n, d, d], `[n, d, d] = [${n}, ${d}, ${d}] for x of shape [${x.shape.join(', ')}]`);
}

/**
 * The batch mean (1/n) sum_i l_i (summed in row order) and the frozen result; throws on
 * `blame` when a term or the mean is not finite (an overflow of finite inputs).
 */
export function finish(api: string, blame: string, per: Float64Array, what: string): Objective {
  const n = per.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += per[i]!;
  // A non-finite term makes the sum non-finite (a NaN or an infinity propagates through
  // additions), so one check covers every term and the mean.
  if (!Number.isFinite(sum)) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(per[i]!)) {
        throw new InvalidArgumentError(api, blame, `inputs for which ${what} is finite in float64`, got(`an overflow at example ${i}`));
      }
    }
    throw new InvalidArgumentError(api, blame, `inputs for which ${what} is finite in float64`, got('an overflow of the sum over examples'));
  }
  return Object.freeze({ value: sum / n, perExample: wrap(per, [n]) });
}

/**
 * A standard-normal, uniform or Rademacher draw of `size` values for a `...WithKey` wrapper;
 * an invalid key is reported on `key` with the wrapper's API path, a draw too large to make
 * on `blame`.
 */
export function drawFromKey<K>(api: string, key: K, size: number, draw: (key: K, n: number) => Float64Array, blame = 'x'): Float64Array {
  if (size > MAX_DRAW) {
    throw new InvalidArgumentError(api, blame, `a size whose random draw has at most ${MAX_DRAW} values`, got(`${size} values`));
  }
  try {
    return draw(key, size);
  } catch (e) {
    if (e instanceof DiffusionError) {
      throw new InvalidArgumentError(api, 'key', 'a Key record { k0, k1 } (from random.key or random.split)', key);
    }
    // Only an allocation the engine refuses can fail here (the size is valid).
    throw new InvalidArgumentError(api, blame, `a size whose ${size} random values can be allocated`, got(`${size} values`));
  }
}
