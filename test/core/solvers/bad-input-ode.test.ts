/**
 * Bad input at every ODE export of the `solvers` area (odeIntegrate, odeSample,
 * odeSampleWithKey, odeDivergence, odeLogLikelihood, odeLogLikelihoodWithKey): each call
 * either returns finite numbers or throws a DiffusionError of its own API whose message
 * names the argument; never NaN, a hang, or another kind of exception.
 *
 * @see proofs/solvers/ode.md (claim solvers/ode#validation)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect, test as plainTest } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { DiffusionError, DTypeError, InvalidArgumentError, ShapeError } from '../../../src/core/errors.js';
import { key } from '../../../src/core/random/index.js';
import { subVp, ve, vp } from '../../../src/core/sde/index.js';
import { odeDivergence, odeLogLikelihood, odeLogLikelihoodWithKey } from '../../../src/core/solvers/likelihood.js';
import { odeIntegrate, odeMethods } from '../../../src/core/solvers/ode.js';
import { odeSample, odeSampleWithKey } from '../../../src/core/solvers/ode-sample.js';
import { outcome } from '../../_support/outcome.js';
import { nd } from './ode-support.js';

// --- arbitraries of mostly bad values ---------------------------------------------

const weird = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -0, 0, -1, 0.5, 1.5, 1e308, 5e-324, null, undefined, true, '', 'rk4', 'rk5', 1n, [], {}, [1, 2], () => 1),
  fc.constant(new Float32Array([1, 2])),
  fc.constant(ndarray(new Float32Array([1, 2]), [1, 2])),
  fc.constant(ndarray([1, 2], [1, 2])),
);
const anyDouble = fc.double();
const moderate = fc.double({ min: -5, max: 5, noNaN: true });
const value = fc.oneof({ weight: 1, arbitrary: anyDouble }, { weight: 6, arbitrary: moderate });

/** A float64 ndarray of a random shape (0 to 3 axes of length 0 to 3) and arbitrary values. */
const anyNd = fc
  .array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 3 })
  .chain((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return fc.array(value, { minLength: size, maxLength: size }).map((v) => ndarray(Float64Array.from(v), shape));
  });
/** Points [n, 2], usually valid. */
const points = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }).chain((n) => fc.array(value, { minLength: 2 * n, maxLength: 2 * n }).map((v) => nd(v, [n, 2]))) },
  { weight: 1, arbitrary: anyNd },
  { weight: 1, arbitrary: weird },
);

/** Fields / scores: valid ones and every way a user function can misbehave. */
const fields: [string, unknown][] = [
  ['decay', (x: Float64NdArray) => nd(Array.from(x.data, (v) => -v), x.shape)],
  ['rotation', (x: Float64NdArray) => nd(Array.from(x.data, (_, i) => (i % 2 === 0 ? -(x.data[i + 1] ?? 0) : x.data[i - 1]!)), x.shape)],
  ['huge', (x: Float64NdArray) => nd(new Float64Array(x.size).fill(1e308), x.shape)],
  ['explosive', (x: Float64NdArray) => nd(Array.from(x.data, (v) => 1e200 * v * v + 1), x.shape)],
  ['nan', (x: Float64NdArray) => nd(new Float64Array(x.size).fill(NaN), x.shape)],
  ['wrong shape', (x: Float64NdArray) => nd(new Float64Array(x.size + 1), [x.size + 1])],
  ['float32', (x: Float64NdArray) => ndarray(new Float32Array(x.size), x.shape.slice())],
  ['not an array', () => 3],
  ['not a function', 42],
];
const fieldArg = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(fields[0]![1], fields[1]![1]) },
  { weight: 6, arbitrary: fc.constantFrom(...fields).map(([, f]) => f) },
  { weight: 1, arbitrary: weird },
);

const sdeArg = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<unknown>(vp(), subVp(), ve(), vp({ betaMin: 0.5, betaMax: 5 })) },
  { weight: 1, arbitrary: fc.constant<unknown>({ ...vp() }) },
  { weight: 1, arbitrary: weird },
);

const timeArg = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), anyDouble, weird);
/** Solver options that are valid (fixed or adaptive, cheap to run) or not. */
const validFixed = fc.record({ method: fc.constantFrom('euler', 'heun', 'rk4', 'dopri5'), steps: fc.integer({ min: 1, max: 12 }) });
const validAdaptive = fc.record(
  {
    method: fc.constant('dopri5'),
    rtol: fc.double({ min: 1e-6, max: 0.5, noNaN: true }),
    atol: fc.double({ min: 1e-6, max: 0.5, noNaN: true }),
    maxSteps: fc.integer({ min: 1, max: 200 }),
    firstStep: fc.double({ min: 1e-3, max: 0.5, noNaN: true }),
  },
  { requiredKeys: [] },
);
const junkOptions = fc.record(
  {
    method: fc.oneof(fc.constantFrom<unknown>('euler', 'heun', 'rk4', 'dopri5'), weird),
    steps: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: -3, max: 0 }), weird),
    rtol: fc.oneof(fc.double({ min: 1e-6, max: 0.5, noNaN: true }), anyDouble, weird),
    atol: fc.oneof(fc.double({ min: 1e-6, max: 0.5, noNaN: true }), anyDouble, weird),
    maxSteps: fc.oneof(fc.integer({ min: 1, max: 200 }), weird),
    firstStep: fc.oneof(fc.double({ min: 1e-3, max: 0.5, noNaN: true }), anyDouble, weird),
  },
  { requiredKeys: [] },
);
const solverOptions: fc.Arbitrary<Record<string, unknown>> = fc.oneof({ weight: 3, arbitrary: validFixed }, { weight: 3, arbitrary: validAdaptive }, { weight: 2, arbitrary: junkOptions });
/** Extra options of the samplers and the likelihood: eps, divergence, probes, probe law. */
const extraOptions = fc.record(
  {
    eps: fc.oneof({ weight: 3, arbitrary: fc.constantFrom<unknown>(1e-3, 0.1) }, { weight: 1, arbitrary: fc.oneof(anyDouble, weird) }),
    divergence: fc.oneof({ weight: 4, arbitrary: fc.constantFrom<unknown>('exact', 'hutchinson') }, { weight: 1, arbitrary: weird }),
    probes: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: weird }),
    probe: fc.oneof({ weight: 3, arbitrary: fc.constantFrom<unknown>('rademacher', 'gaussian') }, { weight: 1, arbitrary: weird }),
  },
  { requiredKeys: [] },
);
const optionsArg: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(solverOptions, extraOptions).map(([a, b]) => ({ ...a, ...b })) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: weird },
);
const keyArg = fc.oneof(fc.constant<unknown>(key(3)), weird, fc.constant<unknown>({ k0: -1, k1: 2 }));
const shapeArg = fc.oneof(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 }) as fc.Arbitrary<unknown>, fc.constant<unknown>([]), fc.constant<unknown>([2, -1]), weird);
/** A score argument for the likelihood: a field, or a { score, jacobian } record (often wrong). */
const likelihoodScore = fc.oneof(
  { weight: 4, arbitrary: fieldArg },
  {
    weight: 1,
    arbitrary: fc.tuple(fieldArg, fc.oneof(fieldArg, fc.constant<unknown>((x: Float64NdArray) => nd(new Float64Array(x.size * 2), [x.shape[0]!, 2, 2])))).map(([s, j]) => ({ score: s, jacobian: j }) as unknown),
  },
);

type Fn = (...args: unknown[]) => unknown;

/** How often each API returned and threw over the properties: both paths must be exercised. */
const tally = new Map<string, { ok: number; error: number }>();
function run(api: string, call: () => unknown): void {
  const r = outcome(api, call);
  const t = tally.get(api) ?? { ok: 0, error: 0 };
  t[r]++;
  tally.set(api, t);
}

/**
 * Arguments for one call: a valid argument list (weight 2), the same with one argument
 * replaced by a fuzzed value (weight 1 per argument: every check is reached alone), or
 * every argument fuzzed (weight 2).
 */
function callArgs(valid: fc.Arbitrary<unknown[]>, fuzz: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown[]> {
  const one = fc.tuple(valid, fc.integer({ min: 0, max: fuzz.length - 1 }), fc.tuple(...fuzz)).map(([v, i, f]) => v.map((a, j) => (j === i ? f[j] : a)));
  return fc.oneof({ weight: 2, arbitrary: valid }, { weight: fuzz.length, arbitrary: one }, { weight: 2, arbitrary: fc.tuple(...fuzz) });
}

const validField = fc.constantFrom(fields[0]![1], fields[1]![1]);
const validPoints = fc.integer({ min: 0, max: 3 }).chain((n) => fc.array(moderate, { minLength: 2 * n, maxLength: 2 * n }).map((v) => nd(v, [n, 2]) as unknown));
const validSde = fc.constantFrom<unknown>(vp(), subVp(), ve());
const validSolver: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  validFixed,
  fc.record({ rtol: fc.double({ min: 1e-6, max: 0.5, noNaN: true }), atol: fc.double({ min: 1e-6, max: 0.5, noNaN: true }), maxSteps: fc.integer({ min: 500, max: 1000 }) }, { requiredKeys: [] }),
);
const validEps = fc.record({ eps: fc.constantFrom(1e-3, 0.1) }, { requiredKeys: [] });
const validSampleOptions = fc.tuple(validSolver, validEps).map(([a, b]) => ({ ...a, ...b }) as unknown);
/** Valid likelihood inputs: points and, for Hutchinson, probes of shape [P, ...x.shape]. */
const validLikelihood = fc.tuple(validPoints, validSolver, validEps, fc.boolean(), fc.integer({ min: 1, max: 3 })).chain(([x, solver, eps, hutch, P]) => {
  const shape = (x as Float64NdArray).shape;
  const size = P * shape[0]! * 2;
  return fc.array(moderate, { minLength: size, maxLength: size }).map((v) => ({
    x,
    options: { ...solver, ...eps, divergence: hutch ? 'hutchinson' : 'exact', ...(hutch ? { probes: P } : {}) } as unknown,
    probes: hutch ? (nd(v, [P, ...shape]) as unknown) : undefined,
  }));
});
const validScoreArg = fc.oneof(
  { weight: 3, arbitrary: validField },
  { weight: 1, arbitrary: validField.map((f) => ({ score: f, jacobian: (x: Float64NdArray) => nd(Array.from({ length: x.shape[0]! * 4 }, (_, k) => (k % 4 === 0 || k % 4 === 3 ? -1 : 0)), [x.shape[0]!, 2, 2]) }) as unknown) },
);

describe('solvers ODE: bad input', () => {
  test.prop(
    [
      callArgs(
        fc.tuple(validField, validPoints, validSolver, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map((a) => [...a] as unknown[]),
        [fieldArg, points, solverOptions, timeArg, timeArg],
      ),
    ],
    { numRuns: 200 },
  )('solvers/ode#validation: odeIntegrate returns finite values or throws a DiffusionError naming the argument', ([field, x, opts, t0, t1]) => {
    const options = typeof opts === 'object' && opts !== null ? { ...opts, t0, t1 } : opts;
    run('solvers.odeIntegrate', () => (odeIntegrate as Fn)(field, x, options));
  });

  test.prop([callArgs(fc.tuple(validSde, validField, validPoints, validSampleOptions).map((a) => [...a] as unknown[]), [sdeArg, fieldArg, points, optionsArg])], { numRuns: 200 })(
    'solvers/ode#validation: odeSample returns finite values or throws a DiffusionError naming the argument',
    ([sde, score, x, opts]) => {
      run('solvers.odeSample', () => (odeSample as Fn)(sde, score, x, opts));
    },
  );

  test.prop(
    [
      callArgs(
        fc.tuple(validSde, validField, fc.constant<unknown>(key(3)), fc.integer({ min: 0, max: 3 }).map((n) => [n, 2] as unknown), validSampleOptions).map((a) => [...a] as unknown[]),
        [sdeArg, fieldArg, keyArg, shapeArg, optionsArg],
      ),
    ],
    { numRuns: 150 },
  )('solvers/ode#validation: odeSampleWithKey returns finite values or throws a DiffusionError naming the argument', ([sde, score, k, shape, opts]) => {
    run('solvers.odeSampleWithKey', () => (odeSampleWithKey as Fn)(sde, score, k, shape, opts));
  });

  test.prop(
    [
      callArgs(
        fc.tuple(validSde, validScoreArg, validLikelihood, fc.double({ min: 0, max: 1, noNaN: true })).map(([sde, score, l, t]) => [sde, score, l.x, t, l.options, l.probes]),
        [sdeArg, likelihoodScore, points, timeArg, optionsArg, fc.oneof(anyNd as fc.Arbitrary<unknown>, weird)],
      ),
    ],
    { numRuns: 200 },
  )('solvers/ode#validation: odeDivergence returns finite values or throws a DiffusionError naming the argument', ([sde, score, x, t, opts, probes]) => {
    run('solvers.odeDivergence', () => (odeDivergence as Fn)(sde, score, x, t, opts, probes));
  });

  test.prop(
    [
      callArgs(
        fc.tuple(validSde, validScoreArg, validLikelihood).map(([sde, score, l]) => [sde, score, l.x, l.options, l.probes]),
        [sdeArg, likelihoodScore, points, optionsArg, fc.oneof(anyNd as fc.Arbitrary<unknown>, weird)],
      ),
    ],
    { numRuns: 200 },
  )('solvers/ode#validation: odeLogLikelihood returns finite values or throws a DiffusionError naming the argument', ([sde, score, x, opts, probes]) => {
    run('solvers.odeLogLikelihood', () => (odeLogLikelihood as Fn)(sde, score, x, opts, probes));
  });

  test.prop(
    [
      callArgs(
        fc.tuple(validSde, validScoreArg, validLikelihood, fc.constantFrom('rademacher', 'gaussian')).map(([sde, score, l, probe]) => [
          sde,
          score,
          l.x,
          key(5),
          { ...(l.options as object), probe },
        ]),
        [sdeArg, likelihoodScore, points, keyArg, optionsArg],
      ),
    ],
    { numRuns: 150 },
  )('solvers/ode#validation: odeLogLikelihoodWithKey returns finite values or throws a DiffusionError naming the argument', ([sde, score, x, k, opts]) => {
    run('solvers.odeLogLikelihoodWithKey', () => (odeLogLikelihoodWithKey as Fn)(sde, score, x, k, opts));
  });

  plainTest('every ODE export both returned and rejected in the properties above (both paths exercised)', () => {
    for (const api of ['solvers.odeIntegrate', 'solvers.odeSample', 'solvers.odeSampleWithKey', 'solvers.odeDivergence', 'solvers.odeLogLikelihood', 'solvers.odeLogLikelihoodWithKey']) {
      const t = tally.get(api);
      expect(t?.ok ?? 0, `${api}: too few valid calls reached the solver`).toBeGreaterThan(20);
      expect(t?.error ?? 0, `${api}: too few calls were rejected`).toBeGreaterThan(20);
    }
  });
});

// --- each documented error, once ------------------------------------------------------

const decay = (x: Float64NdArray) => nd(Array.from(x.data, (v) => -v), x.shape);
const X = nd([0.5, -1, 2, 0.1], [2, 2]);

function expectError(call: () => unknown, api: string, argument: string, kind: abstract new (...args: never[]) => DiffusionError = InvalidArgumentError): DiffusionError {
  let caught: unknown;
  try {
    call();
  } catch (e) {
    caught = e;
  }
  expect(caught, `${api} should throw on \`${argument}\``).toBeInstanceOf(kind);
  const e = caught as DiffusionError;
  expect(e.api).toBe(api);
  expect(e.argument).toBe(argument);
  expect(e.message.startsWith(`${api}: invalid argument \`${argument}\``), e.message).toBe(true);
  return e;
}

describe('solvers ODE: the documented errors', () => {
  const api = 'solvers.odeIntegrate';
  plainTest('t outside [0, 1]', () => {
    expectError(() => odeIntegrate(decay, X, { t0: -0.1, t1: 1 }), api, 'options.t0');
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1.5 }), api, 'options.t1');
    expectError(() => odeIntegrate(decay, X, { t0: NaN, t1: 1 }), api, 'options.t0');
    expectError(() => odeDivergence(vp(), decay, X, 2), 'solvers.odeDivergence', 't');
    expectError(() => odeSample(vp(), decay, X, { eps: 0 }), 'solvers.odeSample', 'options.eps');
    expectError(() => odeSample(vp(), decay, X, { eps: 1 }), 'solvers.odeSample', 'options.eps');
  });

  plainTest('steps < 1, not an integer, or too many', () => {
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, method: 'rk4', steps: 0 }), api, 'options.steps');
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, method: 'rk4', steps: 2.5 }), api, 'options.steps');
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, method: 'rk4', steps: 1e9 }), api, 'options.steps');
  });

  plainTest('rtol, atol <= 0 (and rtol below 100 EPS, tolerances with fixed steps)', () => {
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, rtol: 0 }), api, 'options.rtol');
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, rtol: 1e-15 }), api, 'options.rtol');
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, atol: -1e-6 }), api, 'options.atol');
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, atol: 0 }), api, 'options.atol');
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, method: 'rk4', rtol: 1e-3 }), api, 'options.rtol');
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, steps: 5, atol: 1e-3 }), api, 'options.atol');
  });

  plainTest('maxSteps exceeded: a typed error naming it, with where it stopped', () => {
    const e = expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, rtol: 1e-12, atol: 1e-12, maxSteps: 5 }), api, 'options.maxSteps');
    expect(e.message).toMatch(/exhausted at t = /);
    // s = -2x is not the score of N(0, I), so the VP flow moves and needs many steps at 1e-12.
    const moving = (x: Float64NdArray) => nd(Array.from(x.data, (v) => -2 * v), x.shape);
    expectError(() => odeSample(vp(), moving, X, { rtol: 1e-12, atol: 1e-12, maxSteps: 3 }), 'solvers.odeSample', 'options.maxSteps');
  });

  plainTest('a solution that blows up: an error naming the field, not a hang', () => {
    // dx/dt = x^2 from x = 10 blows up at t = 0.1.
    const square = (x: Float64NdArray) => nd(Array.from(x.data, (v) => v * v), x.shape);
    const x0 = nd([10], [1, 1]);
    expectError(() => odeIntegrate(square, x0, { t0: 0, t1: 1, method: 'rk4', steps: 4 }), api, 'field');
    const e = (() => {
      try {
        odeIntegrate(square, x0, { t0: 0, t1: 1, maxSteps: 100000 });
      } catch (err) {
        return err as DiffusionError;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(['field', 'options.maxSteps']).toContain(e.argument);
  });

  plainTest('a field returning the wrong shape, NaN, or another dtype', () => {
    expectError(() => odeIntegrate((x) => nd(new Float64Array(x.size + 1), [x.size + 1]), X, { t0: 0, t1: 1 }), api, 'field', ShapeError);
    expectError(() => odeIntegrate((x) => nd(new Float64Array(x.size).fill(NaN), x.shape), X, { t0: 0, t1: 1 }), api, 'field');
    expectError(() => odeIntegrate((x) => ndarray(new Float32Array(x.size), x.shape.slice()) as never, X, { t0: 0, t1: 1 }), api, 'field', DTypeError);
    expectError(() => odeSample(vp(), (x) => nd(new Float64Array(x.size).fill(NaN), x.shape), X), 'solvers.odeSample', 'score');
    expectError(() => odeLogLikelihood(vp(), (x) => nd(new Float64Array(1), [1]), X), 'solvers.odeLogLikelihood', 'score', ShapeError);
    expectError(() => odeLogLikelihood(vp(), { score: decay, jacobian: (x) => nd(new Float64Array(x.size), x.shape) }, X), 'solvers.odeLogLikelihood', 'score', ShapeError);
  });

  plainTest('probes of the wrong shape, missing, or given with the exact divergence', () => {
    const L = 'solvers.odeLogLikelihood';
    expectError(() => odeLogLikelihood(vp(), decay, X, { divergence: 'hutchinson' }, nd(new Float64Array(6), [3, 2])), L, 'probeNoise', ShapeError);
    expectError(() => odeLogLikelihood(vp(), decay, X, { divergence: 'hutchinson', probes: 3 }, nd(new Float64Array(8), [2, 2, 2])), L, 'probeNoise', ShapeError);
    expectError(() => odeLogLikelihood(vp(), decay, X, { divergence: 'hutchinson' }), L, 'probeNoise');
    expectError(() => odeLogLikelihood(vp(), decay, X, {}, nd(new Float64Array(4), [2, 2])), L, 'probeNoise');
    expectError(() => odeLogLikelihood(vp(), decay, X, { divergence: 'hutchinson' }, nd([NaN, 0, 0, 0], [2, 2])), L, 'probeNoise');
    expectError(() => odeLogLikelihoodWithKey(vp(), decay, X, key(0), { divergence: 'hutchinson', probes: 0 }), 'solvers.odeLogLikelihoodWithKey', 'options.probes');
  });

  plainTest('unknown method, divergence or probe names', () => {
    expectError(() => odeIntegrate(decay, X, { t0: 0, t1: 1, method: 'rk45' as never }), api, 'options.method');
    expectError(() => odeSample(vp(), decay, X, { method: 'Euler' as never }), 'solvers.odeSample', 'options.method');
    expectError(() => odeLogLikelihood(vp(), decay, X, { divergence: 'trace' as never }), 'solvers.odeLogLikelihood', 'options.divergence');
    expectError(() => odeLogLikelihoodWithKey(vp(), decay, X, key(0), { divergence: 'hutchinson', probe: 'uniform' as never }), 'solvers.odeLogLikelihoodWithKey', 'options.probe');
    expect(Object.keys(odeMethods)).toEqual(['euler', 'heun', 'rk4', 'dopri5']);
    expect(Object.isFrozen(odeMethods) && Object.isFrozen(odeMethods.rk4) && Object.isFrozen(odeMethods.rk4.tableau.b)).toBe(true);
  });

  plainTest('a record that is not an Sde, a key that is not a key', () => {
    expectError(() => odeSample({ ...vp() } as never, decay, X), 'solvers.odeSample', 'sde');
    expectError(() => odeLogLikelihood(null as never, decay, X), 'solvers.odeLogLikelihood', 'sde');
    expectError(() => odeSampleWithKey(vp(), decay, { k0: 1.5, k1: 0 } as never, [2, 2]), 'solvers.odeSampleWithKey', 'key');
    expectError(() => odeSampleWithKey(vp(), decay, key(0), [] as never), 'solvers.odeSampleWithKey', 'shape');
  });
});
