/**
 * Boundary validation shared by the `nonequilibrium` functions (private to the area, not
 * re-exported): batches, noise sources, reverse kernels and the values user functions
 * return. Every check throws a DiffusionError naming the argument.
 *
 * @see proofs/nonequilibrium/validation.md (claim nonequilibrium/validation#contract)
 */
import { InvalidArgumentError, ShapeError, got } from '../errors.js';
import { checkFieldValue } from '../../_internal/fields.js';
import { checkArray, isNdArray, type Dense, type Interval } from '../../_internal/validate.js';
import { denseInRange } from '../binomial/checks.js';

/** Log-variances of reverse kernels: variances from e^-200 to e^200, so e^{+-logVar} stays finite. */
export const LOG_VAR_DOMAIN: Interval = { min: -200, minClosed: true, max: 200, maxClosed: true };
/** Means and data: |v| <= 1e100, so squared differences stay finite. */
export const VALUE_DOMAIN: Interval = { min: -1e100, minClosed: true, max: 1e100, maxClosed: true };

/** A batch [n, ...] of finite values in VALUE_DOMAIN, with n >= 0 examples of D >= 1 coordinates. */
export function checkBatch(api: string, name: string, x: unknown): Dense & { n: number; dim: number } {
  const d = checkArray(api, name, x, VALUE_DOMAIN);
  if (d.shape.length === 0) {
    throw new InvalidArgumentError(api, name, 'an array with a leading batch axis (shape [n, ...])', got('a 0-d array'));
  }
  const n = d.shape[0]!;
  let dim = 1;
  for (let i = 1; i < d.shape.length; i++) dim *= d.shape[i]!;
  if (dim < 1) throw new InvalidArgumentError(api, name, 'examples with at least one coordinate', got(`shape [${d.shape.join(', ')}]`));
  return { ...d, n, dim };
}

/** An array whose shape is [T, ...shape] (a per-step table): returns its values. */
export function checkStepTable(api: string, name: string, x: unknown, T: number, shape: readonly number[], against: string, iv?: Interval): Float64Array {
  if (!isNdArray(x)) throw new InvalidArgumentError(api, name, `an ndarray [T, ${shape.join(', ')}] over a Float64Array`, x);
  const expected = [T, ...shape];
  if (x.shape.length !== expected.length || x.shape.some((v, i) => v !== expected[i])) {
    throw new ShapeError(api, name, x.shape, expected, `[T, ...${against}.shape]`);
  }
  return checkArray(api, name, x, iv).data;
}

/**
 * Validates an array a user function returned: shape, dtype, finite entries in `iv`. The
 * common case (a dense float64 array of the right shape, every entry in range) takes one
 * pass; anything else goes through the full checks, which name the fault.
 */
export function checkReturned(api: string, name: string, value: unknown, shape: readonly number[], what: string, iv?: Interval): Float64Array {
  const fast = denseInRange(value, shape, iv?.min ?? -Number.MAX_VALUE, iv?.max ?? Number.MAX_VALUE);
  if (fast !== null) return fast;
  const data = checkFieldValue(api, name, value, shape, what);
  if (iv !== undefined) {
    const lo = iv.min ?? -Infinity;
    const hi = iv.max ?? Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!(v >= lo && v <= hi)) {
        throw new InvalidArgumentError(api, name, `a function returning values in [${lo}, ${hi}]`, got(`${v} at flat index ${i}`));
      }
    }
  }
  return data;
}
