/**
 * Bad input at every stochastic sampler of the `solvers` area: each call either returns
 * finite numbers or throws a DiffusionError whose message names the API and the argument;
 * never NaN, Infinity, a hang, or another exception.
 *
 * @see proofs/solvers/pc.md (claim solvers/pc#validation)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { key } from '../../../src/core/random/index.js';
import { subVp, ve, vp } from '../../../src/core/sde/index.js';
import { langevinCorrector } from '../../../src/core/solvers/corrector.js';
import { eulerMaruyamaSample, eulerMaruyamaSampleWithKey, eulerMaruyamaStep } from '../../../src/core/solvers/euler-maruyama.js';
import { pcSample, pcSampleWithKey } from '../../../src/core/solvers/pc.js';
import { ancestralPredictor, reverseDiffusionPredictor } from '../../../src/core/solvers/predictors.js';
import { anyDouble, arrayArg, noiseArg, noiseSourceArg, outcomeOf, scoreArg, sdeArg, stepsArg, timeArg, weird } from '../sde/bad-values.js';

type Any = never;

/** How often each API returned a result (not an error): the suite must reach the kernels. */
const oks = new Map<string, number>();
function outcome(api: string, call: () => unknown): void {
  if (outcomeOf(api, call) === 'ok') oks.set(api, (oks.get(api) ?? 0) + 1);
}

const good = (x: ndarray.NdArray<Float64Array>) => ndarray(x.data.map((v) => -v), x.shape.slice());
const reverseArg = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(vp().reverse(good), ve().reverse(good, { probabilityFlow: true }), subVp().reverse(good)) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(vp(), vp({ betaMin: 1e300, betaMax: 1e300 }).reverse(good), { ...vp().reverse(good) }) },
  { weight: 1, arbitrary: weird },
);
const dtArg = fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.constantFrom<unknown>(0, -0, 1e-300, -2, 2, 1), anyDouble, weird);
const keyArg = fc.oneof({ weight: 3, arbitrary: fc.constant(key(7) as unknown) }, { weight: 1, arbitrary: weird }, { weight: 1, arbitrary: fc.record({ k0: fc.oneof(fc.integer(), anyDouble), k1: fc.integer() }) });
const shapeArg = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>([2, 2], [1, 3], [0, 2]) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([], [2.5], [-1, 2], [2 ** 32, 2 ** 32]) },
  { weight: 1, arbitrary: weird },
);
const emOptionsArg = fc.oneof(
  fc.record({ steps: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ steps: stepsArg, eps: fc.oneof(fc.constantFrom<unknown>(undefined, 1e-3, 0, 1, 0.5, -0.1), weird), trajectory: fc.constantFrom<unknown>(undefined, true, false, 1) }, { requiredKeys: [] }),
  weird,
);
const pcOptionsArg = fc.oneof(
  fc.record({
    steps: fc.integer({ min: 21, max: 40 }),
    predictor: fc.constantFrom('reverseDiffusion', 'ancestral', 'eulerMaruyama', 'none'),
    corrector: fc.constantFrom('langevin', 'none'),
    snr: fc.double({ min: 1e-3, max: 1, noNaN: true }),
  }),
  fc.record(
    {
      steps: stepsArg,
      predictor: fc.constantFrom<unknown>('reverseDiffusion', 'ancestral', 'eulerMaruyama', 'none', 'euler', undefined),
      corrector: fc.constantFrom<unknown>('langevin', 'none', 'ald', undefined),
      snr: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom<unknown>(undefined, 0, -1, NaN)),
      correctorSteps: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom<unknown>(undefined, 0, 1.5)),
      eps: fc.constantFrom<unknown>(undefined, 1e-3, 0, 1),
      trajectory: fc.constantFrom<unknown>(undefined, true, 'yes'),
    },
    { requiredKeys: [] },
  ),
  weird,
);
const correctorOptionsArg = fc.oneof(
  { weight: 4, arbitrary: fc.record({ snr: fc.double({ min: 1e-3, max: 1, noNaN: true }), steps: fc.integer({ min: 1, max: 3 }), N: fc.integer({ min: 21, max: 60 }) }) },
  { weight: 2, arbitrary: fc.record({ snr: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), weird), steps: fc.oneof(fc.integer({ min: 1, max: 3 }), weird), N: stepsArg }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: weird },
);

const args = fc
  .record({ B: fc.integer({ min: 0, max: 3 }), D: fc.integer({ min: 1, max: 3 }) })
  .chain(({ B, D }) =>
    fc.record({
      sde: sdeArg,
      rev: reverseArg,
      score: scoreArg,
      x: arrayArg(B, D),
      t: timeArg,
      dt: dtArg,
      N: stepsArg,
      z: noiseArg(B, D),
      source: noiseSourceArg(B, D),
      emOptions: emOptionsArg,
      pcOptions: pcOptionsArg,
      corrector: correctorOptionsArg,
      shape: shapeArg,
      k: keyArg,
    }),
  );

describe('stochastic samplers: bad input never escapes as NaN or a foreign exception', () => {
  test.prop([args], { numRuns: 300 })('solvers/pc#validation: the steps (eulerMaruyamaStep, reverseDiffusionPredictor, ancestralPredictor, langevinCorrector)', ({ sde, rev, score, x, t, dt, N, z, source, corrector }) => {
    outcome('solvers.eulerMaruyamaStep', () => eulerMaruyamaStep(sde as Any, x as Any, t as Any, dt as Any, z as Any));
    outcome('solvers.eulerMaruyamaStep', () => eulerMaruyamaStep(rev as Any, x as Any, t as Any, dt as Any, z as Any));
    outcome('solvers.reverseDiffusionPredictor', () => reverseDiffusionPredictor(rev as Any, x as Any, t as Any, N as Any, z as Any));
    outcome('solvers.ancestralPredictor', () => ancestralPredictor(sde as Any, score as Any, x as Any, t as Any, N as Any, z as Any));
    outcome('solvers.langevinCorrector', () => langevinCorrector(sde as Any, score as Any, x as Any, t as Any, corrector as Any, source as Any));
  });

  test.prop([args], { numRuns: 200 })('solvers/pc#validation: the samplers (eulerMaruyamaSample, pcSample and their key wrappers)', ({ sde, score, x, source, emOptions, pcOptions, shape, k }) => {
    outcome('solvers.eulerMaruyamaSample', () => eulerMaruyamaSample(sde as Any, score as Any, emOptions as Any, x as Any, source as Any));
    outcome('solvers.eulerMaruyamaSampleWithKey', () => eulerMaruyamaSampleWithKey(sde as Any, score as Any, emOptions as Any, shape as Any, k as Any));
    outcome('solvers.pcSample', () => pcSample(sde as Any, score as Any, pcOptions as Any, x as Any, source as Any));
    outcome('solvers.pcSampleWithKey', () => pcSampleWithKey(sde as Any, score as Any, pcOptions as Any, shape as Any, k as Any));
  });

  test('solvers/pc#validation: the random arguments reach every kernel (each API returned results)', () => {
    for (const api of ['eulerMaruyamaStep', 'reverseDiffusionPredictor', 'ancestralPredictor', 'langevinCorrector', 'eulerMaruyamaSample', 'eulerMaruyamaSampleWithKey', 'pcSample', 'pcSampleWithKey']) {
      expect(oks.get(`solvers.${api}`) ?? 0, api).toBeGreaterThan(0);
    }
  });

  test('solvers/pc#validation: messages name the argument', () => {
    const x = ndarray(new Float64Array(6), [2, 3]);
    const z = ndarray(new Float64Array(6), [2, 3]);
    const src = () => z;
    expect(() => eulerMaruyamaStep(vp(), x, 0.5, -0.1, z)).toThrow('solvers.eulerMaruyamaStep: invalid argument `dt`: expected a number in (0, 1] (a forward Sde steps forward in time: dt > 0), got -0.1');
    expect(() => eulerMaruyamaStep(vp().reverse(good), x, 0.5, 0.1, z)).toThrow(/`dt`: expected a number in \[-1, 0\) \(a ReverseSde steps backward in time: dt < 0\)/);
    expect(() => eulerMaruyamaStep(vp(), x, 1.5, 0.1, z)).toThrow('solvers.eulerMaruyamaStep: invalid argument `t`: expected a finite number in [0, 1], got 1.5');
    expect(() => eulerMaruyamaStep(vp(), x, 0.5, 0.1, ndarray(new Float64Array(6), [3, 2]))).toThrow(
      'solvers.eulerMaruyamaStep: invalid argument `noise`: expected shape [2, 3] (the shape of `x`), got [3, 2]',
    );
    expect(() => eulerMaruyamaSample(vp(), good, { steps: 0 }, x, src)).toThrow('solvers.eulerMaruyamaSample: invalid argument `options.steps`: expected an integer in 1..10000000, got 0');
    expect(() => eulerMaruyamaSample(vp(), () => ndarray(new Float64Array(6).fill(NaN), [2, 3]), { steps: 3 }, x, src)).toThrow(
      /solvers\.eulerMaruyamaSample: invalid argument `score`: expected a function returning finite float64 values/,
    );
    expect(() => eulerMaruyamaSample(vp(), good, { steps: 3 }, x, () => ndarray(new Float64Array(3), [3]))).toThrow(/solvers\.eulerMaruyamaSample: invalid argument `noise`: expected shape \[2, 3\]/);
    expect(() => pcSample(vp(), good, { steps: 10, predictor: 'reverseDiffusion', corrector: 'none' }, x, src)).toThrow(/solvers\.pcSample: invalid argument `options\.steps`: expected an integer N > betaMax = 20/);
    expect(() => pcSample(subVp(), good, { steps: 30, predictor: 'ancestral', corrector: 'none' }, x, src)).toThrow(/solvers\.pcSample: invalid argument `sde`: expected a VP or VE Sde/);
    expect(() => pcSample(ve(), good, { steps: 30, predictor: 'euler' as Any, corrector: 'none' }, x, src)).toThrow(/`options\.predictor`: expected 'reverseDiffusion', 'ancestral', 'eulerMaruyama' or 'none', got "euler"/);
    expect(() => pcSample(ve(), good, { steps: 30, predictor: 'none', corrector: 'langevin', snr: 0 }, x, src)).toThrow(/`options\.snr`: expected a finite number in \(0, inf\), got 0/);
    expect(() => pcSample(ve(), good, { steps: 30, predictor: 'none', corrector: 'langevin' }, x, src)).toThrow(/`options\.snr`/);
    expect(() => pcSampleWithKey(ve(), good, { steps: 3, predictor: 'none', corrector: 'none' }, [2, 3], { k0: -1, k1: 0 } as Any)).toThrow(/^solvers\.pcSampleWithKey: invalid argument `key`/);
    expect(() => ancestralPredictor({ ...vp() } as Any, good, x, 0.5, 30, z)).toThrow(/solvers\.ancestralPredictor: invalid argument `sde`: expected an Sde record built by sde\.vp/);
  });
});
