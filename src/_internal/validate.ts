/**
 * Validation at the public boundary. Every public function calls these on its inputs and
 * then hands plain Float64Arrays to kernels that do not validate.
 */
import ndarray, { type NdArray } from 'ndarray';
import { DTypeError, InvalidArgumentError, ShapeError, got } from '../core/errors.js';

/** A float64 ndarray, the core's only array type. */
export type Float64NdArray = NdArray<Float64Array>;

/** A validated array: its values in row-major order (a copy when the input was a strided view). */
export interface Dense {
  readonly data: Float64Array;
  readonly shape: readonly number[];
}

export function isNdArray(x: unknown): x is NdArray {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as NdArray).shape) &&
    Array.isArray((x as NdArray).stride) &&
    typeof (x as NdArray).offset === 'number' &&
    (x as NdArray).data !== undefined
  );
}

/** Throws unless `v` is an integer in [min, max]. */
export function checkInteger(api: string, name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw new InvalidArgumentError(api, name, `an integer ${range}`, v);
  }
  return v;
}

export interface Interval {
  /** Lower bound; open unless `minClosed`. Omitted: -infinity. */
  readonly min?: number;
  readonly minClosed?: boolean;
  /** Upper bound; open unless `maxClosed`. Omitted: +infinity. */
  readonly max?: number;
  readonly maxClosed?: boolean;
}

export function describeInterval(iv: Interval): string {
  const lo = iv.min === undefined ? '(-inf' : `${iv.minClosed ? '[' : '('}${iv.min}`;
  const hi = iv.max === undefined ? 'inf)' : `${iv.max}${iv.maxClosed ? ']' : ')'}`;
  return `${lo}, ${hi}`;
}

export function inInterval(v: number, iv: Interval): boolean {
  if (!Number.isFinite(v)) return false;
  if (iv.min !== undefined && (iv.minClosed ? v < iv.min : v <= iv.min)) return false;
  if (iv.max !== undefined && (iv.maxClosed ? v > iv.max : v >= iv.max)) return false;
  return true;
}

/** Throws unless `v` is a finite number in the interval (default: any finite number). */
export function checkNumber(api: string, name: string, v: unknown, iv: Interval = {}): number {
  if (typeof v !== 'number' || !inInterval(v, iv)) {
    throw new InvalidArgumentError(api, name, `a finite number in ${describeInterval(iv)}`, v);
  }
  return v;
}

/**
 * Throws unless `x` is a float64 ndarray with finite entries (and, optionally, every
 * entry in `iv`). Returns its values densely in row-major order without copying when
 * the input is already a dense row-major view.
 */
export function checkArray(api: string, name: string, x: unknown, iv?: Interval): Dense {
  if (!isNdArray(x)) {
    throw new InvalidArgumentError(api, name, 'an ndarray over a Float64Array', x);
  }
  if (!(x.data instanceof Float64Array)) {
    const got = x.data === null || typeof x.data !== 'object' ? typeof x.data : (x.data as object).constructor.name;
    throw new DTypeError(api, name, 'an ndarray over a Float64Array (the core is float64)', `data of type ${got}`);
  }
  const a = x as Float64NdArray;
  const data = denseData(a);
  // The scan is branch-free on valid data: v - v is 0 for finite v and NaN otherwise, and
  // the bounds are hoisted (an absent bound is +-Infinity, always satisfied).
  const lo = iv?.min ?? -Infinity;
  const hi = iv?.max ?? Infinity;
  const loClosed = iv?.minClosed === true || iv?.min === undefined;
  const hiClosed = iv?.maxClosed === true || iv?.max === undefined;
  let bad = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v - v === 0 && (loClosed ? v >= lo : v > lo) && (hiClosed ? v <= hi : v < hi))) {
      bad = i;
      break;
    }
  }
  if (bad >= 0) {
    const v = data[bad]!;
    const where = a.shape.length > 0 ? ` at flat index ${bad}` : '';
    const domain = iv === undefined ? 'finite values' : `values in ${describeInterval(iv)}`;
    throw new InvalidArgumentError(api, name, domain, got(`${describeNumber(v)}${where}`));
  }
  return { data, shape: a.shape.slice() };
}

function describeNumber(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

/**
 * `checkArray` without the finiteness scan, for kernels whose every output depends on
 * every input element through finite coefficients (sums of products), so that a NaN or an
 * infinity in an input always reaches the output. Such a kernel accumulates
 * `check += v * 0` over its outputs and, when `check` is not 0, calls `rejectNonFinite`,
 * which runs the full `checkArray` on each input (throwing on the argument at fault) and
 * otherwise reports the overflow. This saves one pass over every input on valid data.
 */
export function checkArrayDeferred(api: string, name: string, x: unknown): Dense {
  if (!isNdArray(x)) {
    throw new InvalidArgumentError(api, name, 'an ndarray over a Float64Array', x);
  }
  if (!(x.data instanceof Float64Array)) return checkArray(api, name, x); // throws DTypeError
  const a = x as Float64NdArray;
  return { data: denseData(a), shape: a.shape.slice() };
}

/**
 * Called when a kernel fed by `checkArrayDeferred` inputs produced a non-finite value:
 * throws on the first input holding NaN or an infinity, or else (finite inputs that
 * overflowed) on `blame`, describing the overflowing result `what`.
 */
export function rejectNonFinite(
  api: string,
  inputs: readonly (readonly [string, unknown])[],
  out: Float64Array,
  blame: string,
  what: string,
): never {
  for (const [name, x] of inputs) checkArray(api, name, x);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new InvalidArgumentError(api, blame, `inputs for which ${what} is finite in float64`, got(`an overflow at flat index ${i}`));
    }
  }
  throw new InvalidArgumentError(api, blame, `inputs for which ${what} is finite in float64`, got('a non-finite result'));
}

/** Row-major copy of a view (no copy when it is already dense row-major from offset 0). */
export function denseData(a: Float64NdArray): Float64Array {
  const shape = a.shape;
  let size = 1;
  for (const n of shape) size *= n;
  // Row-major strides of a dense array of this shape.
  let expected = 1;
  let dense = a.offset === 0 && a.data.length === size;
  for (let d = shape.length - 1; d >= 0 && dense; d--) {
    if (shape[d]! > 1 && a.stride[d] !== expected) dense = false;
    expected *= shape[d]!;
  }
  if (dense) return a.data;
  const out = new Float64Array(size);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < size; k++) {
    let p = a.offset;
    for (let d = 0; d < shape.length; d++) p += idx[d]! * a.stride[d]!;
    out[k] = a.data[p]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Throws a ShapeError unless `shape` equals `expected`. */
export function checkSameShape(
  api: string,
  name: string,
  shape: readonly number[],
  against: string,
  expected: readonly number[],
): void {
  if (shape.length !== expected.length || shape.some((n, i) => n !== expected[i])) {
    throw new ShapeError(api, name, shape, expected, against);
  }
}

/** Throws unless `x` is a Float64Array (optionally of a given length) with finite entries. */
export function checkFloat64Array(api: string, name: string, x: unknown, length?: number): Float64Array {
  if (!(x instanceof Float64Array)) {
    throw new DTypeError(api, name, 'a Float64Array', x === null || typeof x !== 'object' ? typeof x : (x as object).constructor.name);
  }
  if (length !== undefined && x.length !== length) {
    throw new InvalidArgumentError(api, name, `a Float64Array of length ${length}`, got(`length ${x.length}`));
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new InvalidArgumentError(api, name, 'finite values', got(`${x[i]} at index ${i}`));
  }
  return x;
}

/** Wraps values as a dense row-major float64 ndarray of the given shape. */
export function wrap(data: Float64Array, shape: readonly number[]): Float64NdArray {
  return ndarray(data, shape.slice());
}
