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

export interface RandomFixture {
  readonly python: string;
  readonly kat: { readonly source: string; readonly vectors: readonly PhiloxVector[] };
  readonly blocks: readonly PhiloxVector[];
  readonly streams: readonly StreamFixture[];
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
