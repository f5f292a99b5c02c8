/**
 * Bad input at every export of the `ddpm` area: each call either returns finite numbers
 * (ndarrays, per-step numbers or Float64Arrays) or throws a DiffusionError whose message
 * names the API and the argument; never NaN, Infinity, a hang, or another exception.
 *
 * @see proofs/ddpm/validation.md (claim ddpm/validation#contract)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import * as ddpm from '../../../src/core/ddpm/index.js';
import { key } from '../../../src/core/random/index.js';
import { anyDouble, arrayArg, outcome, plain, scheduleArg, stepArg, weird } from './bad-values.js';

const varianceArg = fc.oneof(fc.constantFrom<unknown>('fixedSmall', 'fixedLarge', 'learned', 'FixedSmall'), weird);
const optionsArg = fc.oneof(
  fc.constantFrom<unknown>(undefined, { clipDenoised: true }, { clipDenoised: false }, {}, { clipDenoised: 'yes' }, { clipDenoised: 1 }),
  weird,
);
const keyArg = fc.oneof(fc.constant(key(7) as unknown), weird, fc.record({ k0: fc.oneof(fc.integer(), anyDouble), k1: fc.integer() }));

/** A batch size, a dimension and arguments for a call. */
const args = fc
  .record({ B: fc.integer({ min: 1, max: 3 }), D: fc.integer({ min: 1, max: 2 }) })
  .chain(({ B, D }) =>
    fc.record({
      s: scheduleArg,
      a: arrayArg(B, D),
      b: arrayArg(B, D),
      c: arrayArg(B, D),
      t: stepArg(B),
      variance: varianceArg,
      options: optionsArg,
      k: keyArg,
    }),
  );

type Any = never;

describe('ddpm: bad input never escapes as NaN or a foreign exception', () => {
  test.prop([args], { numRuns: 400 })('ddpm/validation#contract: the forward process (qStep, qStepSample, q, qSample and the key wrappers)', ({ s, a, b, t, k }) => {
    outcome('ddpm.qStep', () => ddpm.qStep(s as Any, a as Any, t as Any));
    outcome('ddpm.qStepSample', () => ddpm.qStepSample(s as Any, a as Any, t as Any, b as Any));
    outcome('ddpm.qStepSampleWithKey', () => ddpm.qStepSampleWithKey(s as Any, a as Any, t as Any, k as Any));
    outcome('ddpm.q', () => ddpm.q(s as Any, a as Any, t as Any));
    outcome('ddpm.qSample', () => ddpm.qSample(s as Any, a as Any, t as Any, b as Any));
    outcome('ddpm.qSampleWithKey', () => ddpm.qSampleWithKey(s as Any, a as Any, t as Any, k as Any));
  });

  test.prop([args], { numRuns: 400 })('ddpm/validation#contract: the posterior and the parameterizations', ({ s, a, b, t }) => {
    outcome('ddpm.posterior', () => ddpm.posterior(s as Any, a as Any, b as Any, t as Any));
    outcome('ddpm.x0FromEps', () => ddpm.x0FromEps(s as Any, a as Any, t as Any, b as Any));
    outcome('ddpm.epsFromX0', () => ddpm.epsFromX0(s as Any, a as Any, t as Any, b as Any));
    outcome('ddpm.scoreFromEps', () => ddpm.scoreFromEps(s as Any, t as Any, a as Any));
    outcome('ddpm.epsFromScore', () => ddpm.epsFromScore(s as Any, t as Any, a as Any));
  });

  test.prop([args], { numRuns: 400 })('ddpm/validation#contract: the reverse process (pMeanVariance, ancestralStep and its key wrapper)', ({ s, a, b, c, t, variance, options, k }) => {
    outcome('ddpm.pMeanVariance', () => ddpm.pMeanVariance(s as Any, a as Any, t as Any, b as Any, variance as Any, options as Any));
    outcome('ddpm.ancestralStep', () => ddpm.ancestralStep(s as Any, a as Any, t as Any, b as Any, variance as Any, c as Any, options as Any));
    outcome('ddpm.ancestralStepWithKey', () => ddpm.ancestralStepWithKey(s as Any, a as Any, t as Any, b as Any, variance as Any, k as Any, options as Any));
  });

  test('ddpm/validation#contract: messages name the argument and print both shapes', () => {
    const x = ndarray(new Float64Array(6), [2, 3]);
    expect(() => ddpm.q(plain, x, 0)).toThrow('ddpm.q: invalid argument `t`: expected an integer in 1..5 (or one per example), got 0');
    expect(() => ddpm.qSample(plain, x, 1, ndarray(new Float64Array(6), [3, 2]))).toThrow(
      'ddpm.qSample: invalid argument `noise`: expected shape [2, 3] (the shape of `x0`), got [3, 2]',
    );
    expect(() => ddpm.q(plain, x, [1, 2, 3])).toThrow(/`t`: expected 2 steps, one per example/);
    expect(() => ddpm.q(plain, x, [1, 9])).toThrow(/`t`: expected integers in 1\.\.5, got 9 at index 1/);
    expect(() => ddpm.pMeanVariance(plain, x, 1, x, 'learned' as Any)).toThrow(/`variance`/);
    expect(() => ddpm.qSampleWithKey(plain, x, 9, key(1))).toThrow(/^ddpm\.qSampleWithKey: invalid argument `t`/);
    expect(() => ddpm.ancestralStepWithKey(plain, x, 1, x, 'fixedSmall', { k0: -1, k1: 0 } as Any)).toThrow(/^ddpm\.ancestralStepWithKey: invalid argument `key`/);
  });
});
