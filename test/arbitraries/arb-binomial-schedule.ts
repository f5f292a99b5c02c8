/**
 * Arbitrary binomial diffusion schedules (`binomial.fromBetas` records): free betas drawn
 * independently in [minBeta, 1] with a chance of beta_t = 1 exactly (a step that erases the
 * bit), or the erasure schedule 1/(T - t + 1) of Sohl-Dickstein et al. (2015). T is drawn in
 * minT..maxT (default 1..30).
 */
import fc from 'fast-check';
import { fromBetas, type BinomialSchedule } from '../../src/core/binomial/index.js';
import { erasureBetas } from '../../src/core/schedule/index.js';

export interface BinomialScheduleConstraints {
  /** Smallest T (default 1). */
  readonly minT?: number;
  /** Largest T (default 30). */
  readonly maxT?: number;
  /** Smallest free beta (default 1e-6). */
  readonly minBeta?: number;
}

/** A free beta in [minBeta, 1], drawn log-uniformly in scale, or exactly 1 now and then. */
function arbBeta(minBeta: number): fc.Arbitrary<number> {
  const logMin = Math.log(minBeta);
  return fc.oneof(
    { weight: 8, arbitrary: fc.double({ min: logMin, max: 0, noNaN: true }).map((l) => Math.min(1, Math.exp(l))) },
    { weight: 1, arbitrary: fc.constant(1) },
  );
}

/** A binomial schedule: free betas in [minBeta, 1], or the erasure schedule, with T in minT..maxT. */
export function arbBinomialSchedule(c: BinomialScheduleConstraints = {}): fc.Arbitrary<BinomialSchedule> {
  const T = fc.integer({ min: c.minT ?? 1, max: c.maxT ?? 30 });
  const free = T.chain((n) =>
    fc.array(arbBeta(c.minBeta ?? 1e-6), { minLength: n, maxLength: n }).map((values) => {
      const b = new Float64Array(n + 1);
      b.set(values, 1);
      return fromBetas(b);
    }),
  );
  const erasure = T.map((n) => fromBetas(erasureBetas(n)));
  return fc.oneof({ weight: 3, arbitrary: free }, { weight: 1, arbitrary: erasure });
}
