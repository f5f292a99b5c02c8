/**
 * Bad input at every export of the `nonequilibrium` area: each call either returns finite
 * numbers or throws a DiffusionError of its own API naming the argument; never NaN, an
 * infinity, a hang, or another exception.
 *
 * @see proofs/nonequilibrium/validation.md (claim nonequilibrium/validation#contract)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import * as binomial from '../../../src/core/binomial/index.js';
import * as nonequilibrium from '../../../src/core/nonequilibrium/index.js';
import { key } from '../../../src/core/random/index.js';
import { erasureBetas, fromBetas, linearBetas } from '../../../src/core/schedule/index.js';
import { outcome } from '../../_support/outcome.js';

type Any = never;

const weird = fc.constantFrom<unknown>(
  NaN,
  Infinity,
  -0,
  0.5,
  null,
  undefined,
  true,
  '',
  '1',
  1n,
  [],
  {},
  [0, 1],
  () => 1,
  Symbol('s'),
  new Float32Array([0, 1]),
  ndarray(new Float32Array([0, 1]), [1, 2]),
  ndarray([0, 1], [1, 2]),
);
const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(-0, 0, 1e200, -1e308, NaN, Infinity, 5e-324, 1) },
);
const plain = fromBetas(linearBetas(5, 0.1, 0.5));
const scheduleArg = fc.oneof(
  { weight: 4, arbitrary: fc.constant(plain as unknown) },
  { weight: 1, arbitrary: fc.constant({ ...plain } as unknown) },
  { weight: 1, arbitrary: fc.constant(binomial.fromBetas(erasureBetas(5)) as unknown) },
  { weight: 1, arbitrary: weird },
);
const anyNd = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 3 }).chain((shape) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc.array(value, { minLength: size, maxLength: size }).map((v) => ndarray(Float64Array.from(v), shape));
});
function shaped(shape: number[], v: fc.Arbitrary<number> = value): fc.Arbitrary<unknown> {
  const size = shape.reduce((a, b) => a * b, 1);
  const good = fc.array(v, { minLength: size, maxLength: size }).map((x) => ndarray(Float64Array.from(x), shape));
  return fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: anyNd }, { weight: 1, arbitrary: weird });
}
const filled = (shape: number[], v: number) => ndarray(new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(v), shape);

function reverseArg(n: number, d: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(((xt: { size: number; shape: number[]; data: Float64Array }) => ({ mean: ndarray(xt.data.slice(), xt.shape.slice()), logVariance: filled(xt.shape.slice(), -1) })) as unknown),
    fc.constant(((xt: { shape: number[] }) => ({ mean: filled(xt.shape.slice(), NaN), logVariance: filled(xt.shape.slice(), 0) })) as unknown),
    fc.constant(((xt: { shape: number[] }) => ({ mean: filled(xt.shape.slice(), 0), logVariance: filled(xt.shape.slice(), 500) })) as unknown),
    fc.constant(((xt: { shape: number[] }) => ({ mean: filled(xt.shape.slice(), 1e100), logVariance: filled(xt.shape.slice(), -200) })) as unknown),
    fc.constant((() => ({ mean: filled([1], 0) })) as unknown),
    fc.constant((() => null) as unknown),
    fc.constant({ mean: filled([5, n, d], 0.1), logVariance: filled([5, n, d], -2) } as unknown),
    fc.constant({ mean: filled([4, n, d], 0.1), logVariance: filled([4, n, d], -2) } as unknown),
    fc.constant({ mean: filled([5, n, d], 0.1) } as unknown),
    weird,
  );
}
function noiseArg(n: number, d: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(key(5) as unknown),
    fc.constant(((t: number) => filled([n, d], t / 5)) as unknown),
    fc.constant((() => filled([n, d], NaN)) as unknown),
    fc.constant((() => filled([n + 1, d], 0)) as unknown),
    fc.constant(filled([5, n, d], 0.5) as unknown),
    fc.constant(filled([6, n, d], 0.5) as unknown),
    fc.record({ k0: fc.integer(), k1: fc.double() }) as fc.Arbitrary<unknown>,
    weird,
  );
}
function rArg(d: number): fc.Arbitrary<unknown> {
  const rows = (x: { shape: number[] }) => x.shape[0] ?? 0;
  return fc.oneof(
    fc.constant({ logR: (x: { shape: number[] }) => filled([rows(x)], 0.5), gradLogR: (x: { shape: number[] }) => filled(x.shape.slice(), 1) } as unknown),
    fc.constant({ logR: (x: { shape: number[] }) => filled([rows(x)], -Infinity), gradLogR: (x: { shape: number[] }) => filled(x.shape.slice(), 1) } as unknown),
    fc.constant({ logR: (x: { shape: number[] }) => filled([rows(x)], 0), gradLogR: (x: { shape: number[] }) => filled(x.shape.slice(), NaN) } as unknown),
    fc.constant({ logR: (x: { shape: number[] }) => filled([rows(x)], 0), gradLogR: () => filled([d + 1], 1) } as unknown),
    fc.constant({ logR: () => 'junk', gradLogR: () => 3 } as unknown),
    fc.constant({ logR: 1 } as unknown),
    fc.constant({ logR: (x: { shape: number[] }) => filled([rows(x)], 0), gradLogR: (x: { shape: number[] }) => filled(x.shape.slice(), 1e300) } as unknown),
    weird,
  );
}

/** A covariance argument: positive variances, a full matrix (often not positive definite), or junk. */
function covArg(n: number, d: number): fc.Arbitrary<unknown> {
  const spdish = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * d * d, maxLength: n * d * d }).map((a) => {
    const m = new Float64Array(n * d * d);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          let s = i === j ? 0.1 : 0;
          for (let k = 0; k < d; k++) s += a[b * d * d + i * d + k]! * a[b * d * d + j * d + k]!;
          m[b * d * d + i * d + j] = s;
        }
      }
    }
    return ndarray(m, [n, d, d]) as unknown;
  });
  return fc.oneof(shaped([n, d], fc.double({ min: -1, max: 4, noNaN: true })), spdish, shaped([n, d, d]), weird);
}

const args = fc
  .record({ n: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 3 }) })
  .chain(({ n, d }) =>
    fc.record({
      s: scheduleArg,
      x0: shaped([n, d]),
      reverse: reverseArg(n, d),
      noise: noiseArg(n, d),
      dim: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constantFrom(2.5, 2 ** 40), weird),
      mean: shaped([n, d]),
      cov: covArg(n, d),
      known: shaped([n, d], fc.constantFrom(0, 1, 0.5)),
      values: shaped([n, d]),
      r: rArg(d),
    }),
  );

describe('nonequilibrium: bad input never escapes as NaN or a foreign exception', () => {
  test.prop([args], { numRuns: 300 })('nonequilibrium/validation#contract: boundK and entropyBounds', ({ s, x0, reverse, noise, dim }) => {
    outcome('nonequilibrium.boundK', () => nonequilibrium.boundK(s as Any, x0 as Any, reverse as Any, noise as Any));
    outcome('nonequilibrium.entropyBounds', () => nonequilibrium.entropyBounds(s as Any, dim as Any));
  });

  test.prop([args], { numRuns: 300 })('nonequilibrium/validation#contract: perturbKernel and inpaintKernel', ({ mean, cov, known, values, r }) => {
    outcome('nonequilibrium.perturbKernel', () => nonequilibrium.perturbKernel(mean as Any, cov as Any, r as Any));
    outcome('nonequilibrium.inpaintKernel', () => nonequilibrium.inpaintKernel(mean as Any, cov as Any, known as Any, values as Any));
  });

  test('nonequilibrium/validation#contract: messages name the argument', () => {
    const s = fromBetas(linearBetas(4, 0.1, 0.3));
    const x = ndarray(new Float64Array(4), [2, 2]);
    const model = (xt: { shape: number[] }) => ({ mean: filled(xt.shape.slice(), 0), logVariance: filled(xt.shape.slice(), -1) });
    expect(() => nonequilibrium.boundK(fromBetas(linearBetas(4, 0.1, 0.3)), x, model as Any, filled([3, 2, 2], 0))).toThrow(
      'nonequilibrium.boundK: invalid argument `noise`: expected shape [4, 2, 2] (the shape of `[T, ...x0.shape]`), got [3, 2, 2]',
    );
    expect(() => nonequilibrium.boundK(s, x, (() => ({ mean: filled([2, 2], 0), logVariance: filled([2, 2], NaN) })) as Any, key(0))).toThrow(/nonequilibrium\.boundK: invalid argument `reverse`/);
    expect(() => nonequilibrium.boundK(binomial.fromBetas(erasureBetas(3)) as Any, x, model as Any, key(0))).toThrow(/`s`: expected a Schedule built by schedule\.fromBetas/);
    expect(() => nonequilibrium.entropyBounds(s, 0)).toThrow('nonequilibrium.entropyBounds: invalid argument `dim`: expected an integer in 1..2147483648, got 0');
    const mu = ndarray(new Float64Array(2), [1, 2]);
    const r = { logR: () => filled([1], NaN), gradLogR: () => filled([1, 2], 0) };
    expect(() => nonequilibrium.perturbKernel(mu, filled([1, 2], 1), r as Any)).toThrow(/nonequilibrium\.perturbKernel: invalid argument `r`: expected a function returning finite float64 values/);
    expect(() => nonequilibrium.perturbKernel(mu, ndarray(Float64Array.of(1, 2, 2, 1), [1, 2, 2]), r as Any)).toThrow(/`covariance`: expected positive definite matrices/);
    expect(() => nonequilibrium.inpaintKernel(mu, filled([1, 2], 1), ndarray(Float64Array.of(1, 0.5), [1, 2]), mu)).toThrow(/`known`: expected a mask of bits/);
    expect(() => nonequilibrium.perturbKernel(mu, ndarray(Float64Array.of(1, 0.5, 0.4, 1), [1, 2, 2]), r as Any)).toThrow(/`covariance`: expected symmetric matrices/);
  });
});
