/**
 * Bad input at every export of the `sde` area and every method of its records: each call
 * either returns finite numbers or throws a DiffusionError whose message names the API and
 * the argument; never NaN, Infinity, a hang, or another exception.
 *
 * @see proofs/sde/validation.md (claim sde/validation#contract)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import * as sde from '../../../src/core/sde/index.js';
import type { Sde } from '../../../src/core/sde/index.js';
import { arrayArg, outcomeOf, scoreArg, stepsArg, timeArg, veOptionsArg, vpOptionsArg, weird } from './bad-values.js';

type Any = never;

/** Real records, among them extreme ones whose results overflow for large inputs. */
const recordArg = fc.constantFrom<Sde>(
  sde.vp(),
  sde.subVp(),
  sde.ve(),
  sde.vp({ betaMin: 1e300, betaMax: 1e300 }),
  sde.subVp({ betaMin: 1e-300, betaMax: 1e300 }),
  sde.ve({ sigmaMin: 1e-300, sigmaMax: 1e150 }),
);

const args = fc
  .record({ B: fc.integer({ min: 0, max: 3 }), D: fc.integer({ min: 1, max: 2 }) })
  .chain(({ B, D }) =>
    fc.record({
      rec: recordArg,
      x: arrayArg(B, D),
      t: timeArg,
      N: stepsArg,
      score: scoreArg,
      options: fc.oneof(fc.constantFrom<unknown>(undefined, {}, { probabilityFlow: true }, { probabilityFlow: false }, { probabilityFlow: 1 }), weird),
    }),
  );

describe('sde: bad input never escapes as NaN or a foreign exception', () => {
  test.prop([vpOptionsArg, veOptionsArg], { numRuns: 300 })('sde/validation#contract: the factories vp, subVp, ve', (vpOptions, veOptions) => {
    for (const [api, make, o] of [
      ['sde.vp', sde.vp, vpOptions],
      ['sde.subVp', sde.subVp, vpOptions],
      ['sde.ve', sde.ve, veOptions],
    ] as const) {
      if (outcomeOf(api, () => make(o as Any)) === 'ok') {
        const r = make(o as Any);
        expect(Object.isFrozen(r)).toBe(true);
        expect(Object.isFrozen(r.params)).toBe(true);
      }
    }
  });

  test.prop([args], { numRuns: 400 })('sde/validation#contract: every method of the records', ({ rec, x, t, N, score, options }) => {
    const api = `sde.${rec.kind}`;
    outcomeOf(api, () => rec.driftCoefficient(t as Any));
    outcomeOf(api, () => rec.drift(x as Any, t as Any));
    outcomeOf(api, () => rec.diffusion(t as Any));
    outcomeOf(api, () => rec.marginalCoefficients(t as Any));
    outcomeOf(api, () => rec.marginal(x as Any, t as Any));
    outcomeOf(api, () => rec.priorSample(x as Any));
    outcomeOf(api, () => rec.priorLogp(x as Any));
    outcomeOf(api, () => rec.discretize(x as Any, t as Any, N as Any));
    if (outcomeOf(api, () => rec.reverse(score as Any, options as Any)) === 'ok') {
      const rev = rec.reverse(score as Any, options as Any);
      outcomeOf(api, () => rev.drift(x as Any, t as Any));
      outcomeOf(api, () => rev.diffusion(t as Any));
      outcomeOf(api, () => rev.discretize(x as Any, t as Any, N as Any));
    }
  });

  test.prop([timeArg, stepsArg, fc.oneof(fc.integer({ min: -2, max: 70 }), weird)], { numRuns: 300 })(
    'sde/validation#contract: timeStep and stepTime',
    (t, N, k) => {
      outcomeOf('sde.timeStep', () => sde.timeStep(t as Any, N as Any));
      outcomeOf('sde.stepTime', () => sde.stepTime(k as Any, N as Any));
    },
  );

  test('sde/validation#contract: messages name the argument and print both shapes', () => {
    const x = ndarray(new Float64Array(6), [2, 3]);
    expect(() => sde.vp({ betaMin: 2, betaMax: 1 })).toThrow('sde.vp: invalid argument `betaMax`: expected a number >= betaMin = 2, got 1');
    expect(() => sde.ve({ sigmaMin: 5, sigmaMax: 5 })).toThrow('sde.ve: invalid argument `sigmaMax`: expected a number > sigmaMin = 5, got 5');
    expect(() => sde.ve({ sigmaMin: 1, sigmaMax: 1e160 })).toThrow(/sde\.ve: invalid argument `sigmaMax`: expected a number whose square/);
    expect(() => sde.vp({ betaMin: NaN })).toThrow(/sde\.vp: invalid argument `betaMin`/);
    expect(() => sde.vp([] as Any)).toThrow(/sde\.vp: invalid argument `options`/);
    expect(() => sde.vp().drift(x, 1.5)).toThrow('sde.vp.drift: invalid argument `t`: expected a finite number in [0, 1], got 1.5');
    expect(() => sde.ve().priorLogp(ndarray(new Float64Array(1), []))).toThrow(/sde\.ve\.priorLogp: invalid argument `x`: expected an array of shape \[n, \.\.\.\]/);
    const wrongShape = () => ndarray(new Float64Array(6), [3, 2]);
    expect(() => sde.vp().reverse(wrongShape).drift(x, 0.5)).toThrow(
      'sde.vp.reverse.drift: invalid argument `score`: expected shape [2, 3] (the shape of `its input, for the value score returned`), got [3, 2]',
    );
    const nan = (y: ndarray.NdArray<Float64Array>) => ndarray(new Float64Array(y.size).fill(NaN), y.shape.slice());
    expect(() => sde.subVp().reverse(nan).discretize(x, 0.5, 100)).toThrow(/sde\.subVp\.reverse\.discretize: invalid argument `score`: expected a function returning finite float64 values/);
    expect(() => sde.vp().reverse(nan, { probabilityFlow: 'yes' } as Any)).toThrow(/sde\.vp\.reverse: invalid argument `options.probabilityFlow`/);
    expect(() => sde.vp({ betaMin: 1e300, betaMax: 1e300 }).drift(ndarray(Float64Array.of(1e10), [1]), 0)).toThrow(/sde\.vp\.drift: invalid argument `x`: expected values for which f\(x, t\) = a\(t\) x is finite/);
    expect(() => sde.timeStep(0.5, 0)).toThrow('sde.timeStep: invalid argument `N`: expected an integer in 1..10000000, got 0');
    expect(() => sde.stepTime(5, 4)).toThrow('sde.stepTime: invalid argument `k`: expected an integer in 1..4, got 5');
  });
});
