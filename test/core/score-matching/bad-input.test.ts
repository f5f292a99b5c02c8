/**
 * Bad input at every export of the `scoreMatching` area: each call either returns finite
 * numbers or throws a DiffusionError whose message names the API and the argument; never
 * NaN, Infinity, a hang, or another exception. Score models, Jacobians and weights that
 * return junk are bad input too (an exception the user's own function throws propagates).
 *
 * @see proofs/score-matching/validation.md (claim score-matching/validation#contract)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { DiffusionError, ShapeError } from '../../../src/core/errors.js';
import { key } from '../../../src/core/random/index.js';
import * as sm from '../../../src/core/score-matching/index.js';
import { expectClose } from '../../_support/expect-close.js';
import { outcome } from '../../_support/outcome.js';

type Any = never;

const weird = fc.constantFrom<unknown>(
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  0.5,
  null,
  undefined,
  true,
  '',
  'gaussian',
  1n,
  [],
  {},
  [1, 2],
  () => 1,
  Symbol('s'),
  new Float32Array([1, 2]),
  ndarray(new Float32Array([1, 2]), [2]),
  ndarray([1, 2], [2]),
  ndarray(new Float64Array(0), [0, 2]),
  ndarray(new Float64Array(3), [3]),
);
const anyDouble = fc.double();
const value = fc.oneof(
  { weight: 1, arbitrary: anyDouble },
  { weight: 6, arbitrary: fc.double({ min: -3, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(1e308, -1e308, 1.7976931348623157e308, 5e-324, 1e200, 1e-200) },
);

const moderate = fc.double({ min: -3, max: 3, noNaN: true });

/** A float64 ndarray of the given shape with values drawn from `values`. */
function arrayOf(shape: number[], values: fc.Arbitrary<number> = value): fc.Arbitrary<unknown> {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc.array(values, { minLength: size, maxLength: size }).map((v) => ndarray(Float64Array.from(v), shape));
}
/** A float64 ndarray of a random shape (0 to 4 axes of length 0 to 3). */
const anyNd = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 4 }).chain((shape) => arrayOf(shape));
/**
 * Usually a valid array of the expected shape (so that the checks deeper in a function are
 * reached), else one with arbitrary values (NaN, infinities, huge, subnormal), another
 * shape, or junk.
 */
function arrayArg(shape: number[]): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 12, arbitrary: arrayOf(shape, moderate) }, { weight: 2, arbitrary: arrayOf(shape) }, { weight: 1, arbitrary: anyNd }, { weight: 1, arbitrary: weird });
}

/** Score functions: sound ones (-x, and x * 1e200) and junk (wrong shape, NaN, not an array, float32). None throws. */
function scoreArg(n: number, d: number): fc.Arbitrary<unknown> {
  const good = fc.constantFrom<unknown>(
    (x: Float64NdArray) => ndarray(x.data.map((v) => -v), x.shape.slice()),
    (x: Float64NdArray, sigma?: number) => ndarray(x.data.map((v) => -v / (sigma ?? 1) ** 2), x.shape.slice()),
    (x: Float64NdArray) => ndarray(x.data.map((v) => 1e200 * v), x.shape.slice()),
    (x: Float64NdArray) => ndarray(x.data.map((v) => Math.sin(v)), x.shape.slice()),
  );
  const junk = fc.constantFrom<unknown>(
    () => ndarray(new Float64Array(1), [1]),
    (x: Float64NdArray) => ndarray(new Float64Array(x.data.length).fill(NaN), x.shape.slice()),
    (x: Float64NdArray) => ndarray(new Float64Array(x.data.length).fill(Infinity), x.shape.slice()),
    (x: Float64NdArray) => ndarray(new Float32Array(x.data.length), x.shape.slice()),
    () => [1, 2],
    () => undefined,
    () => NaN,
    (x: Float64NdArray) => ndarray(new Float64Array(n * d + 1), [n * d + 1]),
  );
  return fc.oneof({ weight: 12, arbitrary: good }, { weight: 3, arbitrary: junk }, { weight: 1, arbitrary: weird });
}

/** Models: score functions, or records with a Jacobian (sound, wrong shape, NaN, not an array), or records missing one. */
function modelArg(n: number, d: number): fc.Arbitrary<unknown> {
  const goodJacobian = fc.constant<unknown>((x: Float64NdArray) => {
    const rows = x.shape[0]!;
    const out = new Float64Array(rows * d * d);
    for (let i = 0; i < rows; i++) for (let a = 0; a < d; a++) out[i * d * d + a * d + a] = -1;
    return ndarray(out, [rows, d, d]);
  });
  const junkJacobian = fc.constantFrom<unknown>(
    (x: Float64NdArray) => ndarray(new Float64Array(x.data.length), x.shape.slice()),
    (x: Float64NdArray) => ndarray(new Float64Array(x.shape[0]! * d * d).fill(NaN), [x.shape[0]!, d, d]),
    () => 'J',
  );
  return fc.oneof(
    { weight: 6, arbitrary: scoreArg(n, d) },
    { weight: 6, arbitrary: fc.record({ score: scoreArg(n, d), jacobian: fc.oneof({ weight: 6, arbitrary: goodJacobian }, { weight: 1, arbitrary: junkJacobian }) }) },
    { weight: 1, arbitrary: fc.record({ score: scoreArg(n, d) }) },
  );
}

const stepArg = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<unknown>(undefined, 1e-3, 1, 2.220446049250313e-16) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(0, -1e-3, 1e-17, 2, NaN, Infinity, '1e-3') },
  { weight: 1, arbitrary: anyDouble },
);
const sigmaArg = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 0.01, max: 10, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(0, -1, -0, NaN, Infinity, 1e-300, 1e300, 5e-324, '1') },
  { weight: 1, arbitrary: weird },
);
const sigmasArg = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<unknown>(Float64Array.of(2, 1, 0.5), Float64Array.of(1), Float64Array.of(10, 0.01)) },
  fc.constantFrom<unknown>(
    Float64Array.of(1, 1, 0.5),
    Float64Array.of(0.5, 1),
    Float64Array.of(1, 0),
    Float64Array.of(1, -1),
    Float64Array.of(NaN, 1),
    Float64Array.of(Infinity, 1),
    Float64Array.of(1e300, 1e-300),
    Float64Array.of(1e-160, 1e-170),
    new Float64Array(0),
    Float32Array.of(2, 1),
    [2, 1],
    ndarray(Float64Array.of(2, 1), [2]),
  ),
  weird,
);
const lambdaArg = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<unknown>(undefined, (s: number) => s * s, (s: number) => 1 + s) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(() => 0, () => -1, () => NaN, () => Infinity, () => '1', () => 1e308, (s: number) => (s > 1 ? 1 : -1)) },
  { weight: 1, arbitrary: weird },
);
const keyArg = fc.oneof({ weight: 8, arbitrary: fc.constant(key(5) as unknown) }, { weight: 1, arbitrary: fc.record({ k0: fc.integer(), k1: anyDouble }) }, { weight: 1, arbitrary: weird });

const shapes = fc.record({ n: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 2 }), L: fc.integer({ min: 1, max: 3 }) });

describe('scoreMatching: bad input never escapes as NaN or a foreign exception', () => {
  test.prop([shapes.chain(({ n, d }) => fc.record({ model: modelArg(n, d), x: arrayArg([n, d]), h: stepArg, options: fc.oneof({ weight: 8, arbitrary: fc.constant('useH') }, { weight: 1, arbitrary: weird }) }))], { numRuns: 300 })(
    'score-matching/validation#contract: explicit',
    ({ model, x, h, options }) => {
      outcome('scoreMatching.explicit', () => sm.explicit(model as Any, x as Any, (options === 'useH' ? { h } : options) as Any));
    },
  );

  test.prop([
    shapes.chain(({ n, d }) => fc.record({ score: scoreArg(n, d), x: arrayArg([n, d]), sigma: sigmaArg, noise: arrayArg([n, d]), key: keyArg })),
  ], { numRuns: 300 })('score-matching/validation#contract: denoising and denoisingWithKey', ({ score, x, sigma, noise, key: k }) => {
    outcome('scoreMatching.denoising', () => sm.denoising(score as Any, x as Any, sigma as Any, noise as Any));
    outcome('scoreMatching.denoisingWithKey', () => sm.denoisingWithKey(score as Any, x as Any, sigma as Any, k as Any));
  });

  test.prop([
    shapes.chain(({ n, d, m }) =>
      fc.record({
        model: modelArg(n, d),
        x: arrayArg([n, d]),
        projections: fc.oneof({ weight: 4, arbitrary: arrayArg([m, n, d]) }, { weight: 2, arbitrary: arrayArg([n, d]) }, { weight: 1, arbitrary: arrayArg([m + 1, n, d + 1]) }),
        varianceReduced: fc.oneof({ weight: 8, arbitrary: fc.constantFrom<unknown>(undefined, true, false) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(1, 'yes') }),
        h: stepArg,
        count: fc.oneof({ weight: 8, arbitrary: fc.constantFrom<unknown>(undefined, 1, 2, 4) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 2.5, NaN, 1e308, '2') }),
        distribution: fc.oneof({ weight: 8, arbitrary: fc.constantFrom<unknown>(undefined, 'gaussian', 'rademacher') }, { weight: 1, arbitrary: fc.constantFrom<unknown>('uniform', 1) }),
        key: keyArg,
        options: fc.oneof({ weight: 10, arbitrary: fc.constant('use') }, { weight: 1, arbitrary: weird }),
      }),
    ),
  ], { numRuns: 300 })('score-matching/validation#contract: sliced and slicedWithKey', ({ model, x, projections, varianceReduced, h, count, distribution, key: k, options }) => {
    const opts = options === 'use' ? { varianceReduced, h, projections: count, distribution } : options;
    outcome('scoreMatching.sliced', () => sm.sliced(model as Any, x as Any, projections as Any, (options === 'use' ? { varianceReduced, h } : options) as Any));
    outcome('scoreMatching.slicedWithKey', () => sm.slicedWithKey(model as Any, x as Any, k as Any, opts as Any));
  });

  test.prop([
    shapes.chain(({ n, d }) =>
      sigmasArg.chain((sigmas) => {
        // The noise and the labels follow the drawn ladder's L, so that the deeper checks are reached.
        const L = sigmas instanceof Float64Array && sigmas.length > 0 ? sigmas.length : 2;
        return fc.record({
          score: scoreArg(n, d),
          x: arrayArg([n, d]),
          sigmas: fc.constant(sigmas),
          noise: fc.oneof({ weight: 4, arbitrary: arrayArg([L, n, d]) }, { weight: 2, arbitrary: arrayArg([n, d]) }, { weight: 1, arbitrary: arrayArg([L + 1, n, d]) }),
          lambda: lambdaArg,
          labels: fc.oneof(
            { weight: 4, arbitrary: fc.constant(undefined) },
            { weight: 3, arbitrary: fc.array(fc.integer({ min: 0, max: L - 1 }), { minLength: n, maxLength: n }) },
            fc.array(fc.oneof(fc.integer({ min: -1, max: L + 1 }), anyDouble), { minLength: 0, maxLength: n + 1 }),
            fc.array(fc.integer({ min: 0, max: L - 1 }), { minLength: n, maxLength: n }).map((a) => Int32Array.from(a)),
            weird,
          ),
          perPointLevel: fc.oneof({ weight: 8, arbitrary: fc.constantFrom<unknown>(undefined, true, false) }, { weight: 1, arbitrary: fc.constant<unknown>('yes') }),
          key: keyArg,
          options: fc.oneof({ weight: 10, arbitrary: fc.constant('use') }, { weight: 1, arbitrary: weird }),
        });
      }),
    ),
  ], { numRuns: 300 })('score-matching/validation#contract: ncsnObjective and ncsnObjectiveWithKey', ({ score, x, sigmas, noise, lambda, labels, perPointLevel, key: k, options }) => {
    outcome('scoreMatching.ncsnObjective', () => sm.ncsnObjective(score as Any, x as Any, sigmas as Any, noise as Any, (options === 'use' ? { lambda, labels } : options) as Any));
    outcome('scoreMatching.ncsnObjectiveWithKey', () => sm.ncsnObjectiveWithKey(score as Any, x as Any, sigmas as Any, k as Any, (options === 'use' ? { lambda, perPointLevel } : options) as Any));
  });

  test('score-matching/validation#contract: the documented rejections name the argument at fault', () => {
    const x = ndarray(Float64Array.of(0.5, -1, 2, 0.25), [2, 2]);
    const minus = (y: Float64NdArray) => ndarray(y.data.map((v) => -v), y.shape.slice());
    const cond = (y: Float64NdArray, sigma: number) => ndarray(y.data.map((v) => -v / sigma ** 2), y.shape.slice());
    const z = ndarray(Float64Array.of(1, -1, 0.5, 0), [2, 2]);
    const sigmas = Float64Array.of(1, 0.5);
    const zL = ndarray(new Float64Array(8), [2, 2, 2]);
    const rejects = (call: () => unknown, pattern: RegExp) => expect(call).toThrow(pattern);

    // NaN and infinite data.
    rejects(() => sm.explicit(minus, ndarray(Float64Array.of(NaN, 1), [1, 2])), /^scoreMatching\.explicit: invalid argument `x`: expected finite values, got NaN at flat index 0/);
    rejects(() => sm.denoising(minus, ndarray(Float64Array.of(Infinity, 1), [1, 2]), 1, z), /`x`: expected finite values/);
    rejects(() => sm.denoising(minus, x, 1, ndarray(Float64Array.of(NaN, 1, 1, 1), [2, 2])), /`noise`: expected finite values/);
    rejects(() => sm.sliced(minus, x, ndarray(Float64Array.of(1, NaN, 1, 1), [2, 2])), /`projections`: expected finite values/);
    // Wrong shapes.
    rejects(() => sm.explicit(minus, ndarray(Float64Array.of(1, 2), [2])), /`x`: expected an array of shape \[n, d\]/);
    rejects(() => sm.explicit(minus, ndarray(new Float64Array(0), [0, 2])), /`x`: expected at least one example/);
    expect(() => sm.denoising(minus, x, 1, ndarray(new Float64Array(2), [1, 2]))).toThrow(ShapeError);
    rejects(() => sm.sliced(minus, x, ndarray(new Float64Array(6), [2, 3])), /`projections`: expected shape \[1, 2, 2\]/);
    rejects(() => sm.ncsnObjective(cond, x, sigmas, z), /`noise`: expected shape \[2, 2, 2\]/);
    // sigma <= 0 and sigmas not strictly decreasing, non-positive, NaN.
    rejects(() => sm.denoising(minus, x, 0, z), /`sigma`: expected a finite number in \(0, inf\), got 0/);
    rejects(() => sm.denoising(minus, x, -1, z), /`sigma`/);
    rejects(() => sm.ncsnObjective(cond, x, Float64Array.of(0.5, 1), zL), /`sigmas`: expected noise levels sigma_1 > \.\.\. > sigma_L > 0 \(strictly decreasing, positive\), got sigmas\[0\] = 0\.5 <= sigmas\[1\] = 1/);
    rejects(() => sm.ncsnObjective(cond, x, Float64Array.of(1, 1), zL), /`sigmas`: .*strictly decreasing/);
    rejects(() => sm.ncsnObjective(cond, x, Float64Array.of(1, 0), zL), /`sigmas`: .*got sigmas\[1\] = 0/);
    rejects(() => sm.ncsnObjective(cond, x, Float64Array.of(NaN, 1), zL), /`sigmas`: expected finite values/);
    rejects(() => sm.ncsnObjective(cond, x, [1, 0.5] as Any, zL), /`sigmas`: expected a Float64Array/);
    // lambda returning <= 0, NaN, a non-number.
    rejects(() => sm.ncsnObjective(cond, x, sigmas, zL, { lambda: () => 0 }), /`options\.lambda`: expected a function returning a positive finite weight lambda\(sigma\), got lambda\(1\) = 0/);
    rejects(() => sm.ncsnObjective(cond, x, sigmas, zL, { lambda: () => NaN }), /`options\.lambda`/);
    rejects(() => sm.ncsnObjective(cond, x, sigmas, zL, { lambda: (() => '1') as Any }), /`options\.lambda`/);
    rejects(() => sm.ncsnObjective(cond, x, sigmas, z, { labels: [0, 2] }), /`options\.labels`: expected level indices that are integers in 0\.\.1, got labels\[1\] = 2/);
    // Score functions returning wrong shapes, NaN, non-arrays.
    rejects(() => sm.explicit(() => ndarray(new Float64Array(3), [3]), x), /^scoreMatching\.explicit: invalid argument `model`: expected shape \[2, 2\]/);
    rejects(() => sm.explicit((y: Float64NdArray) => ndarray(y.data.map(() => NaN), y.shape.slice()), x), /`model`: expected a function returning finite float64 values/);
    rejects(() => sm.denoising((() => [1]) as Any, x, 1, z), /`score`: expected a function returning an ndarray/);
    rejects(() => sm.explicit({ score: minus, jacobian: () => ndarray(new Float64Array(4), [2, 2]) }, x), /`model\.jacobian`: expected shape \[2, 2, 2\]/);
    rejects(() => sm.explicit({ score: minus } as Any, x), /`model`: expected a score function s\(x\) or a record \{ score, jacobian \}/);
    rejects(() => sm.ncsnObjective((() => ndarray(new Float64Array(4).fill(Infinity), [2, 2])) as Any, x, sigmas, zL), /`score`: expected a function returning finite float64 values/);
    // h outside [EPS, 1].
    rejects(() => sm.explicit(minus, x, { h: 0 }), /`options\.h`: expected a finite number in \[2\.220446049250313e-16, 1\], got 0/);
    rejects(() => sm.sliced(minus, x, z, { h: -1e-3 }), /`options\.h`/);
    // Overflows are reported, never returned.
    rejects(() => sm.explicit((y: Float64NdArray) => ndarray(y.data.map((v) => 1e200 * (v + 1)), y.shape.slice()), x), /`model`: expected inputs for which the objective .* is finite in float64, got an overflow at example 0/);
    rejects(() => sm.denoising(minus, x, 1e-320, z), /`sigma`: expected a noise level for which z \/ sigma is finite/);
    rejects(() => sm.denoising(minus, ndarray(Float64Array.of(1e308, 0, 0, 0), [2, 2]), 1e308, z), /`sigma`: expected a noise level for which x \+ sigma z is finite/);
    rejects(() => sm.explicit(minus, ndarray(Float64Array.of(1.7976931348623157e308, 0), [1, 2])), /`x`: expected points x for which the difference points/);
    rejects(() => sm.ncsnObjective(cond, x, sigmas, zL, { lambda: () => 1e308 }), /`options\.lambda`: expected inputs for which the weighted loss/);
    // Keys and key options.
    rejects(() => sm.denoisingWithKey(minus, x, 1, { k0: -1, k1: 0 } as Any), /^scoreMatching\.denoisingWithKey: invalid argument `key`/);
    rejects(() => sm.slicedWithKey(minus, x, key(0), { projections: 0 }), /`options\.projections`: expected an integer >= 1/);
    rejects(() => sm.slicedWithKey(minus, x, key(0), { distribution: 'uniform' as Any }), /`options\.distribution`: expected 'gaussian' or 'rademacher'/);
    rejects(() => sm.slicedWithKey(minus, x, key(0), { projections: 2 ** 30 }), /`options\.projections`: expected a size whose random draw has at most 2147483648 values/);
    rejects(() => sm.ncsnObjectiveWithKey(cond, x, sigmas, key(0), { perPointLevel: 1 as Any }), /`options\.perPointLevel`: expected a boolean/);
    // Tiny and huge projections are valid: the direction is scaled before the step.
    expect(Number.isFinite(sm.sliced(minus, x, ndarray(Float64Array.of(5e-324, 0, 1e-300, 1e-300), [2, 2])).value)).toBe(true);
    // v = (1e100, 0) at x = (0.5, -1): v^T(-I)v + (v^T s)^2 / 2 = -1e200 + 0.125e200; the central difference
    // of the linear -x errs by about u |x|_inf / t ~ 2e-11 relative (sliced#finite-difference).
    expectClose(sm.sliced(minus, x, ndarray(Float64Array.of(1e100, 0, 0, 0), [2, 2])).perExample.get(0), -0.875e200, { rtol: 1e-10 });
    // An exception the user's own function throws propagates unchanged.
    const boom = new Error('from the model');
    expect(() =>
      sm.explicit(() => {
        throw boom;
      }, x),
    ).toThrow(boom);
  });

  test('score-matching/validation#contract: every error is a DiffusionError carrying api and argument', () => {
    try {
      sm.denoising((y: Float64NdArray) => y, ndarray(Float64Array.of(1, 2), [1, 2]), -1, ndarray(Float64Array.of(0, 0), [1, 2]));
    } catch (e) {
      expect(e).toBeInstanceOf(DiffusionError);
      expect((e as DiffusionError).api).toBe('scoreMatching.denoising');
      expect((e as DiffusionError).argument).toBe('sigma');
    }
    expect.assertions(3);
  });
});
