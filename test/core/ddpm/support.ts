/**
 * Small helpers shared by the `ddpm` and `elbo` tests: arrays from lists, arbitrary
 * batches of values, and the steps of a step argument per example.
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import type { Schedule } from '../../../src/core/schedule/index.js';
import { arbSchedule, type ScheduleConstraints } from '../../arbitraries/arb-schedule.js';
import { arbSteps } from '../../arbitraries/arb-steps.js';

/** A float64 ndarray holding `values` in the given shape (default: one axis). */
export function nd(values: ArrayLike<number>, shape: number[] = [values.length]): Float64NdArray {
  return ndarray(Float64Array.from(values), shape);
}

/** Batches of `batch` examples of `dim` values in [-range, range], as flat lists. */
export function arbValues(batch: number, dim: number, range = 3): fc.Arbitrary<number[]> {
  return fc.array(fc.double({ min: -range, max: range, noNaN: true }), { minLength: batch * dim, maxLength: batch * dim });
}

/** The step of example b for a step argument (a number for all, or one per example). */
export function stepOf(t: number | ArrayLike<number>, b: number): number {
  return typeof t === 'number' ? t : t[b]!;
}

/** A per-step scalar result (a number, or one per example) for example b. */
export function valueOf(v: number | Float64Array, b: number): number {
  return typeof v === 'number' ? v : v[b]!;
}


/** A schedule, a batch of B examples of D coordinates, a step argument and two arrays of values. */
export interface BatchCase {
  readonly s: Schedule;
  readonly B: number;
  readonly D: number;
  readonly t: number | Int32Array | number[];
  readonly u: number[];
  readonly v: number[];
}

/** Arbitrary batches over arbitrary schedules (B in 1..4, D in 1..3, values in [-range, range]). */
export function arbBatchCase(c: ScheduleConstraints = {}, range = 3): fc.Arbitrary<BatchCase> {
  return fc
    .record({ s: arbSchedule(c), B: fc.integer({ min: 1, max: 4 }), D: fc.integer({ min: 1, max: 3 }) })
    .chain(({ s, B, D }) =>
      fc.record({
        s: fc.constant(s),
        B: fc.constant(B),
        D: fc.constant(D),
        t: arbSteps(s.T, B),
        u: arbValues(B, D, range),
        v: arbValues(B, D, range),
      }),
    );
}
