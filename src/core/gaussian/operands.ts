/**
 * Boundary validation shared by the `gaussian` functions (private to the area). Every
 * operand is a float64 ndarray or a plain number (a broadcast scalar); all array operands
 * of one call share one shape, which the result takes.
 */
import { checkArray, checkNumber, checkSameShape, type Float64NdArray, type Interval, wrap } from '../../_internal/validate.js';

/** Entries of x and of means: |v| <= 1e100, so squared differences stay finite. */
export const VALUE_DOMAIN: Interval = { min: -1e100, minClosed: true, max: 1e100, maxClosed: true };
/** Log-variances: variances from e^-200 (1.4e-87) to e^200 (7.2e86); e^{+-logVar} stays finite. */
export const LOG_VAR_DOMAIN: Interval = { min: -200, minClosed: true, max: 200, maxClosed: true };
/** Log-scales (half a log-variance): scales from e^-100 (3.7e-44) to e^100 (2.7e43). */
export const LOG_SCALE_DOMAIN: Interval = { min: -100, minClosed: true, max: 100, maxClosed: true };

/** A validated operand: its values (length 1 for a scalar) and its shape (null for a scalar). */
export interface Operand {
  readonly data: Float64Array;
  readonly shape: readonly number[] | null;
}

/** Validates a number or a float64 ndarray whose entries lie in `domain`. */
export function operand(api: string, name: string, v: unknown, domain: Interval): Operand {
  if (typeof v === 'number') {
    checkNumber(api, name, v, domain);
    return { data: Float64Array.of(v), shape: null };
  }
  const dense = checkArray(api, name, v, domain);
  return { data: dense.data, shape: dense.shape };
}

/**
 * The common shape of the array operands (null when every operand is a scalar); throws a
 * ShapeError naming the first operand whose shape differs from the first array's.
 */
export function commonShape(api: string, names: readonly string[], ops: readonly Operand[]): readonly number[] | null {
  let shape: readonly number[] | null = null;
  let against = '';
  for (let i = 0; i < ops.length; i++) {
    const s = ops[i]!.shape;
    if (s === null) continue;
    if (shape === null) {
      shape = s;
      against = names[i]!;
    } else {
      checkSameShape(api, names[i]!, s, against, shape);
    }
  }
  return shape;
}

/** The number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Wraps a kernel's output as the result: a number for all-scalar calls, else an ndarray. */
export function result(out: Float64Array, shape: readonly number[] | null): Float64NdArray | number {
  return shape === null ? out[0]! : wrap(out, shape);
}
