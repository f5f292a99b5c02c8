/**
 * Bad values for the `sde` and stochastic `solvers` bad-input suites: junk of every type,
 * arbitrary doubles, arrays of random shapes, SDE options, times, step counts, score
 * functions that misbehave (wrong shape, NaN, wrong dtype, not an array, throwing a
 * non-library error is not among them: a user's exception propagates as it is), and noise
 * sources; and the check that a call returns finite numbers or throws a DiffusionError of
 * its own API in the one message form.
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import { expect } from 'vitest';
import { DiffusionError } from '../../../src/core/errors.js';
import { checkFinite } from '../../_support/outcome.js';
import { subVp, ve, vp } from '../../../src/core/sde/index.js';

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
  Symbol('s'),
  new Float32Array([1, 2]),
  ndarray(new Float32Array([1, 2]), [2]),
  ndarray([1, 2], [2]),
);
export const anyDouble = fc.double();
const moderate = fc.double({ min: -3, max: 3, noNaN: true });
const huge = fc.constantFrom(1e308, -1e308, 1.7976931348623157e308, 5e-324, 1e200);
export const value = fc.oneof({ weight: 1, arbitrary: anyDouble }, { weight: 6, arbitrary: moderate }, { weight: 1, arbitrary: huge });

/** A float64 ndarray of shape [B, D] with arbitrary values. */
export function batchArray(B: number, D: number): fc.Arbitrary<unknown> {
  return fc.array(value, { minLength: B * D, maxLength: B * D }).map((v) => ndarray(Float64Array.from(v), [B, D]));
}

/** A float64 ndarray of a random shape (0 to 3 axes of length 0 to 3) and arbitrary values. */
export const anyNd = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 3 }).chain((shape) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc.array(value, { minLength: size, maxLength: size }).map((v) => ndarray(Float64Array.from(v), shape));
});

/** Array arguments: usually [B, D], sometimes another shape or junk. */
export function arrayArg(B: number, D: number): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 6, arbitrary: batchArray(B, D) }, { weight: 1, arbitrary: anyNd }, { weight: 1, arbitrary: weird });
}

/** Times: valid ones, the ends, just outside, junk. */
export const timeArg = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 1, -0, -1e-12, 1 + 1e-12, 2, -1) },
  { weight: 1, arbitrary: anyDouble },
  { weight: 1, arbitrary: weird },
);

/** Step counts N: valid for every SDE (> 20), small (rejected by VP's DDPM rule), and junk. */
export const stepsArg = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 21, max: 60 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 2.5, NaN, Infinity, 1e8, 2 ** 53) },
  { weight: 1, arbitrary: weird },
);

/** SDE factory options: valid, edge and invalid parameters. */
export const vpOptionsArg = fc.oneof(
  fc.constantFrom<unknown>(undefined, {}, { betaMin: 0.1, betaMax: 20 }, { betaMin: 1, betaMax: 1 }, { betaMin: 1e-300, betaMax: 1e300 }),
  fc.record({ betaMin: fc.oneof(value, weird), betaMax: fc.oneof(value, weird) }, { requiredKeys: [] }),
  weird,
);
export const veOptionsArg = fc.oneof(
  fc.constantFrom<unknown>(undefined, {}, { sigmaMin: 0.01, sigmaMax: 50 }, { sigmaMin: 1e-300, sigmaMax: 1e150 }, { sigmaMin: 1, sigmaMax: 1e155 }),
  fc.record({ sigmaMin: fc.oneof(value, weird), sigmaMax: fc.oneof(value, weird) }, { requiredKeys: [] }),
  weird,
);

/** Valid SDE records, and an extreme one (huge betas), and forged ones. */
export const sdeArg = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(vp(), subVp(), ve(), vp({ betaMin: 1, betaMax: 5 }), ve({ sigmaMin: 1, sigmaMax: 1e100 })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(vp({ betaMin: 1e300, betaMax: 1e300 }), subVp({ betaMin: 1e-300, betaMax: 1e300 })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({ ...vp() }, { kind: 've', T: 1 }) },
  { weight: 1, arbitrary: weird },
);

/** Score functions: well behaved (-x, 1e300 x), and bad (wrong shape, NaN, Float32, not an array, undefined). */
export const scoreArg = fc.constantFrom<unknown>(
  (x: ndarray.NdArray<Float64Array>) => ndarray(x.data.map((v) => -v), x.shape.slice()),
  (x: ndarray.NdArray<Float64Array>) => ndarray(x.data.map((v) => 1e300 * v + 1), x.shape.slice()),
  (x: ndarray.NdArray<Float64Array>) => ndarray(x.data.map(() => 0), x.shape.slice()),
  (x: ndarray.NdArray<Float64Array>) => ndarray(new Float64Array(x.data.length + 1), [x.data.length + 1]),
  (x: ndarray.NdArray<Float64Array>) => ndarray(x.data.map(() => NaN), x.shape.slice()),
  (x: ndarray.NdArray<Float64Array>) => ndarray(Float32Array.from(x.data), x.shape.slice()),
  () => [1, 2],
  () => undefined,
  'score',
  null,
);

/** Noise arrays of x's shape [B, D], or junk. */
export function noiseArg(B: number, D: number): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 5, arbitrary: batchArray(B, D) }, { weight: 1, arbitrary: anyNd }, { weight: 1, arbitrary: weird });
}

/** Noise sources: standard ones for [B, D], ones returning junk, junk. */
export function noiseSourceArg(B: number, D: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant((i: number) => ndarray(Float64Array.from({ length: B * D }, (_, j) => Math.sin(7 * i + j)), [B, D])) },
    { weight: 1, arbitrary: fc.constant(() => ndarray(new Float64Array(B * D + 1), [B * D + 1])) },
    { weight: 1, arbitrary: fc.constant(() => ndarray(new Float64Array(B * D).fill(NaN), [B, D])) },
    { weight: 1, arbitrary: fc.constant(() => null) },
    { weight: 1, arbitrary: weird },
  );
}

/**
 * Runs `call`: 'ok' for a result whose numbers are all finite, 'error' for a DiffusionError
 * of `api` (or of a method path under it, `api.*`) in the one message form; anything else fails.
 */
export function outcomeOf(api: string, call: () => unknown): 'ok' | 'error' {
  let result: unknown;
  try {
    result = call();
  } catch (e) {
    expect(e, `${api} threw ${String(e)}`).toBeInstanceOf(DiffusionError);
    const err = e as DiffusionError;
    expect(err.api === api || err.api.startsWith(`${api}.`), `${api}: error from ${err.api}: ${err.message}`).toBe(true);
    expect(err.message.startsWith(`${err.api}: invalid argument \``), err.message).toBe(true);
    return 'error';
  }
  checkFinite(api, result);
  return 'ok';
}
