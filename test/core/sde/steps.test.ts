/**
 * The one conversion between continuous time and discrete steps: round trips, monotonicity,
 * and the predictor-corrector grid visiting every step once.
 *
 * @see proofs/sde/steps.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { stepTime, timeStep } from '../../../src/core/sde/index.js';

describe('timeStep and stepTime', () => {
  test.prop([fc.integer({ min: 1, max: 100_000 }), fc.double({ min: 0, max: 1, noNaN: true })])(
    'sde/steps#round-trip: timeStep(stepTime(k, N), N) = k for every step, and timeStep(t, N) is the k with stepTime(k) <= t < stepTime(k + 1)',
    (N, u) => {
      const k = 1 + Math.floor(u * (N - 1) + 0.5);
      expect(timeStep(stepTime(k, N), N)).toBe(k);
      // A t strictly inside step k's interval maps to k.
      const t = u;
      const j = timeStep(t, N);
      expect(j).toBeGreaterThanOrEqual(1);
      expect(j).toBeLessThanOrEqual(N);
      // stepTime(j) <= t up to the rounding slack (16 N ulps of t (N - 1)) ...
      expect(stepTime(j, N) * (N - 1)).toBeLessThanOrEqual(t * (N - 1) + 16 * N * Number.EPSILON);
      // ... and t < stepTime(j + 1) for j < N.
      if (j < N) expect(t).toBeLessThan(stepTime(j + 1, N));
    },
  );

  test('sde/steps#round-trip: the ends, N = 1, and every step of small N exactly', () => {
    expect(timeStep(0, 1000)).toBe(1);
    expect(timeStep(1, 1000)).toBe(1000);
    expect(timeStep(0.5, 1)).toBe(1);
    expect(stepTime(1, 1)).toBe(0);
    for (let N = 2; N <= 150; N++) for (let k = 1; k <= N; k++) expect(timeStep(stepTime(k, N), N)).toBe(k);
  });

  test.prop([fc.integer({ min: 1, max: 2000 }), fc.double({ min: 1e-6, max: 1 - 1e-9, noNaN: true })], { numRuns: 40 })(
    'sde/steps#grid: on the sampler grid t_j = 1 - j (1 - eps)/(N - 1) the steps are N - j, each once, when (N - 1) eps < 1 (by more than the slack)',
    (N, v) => {
      // eps = v/(N - 1): (N - 1) eps <= 1 - 1e-9, clear of the 16 N ulps slack below 1.
      const eps = N === 1 ? v : v / (N - 1);
      for (let j = 0; j < N; j++) {
        const t = j === 0 ? 1 : j === N - 1 ? eps : 1 - (j * (1 - eps)) / (N - 1);
        expect(timeStep(t, N)).toBe(N - j);
      }
    },
  );
});
