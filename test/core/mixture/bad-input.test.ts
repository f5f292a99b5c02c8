/**
 * Bad input at every export of the `mixture` area: each call either returns finite
 * numbers (a mixture with finite arrays, finite ndarrays) or throws a DiffusionError whose
 * message names the API and the argument; never NaN, a hang, or another kind of exception.
 * No exception: even `logPdf` throws where every quadratic form overflows float64.
 *
 * @see proofs/mixture/create.md (claim mixture/create#validation)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { DiffusionError } from '../../../src/core/errors.js';
import * as mixture from '../../../src/core/mixture/index.js';
import { key } from '../../../src/core/random/index.js';
import { arbMixture } from '../../arbitraries/arb-mixture.js';
import { outcome as sharedOutcome } from '../../_support/outcome.js';

/** Checks a returned value: finite arrays (logPdf may hold -Infinity), or a mixture with finite arrays. */
function checkResult(api: string, result: unknown): void {
  if (typeof result === 'object' && result !== null && 'dim' in result) {
    const mix = result as mixture.GaussianMixture;
    expect(Object.isFrozen(mix)).toBe(true);
    for (const f of ['weights', 'logWeights', 'means', 'covs', 'cholesky', 'logDets', 'logNormalizers', 'cumulativeWeights'] as const) {
      for (const v of mix[f]) expect(Number.isFinite(v), `${api}: ${f} holds ${v}`).toBe(true);
    }
    return;
  }
  const data = (result as { data: Float64Array }).data;
  expect(data).toBeInstanceOf(Float64Array);
  for (const v of data) {
    const ok = Number.isFinite(v) || false;
    expect(ok, `${api} returned ${v}`).toBe(true);
  }
}

const outcome = (api: string, call: () => unknown) => sharedOutcome(api, call, checkResult);

// --- arbitraries of mostly bad values ---------------------------------------------

const weird = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -0, 0, -1, 0.5, 1e308, 5e-324, null, undefined, true, '', '3', 1n, [], {}, [1, 2], [[1]], () => 1, Symbol('s')),
  fc.string({ maxLength: 5 }),
  fc.object({ maxDepth: 1 }),
  fc.constant(new Float32Array([1, 2])),
  fc.constant(new Int32Array([1])),
  fc.constant(ndarray(new Float32Array([1, 2]), [2])),
  fc.constant(ndarray([1, 2], [2])),
);

/** Any double: NaN, infinities, -0, subnormals, huge values. */
const anyDouble = fc.double();
const moderate = fc.double({ min: -10, max: 10, noNaN: true });
const value = fc.oneof({ weight: 1, arbitrary: anyDouble }, { weight: 3, arbitrary: moderate });

/** A float64 ndarray of a random shape (0 to 3 axes of length 0 to 4) and arbitrary values. */
const anyNd = fc
  .array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 })
  .chain((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return fc.array(value, { minLength: size, maxLength: size }).map((v) => ndarray(Float64Array.from(v), shape));
  });

/** Points for a mixture of dimension d: often the right shape (reaching the kernels), values anywhere. */
const points = (d: number) =>
  fc.oneof(
    anyNd,
    weird,
    fc.integer({ min: 0, max: 5 }).chain((n) => fc.array(value, { minLength: n * d, maxLength: n * d }).map((v) => ndarray(Float64Array.from(v), [n, d]))),
    fc.array(value, { minLength: d, maxLength: d }).map((v) => ndarray(Float64Array.from(v), [d])),
    fc.array(fc.double({ min: -1e300, max: 1e300, noNaN: true }), { minLength: d, maxLength: d }).map((v) => ndarray(Float64Array.from(v), [1, d])),
  );

/** Mixtures with extreme but finite parameters (tiny/huge weights, variances, means); create may reject them. */
const extremeSpec = fc.integer({ min: 1, max: 3 }).chain((K) =>
  fc.record({
    weights: fc.array(fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }), { minLength: K, maxLength: K }),
    means: fc.array(fc.array(fc.double({ min: -1e308, max: 1e308, noNaN: true }), { minLength: 2, maxLength: 2 }), { minLength: K, maxLength: K }),
    covs: fc.array(fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }), { minLength: K, maxLength: K }),
  }),
);

function tryCreate(spec: unknown): mixture.GaussianMixture | undefined {
  try {
    return mixture.create(spec as mixture.MixtureSpec);
  } catch (e) {
    expect(e).toBeInstanceOf(DiffusionError);
    return undefined;
  }
}

/** A mixture argument: a valid one (often), an extreme one, a forged copy, or junk. */
const mixArg = fc.oneof(
  { weight: 4, arbitrary: arbMixture({ maxDim: 3, maxComponents: 3 }).map((m) => m.mix as unknown) },
  { weight: 2, arbitrary: extremeSpec.map((s) => (tryCreate(s) ?? s) as unknown) },
  { weight: 1, arbitrary: arbMixture({ maxDim: 2, maxComponents: 2 }).map((m) => ({ ...m.mix }) as unknown) },
  { weight: 1, arbitrary: weird },
);

/** A mixture argument with points of (usually) its dimension. */
const mixAndPoints = mixArg.chain((m) => {
  const d = typeof m === 'object' && m !== null && typeof (m as { dim?: unknown }).dim === 'number' ? (m as { dim: number }).dim : 2;
  return fc.tuple(fc.constant(m), points(d));
});

/** Arbitrary spec fields: valid ones mixed with bad ones (so every check is reached). */
const weightsArg = fc.oneof(fc.array(fc.double({ min: 1e-3, max: 10, noNaN: true }), { minLength: 1, maxLength: 3 }), fc.array(anyDouble, { maxLength: 3 }), weird, anyNd);
const meansArg = fc.oneof(
  fc.integer({ min: 1, max: 3 }).chain((K) => fc.array(fc.array(moderate, { minLength: 2, maxLength: 2 }), { minLength: K, maxLength: K })),
  fc.array(fc.array(value, { maxLength: 3 }), { maxLength: 3 }),
  fc.array(fc.oneof(weird, value), { maxLength: 3 }),
  weird,
  anyNd,
);
const covsArg = fc.oneof(
  anyDouble,
  fc.array(anyDouble, { maxLength: 3 }),
  fc.array(fc.array(fc.array(value, { minLength: 2, maxLength: 2 }), { minLength: 2, maxLength: 2 }), { maxLength: 3 }),
  fc.array(fc.array(fc.oneof(weird, fc.array(value, { maxLength: 3 })), { maxLength: 3 }), { maxLength: 3 }),
  weird,
  anyNd,
);

const keyArg = fc.oneof({ weight: 3, arbitrary: fc.constant(key(3) as unknown) }, { weight: 1, arbitrary: weird }, {
  weight: 1,
  arbitrary: fc.record({ k0: fc.oneof(fc.integer(), anyDouble), k1: fc.oneof(fc.integer(), anyDouble) }),
});
/** Draw counts: small valid ones and invalid ones (never a valid huge n, which would allocate gigabytes). */
const countArg = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: -(2 ** 40), max: -1 }), fc.constantFrom(2 ** 31 + 1, 2 ** 53, 2.5, -0.5), anyDouble.filter((v) => !Number.isInteger(v)), weird);

describe('mixture: bad input never escapes as NaN or a foreign exception', () => {
  test.prop([fc.oneof(fc.record({ weights: weightsArg, means: meansArg, covs: covsArg }), extremeSpec, weird)], { numRuns: 400 })(
    'mixture/create#validation: create returns a finite frozen mixture or throws a DiffusionError',
    (spec) => {
      outcome('mixture.create', () => mixture.create(spec as mixture.MixtureSpec));
    },
  );

  test.prop([mixAndPoints], { numRuns: 300 })(
    'mixture/create#validation: logPdf, responsibilities and score return finite values or throw a DiffusionError',
    ([mix, x]) => {
      outcome('mixture.logPdf', () => mixture.logPdf(mix as mixture.GaussianMixture, x as never));
      outcome('mixture.responsibilities', () => mixture.responsibilities(mix as mixture.GaussianMixture, x as never));
      outcome('mixture.score', () => mixture.score(mix as mixture.GaussianMixture, x as never));
    },
  );

  test.prop([mixArg, fc.oneof(anyDouble, fc.double({ min: 0, max: 1e200, noNaN: true }), weird), fc.oneof(anyDouble, fc.double({ min: 0, max: 1, noNaN: true }), weird)], {
    numRuns: 300,
  })('mixture/create#validation: perturb and vpPerturb return finite mixtures or throw a DiffusionError', (mix, sigma, alphaBar) => {
    outcome('mixture.perturb', () => mixture.perturb(mix as mixture.GaussianMixture, sigma as number));
    outcome('mixture.vpPerturb', () => mixture.vpPerturb(mix as mixture.GaussianMixture, alphaBar as number));
  });

  test.prop(
    [
      mixArg.chain((m) => {
        const d = typeof m === 'object' && m !== null && typeof (m as { dim?: unknown }).dim === 'number' ? (m as { dim: number }).dim : 2;
        const uniforms = (n: number) =>
          fc.array(fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }) }, { weight: 1, arbitrary: anyDouble }), {
            minLength: n,
            maxLength: n,
          });
        // Matched shapes (u: [n], z: [n, d]) reach the kernel; the others the shape checks.
        const matched = fc
          .integer({ min: 0, max: 4 })
          .chain((n) => fc.tuple(uniforms(n), fc.array(value, { minLength: n * d, maxLength: n * d })))
          .map(([u, z]) => [ndarray(Float64Array.from(u), [u.length]), ndarray(Float64Array.from(z), [u.length, d])] as const);
        const unmatched = fc.tuple(fc.oneof(anyNd, weird, uniforms(3).map((v) => ndarray(Float64Array.from(v), [v.length]))), points(d));
        return fc.tuple(fc.constant(m), fc.oneof(matched, unmatched)).map(([mm, [u, z]]) => [mm, u, z] as const);
      }),
    ],
    { numRuns: 300 },
  )('mixture/create#validation: sampleWith returns finite draws or throws a DiffusionError', ([mix, u, z]) => {
    outcome('mixture.sampleWith', () => mixture.sampleWith(mix as mixture.GaussianMixture, u as never, z as never));
  });

  test.prop([mixArg, keyArg, countArg], { numRuns: 300 })(
    'mixture/create#validation: sample, mean and covariance return finite values or throw a DiffusionError',
    (mix, k, n) => {
      outcome('mixture.sample', () => mixture.sample(mix as mixture.GaussianMixture, k as never, n as number));
      outcome('mixture.mean', () => mixture.mean(mix as mixture.GaussianMixture));
      outcome('mixture.covariance', () => mixture.covariance(mix as mixture.GaussianMixture));
    },
  );

  test('mixture/create#validation: overflow at valid but extreme input is reported, not returned', () => {
    const mix = mixture.create({ weights: [1, 1], means: [[0], [1]], covs: [1e-300, 1e-300] });
    const far = ndarray(Float64Array.from([1e200]), [1, 1]);
    // log p(1e200) ~ -1e700: below -MAX_VALUE, not representable: rejected, not rounded to -Infinity.
    expect(() => mixture.logPdf(mix, far)).toThrow(/too far from every component/);
    expect(() => mixture.responsibilities(mix, far)).toThrow(/too far from every component/);
    expect(() => mixture.score(mix, far)).toThrow(DiffusionError);
    expect(() => mixture.perturb(mix, 1e200)).toThrow(/`sigma`/);
    const huge = mixture.create({ weights: [1, 1], means: [[-1e200], [1e200]], covs: 1 });
    expect(() => mixture.covariance(huge)).toThrow(/covariance is representable/);
    expect(() => mixture.sampleWith(huge, ndarray(Float64Array.from([0.5]), [1]), ndarray(Float64Array.from([1e300]), [1, 1]))).not.toThrow();
    const wide = mixture.create({ weights: [1], means: [[0]], covs: 1e300 });
    expect(() => mixture.sampleWith(wide, ndarray(Float64Array.from([0.5]), [1]), ndarray(Float64Array.from([1e300]), [1, 1]))).toThrow(/`z`/);
  });
});
