/**
 * Bad input at every export of the `elbo` area: each call either returns finite numbers
 * or throws a DiffusionError whose message names the API and the argument; never NaN,
 * Infinity, a hang, or another exception. Model and noise functions that return junk are
 * bad input too (an exception the user's own function throws propagates unchanged).
 *
 * @see proofs/elbo/validation.md (claim elbo/validation#contract)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import * as elbo from '../../../src/core/elbo/index.js';
import { key } from '../../../src/core/random/index.js';
import { fromBetas, linearBetas } from '../../../src/core/schedule/index.js';
import { anyDouble, arrayArg, batchArray, outcome, plain, scheduleArg, stepArg, value, weird } from '../ddpm/bad-values.js';

type Any = never;

/** Pixels on the 8-bit grid (so the discretized decoder is reached), or arbitrary values. */
function x0Arg(B: number, D: number): fc.Arbitrary<unknown> {
  const pixel = fc.integer({ min: 0, max: 255 }).map((k) => (2 * k) / 255 - 1);
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(pixel, { minLength: B * D, maxLength: B * D }).map((v) => ndarray(Float64Array.from(v), [B, D])) },
    { weight: 2, arbitrary: arrayArg(B, D) },
  );
}

const varianceArg = fc.oneof(fc.constantFrom<unknown>('fixedSmall', 'fixedLarge', 'learned'), weird);
const optionsArg = fc.oneof(fc.constantFrom<unknown>(undefined, { decoder: 'gaussian' }, { decoder: 'discretized' }, {}, { decoder: 'logistic' }), weird);

/**
 * Model or noise functions: ones returning arrays of the right shape (arbitrary values), or junk
 * (a wrong shape, NaN, huge values, not an array). None throws: a user's own exception propagates.
 */
function fnArg(B: number, D: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    batchArray(B, D).map((a) => () => a),
    fc.constantFrom<unknown>(
      () => ndarray(new Float64Array(1), [1]),
      () => ndarray(new Float64Array(B * D).fill(NaN), [B, D]),
      () => ndarray(new Float64Array(B * D).fill(1e300), [B, D]),
      () => [1, 2],
      () => undefined,
      () => ndarray(new Float32Array(B * D), [B, D]),
    ),
    weird,
  );
}

/** A short schedule with a subnormal beta_1 (its decoder log-scale is out of the decoder's domain). */
const tinyBeta = fromBetas(new Float64Array([0, 1e-300, 0.1, 0.2]));
const schedules = fc.oneof(scheduleArg, fc.constant(tinyBeta as unknown), fc.constant(fromBetas(linearBetas(3, 0.05, 0.3)) as unknown));

const args = fc
  .record({ B: fc.integer({ min: 1, max: 3 }), D: fc.integer({ min: 1, max: 2 }) })
  .chain(({ B, D }) =>
    fc.record({
      s: schedules,
      x0: x0Arg(B, D),
      xt: arrayArg(B, D),
      eps: arrayArg(B, D),
      t: stepArg(B),
      variance: varianceArg,
      options: optionsArg,
      epsFn: fc.oneof(fc.constant((xt: { data: Float64Array; shape: number[] }) => ndarray(xt.data.map((x) => 0.5 * x), xt.shape.slice())), fnArg(B, D)),
      noise: fc.oneof(fc.constant(key(11) as unknown), fnArg(B, D), fc.record({ k0: fc.integer(), k1: anyDouble })),
    }),
  );

describe('elbo: bad input never escapes as NaN or a foreign exception', () => {
  test.prop([args], { numRuns: 400 })('elbo/validation#contract: priorKL, term and vlbEstimate', ({ s, x0, xt, eps, t, variance, options }) => {
    outcome('elbo.priorKL', () => elbo.priorKL(s as Any, x0 as Any));
    outcome('elbo.term', () => elbo.term(s as Any, x0 as Any, xt as Any, t as Any, eps as Any, variance as Any, options as Any));
    outcome('elbo.vlbEstimate', () => elbo.vlbEstimate(s as Any, x0 as Any, t as Any, xt as Any, eps as Any, variance as Any, options as Any));
  });

  test.prop([args], { numRuns: 300 })('elbo/validation#contract: vlb with junk models, noise functions and keys', ({ s, x0, epsFn, noise, variance, options }) => {
    outcome('elbo.vlb', () => elbo.vlb(s as Any, x0 as Any, epsFn as Any, noise as Any, variance as Any, options as Any));
  });

  test.prop([fc.oneof(value, fc.array(value, { maxLength: 4 }).map((v) => Float64Array.from(v)), weird), fc.oneof(fc.integer({ min: -2, max: 5000 }), anyDouble, weird)], {
    numRuns: 300,
  })('elbo/validation#contract: bitsPerDim', (nats, D) => {
    outcome('elbo.bitsPerDim', () => elbo.bitsPerDim(nats as Any, D as Any));
  });

  test.prop([fc.integer({ min: 0, max: 3 }).chain((B) => fc.integer({ min: 0, max: 2 }).chain((D) => fc.tuple(arrayArg(B, D), arrayArg(B, D))))], { numRuns: 300 })(
    'elbo/validation#contract: simpleLoss',
    ([a, b]) => {
      outcome('elbo.simpleLoss', () => elbo.simpleLoss(a as Any, b as Any));
    },
  );

  test('elbo/validation#contract: the documented rejections', () => {
    const x = ndarray(Float64Array.of(0.5, -1), [2, 1]);
    expect(() => elbo.term(plain, x, x, 1, x, 'fixedSmall')).toThrow(/^elbo\.term: invalid argument `x0`: expected values on the 8-bit grid/);
    expect(() => elbo.term(plain, x, x, 1, x, 'fixedSmall', { decoder: 'gaussian' })).not.toThrow();
    expect(() => elbo.term(plain, x, x, 2, x, 'fixedSmall')).not.toThrow();
    expect(() => elbo.vlb(plain, x, () => x, key(0), 'fixedSmall')).toThrow(/`x0`: expected values on the 8-bit grid/);
    expect(() => elbo.vlb(plain, ndarray(Float64Array.of(1), []), () => x, key(0), 'fixedSmall')).toThrow(/`x0`: expected an array with a leading batch axis/);
    const grid = ndarray(Float64Array.of(1, -1), [2, 1]);
    expect(() => elbo.vlb(plain, grid, () => ndarray(new Float64Array(3), [3, 1]), key(0), 'fixedSmall')).toThrow(
      /^elbo\.vlb: invalid argument `epsFn`: expected shape \[2, 1\]/,
    );
    expect(() => elbo.term(tinyBeta, grid, grid, 1, grid, 'fixedLarge')).toThrow(/`s`: expected a decoder log-scale/);
    const boom = new Error('from the model');
    expect(() => elbo.vlb(plain, grid, () => { throw boom; }, key(0), 'fixedSmall')).toThrow(boom);
    expect(() => elbo.bitsPerDim(1, 0)).toThrow(/`D`/);
    // Regression (found by the property above): D ln 2 < 1, so the quotient overflowed to Infinity.
    expect(() => elbo.bitsPerDim(Float64Array.of(1.7976931348623157e308), 1)).toThrow(/`nats`: expected values whose quotient/);
    expect(() => elbo.simpleLoss(ndarray(new Float64Array(2), [2, 0]), ndarray(new Float64Array(0), [2, 0]))).toThrow(/`eps`: expected examples with at least one coordinate/);
  });
});
