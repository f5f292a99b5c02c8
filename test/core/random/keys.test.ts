/**
 * Keys: seeding, splitting, folding in; the distinctness and independence of derived
 * streams; determinism.
 *
 * @see proofs/random/philox.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import {
  foldIn,
  key,
  normalArray,
  rademacherArray,
  split,
  uniformArray,
  type Key,
} from '../../../src/core/random/index.js';
import { childKey } from '../../../src/core/random/keys.js';
import { DOMAIN_DRAW, philox4x32 } from '../../../src/core/random/philox.js';
import { arbKey, arbKeyWords, arbSeed } from '../../arbitraries/arb-key.js';
import { ALPHA, chiSquareTest, ksTest, Z_CRIT } from '../../_support/stats.js';
import { fixture } from './fixture.js';

const id = (k: Key) => `${k.k0},${k.k1}`;

/** Pearson's sample correlation. */
function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * Under independence sqrt(n) r is asymptotically N(0, 1) (for any two independent
 * streams with finite variance), so |r| sqrt(n) < Z_CRIT is a two-sided test at ALPHA.
 */
function expectUncorrelated(x: ArrayLike<number>, y: ArrayLike<number>, what: string): void {
  const r = correlation(x, y);
  expect(Math.abs(r) * Math.sqrt(x.length), `${what}: r = ${r}, n = ${x.length}`).toBeLessThan(Z_CRIT);
}

describe('key', () => {
  test.prop([arbSeed()])('random/philox#key-words: key(s) = (floor(s / 2^32), s mod 2^32), frozen', (s) => {
    const k = key(s);
    expect(Object.isFrozen(k)).toBe(true);
    expect(Number.isInteger(k.k0) && k.k0 >= 0 && k.k0 <= 0xffffffff).toBe(true);
    expect(Number.isInteger(k.k1) && k.k1 >= 0 && k.k1 <= 0xffffffff).toBe(true);
    // k0 2^32 + k1 < 2^53 is exact in float64.
    expect(k.k0 * 2 ** 32 + k.k1).toBe(s);
  });

  test('random/philox#key-words: key(0), key(42), key(2^32), key(2^53 - 1)', () => {
    expect(key(0)).toEqual({ k0: 0, k1: 0 });
    expect(key(42)).toEqual({ k0: 0, k1: 42 });
    expect(key(2 ** 32)).toEqual({ k0: 1, k1: 0 });
    expect(key(Number.MAX_SAFE_INTEGER)).toEqual({ k0: 2 ** 21 - 1, k1: 0xffffffff });
  });

  test('random/philox#reference: key, split(key, 4) and foldIn equal the pure-Python construction', () => {
    expect(fixture.streams.length).toBeGreaterThanOrEqual(6);
    for (const s of fixture.streams) {
      const k = key(s.seed);
      expect([k.k0, k.k1]).toEqual(s.key);
      expect(split(k, 4).map((c) => [c.k0, c.k1])).toEqual(s.split4);
      for (const f of s.foldIn) {
        const c = foldIn(k, f.data);
        expect({ seed: s.seed, data: f.data, key: [c.k0, c.k1] }).toEqual({ seed: s.seed, data: f.data, key: f.key });
      }
    }
  });
});

describe('split and foldIn: distinct keys', () => {
  test.prop([arbKeyWords(), fc.integer({ min: 1, max: 64 })])(
    'random/philox#distinct-keys: split(key, n) gives n distinct frozen keys, none equal to the parent',
    (k, n) => {
      const children = split(k, n);
      expect(children.length).toBe(n);
      const ids = new Set(children.map(id));
      expect(ids.size).toBe(n);
      expect(ids.has(id(k))).toBe(false);
      for (const c of children) expect(Object.isFrozen(c)).toBe(true);
    },
  );

  test.prop([arbKeyWords(), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 0, max: 16 })])(
    'random/philox#distinct-keys: split(key, n) is a prefix of split(key, n + m); split(key) has 2 children',
    (k, n, m) => {
      expect(split(k, n)).toEqual(split(k, n + m).slice(0, n));
      expect(split(k).length).toBe(2);
    },
  );

  test.prop([arbKeyWords(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })])(
    'random/philox#distinct-keys: foldIn(key, d) is a frozen key different from the parent',
    (k, d) => {
      const c = foldIn(k, d);
      expect(Object.isFrozen(c)).toBe(true);
      expect(id(c)).not.toBe(id(k));
    },
  );

  test('random/philox#distinct-keys: a Philox output equal to the parent key is moved off it (bit 0 of k0 flipped)', () => {
    // The event has probability 2^-64 per child, so it is tested on the rule itself.
    expect(childKey(5, 9, 5, 9)).toEqual({ k0: 4, k1: 9 });
    expect(childKey(0xffffffff, 0, 0xffffffff, 0)).toEqual({ k0: 0xfffffffe, k1: 0 });
    expect(childKey(5, 9, 5, 8)).toEqual({ k0: 5, k1: 8 });
    expect(Object.isFrozen(childKey(1, 2, 3, 4))).toBe(true);
  });

  test('random/philox#distinct-keys: no collision among 10^5 children of one split, nor with the parent', () => {
    // A random function would collide with probability n(n-1)/2^65 ~ 2.7e-10 here.
    const parent = key(0);
    const children = split(parent, 100_000);
    const ids = new Set(children.map(id));
    expect(ids.size).toBe(100_000);
    expect(ids.has(id(parent))).toBe(false);
  });

  test('random/philox#distinct-keys: no collision among 10^5 keys of a split tree and 10^5 fold-ins', () => {
    // Breadth-first: each key is split in two until 10^5 keys have been derived; every
    // derived key, parents included, is distinct.
    const seen = new Set<string>();
    const root = key(42);
    seen.add(id(root));
    const queue: Key[] = [root];
    let derived = 0;
    let collisions = 0;
    for (let head = 0; derived < 100_000; head++) {
      for (const c of split(queue[head]!, 2)) {
        if (seen.has(id(c))) collisions++;
        seen.add(id(c));
        queue.push(c);
        derived++;
      }
    }
    expect(collisions).toBe(0);
    expect(seen.size).toBe(100_001);
    const base = key(7);
    const folded = new Set<string>();
    for (let d = 0; d < 100_000; d++) folded.add(id(foldIn(base, d)));
    expect(folded.size).toBe(100_000);
    expect(folded.has(id(base))).toBe(false);
  });

  test('random/philox#domain-separation: split children, fold-ins and the draw stream read disjoint Philox blocks', () => {
    // Without the domain word c3, split(k, n)[i] would be the first two words of draw
    // block i, and foldIn(k, d) those of draw block d. With it, the three sets of
    // 64-bit words are disjoint (a coincidence has probability ~ 3 n^2 / 2^65).
    const k = key(1234);
    const n = 20_000;
    const draws = new Set<string>();
    const out = new Uint32Array(4);
    for (let b = 0; b < n; b++) {
      philox4x32(b, 0, 0, DOMAIN_DRAW, k.k0, k.k1, out, 0);
      draws.add(`${out[0]},${out[1]}`);
    }
    // The draw stream is what uniformArray reads: its first value comes from block 0.
    philox4x32(0, 0, 0, DOMAIN_DRAW, k.k0, k.k1, out, 0);
    expect(uniformArray(k, 1)[0]).toBe(((out[0]! >>> 5) * 2 ** 26 + (out[1]! >>> 6)) / 2 ** 53);
    const splits = split(k, n).map(id);
    const folds = Array.from({ length: n }, (_, d) => id(foldIn(k, d)));
    const all = new Set([...draws, ...splits, ...folds]);
    expect(all.size).toBe(3 * n);
  });
});

describe('split and foldIn: independent streams', () => {
  const n = 100_000;

  test('random/philox#split-independence: uniform streams of two sibling keys are uncorrelated', () => {
    const [a, b] = split(key(11));
    expectUncorrelated(uniformArray(a!, n), uniformArray(b!, n), 'siblings');
  });

  test('random/philox#split-independence: normal streams of sibling keys, and their squares, are uncorrelated', () => {
    const [a, b] = split(key(12));
    const x = normalArray(a!, n);
    const y = normalArray(b!, n);
    expectUncorrelated(x, y, 'normal siblings');
    expectUncorrelated(
      x.map((v) => v * v),
      y.map((v) => v * v),
      'squares of normal siblings',
    );
  });

  test('random/philox#split-independence: the parent stream and a child stream are uncorrelated', () => {
    // Using a key after splitting it breaks the house rule; the test does it on purpose to
    // check that the split domain keeps the two streams apart.
    const parent = key(13);
    const [child] = split(parent);
    expectUncorrelated(uniformArray(parent, n), uniformArray(child!, n), 'parent / child');
    const grandchild = split(child!)[1]!;
    expectUncorrelated(uniformArray(parent, n), uniformArray(grandchild, n), 'parent / grandchild');
  });

  test('random/philox#split-independence: fold-ins of consecutive integers give uncorrelated streams', () => {
    const k = key(14);
    expectUncorrelated(uniformArray(foldIn(k, 0), n), uniformArray(foldIn(k, 1), n), 'foldIn 0 / 1');
    expectUncorrelated(rademacherArray(foldIn(k, 2), n), rademacherArray(foldIn(k, 3), n), 'foldIn 2 / 3 (signs)');
  });

  test('random/philox#split-independence: pairs from two sibling streams fill a 10 x 10 grid uniformly', () => {
    // Independence of U and V (each uniform) makes (U, V) uniform on the square: each
    // of the 100 cells has probability 1/100 (expected count 1000); chi-square, 99 df.
    const [a, b] = split(key(15));
    const u = uniformArray(a!, n);
    const v = uniformArray(b!, n);
    const counts = new Float64Array(100);
    for (let i = 0; i < n; i++) counts[Math.floor(u[i]! * 10) * 10 + Math.floor(v[i]! * 10)]!++;
    const { pValue, stat } = chiSquareTest(counts, new Float64Array(100).fill(1 / 100));
    expect(pValue, `chi-square ${stat}`).toBeGreaterThan(ALPHA);
  });

  test('random/philox#split-independence: the first draws of 10^4 sibling keys are iid uniform (KS)', () => {
    const children = split(key(16), 10_000);
    const first = children.map((c) => uniformArray(c, 1)[0]!);
    const { pValue, d } = ksTest(first, (x) => Math.min(1, Math.max(0, x)));
    expect(pValue, `D = ${d}`).toBeGreaterThan(ALPHA);
  });
});

describe('determinism', () => {
  test.prop([arbKey(), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 })])(
    'random/philox#determinism: the same key gives bit-identical arrays, and a shorter draw is a prefix',
    (k, m, extra) => {
      const n = m + extra;
      // A key rebuilt from its words (as read back from JSON) is the same key.
      const copy = JSON.parse(JSON.stringify(k)) as Key;
      for (const draw of [uniformArray, normalArray, rademacherArray]) {
        const a = draw(k, n);
        const b = draw(copy, n);
        expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
        expect(Array.from(draw(k, m))).toEqual(Array.from(a.subarray(0, m)));
      }
    },
  );
});
