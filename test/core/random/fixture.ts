/**
 * The committed fixture of the `random` area, written by
 * test/fixtures/random/philox/runner.py (an independent pure-Python Philox4x32-10 and
 * construction). Tests read it with fs; CI needs no Python.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PhiloxVector {
  /** Four counter words, hex. */
  readonly counter: readonly string[];
  /** Two key words, hex. */
  readonly key: readonly string[];
  /** Four output words, hex. */
  readonly output: readonly string[];
}

export interface StreamFixture {
  readonly seed: number;
  readonly key: readonly [number, number];
  readonly split4: readonly (readonly [number, number])[];
  readonly foldIn: readonly { readonly data: number; readonly key: readonly [number, number] }[];
  readonly uniform: readonly number[];
  readonly uniformLowHigh: { readonly low: number; readonly high: number; readonly values: readonly number[] };
  readonly normal: readonly number[];
  readonly rademacher: readonly number[];
}

/** The ziggurat's constants and float64 tables as the runner computes them (mpmath for r, v). */
export interface ZigguratFixture {
  readonly layers: number;
  readonly r: number;
  readonly v: number;
  /** The exact r and v to 40 digits. */
  readonly rExact: string;
  readonly vExact: string;
  /** The ladder x_0..x_256 and heights f_0..f_256, float64 by the runner's recurrence. */
  readonly x: readonly number[];
  readonly f: readonly number[];
  /** The exact (mpmath) ladder rounded to float64, x_256 = 0. */
  readonly xExact: readonly number[];
  readonly attemptsPerNormal: number;
  readonly wordsPerNormal: number;
  readonly pWedge: number;
  readonly pTail: number;
}

/** A long normal stream with the path (fast, wedge, tail) that produced each value. */
export interface NormalStreamFixture {
  readonly seed: number;
  readonly values: readonly number[];
  readonly paths: readonly ('fast' | 'wedge' | 'tail')[];
}

export interface RandomFixture {
  readonly python: string;
  readonly kat: { readonly source: string; readonly vectors: readonly PhiloxVector[] };
  readonly blocks: readonly PhiloxVector[];
  readonly streams: readonly StreamFixture[];
  readonly ziggurat: ZigguratFixture;
  readonly normalLong: readonly NormalStreamFixture[];
}

export const fixture: RandomFixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'random', 'philox', 'data.json'), 'utf8'),
) as RandomFixture;

/** Parses hex words. */
export function words(hex: readonly string[]): number[] {
  return hex.map((h) => Number.parseInt(h, 16));
}

/** The fixture stream of a seed. */
export function stream(seed: number): StreamFixture {
  const s = fixture.streams.find((x) => x.seed === seed);
  if (!s) throw new Error(`no fixture stream for seed ${seed}`);
  return s;
}
