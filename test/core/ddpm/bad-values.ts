/**
 * Bad values for the `ddpm` and `elbo` bad-input suites: junk of every type, arbitrary
 * doubles (NaN, infinities, -0, subnormals, huge values), arrays of random shapes, and the
 * check that a call either returns finite numbers or throws a DiffusionError in the one
 * message form.
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import { fromBetas, linearBetas } from '../../../src/core/schedule/index.js';

export { checkFinite, outcome } from '../../_support/outcome.js';

export const weird = fc.constantFrom<unknown>(
  NaN,
  Infinity,
  -Infinity,
  -0,
  0.5,
  null,
  undefined,
  true,
  '',
  '3',
  1n,
  [],
  {},
  [1, 2],
  () => 1,
  Symbol('s'),
  new Float32Array([1, 2]),
  ndarray(new Float32Array([1, 2]), [2]),
  ndarray([1, 2], [2]),
);
export const anyDouble = fc.double();
const moderate = fc.double({ min: -3, max: 3, noNaN: true });
const huge = fc.constantFrom(1e308, -1e308, 1.7976931348623157e308, 5e-324, 1e200);
export const value = fc.oneof({ weight: 1, arbitrary: anyDouble }, { weight: 4, arbitrary: moderate }, { weight: 1, arbitrary: huge });

/**
 * Schedules: ordinary ones, one as noisy as fromBetas allows (1500 steps of beta = 0.6:
 * log alphaBar_1500 = -1374.4, 1/sqrt(alphaBar) = e^687, so results overflow for large
 * inputs), forged copies, junk.
 */
export const plain = fromBetas(linearBetas(5, 0.1, 0.5));
const noisyBetas = new Float64Array(1501).fill(0.6);
noisyBetas[0] = 0;
export const noisy = fromBetas(noisyBetas);
export const scheduleArg = fc.oneof(
  { weight: 4, arbitrary: fc.constant(plain as unknown) },
  { weight: 2, arbitrary: fc.constant(noisy as unknown) },
  { weight: 1, arbitrary: fc.constant({ ...plain } as unknown) },
  { weight: 1, arbitrary: weird },
);

/** Steps: valid ones for both schedules, per-example arrays, and invalid ones. */
export function stepArg(batch: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.integer({ min: 1, max: 5 }),
    fc.constantFrom(1500, 1400, 0, -1, 6, 1501, 2.5, NaN, 2 ** 53),
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: batch, maxLength: batch }),
    fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: batch, maxLength: batch }).map((a) => Int32Array.from(a)),
    fc.array(fc.oneof(fc.integer({ min: -2, max: 8 }), anyDouble, weird), { minLength: 0, maxLength: batch + 1 }),
    weird,
  );
}

/** An ndarray of shape [B, D] with arbitrary values. */
export function batchArray(B: number, D: number): fc.Arbitrary<unknown> {
  return fc.array(value, { minLength: B * D, maxLength: B * D }).map((v) => ndarray(Float64Array.from(v), [B, D]));
}

/** A float64 ndarray of a random shape (0 to 3 axes of length 0 to 3) and arbitrary values. */
export const anyNd = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 3 }).chain((shape) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc.array(value, { minLength: size, maxLength: size }).map((v) => ndarray(Float64Array.from(v), shape));
});

/** Array arguments: usually [B, D] (reaching the kernels), sometimes another shape or junk. */
export function arrayArg(B: number, D: number): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 6, arbitrary: batchArray(B, D) }, { weight: 1, arbitrary: anyNd }, { weight: 1, arbitrary: weird });
}

