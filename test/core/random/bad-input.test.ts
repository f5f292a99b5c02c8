/**
 * Bad input at every export of the `random` area: each call either returns finite
 * numbers (valid keys, finite arrays) or throws a DiffusionError whose message names the
 * API and the argument; never NaN, a hang, or another kind of exception.
 *
 * @see proofs/random/philox.md (claim random/philox#validation)
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { DiffusionError, InvalidArgumentError } from '../../../src/core/errors.js';
import * as random from '../../../src/core/random/index.js';
import { allocate } from '../../../src/core/random/checks.js';
import { arbKeyWords } from '../../arbitraries/arb-key.js';
import { outcome as sharedOutcome } from '../../_support/outcome.js';

type Outcome = 'ok' | 'error';

function isUint32(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function checkResult(result: unknown): void {
  const items: unknown[] = Array.isArray(result) ? result : [result];
  for (const item of items) {
    if (item instanceof Float64Array) {
      for (const v of item) expect(Number.isFinite(v)).toBe(true);
    } else if (typeof item === 'object' && item !== null && 'data' in item && (item as { data: unknown }).data instanceof Float64Array) {
      for (const v of (item as { data: Float64Array }).data) expect(Number.isFinite(v)).toBe(true);
    } else {
      // A key.
      const k = item as { k0: unknown; k1: unknown };
      expect(isUint32(k.k0) && isUint32(k.k1), `not a key: ${JSON.stringify(item)}`).toBe(true);
      expect(Object.isFrozen(item)).toBe(true);
    }
  }
}

const outcome = (api: string, call: () => unknown) => sharedOutcome(api, call, (_api: string, result: unknown) => checkResult(result));

// --- arbitraries of mostly bad values ---------------------------------------------

const weird = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -0, null, undefined, true, '', '3', 1n, [], {}, [1, 2], () => 1, Symbol('s')),
  fc.string({ maxLength: 5 }),
  fc.object({ maxDepth: 1 }),
  fc.constant(new Float64Array(2)),
);

const badNumber = fc.oneof(
  fc.double({ min: -1e308, max: 1e308 }),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.constantFrom(2 ** 53, 2 ** 64, 2 ** 32, 2 ** 32 - 1, 2 ** 31, 2 ** 31 + 1, 0.5, -1, Number.MAX_VALUE, Number.MIN_VALUE),
  weird,
);

const word = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), badNumber);

// About half of the keys and shapes are valid, so that both outcomes are exercised.
const badKey = fc.oneof(
  { arbitrary: arbKeyWords(), weight: 6 },
  weird,
  fc.record({ k0: word, k1: word }),
  fc.record({ k0: word }),
  fc.tuple(word, word),
  fc.constant(Object.freeze({ k0: 1, k1: 2 })),
  fc.constant(
    new Proxy(
      {},
      {
        get() {
          throw new Error('hostile getter');
        },
      },
    ),
  ),
);

// Small dimensions (valid draws stay cheap), plus entries that are bad or too large.
const dim = fc.oneof(
  fc.integer({ min: 0, max: 6 }),
  fc.integer({ min: -3, max: -1 }),
  fc.constantFrom<unknown>(2 ** 31 + 1, 2 ** 53, 1.5, NaN, Infinity, -0, '2', null),
);
const badShape = fc.oneof(
  { arbitrary: fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }), weight: 4 },
  fc.array(dim, { maxLength: 4 }),
  weird,
  fc.constant([2 ** 16, 2 ** 16]),
  fc.constant([2 ** 11, 2 ** 11, 2 ** 11]),
);
// Lengths: small valid ones, and invalid ones.
const badLength = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 50 }), weight: 3 },
  fc.integer({ min: -50, max: -1 }),
  fc.constantFrom<unknown>(2 ** 31 + 1, 2 ** 53, 1e300, 0.5, NaN, -Infinity),
  weird,
);
const badSeed = fc.oneof(fc.integer({ min: 0, max: 1000 }), badNumber);
const badCount = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom<unknown>(2 ** 24 + 1, 2 ** 31, -1, 1.5, NaN), weird);

const anyCall = <A extends unknown[]>(f: (...a: never[]) => unknown) => f as unknown as (...a: A) => unknown;

describe('random: bad input never escapes as anything but a DiffusionError', () => {
  test.prop([badSeed])('random/philox#validation: key(seed) returns a key or throws a DiffusionError', (seed) => {
    outcome('random.key', () => anyCall(random.key)(seed));
  });

  test.prop([badKey, badCount])('random/philox#validation: split(key, n) returns n keys or throws a DiffusionError', (k, n) => {
    outcome('random.split', () => anyCall(random.split)(k, n));
  });

  test.prop([badKey, badSeed])('random/philox#validation: foldIn(key, data) returns a key or throws a DiffusionError', (k, d) => {
    outcome('random.foldIn', () => anyCall(random.foldIn)(k, d));
  });

  test.prop([badKey, badShape, fc.option(badNumber, { nil: undefined }), fc.option(badNumber, { nil: undefined })])(
    'random/philox#validation: uniform(key, shape, low, high) returns finite values in [low, high) or throws',
    (k, shape, low, high) => {
      let result: { data: Float64Array } | undefined;
      const o = outcome('random.uniform', () => (result = anyCall(random.uniform)(k, shape, low, high) as { data: Float64Array }));
      if (o === 'ok') {
        const lo = (low as number | undefined) ?? 0;
        const hi = (high as number | undefined) ?? 1;
        for (const v of result!.data) expect(v >= lo && v < hi).toBe(true);
      }
    },
  );

  test.prop([badKey, badShape])('random/philox#validation: normal and rademacher (key, shape) return finite values or throw', (k, shape) => {
    outcome('random.normal', () => anyCall(random.normal)(k, shape));
    outcome('random.rademacher', () => anyCall(random.rademacher)(k, shape));
  });

  test.prop([badKey, badLength])('random/philox#validation: the Float64Array forms (key, n) return finite values or throw', (k, n) => {
    outcome('random.uniformArray', () => anyCall(random.uniformArray)(k, n));
    outcome('random.normalArray', () => anyCall(random.normalArray)(k, n));
    outcome('random.rademacherArray', () => anyCall(random.rademacherArray)(k, n));
  });
});

describe('random: the messages', () => {
  const k = random.key(0);

  test('random/philox#validation: each bad argument is named, with what was expected and what was given', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => random.key(-1), /^random\.key: invalid argument `seed`: expected an integer >= 0, got -1$/],
      [() => random.key(2 ** 53), /^random\.key: invalid argument `seed`: expected an integer >= 0, got 9007199254740992$/],
      [() => random.key(1.5), /^random\.key: invalid argument `seed`: expected an integer >= 0, got 1.5$/],
      [() => random.split(k, 0), /^random\.split: invalid argument `n`: expected an integer in 1\.\.16777216, got 0$/],
      [() => random.split({ k0: -1, k1: 0 }, 2), /^random\.split: invalid argument `key`: expected a Key record \{ k0, k1 \} of uint32 words .*, got \{ k0: -1, k1: 0 \}$/],
      [() => random.split(anyCall(random.split) as never), /^random\.split: invalid argument `key`: expected a Key record .*, got a function$/],
      [() => random.foldIn(k, NaN), /^random\.foldIn: invalid argument `data`: expected an integer >= 0, got NaN$/],
      [() => random.normal(k, [2, -1]), /^random\.normal: invalid argument `shape`: expected an array of integers >= 0 .*, got \[2, -1\] \(entry 1 is -1\)$/],
      [() => random.normal(k, [65536, 65536]), /^random\.normal: invalid argument `shape`: expected .*, got \[65536, 65536\] \(4294967296 elements\)$/],
      [() => random.rademacher(k, 3 as never), /^random\.rademacher: invalid argument `shape`: expected an array of integers >= 0 .*, got 3$/],
      [() => random.uniform(k, [2], 1, 1), /^random\.uniform: invalid argument `high`: expected a finite number in \(1, inf\), got 1$/],
      [() => random.uniform(k, [2], NaN), /^random\.uniform: invalid argument `low`: expected a finite number in \(-inf, inf\), got NaN$/],
      [() => random.uniform(k, [2], -1e308, 1e308), /^random\.uniform: invalid argument `high`: expected a finite number > low with high - low finite/],
      [() => random.uniformArray(k, 2 ** 31 + 1), /^random\.uniformArray: invalid argument `n`: expected an integer in 0\.\.2147483648, got 2147483649$/],
      [() => random.normalArray(k, -1), /^random\.normalArray: invalid argument `n`: expected an integer in 0\.\.2147483648, got -1$/],
      [() => random.rademacherArray(null as never, 1), /^random\.rademacherArray: invalid argument `key`: expected a Key record .*, got null$/],
    ];
    // Descriptions built here (a key's words, a shape with its bad entry) are strings, which
    // describeValue (src/core/errors.ts) prints in quotes.
    for (const [call, pattern] of cases) {
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(InvalidArgumentError);
      expect((caught as Error).message).toMatch(pattern);
    }
  });

  test('random/philox#validation: an allocation the engine refuses becomes an InvalidArgumentError', () => {
    // 2^53 elements is a valid-looking size no engine can allocate (a RangeError inside).
    expect(() => allocate('random.normal', 'shape', 2 ** 53, [2 ** 53])).toThrow(InvalidArgumentError);
  });

  test('random/philox#validation: arguments are not modified', () => {
    const shape = [2, 3];
    const key = random.key(3);
    const before = JSON.stringify(key);
    random.uniform(key, shape, -1, 1);
    random.normal(key, shape);
    random.split(key, 3);
    random.foldIn(key, 5);
    expect(shape).toEqual([2, 3]);
    expect(JSON.stringify(key)).toBe(before);
  });
});
