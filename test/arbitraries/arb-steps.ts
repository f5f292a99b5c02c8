/**
 * Arbitrary step arguments of the `ddpm` and `elbo` functions: one integer step in 1..T
 * for the whole array, or one step per example along the leading axis (an Int32Array or
 * a number[] of length `batch`).
 */
import fc from 'fast-check';

/** A step argument for a schedule with T steps and a batch of `batch` examples. */
export function arbSteps(T: number, batch: number): fc.Arbitrary<number | Int32Array | number[]> {
  const step = fc.integer({ min: 1, max: T });
  const list = fc.array(step, { minLength: batch, maxLength: batch });
  return fc.oneof(step, list.map((ts) => Int32Array.from(ts)), list);
}
