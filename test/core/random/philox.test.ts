/**
 * Philox4x32-10: exact multiplication, Random123's known answers, agreement with an
 * independent Python implementation, and the avalanche behaviour of a random function.
 *
 * @see proofs/random/philox.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { mulhi32, mulhi32Halves, mullo32, philox4x32, PHILOX_M0, PHILOX_M1 } from '../../../src/core/random/philox.js';
import { ALPHA, gammaQ } from '../../_support/stats.js';
import { fixture, words } from './fixture.js';

const uint32 = fc.integer({ min: 0, max: 0xffffffff });

function block(c: readonly number[], k: readonly number[]): number[] {
  const out = new Uint32Array(4);
  philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, out, 0);
  return Array.from(out);
}

const hex = (ws: readonly number[]) => ws.map((w) => w.toString(16).padStart(8, '0'));

describe('mulhi32 / mullo32', () => {
  test.prop([uint32, uint32], { numRuns: 2000 })(
    'random/philox#mulhilo: hi * 2^32 + lo equals the exact BigInt product of any two uint32 words',
    (a, b) => {
      const exact = BigInt(a) * BigInt(b);
      expect(mulhi32(a, b)).toBe(Number(exact >> 32n));
      expect(mulhi32Halves(a, b)).toBe(Number(exact >> 32n));
      expect(mullo32(a, b)).toBe(Number(exact & 0xffffffffn));
    },
  );

  test('random/philox#mulhilo: the carries at the edges (0, 1, 2^16 - 1, 2^16, 2^32 - 1, the multipliers)', () => {
    const edges = [0, 1, 2, 0x7fff, 0xffff, 0x10000, 0x10001, 0x7fffffff, 0x80000000, 0xfffeffff, 0xffff0000, 0xffffffff, PHILOX_M0, PHILOX_M1];
    for (const a of edges) {
      for (const b of edges) {
        const exact = BigInt(a) * BigInt(b);
        expect([a, b, mulhi32(a, b), mulhi32Halves(a, b), mullo32(a, b)]).toEqual([a, b, Number(exact >> 32n), Number(exact >> 32n), Number(exact & 0xffffffffn)]);
      }
    }
  });
});

describe('Philox4x32-10 known answers', () => {
  test('random/philox#kat: the Random123 kat_vectors (zero, all-ones and pi-digits inputs)', () => {
    expect(fixture.kat.vectors.length).toBe(3);
    for (const v of fixture.kat.vectors) {
      expect(hex(block(words(v.counter), words(v.key)))).toEqual(v.output);
    }
  });

  test('random/philox#kat: counter 0, key 0 gives 6627e8d5 e169c58d bc57ac4c 9b00dbd8 (inline)', () => {
    // Written out here as well, so that a corrupted fixture cannot hide a wrong Philox.
    expect(hex(block([0, 0, 0, 0], [0, 0]))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    expect(hex(block([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toEqual([
      '408f276d',
      '41c83b0e',
      'a20bc7c6',
      '6d5451fd',
    ]);
    expect(hex(block([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toEqual([
      'd16cfe09',
      '94fdcceb',
      '5001e420',
      '24126ea1',
    ]);
  });

  test('random/philox#reference: 64 blocks at pseudo-random counters and keys equal the pure-Python Philox', () => {
    expect(fixture.blocks.length).toBe(64);
    for (const v of fixture.blocks) {
      expect({ counter: v.counter, key: v.key, output: hex(block(words(v.counter), words(v.key))) }).toEqual(v);
    }
  });
});

/** M^{-1} mod 2^32 for odd M, by Newton's iteration x <- x (2 - M x) (bits double each step). */
function inverseMod32(m: number): bigint {
  const M = BigInt(m);
  let x = M; // correct to 3 bits: M M = 1 mod 8 for odd M
  for (let i = 0; i < 5; i++) x = (x * (2n - M * x)) & 0xffffffffn;
  return x;
}

/** Philox4x32-10 run backwards: the counter whose block under (k0, k1) is y. */
function philoxInverse(y: readonly number[], k0: number, k1: number): number[] {
  const m0Inv = inverseMod32(PHILOX_M0);
  const m1Inv = inverseMod32(PHILOX_M1);
  let [y0, y1, y2, y3] = y.map(BigInt) as [bigint, bigint, bigint, bigint];
  for (let r = 9; r >= 0; r--) {
    const ka = BigInt((k0 + r * 0x9e3779b9) % 2 ** 32);
    const kb = BigInt((k1 + r * 0xbb67ae85) % 2 ** 32);
    const x2 = (m1Inv * y1) & 0xffffffffn;
    const x0 = (m0Inv * y3) & 0xffffffffn;
    const x1 = y0 ^ ((BigInt(PHILOX_M1) * x2) >> 32n) ^ ka;
    const x3 = y2 ^ ((BigInt(PHILOX_M0) * x0) >> 32n) ^ kb;
    [y0, y1, y2, y3] = [x0, x1, x2, x3];
  }
  return [y0, y1, y2, y3].map(Number);
}

describe('Philox4x32-10 is a bijection of the counter', () => {
  test('random/philox#bijection: the multipliers are odd, and M^{-1} M = 1 mod 2^32', () => {
    for (const m of [PHILOX_M0, PHILOX_M1]) {
      expect(m % 2).toBe(1);
      expect((inverseMod32(m) * BigInt(m)) & 0xffffffffn).toBe(1n);
    }
  });

  test.prop([fc.tuple(uint32, uint32, uint32, uint32), uint32, uint32])(
    'random/philox#bijection: running the ten rounds backwards recovers the counter',
    (c, k0, k1) => {
      expect(philoxInverse(block(c, [k0, k1]), k0, k1)).toEqual(c);
    },
  );
});

function popcount(x: number): number {
  let v = x >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

describe('Philox4x32-10 as a random function', () => {
  test('random/philox#avalanche: flipping any one of the 192 input bits flips Binomial(128, 1/2) output bits', () => {
    // Under the random-function model, the outputs at two distinct inputs are independent
    // and uniform, so their XOR is uniform on 128 bits: for S base inputs the total
    // Hamming distance H_j of input bit j is Binomial(128 S, 1/2), z_j = (H_j - 64 S) /
    // sqrt(32 S) is ~N(0, 1), and sum_j z_j^2 is ~chi-square with 192 degrees of freedom.
    const S = 256;
    const base = new Uint32Array(4);
    const out = new Uint32Array(4);
    const flipped = new Uint32Array(4);
    let stat = 0;
    for (let j = 0; j < 192; j++) {
      let h = 0;
      for (let s = 0; s < S; s++) {
        // Base inputs: counters and keys drawn from Philox itself under a fixed key.
        philox4x32(s, 0, 0, 7, 0x5eed, 0xa1a, base, 0);
        const c = Array.from(base);
        philox4x32(s, 1, 0, 7, 0x5eed, 0xa1a, base, 0);
        const k = [base[0]!, base[1]!];
        philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, out, 0);
        const inWord = j >>> 5;
        const mask = (1 << (j & 31)) >>> 0;
        if (inWord < 4) c[inWord] = (c[inWord]! ^ mask) >>> 0;
        else k[inWord - 4] = (k[inWord - 4]! ^ mask) >>> 0;
        philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, flipped, 0);
        for (let w = 0; w < 4; w++) h += popcount(out[w]! ^ flipped[w]!);
      }
      const z = (h - 64 * S) / Math.sqrt(32 * S);
      stat += z * z;
    }
    const pValue = gammaQ(192 / 2, stat / 2);
    expect(pValue, `chi-square ${stat} on 192 df`).toBeGreaterThan(ALPHA);
  });
});
