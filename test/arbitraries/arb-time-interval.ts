/**
 * A time interval (t0, t1) inside the library's continuous time [0, 1], in either
 * direction (t1 < t0 integrates backwards).
 */
import fc from 'fast-check';

export interface IntervalConstraints {
  /** Smallest |t1 - t0| (default 0). */
  readonly minLength?: number;
}

/** An interval (t0, t1) with both ends in [0, 1], in either direction. */
export function arbInterval(c: IntervalConstraints = {}): fc.Arbitrary<{ t0: number; t1: number }> {
  const min = c.minLength ?? 0;
  return fc
    .record({
      lo: fc.double({ min: 0, max: 1 - min, noNaN: true }),
      len: fc.double({ min, max: 1, noNaN: true }),
      backwards: fc.boolean(),
    })
    .map(({ lo, len, backwards }) => {
      const hi = Math.min(1, lo + len);
      return backwards ? { t0: hi, t1: lo } : { t0: lo, t1: hi };
    });
}
