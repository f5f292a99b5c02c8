/**
 * Bad input at every export of the `langevin` area: each call either returns finite
 * numbers or throws a DiffusionError whose message begins with its API and names the
 * argument; never NaN, a hang, or another kind of exception. Random junk is thrown at
 * each argument in turn (the others mostly valid, so that the deeper checks are reached),
 * and the cases the contract names are pinned down one by one.
 *
 * @see proofs/langevin/validation.md (claim langevin/validation#contract)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { DiffusionError, DTypeError, InvalidArgumentError, ShapeError } from '../../../src/core/errors.js';
import * as langevin from '../../../src/core/langevin/index.js';
import { key } from '../../../src/core/random/index.js';
import { outcome } from '../../_support/outcome.js';

// --- values -------------------------------------------------------------------------

const weird = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -0, 0, -1, 0.5, 1e308, 5e-324, null, undefined, true, '', '3', 1n, [], {}, [1, 2], [[1]], () => 1, Symbol('s')),
  fc.string({ maxLength: 5 }),
  fc.constant(new Float32Array([1, 2])),
  fc.constant(new Int32Array([1])),
  fc.constant(ndarray(new Float32Array([1, 2]), [2, 1])),
  fc.constant(ndarray([1, 2], [2, 1])),
);
const anyDouble = fc.double();
const moderate = fc.double({ min: -10, max: 10, noNaN: true });
const value = fc.oneof({ weight: 1, arbitrary: anyDouble }, { weight: 4, arbitrary: moderate });

const nd = (v: ArrayLike<number>, shape: number[]) => ndarray(Float64Array.from(v), shape);

/** A float64 ndarray of a random shape (0 to 3 axes of length 0 to 3) and arbitrary values. */
const anyNd = fc
  .array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 3 })
  .chain((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return fc.array(value, { minLength: size, maxLength: size }).map((v) => nd(v, shape));
  });

/** A DiffusionError subclass, as a value. */
type ErrorClass = new (...args: never[]) => DiffusionError;

/** The state used throughout: 3 particles in 2-D. */
const SHAPE = [3, 2];
const goodX = nd([0.5, -1, 1, 2, -0.3, 0], SHAPE);
const goodArray = fc.array(moderate, { minLength: 6, maxLength: 6 }).map((v) => nd(v, SHAPE));
/** An array argument of the state's shape: mostly valid, else junk of any kind. */
const arrayArg = fc.oneof({ weight: 3, arbitrary: goodArray as fc.Arbitrary<unknown> }, { weight: 2, arbitrary: anyNd }, { weight: 1, arbitrary: weird });

const epsArg = fc.oneof(fc.double({ min: 1e-4, max: 1, noNaN: true }), anyDouble, weird);
/** Steps: small valid ones and invalid ones (never a valid huge count, which would only be slow). */
const stepsArg = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: -3, max: 0 }), fc.constantFrom(2.5, -0.5, 2 ** 53, 1e308, NaN, Infinity), weird);

/** Fields a user might pass: valid ones, and every way to get them wrong. */
const scoreFn = fc.constantFrom<unknown>(
  (x: Float64NdArray) => nd(x.data.map((v) => -v), x.shape),
  (x: Float64NdArray) => x,
  (x: Float64NdArray) => nd(x.data.map(() => NaN), x.shape),
  (x: Float64NdArray) => nd(x.data.map(() => 1e308), x.shape),
  (x: Float64NdArray) => nd(x.data.map((v) => v * 1e300), x.shape),
  (x: Float64NdArray) => nd([1], [1]),
  (x: Float64NdArray) => ndarray(new Float32Array(x.data.length), x.shape),
  () => 1,
  () => undefined,
  () => [1, 2, 3],
  'score',
  null,
);
const noiseFn = fc.constantFrom<unknown>(
  () => nd([0.1, -0.2, 0.3, 1, -1, 0], SHAPE),
  () => nd([0.1, -0.2, 0.3, 1, -1, 0], [6]),
  () => nd([NaN, 0, 0, 0, 0, 0], SHAPE),
  () => nd([1e308, 0, 0, 0, 0, 0], SHAPE),
  () => ndarray(new Float32Array(6), SHAPE),
  () => null,
  (i: number) => i,
  42,
);
const logDensityFn = fc.constantFrom<unknown>(
  (x: Float64NdArray) => nd(Array.from({ length: x.shape[0]! }, (_, r) => -0.5 * (x.data[2 * r]! ** 2 + x.data[2 * r + 1]! ** 2)), [x.shape[0]!]),
  (x: Float64NdArray) => nd(new Float64Array(x.shape[0]!), [x.shape[0]!]),
  (x: Float64NdArray) => x,
  (x: Float64NdArray) => nd(new Float64Array(x.shape[0]!).fill(NaN), [x.shape[0]!]),
  () => 0,
  undefined,
);
const uniformsFn = fc.constantFrom<unknown>(
  () => nd([0.5, 0.1, 0.9], [3]),
  () => nd([0, 0.999, 0.5], [3]),
  () => nd([1, 0.5, 0.5], [3]),
  () => nd([-0.1, 0.5, 0.5], [3]),
  () => nd([NaN, 0.5, 0.5], [3]),
  () => nd([0.5, 0.5], [2]),
  'u',
);
const noiseScoreFn = scoreFn.map((f) => (typeof f === 'function' ? (x: Float64NdArray, _sigma: number) => (f as (x: Float64NdArray) => unknown)(x) : f));

const keyArg = fc.oneof(
  { weight: 3, arbitrary: fc.constant(key(3) as unknown) },
  { weight: 1, arbitrary: weird },
  { weight: 1, arbitrary: fc.record({ k0: fc.oneof(fc.integer(), anyDouble), k1: fc.oneof(fc.integer(), anyDouble) }) },
);

const sigmasArg = fc.oneof(
  fc.constantFrom<unknown>(
    new Float64Array([1, 0.5, 0.1]),
    new Float64Array([2]),
    new Float64Array([1, 1, 0.5]),
    new Float64Array([0.1, 0.5]),
    new Float64Array([1, -0.5]),
    new Float64Array([1, 0]),
    new Float64Array([NaN, 1]),
    new Float64Array([Infinity, 1]),
    new Float64Array([1e300, 1e-300]),
    new Float64Array(0),
    new Float32Array([1, 0.5]),
    [1, 0.5],
  ),
  weird,
);

const chainOptions = fc.oneof(
  { weight: 4, arbitrary: fc.record({ eps: epsArg, steps: stepsArg }) },
  { weight: 2, arbitrary: fc.record({ eps: epsArg, steps: stepsArg, trajectory: fc.oneof(stepsArg, fc.constantFrom<unknown>('levels', true, false)) }) },
  { weight: 1, arbitrary: weird },
);
const annealedOptions = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      eps: epsArg,
      stepsPerLevel: stepsArg,
      trajectory: fc.oneof(fc.constant(undefined), stepsArg, fc.constantFrom<unknown>('levels', 'steps')),
      denoise: fc.oneof(fc.boolean(), fc.constantFrom<unknown>(undefined, 1, 'yes')),
    }),
  },
  { weight: 1, arbitrary: weird },
);
const maskArg = fc.oneof(
  fc.constantFrom<unknown>(
    nd([1, 0], [2]),
    nd([0, 0], [2]),
    nd([1, 0, 0, 1, 1, 1], SHAPE),
    nd([1, 0.5], [2]),
    nd([1, 2], [2]),
    nd([NaN, 0], [2]),
    nd([1, 0, 1], [3]),
    nd([1], [1, 1]),
    ndarray(new Float32Array([1, 0]), [2]),
  ),
  anyNd,
  weird,
);
const knownArg = fc.oneof(fc.constantFrom<unknown>(nd([0.7, 0], [2]), nd([1, 2, 3, 4, 5, 6], SHAPE), nd([Infinity, 0], [2]), nd([1, 2, 3], [3])), anyNd, weird);
const conditionArg = fc.oneof({ weight: 4, arbitrary: fc.record({ mask: maskArg, known: knownArg }) as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: weird });

/** A MalaState-like record: valid for goodX often, else junk in any field. */
const stateArg = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      x: fc.oneof({ weight: 3, arbitrary: goodArray as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: anyNd }, { weight: 1, arbitrary: weird }),
      logDensity: fc.oneof(fc.array(value, { minLength: 3, maxLength: 3 }).map((v) => nd(v, [3]) as unknown), anyNd, weird),
      score: arrayArg,
    }) as fc.Arbitrary<unknown>,
  },
  { weight: 1, arbitrary: weird },
);

// --- the suites ---------------------------------------------------------------------

describe('langevin: bad input never escapes as NaN or a foreign exception', () => {
  test.prop([arrayArg, arrayArg, epsArg, arrayArg], { numRuns: 300 })(
    'langevin/validation#contract: step returns finite arrays or throws a DiffusionError',
    (x, s, eps, z) => {
      outcome('langevin.step', () => langevin.step(x as never, s as never, eps as never, z as never));
    },
  );

  test.prop([scoreFn, arrayArg, chainOptions, noiseFn, keyArg], { numRuns: 300 })(
    'langevin/validation#contract: chain and chainWithKey return finite arrays or throw a DiffusionError',
    (score, x, options, noise, k) => {
      outcome('langevin.chain', () => langevin.chain(score as never, x as never, options as never, noise as never));
      outcome('langevin.chainWithKey', () => langevin.chainWithKey(score as never, x as never, options as never, k as never));
    },
  );

  test.prop([stateArg, stateArg, epsArg], { numRuns: 300 })(
    'langevin/validation#contract: malaLogRatio returns finite log ratios or throws a DiffusionError',
    (cur, prop, eps) => {
      outcome('langevin.malaLogRatio', () => langevin.malaLogRatio(cur as never, prop as never, eps as never));
    },
  );

  test.prop(
    [
      logDensityFn,
      scoreFn,
      arrayArg,
      epsArg,
      arrayArg,
      fc.oneof(fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 3, maxLength: 3 }).map((u) => nd(u, [3]) as unknown), anyNd, weird),
    ],
    { numRuns: 300 },
  )('langevin/validation#contract: malaStep returns finite arrays or throws a DiffusionError', (lp, s, x, eps, z, u) => {
    outcome('langevin.malaStep', () => langevin.malaStep(lp as never, s as never, x as never, eps as never, z as never, u as never));
  });

  test.prop([logDensityFn, scoreFn, arrayArg, chainOptions, noiseFn, uniformsFn, keyArg], { numRuns: 300 })(
    'langevin/validation#contract: mala and malaWithKey return finite values or throw a DiffusionError',
    (lp, s, x, options, noise, u, k) => {
      outcome('langevin.mala', () => langevin.mala(lp as never, s as never, x as never, options as never, noise as never, u as never));
      outcome('langevin.malaWithKey', () => langevin.malaWithKey(lp as never, s as never, x as never, options as never, k as never));
    },
  );

  test.prop([noiseScoreFn, sigmasArg, annealedOptions, arrayArg, noiseFn, keyArg], { numRuns: 300 })(
    'langevin/validation#contract: annealed and annealedWithKey return finite arrays or throw a DiffusionError',
    (s, sigmas, options, x, noise, k) => {
      outcome('langevin.annealed', () => langevin.annealed(s as never, sigmas as never, options as never, x as never, noise as never));
      outcome('langevin.annealedWithKey', () => langevin.annealedWithKey(s as never, sigmas as never, options as never, x as never, k as never));
    },
  );

  test.prop([noiseScoreFn, sigmasArg, annealedOptions, arrayArg, conditionArg, noiseFn, keyArg], { numRuns: 300 })(
    'langevin/validation#contract: annealedInpaint and annealedInpaintWithKey return finite arrays or throw a DiffusionError',
    (s, sigmas, options, x, condition, noise, k) => {
      outcome('langevin.annealedInpaint', () => langevin.annealedInpaint(s as never, sigmas as never, options as never, x as never, condition as never, noise as never));
      outcome('langevin.annealedInpaintWithKey', () =>
        langevin.annealedInpaintWithKey(s as never, sigmas as never, options as never, x as never, condition as never, k as never),
      );
    },
  );
});

describe('langevin: the named cases', () => {
  const score = (x: Float64NdArray) => nd(x.data.map((v) => -v), x.shape);
  const noiseScore = (x: Float64NdArray, sigma: number) => nd(x.data.map((v) => -v / (1 + sigma * sigma)), x.shape);
  const noise = () => nd([0.1, -0.2, 0.3, 1, -1, 0], SHAPE);
  const logp = (x: Float64NdArray) => nd(new Float64Array(x.shape[0]!), [x.shape[0]!]);
  const unif = () => nd([0.5, 0.5, 0.5], [3]);
  const sigmas = new Float64Array([1, 0.5, 0.1]);
  const cond = { mask: nd([1, 0], [2]), known: nd([0.7, 0], [2]) };

  /** Runs `call`, expecting a DiffusionError of class `kind` on `argument`. */
  function rejects(call: () => unknown, kind: ErrorClass, argument: string): void {
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err, `expected ${kind.name} on ${argument}`).toBeInstanceOf(kind);
    expect((err as DiffusionError).argument).toBe(argument);
  }

  test('langevin/validation#contract: step sizes eps <= 0, NaN or infinite are rejected on eps / options.eps', () => {
    for (const eps of [0, -0, -1, NaN, Infinity, -Infinity]) {
      rejects(() => langevin.step(goodX, goodX, eps, goodX), InvalidArgumentError, 'eps');
      rejects(() => langevin.chain(score, goodX, { eps, steps: 2 }, noise), InvalidArgumentError, 'options.eps');
      rejects(() => langevin.mala(logp, score, goodX, { eps, steps: 2 }, noise, unif), InvalidArgumentError, 'options.eps');
      rejects(() => langevin.annealed(noiseScore, sigmas, { eps, stepsPerLevel: 2 }, goodX, noise), InvalidArgumentError, 'options.eps');
    }
    // alpha_1 = eps (sigma_1 / sigma_L)^2 must be finite.
    rejects(() => langevin.annealed(noiseScore, new Float64Array([1e200, 1e-200]), { eps: 1, stepsPerLevel: 1 }, goodX, noise), InvalidArgumentError, 'options.eps');
  });

  test('langevin/validation#contract: step counts below 1 or non-integer are rejected; so are trajectory strides outside 1..steps', () => {
    for (const steps of [0, -1, 2.5, NaN, Infinity, '3', undefined]) {
      rejects(() => langevin.chain(score, goodX, { eps: 0.1, steps } as never, noise), InvalidArgumentError, 'options.steps');
      rejects(() => langevin.mala(logp, score, goodX, { eps: 0.1, steps } as never, noise, unif), InvalidArgumentError, 'options.steps');
      rejects(() => langevin.annealed(noiseScore, sigmas, { eps: 0.1, stepsPerLevel: steps } as never, goodX, noise), InvalidArgumentError, 'options.stepsPerLevel');
    }
    for (const trajectory of [0, 4, 1.5, 'levels', -1]) {
      rejects(() => langevin.chain(score, goodX, { eps: 0.1, steps: 3, trajectory } as never, noise), InvalidArgumentError, 'options.trajectory');
    }
    rejects(() => langevin.annealed(noiseScore, sigmas, { eps: 0.1, stepsPerLevel: 2, trajectory: 7 }, goodX, noise), InvalidArgumentError, 'options.trajectory');
    rejects(() => langevin.annealed(noiseScore, sigmas, { eps: 0.1, stepsPerLevel: 2, denoise: 1 } as never, goodX, noise), InvalidArgumentError, 'options.denoise');
    // A record that would exceed 2^27 values is refused up front.
    rejects(() => langevin.chain(score, nd(new Float64Array(1 << 20), [1 << 20]), { eps: 0.1, steps: 200, trajectory: 1 }, noise), InvalidArgumentError, 'options.trajectory');
  });

  test('langevin/validation#contract: sigmas that are not a strictly decreasing Float64Array of positive finite values are rejected on sigmas', () => {
    for (const bad of [new Float64Array([1, 1]), new Float64Array([0.1, 1]), new Float64Array([1, 0]), new Float64Array([1, -1]), new Float64Array([NaN]), new Float64Array(0), [1, 0.5], new Float32Array([1, 0.5]), null]) {
      rejects(() => langevin.annealed(noiseScore, bad as never, { eps: 0.1, stepsPerLevel: 1 }, goodX, noise), InvalidArgumentError, 'sigmas');
      rejects(() => langevin.annealedInpaint(noiseScore, bad as never, { eps: 0.1, stepsPerLevel: 1 }, goodX, cond, noise), InvalidArgumentError, 'sigmas');
    }
  });

  test('langevin/validation#contract: score functions returning the wrong shape, NaN, another dtype or a non-array are rejected on score', () => {
    const cases: [unknown, ErrorClass][] = [
      [() => nd([1, 2], [2]), ShapeError],
      [(x: Float64NdArray) => nd(x.data.map(() => NaN), x.shape), InvalidArgumentError],
      [(x: Float64NdArray) => ndarray(new Float32Array(x.data.length), x.shape), DTypeError],
      [() => [1, 2, 3, 4, 5, 6], InvalidArgumentError],
      [() => undefined, InvalidArgumentError],
      ['not a function', InvalidArgumentError],
    ];
    for (const [bad, kind] of cases) {
      rejects(() => langevin.chain(bad as never, goodX, { eps: 0.1, steps: 2 }, noise), kind, 'score');
      rejects(() => langevin.mala(logp, bad as never, goodX, { eps: 0.1, steps: 2 }, noise, unif), kind, 'score');
      rejects(() => langevin.annealed(bad as never, sigmas, { eps: 0.1, stepsPerLevel: 2 }, goodX, noise), kind, 'score');
    }
    rejects(() => langevin.mala(() => nd([0, 0], [2]), score, goodX, { eps: 0.1, steps: 2 }, noise, unif), ShapeError, 'logDensity');
    rejects(() => langevin.mala(() => nd([0, NaN, 0], [3]), score, goodX, { eps: 0.1, steps: 2 }, noise, unif), InvalidArgumentError, 'logDensity');
  });

  test('langevin/validation#contract: noise and uniform sources returning the wrong shape or values are rejected on noise / uniforms', () => {
    rejects(() => langevin.chain(score, goodX, { eps: 0.1, steps: 2 }, () => nd([1, 2, 3, 4, 5, 6], [6])), ShapeError, 'noise');
    rejects(() => langevin.chain(score, goodX, { eps: 0.1, steps: 2 }, () => nd([1, 2, 3, 4, 5, NaN], SHAPE)), InvalidArgumentError, 'noise');
    rejects(() => langevin.annealed(noiseScore, sigmas, { eps: 0.1, stepsPerLevel: 2 }, goodX, (() => 0) as never), InvalidArgumentError, 'noise');
    rejects(() => langevin.step(goodX, goodX, 0.1, nd([1, 2], [2])), ShapeError, 'noise');
    rejects(() => langevin.mala(logp, score, goodX, { eps: 0.1, steps: 2 }, noise, () => nd([0.5, 1, 0.5], [3])), InvalidArgumentError, 'uniforms');
    rejects(() => langevin.mala(logp, score, goodX, { eps: 0.1, steps: 2 }, noise, () => nd([0.5, 0.5], [2])), ShapeError, 'uniforms');
    rejects(() => langevin.malaStep(logp, score, goodX, 0.1, goodX, nd([0.5, -0.5, 0.5], [3])), InvalidArgumentError, 'uniforms');
  });

  test('langevin/validation#contract: masks with values other than 0 and 1, and masks or known values of other shapes, are rejected', () => {
    for (const mask of [nd([1, 0.5], [2]), nd([2, 0], [2]), nd([-1, 0], [2])]) {
      rejects(() => langevin.annealedInpaint(noiseScore, sigmas, { eps: 0.1, stepsPerLevel: 1 }, goodX, { mask, known: cond.known }, noise), InvalidArgumentError, 'condition.mask');
    }
    rejects(() => langevin.annealedInpaint(noiseScore, sigmas, { eps: 0.1, stepsPerLevel: 1 }, goodX, { mask: nd([1, 0, 1], [3]), known: cond.known }, noise), ShapeError, 'condition.mask');
    rejects(() => langevin.annealedInpaint(noiseScore, sigmas, { eps: 0.1, stepsPerLevel: 1 }, goodX, { mask: cond.mask, known: nd([1, 2, 3], [3]) }, noise), ShapeError, 'condition.known');
    rejects(() => langevin.annealedInpaint(noiseScore, sigmas, { eps: 0.1, stepsPerLevel: 1 }, goodX, { mask: cond.mask, known: nd([NaN, 0], [2]) }, noise), InvalidArgumentError, 'condition.known');
    rejects(() => langevin.annealedInpaint(noiseScore, sigmas, { eps: 0.1, stepsPerLevel: 1 }, goodX, null as never, noise), InvalidArgumentError, 'condition');
  });

  test('langevin/validation#contract: arrays of the wrong shape, dtype or with non-finite entries are rejected on the argument at fault', () => {
    rejects(() => langevin.step(goodX, nd([1, 2], [2]), 0.1, goodX), ShapeError, 'score');
    rejects(() => langevin.step(ndarray(new Float32Array(6), SHAPE) as never, goodX, 0.1, goodX), DTypeError, 'x');
    rejects(() => langevin.step(nd([NaN, 0, 0, 0, 0, 0], SHAPE), goodX, 0.1, goodX), InvalidArgumentError, 'x');
    rejects(() => langevin.mala(logp, score, nd([], [0, 2]), { eps: 0.1, steps: 1 }, noise, unif), InvalidArgumentError, 'x');
    rejects(() => langevin.mala(logp, score, ndarray(new Float64Array([1]), []), { eps: 0.1, steps: 1 }, noise, unif), InvalidArgumentError, 'x');
    const state = { x: goodX, logDensity: nd([0, 0, 0], [3]), score: goodX };
    rejects(() => langevin.malaLogRatio(state, { ...state, logDensity: nd([0, 0], [2]) }, 0.1), ShapeError, 'proposal.logDensity');
    rejects(() => langevin.malaLogRatio(state, { ...state, x: nd([1, 2], [1, 2]) }, 0.1), ShapeError, 'proposal.x');
    rejects(() => langevin.chainWithKey(score, goodX, { eps: 0.1, steps: 1 }, { k0: -1, k1: 0 } as never), InvalidArgumentError, 'key');
  });

  test('langevin/validation#contract: inputs are never written to, even by user functions that write into their argument', () => {
    const x = nd([0.5, -1, 1, 2, -0.3, 0], SHAPE);
    const before = Array.from(x.data);
    // A score that scribbles over the array it is given, then returns a valid score.
    const vandal = (y: Float64NdArray) => {
      const s = nd(y.data.map((v) => -v), y.shape);
      y.data.fill(1e6);
      return s;
    };
    const vandalSigma = (y: Float64NdArray, _sigma: number) => vandal(y);
    const clean = langevin.chain(score, x, { eps: 0.1, steps: 3 }, noise).x;
    expect(Array.from(langevin.chain(vandal, x, { eps: 0.1, steps: 3 }, noise).x.data)).toEqual(Array.from(clean.data));
    langevin.step(x, x, 0.1, x);
    langevin.mala(logp, vandal, x, { eps: 0.1, steps: 3 }, noise, unif);
    langevin.malaStep(logp, vandal, x, 0.1, x, nd([0.5, 0.5, 0.5], [3]));
    langevin.malaLogRatio({ x, logDensity: nd([0, 0, 0], [3]), score: x }, { x, logDensity: nd([0, 0, 0], [3]), score: x }, 0.1);
    langevin.annealed(vandalSigma, sigmas, { eps: 0.1, stepsPerLevel: 2, denoise: true }, x, noise);
    const mask = nd([1, 0], [2]);
    const known = nd([0.7, 0], [2]);
    langevin.annealedInpaint(vandalSigma, sigmas, { eps: 0.1, stepsPerLevel: 2 }, x, { mask, known }, noise);
    expect(Array.from(x.data)).toEqual(before);
    expect(Array.from(sigmas)).toEqual([1, 0.5, 0.1]);
    expect(Array.from(mask.data)).toEqual([1, 0]);
    expect(Array.from(known.data)).toEqual([0.7, 0]);
  });

  test('langevin/validation#contract: a chain that diverges is reported, not returned as Infinity or NaN', () => {
    // N(0, 1) with eps = 40 > 4: |a| = 19 per step, the state passes 1e308 within 250 steps.
    rejects(() => langevin.chain(score, goodX, { eps: 40, steps: 1000 }, noise), InvalidArgumentError, 'options.eps');
    rejects(() => langevin.annealed(noiseScore, new Float64Array([1, 0.5]), { eps: 40, stepsPerLevel: 1000 }, goodX, noise), InvalidArgumentError, 'options.eps');
    rejects(() => langevin.step(nd([1e308, 0, 0, 0, 0, 0], SHAPE), nd([1e308, 0, 0, 0, 0, 0], SHAPE), 2, goodX), InvalidArgumentError, 'x');
  });
});
