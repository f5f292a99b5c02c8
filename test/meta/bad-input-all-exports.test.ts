/**
 * Every export of every core area, called with random arguments drawn from a mix of junk
 * (NaN, infinities, wrong types, wrong dtypes, wrong shapes, out-of-range numbers) and
 * valid values (so that the checks deeper in a function are reached too), either returns
 * finite numbers or throws a DiffusionError: never NaN, never a TypeError, never a hang.
 *
 * The per-area suites (test/core/<area>/bad-input.test.ts) aim at each argument in turn;
 * this one is the net that catches an export nobody wrote a case for.
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect, test } from 'vitest';
import * as lib from '../../src/index.js';
import { DiffusionError } from '../../src/core/errors.js';
import { checkFinite } from '../_support/outcome.js';

const areas = { ...lib } as unknown as Record<string, unknown>;

/** Exports that are not functions of user input (types, constants, error classes). */
function functionsOf(area: unknown): [string, (...args: unknown[]) => unknown][] {
  if (typeof area !== 'object' || area === null) return [];
  return Object.entries(area as Record<string, unknown>)
    .filter((e): e is [string, (...args: unknown[]) => unknown] => typeof e[1] === 'function')
    .filter(([name]) => !/^[A-Z]/.test(name)); // classes
}

const smallSchedule = lib.schedule.fromBetas(lib.schedule.linearBetas(5, 0.1, 0.3));
const nd = (data: Float64Array, shape: number[]) => ndarray(data, shape);

const junkNumber = fc.constantFrom(NaN, Infinity, -Infinity, -1, -0, 0, 0.5, 1, 2, 3, 7, 1000, 1e308, -1e308, 2.5, 5, 6);
const junkArray = fc.oneof(
  fc.constant(nd(new Float64Array([NaN, 1]), [2])),
  fc.constant(nd(new Float64Array([Infinity, 0, 1, 2]), [2, 2])),
  fc.constant(ndarray(new Float32Array([0.1, 0.2]), [2])),
  fc.constant(ndarray([0.1, 0.2], [2])),
  fc.constant(nd(new Float64Array(0), [0])),
  fc.constant(nd(new Float64Array([0.25, -0.5, 1, -1, 0.75, 0]), [3, 2])),
  fc.constant(nd(new Float64Array([0.25, -0.5, 1, -1, 0.75, 0]), [2, 3])),
  fc.constant(nd(new Float64Array([1e300, -1e300]), [2])),
  fc.constant(new Float64Array([0, 0.1, 0.2])),
  fc.constant(new Float64Array([0, 1.5])),
  fc.constant(new Float64Array([0, NaN])),
  fc.constant(new Float32Array([0, 0.1])),
  fc.constant([0, 0.1, 0.2]),
  fc.constant([[1, 2], [3, 4]]),
  fc.constant([2, 2]),
  fc.constant([-1, 2]),
  fc.constant([2.5]),
);
const junkOther = fc.constantFrom<unknown>(
  null,
  undefined,
  'fixedSmall',
  'fixedLarge',
  'bogus',
  '',
  true,
  {},
  { k0: 1, k1: 2 },
  { k0: -1, k1: 0.5 },
  { T: 5 },
  { weights: [1], means: [[0]], covs: 1 },
  10n,
  Symbol('junk'),
);
const junkFunction = fc.constantFrom<unknown>(
  () => NaN,
  () => undefined,
  () => nd(new Float64Array([NaN]), [1]),
  (x: unknown) => x,
);
const valid = fc.constantFrom<unknown>(
  smallSchedule,
  lib.random.key(7),
  nd(new Float64Array([0.5, -0.5, 1, -1]), [2, 2]),
  nd(new Float64Array([1 / 255 - 1 + 1 / 255, 1]), [2]),
  nd(new Float64Array([0.1]), [1]),
  1,
  2,
  0.5,
  [2, 2],
);
const anyArg = fc.oneof({ weight: 4, arbitrary: junkNumber }, { weight: 4, arbitrary: junkArray }, { weight: 2, arbitrary: junkOther }, { weight: 1, arbitrary: junkFunction }, { weight: 5, arbitrary: valid });

describe('every export rejects bad input with a DiffusionError', () => {
  const entries = Object.entries(areas).flatMap(([area, ns]) => functionsOf(ns).map(([name, fn]) => [`${area}.${name}`, fn] as const));

  test('the library exports the core areas', () => {
    for (const area of ['random', 'schedule', 'gaussian', 'mixture', 'ddpm', 'elbo']) expect(areas[area]).toBeTypeOf('object');
    expect(entries.length).toBeGreaterThan(30);
  });

  for (const [path, fn] of entries) {
    test(`${path}: returns finite values or throws DiffusionError`, () => {
      fc.assert(
        fc.property(fc.array(anyArg, { minLength: 0, maxLength: 7 }), (args) => {
          let result: unknown;
          try {
            result = fn(...args);
          } catch (e) {
            if (e instanceof DiffusionError) return true;
            throw new Error(`${path}(${args.map(show).join(', ')}) threw ${String(e)}`);
          }
          checkFinite(`${path}(${args.map(show).join(', ')})`, result);
          return true;
        }),
        { numRuns: 300, seed: 20261122 },
      );
    });
  }
});

function show(v: unknown): string {
  if (typeof v === 'symbol' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return 'fn';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}[${Array.from(v as unknown as ArrayLike<number>).join(',')}]`;
  if (typeof v === 'object' && v !== null && 'shape' in v) {
    const a = v as { shape: number[]; data: unknown };
    return `ndarray(${(a.data as object)?.constructor?.name}, [${a.shape.join(',')}])`;
  }
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
