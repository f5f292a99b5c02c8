/**
 * Random bad input thrown at every export of the `gaussian` area: each call returns
 * finite numbers or throws a DiffusionError, never NaN, Infinity or another exception.
 * Arguments are drawn from a mix of valid operands (numbers and float64 ndarrays in the
 * domains) and bad ones (NaN, infinities, out-of-range values, other dtypes, wrong
 * shapes, strided views, off-grid pixels, non-array objects, wrong types).
 *
 * @see proofs/gaussian/density.md (claim gaussian/density#validation) and the
 *   #validation claims of kl.md, cdf.md and discretized.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { isNdArray } from '../../../src/_internal/validate.js';
import { DiffusionError, InvalidArgumentError, ShapeError } from '../../../src/core/errors.js';
import {
  discretizedLogLikelihood,
  entropy,
  logNormalCdf,
  logPdf,
  normalCdf,
  normalKL,
  score,
} from '../../../src/core/gaussian/index.js';

/** Runs f and checks that it returns only finite numbers or throws a DiffusionError. */
function finiteOrDiffusionError(f: () => unknown): void {
  let r: unknown;
  try {
    r = f();
  } catch (e) {
    if (!(e instanceof DiffusionError)) throw new Error(`expected a DiffusionError, got ${String(e)}`);
    expect(e.message).toMatch(/^gaussian\.\w+: invalid argument `\w+`: expected /);
    return;
  }
  if (typeof r === 'number') {
    expect(Number.isFinite(r), `result ${r}`).toBe(true);
    return;
  }
  expect(isNdArray(r)).toBe(true);
  const data = (r as { data: Float64Array }).data;
  expect(data).toBeInstanceOf(Float64Array);
  for (const v of data) expect(Number.isFinite(v), `result entry ${v}`).toBe(true);
}

const shapes = fc.constantFrom<number[]>([3], [2, 3], [3, 2], [1], [0], [6]);
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** A float64 ndarray of a drawn shape with entries from `values`. */
const arrayOf = (values: fc.Arbitrary<number>) =>
  shapes.chain((s) => fc.array(values, { minLength: size(s), maxLength: size(s) }).map((v) => ndarray(Float64Array.from(v), s)));

const anyDouble = fc.double(); // NaN, +-Infinity, -0, huge and tiny values included
const badValue = fc.oneof(
  anyDouble,
  fc.constantFrom(NaN, Infinity, -Infinity, 1e101, -1e101, 201, -201, 1e300, -1e300, 0.5, 2, -2, 0.001),
  fc.string(),
  fc.constantFrom(null, undefined, true, false, 10n, {}, [], [1, 2, 3], () => 1, Symbol('s')),
  fc.constant({ shape: [3], stride: [1], offset: 0, data: [1, 2, 3] }),
  arrayOf(anyDouble),
  shapes.map((s) => ndarray(new Float32Array(size(s)), s)),
  shapes.map((s) => ndarray(new Int32Array(size(s)), s)),
  fc.constant(ndarray(new Float64Array(2), [5])), // shape larger than its data
  fc.constant(ndarray(new Float64Array([0, 1, 2, 3, 4, 5]), [3], [2], 0)), // a strided (valid) view
);

const value = fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), arrayOf(fc.double({ min: -5, max: 5, noNaN: true })), badValue);
const logVar = fc.oneof(fc.double({ min: -200, max: 200, noNaN: true }), arrayOf(fc.double({ min: -200, max: 200, noNaN: true })), badValue);
const pixel = fc.oneof(
  fc.integer({ min: 0, max: 255 }).map((k) => (2 * k) / 255 - 1),
  arrayOf(fc.integer({ min: 0, max: 255 }).map((k) => (2 * k) / 255 - 1)),
  arrayOf(fc.double({ min: -1, max: 1, noNaN: true })), // off the grid
  badValue,
);

/** Cast for calls with deliberately wrong types. */
const any = (v: unknown) => v as never;

describe('bad input never escapes as NaN or a foreign exception', () => {
  test.prop([value, value, logVar])('gaussian/density#validation: logPdf returns finite values or throws a DiffusionError', (x, m, l) => {
    finiteOrDiffusionError(() => logPdf(any(x), any(m), any(l)));
  });

  test.prop([value, value, logVar])('gaussian/density#validation: score returns finite values or throws a DiffusionError', (x, m, l) => {
    finiteOrDiffusionError(() => score(any(x), any(m), any(l)));
  });

  test.prop([logVar])('gaussian/density#validation: entropy returns finite values or throws a DiffusionError', (l) => {
    finiteOrDiffusionError(() => entropy(any(l)));
  });

  test.prop([value, logVar, value, logVar])('gaussian/kl#validation: normalKL returns finite values or throws a DiffusionError', (m1, l1, m2, l2) => {
    finiteOrDiffusionError(() => normalKL(any(m1), any(l1), any(m2), any(l2)));
  });

  test.prop([value])('gaussian/cdf#validation: normalCdf returns finite values or throws a DiffusionError', (x) => {
    finiteOrDiffusionError(() => normalCdf(any(x)));
  });

  test.prop([value])('gaussian/cdf#validation: logNormalCdf returns finite values or throws a DiffusionError', (x) => {
    finiteOrDiffusionError(() => logNormalCdf(any(x)));
  });

  test.prop([pixel, value, logVar])(
    'gaussian/discretized#validation: discretizedLogLikelihood returns finite values or throws a DiffusionError',
    (x, m, l) => {
      finiteOrDiffusionError(() => discretizedLogLikelihood(any(x), any(m), any(l)));
    },
  );
});

describe('the errors name the argument at fault', () => {
  const a3 = () => ndarray(new Float64Array([0, 1, 2]), [3]);

  test('gaussian/density#validation: NaN, out-of-range, wrong dtype and wrong shape name their argument', () => {
    expect(() => logPdf(a3(), NaN, 0)).toThrow(/gaussian\.logPdf: invalid argument `mean`: expected a finite number/);
    expect(() => logPdf(a3(), 0, 201)).toThrow(/invalid argument `logVar`: expected a finite number in \[-200, 200\], got 201/);
    expect(() => score(any(ndarray(new Float32Array(3), [3])), 0, 0)).toThrow(/gaussian\.score: invalid argument `x`: expected an ndarray over a Float64Array/);
    expect(() => logPdf(a3(), ndarray(new Float64Array(2), [2]), 0)).toThrow(ShapeError);
    expect(() => logPdf(a3(), ndarray(new Float64Array(2), [2]), 0)).toThrow(/expected shape \[3\] \(the shape of `x`\), got \[2\]/);
    expect(() => entropy(ndarray(new Float64Array([0, Infinity]), [2]))).toThrow(/`logVar`: expected values in \[-200, 200\], got Infinity at flat index 1/);
    expect(() => entropy('1' as never)).toThrow(InvalidArgumentError);
  });

  test('gaussian/kl#validation: each of the four arguments is named', () => {
    expect(() => normalKL(NaN, 0, 0, 0)).toThrow(/gaussian\.normalKL: invalid argument `mean1`/);
    expect(() => normalKL(0, -300, 0, 0)).toThrow(/invalid argument `logVar1`/);
    expect(() => normalKL(0, 0, 1e200, 0)).toThrow(/invalid argument `mean2`/);
    expect(() => normalKL(a3(), 0, 0, ndarray(new Float64Array(4), [4]))).toThrow(/invalid argument `logVar2`: expected shape \[3\] \(the shape of `mean1`\), got \[4\]/);
  });

  test('gaussian/cdf#validation: non-finite x, and x below -1e150 for log Phi', () => {
    expect(() => normalCdf(Infinity)).toThrow(/gaussian\.normalCdf: invalid argument `x`/);
    expect(() => logNormalCdf(-1e151)).toThrow(/gaussian\.logNormalCdf: invalid argument `x`: expected a finite number in \[-1e\+150, inf\)/);
    expect(Number.isFinite(logNormalCdf(-1e150))).toBe(true);
    expect(normalCdf(-1e300)).toBe(0);
  });

  test('gaussian/discretized#validation: x off the grid or outside [-1, 1] is rejected, naming x', () => {
    expect(() => discretizedLogLikelihood(0.5, 0, 0)).toThrow(
      /gaussian\.discretizedLogLikelihood: invalid argument `x`: expected values on the 8-bit grid 2k\/255 - 1, k in 0\.\.255 \(within 1e-6\), got 0\.5/,
    );
    expect(() => discretizedLogLikelihood(ndarray(new Float64Array([-1, 0.3]), [2]), 0, 0)).toThrow(/got 0\.3 at flat index 1/);
    expect(() => discretizedLogLikelihood(1.5, 0, 0)).toThrow(/invalid argument `x`/);
    expect(() => discretizedLogLikelihood(-1 + 2e-6, 0, 0)).toThrow(/invalid argument `x`/);
    expect(() => discretizedLogLikelihood(1, 0, 101)).toThrow(/invalid argument `logScale`: expected a finite number in \[-100, 100\]/);
  });

  test('gaussian/density#validation: inputs are never written to', () => {
    const x = ndarray(new Float64Array([0.5, -1, 2]), [3]);
    const m = ndarray(new Float64Array([0, 0, 1]), [3]);
    const l = ndarray(new Float64Array([0, -1, 1]), [3]);
    const before = [x, m, l].map((a) => Array.from(a.data));
    logPdf(x, m, l);
    score(x, m, l);
    entropy(l);
    normalKL(x, l, m, l);
    normalCdf(x);
    logNormalCdf(x);
    discretizedLogLikelihood(ndarray(new Float64Array([-1, 1, 1 / 255]), [3]), m, l);
    expect([x, m, l].map((a) => Array.from(a.data))).toEqual(before);
  });
});
