/**
 * The committed 50-digit alphaBar reference of the `schedule` area, written by
 * test/fixtures/schedule/alphabar/runner.py (mpmath). Tests read it with fs; CI needs no Python.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One sampled step t of a schedule, every value from the exact (50-digit) definition. */
export interface AlphaBarRow {
  readonly t: number;
  readonly beta: number;
  /** True where the definition's beta_t exceeded maxBeta and was clipped to it. */
  readonly clipped: boolean;
  readonly logAlphaBar: number;
  /** 0 where alphaBar_t underflows float64 (compare logAlphaBar there). */
  readonly alphaBar: number;
  readonly oneMinusAlphaBar: number;
  /** sum_{s<=t, not clipped} beta_s/(1 - beta_s). */
  readonly sumBetaOverAlpha: number;
}

export interface AlphaBarCase {
  readonly kind: 'linear' | 'cosine';
  readonly T: number;
  readonly rows: readonly AlphaBarRow[];
}

interface RawRow {
  t: number;
  beta: string;
  clipped: boolean;
  logAlphaBar: string;
  alphaBar: string;
  oneMinusAlphaBar: string;
  sumBetaOverAlpha: string;
}

const raw = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'schedule', 'alphabar', 'data.json'), 'utf8')) as {
  cases: { kind: 'linear' | 'cosine'; T: number; rows: RawRow[] }[];
};

export const alphaBarFixture: { readonly cases: readonly AlphaBarCase[] } = {
  cases: raw.cases.map((c) => ({
    kind: c.kind,
    T: c.T,
    rows: c.rows.map((r) => ({
      t: r.t,
      beta: Number(r.beta),
      clipped: r.clipped,
      logAlphaBar: Number(r.logAlphaBar),
      alphaBar: Number(r.alphaBar),
      oneMinusAlphaBar: Number(r.oneMinusAlphaBar),
      sumBetaOverAlpha: Number(r.sumBetaOverAlpha),
    })),
  })),
};
