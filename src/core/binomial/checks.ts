/**
 * Boundary validation shared by the `binomial` functions (private to the area, not
 * re-exported): bits, probabilities, uniforms, steps, the schedule, and the values a user's
 * reverse model returns. Every check throws a DiffusionError naming the argument.
 *
 * @see proofs/binomial/validation.md (claim binomial/validation#contract)
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkArray, checkInteger, checkSameShape, isNdArray, type Dense } from '../../_internal/validate.js';
import { checkFieldValue } from '../../_internal/fields.js';
import { isBinomialSchedule, type BinomialSchedule } from './schedule.js';

/** Throws unless `s` is a schedule built by `binomial.fromBetas`. */
export function checkBinomialSchedule(api: string, name: string, s: unknown): BinomialSchedule {
  if (!isBinomialSchedule(s)) {
    throw new InvalidArgumentError(api, name, 'a BinomialSchedule built by binomial.fromBetas', s);
  }
  return s;
}

/** Throws unless `t` is an integer step in 1..T. */
export function checkStep(api: string, name: string, t: unknown, s: BinomialSchedule): number {
  return checkInteger(api, name, t, 1, s.T);
}

/** Throws at the first entry of `data` that is not a bit (0 or 1; -0 counts as 0). */
export function scanBits(api: string, name: string, data: Float64Array): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v !== 0 && v !== 1) {
      throw new InvalidArgumentError(api, name, 'bits (every entry 0 or 1)', got(`${Object.is(v, -0) ? '-0' : v} at flat index ${i}`));
    }
  }
}

/** A float64 ndarray of bits (0 or 1). */
export function checkBits(api: string, name: string, x: unknown, againstName?: string, against?: Dense): Dense {
  const d = checkArray(api, name, x);
  if (against !== undefined) checkSameShape(api, name, d.shape, againstName!, against.shape);
  scanBits(api, name, d.data);
  return d;
}

/** A float64 ndarray of probabilities (every entry in [0, 1]). */
export function checkProbabilities(api: string, name: string, x: unknown, againstName?: string, against?: Dense): Dense {
  const d = checkArray(api, name, x, { min: 0, minClosed: true, max: 1, maxClosed: true });
  if (against !== undefined) checkSameShape(api, name, d.shape, againstName!, against.shape);
  return d;
}

/** A float64 ndarray of uniforms in [0, 1] of the shape of `against`. */
export function checkUniforms(api: string, name: string, u: unknown, againstName: string, against: Dense): Dense {
  return checkProbabilities(api, name, u, againstName, against);
}

/** A batch of bit vectors: a 2-d array [n, d] of bits with d >= 1. */
export function checkBatchBits(api: string, name: string, x: unknown): Dense & { n: number; d: number } {
  if (isNdArray(x) && x.shape.length !== 2) {
    throw new InvalidArgumentError(api, name, 'a 2-d array [n, d] of bit vectors (n examples of d bits)', got(`shape [${x.shape.join(', ')}]`));
  }
  const dense = checkBits(api, name, x);
  const [n, d] = dense.shape as [number, number];
  if (d < 1) throw new InvalidArgumentError(api, name, 'examples of at least one bit (shape [n, d] with d >= 1)', got(`shape [${n}, ${d}]`));
  return { ...dense, n, d };
}

/**
 * Validates the value a reverse model returned: a float64 ndarray of `shape` with every
 * entry a probability in [0, 1]. Returns its values (possibly the model's own buffer).
 * The common case (a dense float64 array of the right shape) takes one pass over the
 * values; anything else goes through the full checks, which name the fault.
 */
export function checkModelValue(api: string, name: string, value: unknown, shape: readonly number[], t: number): Float64Array {
  const fast = denseInRange(value, shape, 0, 1);
  if (fast !== null) return fast;
  const data = checkFieldValue(api, name, value, shape, 'x_t');
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new InvalidArgumentError(api, name, 'a function returning probabilities in [0, 1] (the per-bit P(x_{t-1} = 1 | x_t))', got(`${v} at flat index ${i}, step t = ${t}`));
    }
  }
  return data;
}

/**
 * The values of `value` when it is a dense row-major float64 ndarray of exactly `shape`
 * whose entries all lie in [lo, hi] (one pass; NaN fails), else null (the caller then runs
 * the full checks to report the fault).
 */
export function denseInRange(value: unknown, shape: readonly number[], lo: number, hi: number): Float64Array | null {
  if (!isNdArray(value) || !(value.data instanceof Float64Array) || value.offset !== 0) return null;
  const vs = value.shape;
  if (vs.length !== shape.length) return null;
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    if (vs[i] !== shape[i]) return null;
    size *= shape[i]!;
  }
  const data = value.data as Float64Array;
  if (data.length !== size) return null;
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i]! > 1 && value.stride[i] !== expected) return null;
    expected *= shape[i]!;
  }
  let ok = true;
  for (let i = 0; i < size; i++) {
    const v = data[i]!;
    ok = ok && v >= lo && v <= hi;
  }
  return ok ? data : null;
}
