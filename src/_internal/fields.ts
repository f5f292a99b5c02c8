/**
 * Boundary checks for user-supplied functions (score models, noise sources): a field is
 * called on a validated array and its result must be a float64 array of the same shape
 * with finite entries, or the caller gets a typed error naming the function's argument.
 */
import { InvalidArgumentError, ShapeError, got } from '../core/errors.js';
import { checkArray, isNdArray, wrap, type Dense, type Float64NdArray } from './validate.js';

/** Throws unless `fn` is a function; returns it typed. */
export function checkFunction<F extends (...args: never[]) => unknown>(api: string, name: string, fn: unknown): F {
  if (typeof fn !== 'function') throw new InvalidArgumentError(api, name, 'a function', fn);
  return fn as F;
}

/**
 * Validates the value `value` returned by the user function `name`: a float64 ndarray of
 * shape `shape` with finite entries. Returns its dense values (possibly the returned
 * array's own buffer: never write into it).
 */
export function checkFieldValue(api: string, name: string, value: unknown, shape: readonly number[], what = 'its input'): Float64Array {
  if (!isNdArray(value)) {
    throw new InvalidArgumentError(api, name, `a function returning an ndarray over a Float64Array of the shape of ${what}`, got(`a function returning ${describe(value)}`));
  }
  if (value.shape.length !== shape.length || value.shape.some((n, i) => n !== shape[i])) {
    throw new ShapeError(api, name, value.shape, shape, `${what}, for the value ${name} returned`);
  }
  try {
    return checkArray(api, name, value).data;
  } catch (e) {
    if (e instanceof InvalidArgumentError) {
      throw new InvalidArgumentError(api, name, `a function returning finite float64 values`, got(`a function returning ${e.got}`));
    }
    throw e;
  }
}

/**
 * Calls the user field `fn` (already checked by `checkFunction`) on the points `x` (dense,
 * validated) with extra arguments, and validates what it returns.
 */
export function callField(
  api: string,
  name: string,
  fn: (x: Float64NdArray, ...rest: never[]) => unknown,
  x: Dense,
  ...rest: unknown[]
): Float64Array {
  // A copy, so that a field that writes into its argument cannot corrupt the caller's state.
  const arg = wrap(x.data.slice(), x.shape);
  const value = (fn as (x: Float64NdArray, ...r: unknown[]) => unknown)(arg, ...rest);
  return checkFieldValue(api, name, value, x.shape);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'an object';
}
