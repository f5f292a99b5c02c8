/**
 * Bad input at every export of the `schedule` area: each call either returns finite
 * values (a Float64Array of finite betas or sigmas, a Schedule whose arrays are finite
 * except where documented) or throws a DiffusionError in the one message form; never NaN,
 * a hang, or another kind of exception.
 *
 * @see proofs/schedule/validation.md (claim schedule/validation#contract)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { DiffusionError } from '../../../src/core/errors.js';
import * as schedule from '../../../src/core/schedule/index.js';
import { outcome as sharedOutcome } from '../../_support/outcome.js';

/** The Schedule fields that hold a value at every t (index 0 included). */
const FIELDS = [
  'beta',
  'alpha',
  'logAlpha',
  'logAlphaBar',
  'alphaBar',
  'oneMinusAlphaBar',
  'sqrtAlphaBar',
  'sqrtOneMinusAlphaBar',
  'sqrtRecipAlphaBar',
  'sqrtRecipM1AlphaBar',
  'posteriorVariance',
  'posteriorLogVarianceClipped',
  'posteriorMeanCoef1',
  'posteriorMeanCoef2',
] as const;

function checkResult(api: string, result: unknown): void {
  if (result instanceof Float64Array) {
    for (const v of result) expect(Number.isFinite(v), `${api} returned ${v}`).toBe(true);
    return;
  }
  const s = result as schedule.Schedule;
  expect(schedule.isSchedule(s)).toBe(true);
  expect(Object.isFrozen(s)).toBe(true);
  const bad: string[] = [];
  for (const f of FIELDS) {
    for (let t = 0; t <= s.T; t++) {
      const v = s[f][t]!;
      // No exceptions: fromBetas rejects betas whose log alphaBar_t falls below -1419, where
      // 1/sqrt(alphaBar_t) would overflow.
      if (!Number.isFinite(v)) bad.push(`${f}[${t}] = ${v}`);
    }
  }
  expect(bad, api).toEqual([]);
}

const outcome = (api: string, call: () => unknown) => sharedOutcome(api, call, checkResult);

const weird = fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -0, null, undefined, true, '', '3', 1n, [], {}, [1, 2], () => 1, Symbol('s'), new Float32Array([0, 0.1]), ndarray(new Float64Array([0, 0.1]), [2]));
const anyDouble = fc.double();
/** Step counts: small valid ones, and invalid ones (never a valid huge T, which would allocate). */
const countArg = fc.oneof(
  fc.integer({ min: -3, max: 50 }),
  fc.constantFrom(schedule.MAX_STEPS + 1, 2 ** 53, 2.5, -0.5, 1e300),
  anyDouble.filter((v) => !Number.isInteger(v)),
  weird,
);
const unitArg = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), anyDouble, fc.constantFrom(0, 1, -0, 1 + 2 ** -52, 5e-324), weird);
const positiveArg = fc.oneof(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), anyDouble, fc.constantFrom(0, 5e-324, 1.7e308), weird);

/** Betas arrays: well-formed ones with values anywhere, extreme values, wrong dtypes or lengths. */
const betasArg = fc.oneof(
  fc.array(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), anyDouble, fc.constantFrom(1 - 2 ** -53, 5e-324, 1, 0)), { minLength: 0, maxLength: 30 }).map(
    (v) => Float64Array.from([0, ...v]),
  ),
  fc.array(anyDouble, { maxLength: 5 }).map((v) => Float64Array.from(v)),
  // Very long and very noisy: log alphaBar falls below -1419, where fromBetas must throw.
  fc.double({ min: 0.3, max: 1 - 2 ** -53, noNaN: true }).map((b) => Float64Array.from({ length: 2501 }, (_, i) => (i === 0 ? 0 : b))),
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }).map((v) => Float32Array.from([0, ...v])),
  weird,
);

describe('schedule: bad input never escapes as NaN or a foreign exception', () => {
  test.prop([countArg, unitArg, unitArg], { numRuns: 300 })(
    'schedule/validation#contract: linearBetas and cosineBetas return finite betas or throw a DiffusionError',
    (T, a, b) => {
      outcome('schedule.linearBetas', () => schedule.linearBetas(T as number, a as number, b as number));
      outcome('schedule.cosineBetas', () => schedule.cosineBetas(T as number, a as number, b as number));
      outcome('schedule.erasureBetas', () => schedule.erasureBetas(T as number));
    },
  );

  test.prop([positiveArg, positiveArg, countArg], { numRuns: 300 })(
    'schedule/validation#contract: geometricSigmas returns finite decreasing sigmas or throws a DiffusionError',
    (max, min, L) => {
      if (outcome('schedule.geometricSigmas', () => schedule.geometricSigmas(max as number, min as number, L as number)) === 'ok') {
        const s = schedule.geometricSigmas(max as number, min as number, L as number);
        for (let i = 0; i + 1 < s.length; i++) expect(s[i + 1]!).toBeLessThan(s[i]!);
      }
    },
  );

  test.prop([betasArg], { numRuns: 300 })('schedule/validation#contract: fromBetas returns a finite Schedule or throws a DiffusionError', (betas) => {
    outcome('schedule.fromBetas', () => schedule.fromBetas(betas as Float64Array));
    expect(schedule.isSchedule(betas)).toBe(false);
  });

  test('schedule/validation#contract: the documented rejections', () => {
    expect(() => schedule.fromBetas(schedule.erasureBetas(4))).toThrow(/every beta_t in \(0, 1\)/);
    expect(() => schedule.fromBetas(new Float64Array([0.1, 0.2]))).toThrow(/betas\[0\] = 0/);
    expect(() => schedule.fromBetas(new Float64Array([0]))).toThrow(/length T \+ 1/);
    expect(() => schedule.linearBetas(0)).toThrow(/`T`/);
    expect(() => schedule.cosineBetas(10, -0.1)).toThrow(/`s`/);
    expect(() => schedule.geometricSigmas(1, 2, 10)).toThrow(/`sigmaMin`/);
    expect(schedule.isSchedule({ ...schedule.fromBetas(schedule.linearBetas(3)) })).toBe(false);
  });

  test('schedule/validation#contract: regressions found by the properties above', () => {
    // Two levels a few ulps apart cannot make 3 strictly decreasing values (once returned unsorted).
    expect(() => schedule.geometricSigmas(1.0000000000000008e-6, 1.0000000000000006e-6, 3)).toThrow(/strictly decreasing in float64/);
    // A subnormal beta: beta-tilde underflows, its log must not be -Infinity (once it was).
    outcome('schedule.fromBetas', () => schedule.fromBetas(Float64Array.of(0, 5e-324)));
    outcome('schedule.fromBetas', () => schedule.fromBetas(Float64Array.of(0, 5e-324, 5e-324)));
    // 2500 betas of 0.3: log alphaBar reaches -891; sqrt(1/alphaBar - 1) is finite there (once expm1 overflowed).
    const long = schedule.fromBetas(Float64Array.from({ length: 2501 }, (_, i) => (i === 0 ? 0 : 0.3)));
    expect(Number.isFinite(long.sqrtRecipM1AlphaBar[1990]!)).toBe(true);
  });
});

describe('schedule.fromBetas: a schedule with no finite record is rejected', () => {
  test('schedule/validation#contract: log alphaBar_t below MIN_LOG_ALPHA_BAR names `betas` (1/sqrt(alphaBar_t) would overflow)', () => {
    // 2100 betas of 0.5: log alphaBar_t = -t ln 2 passes -1419 at t = 2048.
    const betas = new Float64Array(2101).fill(0.5);
    betas[0] = 0;
    expect(() => schedule.fromBetas(betas)).toThrow(/^schedule\.fromBetas: invalid argument `betas`: expected betas whose log alphaBar_t .* >= -1419 .*, got log alphaBar_2048 = -1419\.5/);
    // 2047 steps stay above it, and every field is finite.
    const ok = schedule.fromBetas(betas.slice(0, 2048));
    expect(Number.isFinite(ok.sqrtRecipAlphaBar[2047]!) && Number.isFinite(ok.sqrtRecipM1AlphaBar[2047]!)).toBe(true);
    expect(schedule.MIN_LOG_ALPHA_BAR).toBe(-1419);
  });
});
