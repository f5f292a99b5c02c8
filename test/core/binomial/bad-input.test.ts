/**
 * Bad input at every export of the `binomial` area: each call either returns finite numbers
 * or throws a DiffusionError of its own API naming the argument; never NaN, an infinity, a
 * hang, or another exception.
 *
 * @see proofs/binomial/validation.md (claim binomial/validation#contract)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import * as binomial from '../../../src/core/binomial/index.js';
import { key } from '../../../src/core/random/index.js';
import { erasureBetas, fromBetas as gaussianSchedule, linearBetas } from '../../../src/core/schedule/index.js';
import { checkFinite, outcome } from '../../_support/outcome.js';

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
  { weight: 4, arbitrary: fc.constantFrom(0, 1) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(-0, 2, -1, 0.5, NaN, Infinity, 5e-324) },
);
const plain = binomial.fromBetas(erasureBetas(5));
const scheduleArg = fc.oneof(
  { weight: 4, arbitrary: fc.constant(plain as unknown) },
  { weight: 1, arbitrary: fc.constant(binomial.fromBetas(Float64Array.of(0, 1e-300, 0.5, 1)) as unknown) },
  { weight: 1, arbitrary: fc.constant({ ...plain } as unknown) },
  { weight: 1, arbitrary: fc.constant(gaussianSchedule(linearBetas(5, 0.1, 0.5)) as unknown) },
  { weight: 1, arbitrary: weird },
);
const stepArg = fc.oneof(fc.integer({ min: -1, max: 7 }), fc.constantFrom(2.5, NaN, 2 ** 53), weird);

/** An ndarray of a random shape (0 to 3 axes of length 0 to 3) with arbitrary values. */
const anyNd = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 3 }).chain((shape) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc.array(value, { minLength: size, maxLength: size }).map((v) => ndarray(Float64Array.from(v), shape));
});
function batch(n: number, d: number): fc.Arbitrary<unknown> {
  const good = fc.array(value, { minLength: n * d, maxLength: n * d }).map((v) => ndarray(Float64Array.from(v), [n, d]));
  return fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: anyNd }, { weight: 1, arbitrary: weird });
}

/** Reverse models: valid ones, and ones returning junk, wrong shapes or values outside [0, 1]. */
const modelArg = fc.oneof(
  fc.constant(((xt: { size: number; shape: number[] }) => ndarray(new Float64Array(xt.size).fill(0.5), xt.shape.slice())) as unknown),
  fc.constant(((xt: { size: number; shape: number[] }) => ndarray(new Float64Array(xt.size).fill(0), xt.shape.slice())) as unknown),
  fc.constant(((xt: { size: number; shape: number[] }) => ndarray(new Float64Array(xt.size).fill(1.5), xt.shape.slice())) as unknown),
  fc.constant(((xt: { size: number; shape: number[] }) => ndarray(new Float64Array(xt.size).fill(NaN), xt.shape.slice())) as unknown),
  fc.constant((() => ndarray(new Float64Array(3), [3])) as unknown),
  fc.constant((() => 'junk') as unknown),
  weird,
);
const noiseArg = (n: number, d: number) =>
  fc.oneof(
    fc.constant(key(3) as unknown),
    fc.constant(((t: number) => ndarray(new Float64Array(n * d).fill(t / 10), [n, d])) as unknown),
    fc.constant((() => ndarray(new Float64Array(n * d).fill(2), [n, d])) as unknown),
    fc.constant((() => ndarray(new Float64Array(1), [1])) as unknown),
    fc.constant(ndarray(new Float64Array(5 * n * d).fill(0.3), [5, n, d]) as unknown),
    fc.constant(ndarray(new Float64Array(4 * n * d).fill(0.3), [4, n, d]) as unknown),
    fc.record({ k0: fc.integer(), k1: fc.double() }) as fc.Arbitrary<unknown>,
    weird,
  );

const args = fc
  .record({ n: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 3 }) })
  .chain(({ n, d }) =>
    fc.record({
      s: scheduleArg,
      a: batch(n, d),
      b: batch(n, d),
      u: batch(n, d),
      t: stepArg,
      model: modelArg,
      noise: noiseArg(n, d),
      weights: fc.oneof(fc.constant(undefined as unknown), fc.constant(new Float64Array(n).fill(1) as unknown), fc.constant(Float64Array.of(-1) as unknown), weird),
    }),
  );

describe('binomial: bad input never escapes as NaN or a foreign exception', () => {
  test.prop([fc.oneof(weird, fc.array(value, { maxLength: 6 }).map((v) => Float64Array.from(v)), fc.constant(Float64Array.of(0, 0.5, 1)))])(
    'binomial/validation#contract: fromBetas and isBinomialSchedule',
    (betas) => {
      outcome('binomial.fromBetas', () => binomial.fromBetas(betas as Any), (api, s) => checkFinite(api, (s as { gamma: Float64Array }).gamma));
      expect(typeof binomial.isBinomialSchedule(betas)).toBe('boolean');
    },
  );

  test.prop([args], { numRuns: 300 })('binomial/validation#contract: the forward process, the posterior and the reverse kernel', ({ s, a, b, u, t }) => {
    outcome('binomial.kernel', () => binomial.kernel(s as Any, a as Any, t as Any));
    outcome('binomial.kernelLogProb', () => binomial.kernelLogProb(s as Any, a as Any, b as Any, t as Any));
    outcome('binomial.kernelSample', () => binomial.kernelSample(s as Any, a as Any, t as Any, u as Any));
    outcome('binomial.kernelSampleWithKey', () => binomial.kernelSampleWithKey(s as Any, a as Any, t as Any, key(1)));
    outcome('binomial.marginal', () => binomial.marginal(s as Any, a as Any, t as Any));
    outcome('binomial.marginalLogProb', () => binomial.marginalLogProb(s as Any, a as Any, b as Any, t as Any));
    outcome('binomial.marginalSample', () => binomial.marginalSample(s as Any, a as Any, t as Any, u as Any));
    outcome('binomial.marginalSampleWithKey', () => binomial.marginalSampleWithKey(s as Any, a as Any, t as Any, { k0: -1 } as Any));
    outcome('binomial.posterior', () => binomial.posterior(s as Any, a as Any, b as Any, t as Any));
    outcome('binomial.reverseLogProb', () => binomial.reverseLogProb(u as Any, a as Any));
    outcome('binomial.reverseSample', () => binomial.reverseSample(a as Any, u as Any));
  });

  test.prop([args], { numRuns: 300 })('binomial/validation#contract: the optimal kernel, the bound K (exact and Monte Carlo) and the exact log-likelihood', ({ s, a, b, t, model, noise, weights }) => {
    outcome('binomial.boundK', () => binomial.boundK(s as Any, a as Any, model as Any, noise as Any));
    outcome('binomial.boundKExact', () => binomial.boundKExact(s as Any, a as Any, model as Any));
    outcome('binomial.exactLogLikelihood', () => binomial.exactLogLikelihood(s as Any, a as Any, model as Any));
    let m: unknown = null;
    outcome('binomial.optimalReverse', () => {
      m = binomial.optimalReverse(s as Any, a as Any, weights as Any);
      return 0;
    });
    if (typeof m === 'function') outcome('binomial.optimalReverse', () => (m as binomial.BitModel)(b as Any, t as Any));
  });

  test('binomial/validation#contract: messages name the argument', () => {
    const s = binomial.fromBetas(erasureBetas(3));
    const x = ndarray(Float64Array.of(0, 1, 0.5), [1, 3]);
    expect(() => binomial.marginal(s, x, 1)).toThrow('binomial.marginal: invalid argument `x0`: expected bits (every entry 0 or 1), got 0.5 at flat index 2');
    expect(() => binomial.fromBetas(Float64Array.of(0, 0.5, 1.5))).toThrow(/binomial\.fromBetas: invalid argument `betas`: expected every beta_t in \[4\.45\d*e-308, 1\]/);
    expect(() => binomial.fromBetas(Float64Array.of(0, 0))).toThrow(/`betas`.*got 0 at t = 1/);
    expect(() => binomial.kernel(s, ndarray(Float64Array.of(1), [1]), 4)).toThrow('binomial.kernel: invalid argument `t`: expected an integer in 1..3, got 4');
    expect(() => binomial.reverseSample(ndarray(Float64Array.of(1.2), [1]), ndarray(Float64Array.of(0), [1]))).toThrow(/`probs`: expected values in \[0, 1\]/);
    const good = ndarray(Float64Array.of(0, 1), [1, 2]);
    expect(() => binomial.boundK(s, good, () => ndarray(Float64Array.of(0.5, 2), [1, 2]), key(0))).toThrow(/binomial\.boundK: invalid argument `model`: expected a function returning probabilities in \[0, 1\]/);
    expect(() => binomial.boundK(s, good, () => ndarray(Float64Array.of(0.5, 0.5), [1, 2]), ndarray(new Float64Array(4), [2, 1, 2]))).toThrow(
      'binomial.boundK: invalid argument `noise`: expected shape [3, 1, 2] (the shape of `[T, ...x0.shape]`), got [2, 1, 2]',
    );
    // A model certain of the wrong bit makes K = -Infinity, and a bit of probability 0 has log -Infinity: reported, not returned.
    expect(() => binomial.reverseLogProb(ndarray(Float64Array.of(0), [1]), ndarray(Float64Array.of(1), [1]))).toThrow(/`probs`: expected probabilities that give the observed bits/);
    expect(() => binomial.boundKExact(s, good, (xt) => ndarray(new Float64Array(xt.size), xt.shape.slice()))).toThrow(/`model`: expected probabilities for which K is finite/);
  });
});
