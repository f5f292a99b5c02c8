/**
 * Arbitrary DDPM schedules (`schedule.fromBetas` records): free betas drawn independently
 * in [minBeta, maxBeta] (default 1e-5..0.5), or the linear and cosine schedules with random
 * T and parameters. T is drawn in 1..maxT (default 200).
 */
import fc from 'fast-check';
import { cosineBetas, fromBetas, linearBetas, type Schedule } from '../../src/core/schedule/index.js';

export interface ScheduleConstraints {
  /** Largest T (default 200). */
  readonly maxT?: number;
  /** Smallest T (default 1). */
  readonly minT?: number;
  /** Range of the free betas (default 1e-5..0.5). */
  readonly minBeta?: number;
  readonly maxBeta?: number;
}

/** Betas of length T + 1 with betas[0] = 0 and the given values at t = 1..T. */
function withZero(values: readonly number[]): Float64Array {
  const b = new Float64Array(values.length + 1);
  b.set(values, 1);
  return b;
}

/** A schedule: free betas, a linear schedule, or a cosine schedule, with T in minT..maxT. */
export function arbSchedule(c: ScheduleConstraints = {}): fc.Arbitrary<Schedule> {
  const minT = c.minT ?? 1;
  const maxT = c.maxT ?? 200;
  const T = fc.integer({ min: minT, max: maxT });
  const free = T.chain((n) =>
    fc
      .array(fc.double({ min: c.minBeta ?? 1e-5, max: c.maxBeta ?? 0.5, noNaN: true }), { minLength: n, maxLength: n })
      .map((values) => fromBetas(withZero(values))),
  );
  const linear = fc
    .record({
      T,
      start: fc.double({ min: 1e-5, max: 1e-2, noNaN: true }),
      end: fc.double({ min: 1e-3, max: 0.5, noNaN: true }),
    })
    .map(({ T: n, start, end }) => fromBetas(linearBetas(n, start, end)));
  const cosine = fc
    .record({ T, s: fc.double({ min: 0, max: 0.1, noNaN: true }) })
    .map(({ T: n, s }) => fromBetas(cosineBetas(n, s)));
  return fc.oneof(free, linear, cosine);
}
