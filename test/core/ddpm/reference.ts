/**
 * The 50-digit reference of the `ddpm` area, written by
 * test/fixtures/ddpm/reference/runner.py (mpmath, from the paper's formulas), and the
 * rounding budgets the tests compare against (proofs/ddpm/*.md). CI reads the JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBetas, type Schedule } from '../../../src/core/schedule/index.js';

export interface ReferenceRow {
  readonly t: number;
  readonly x0: number;
  readonly xt: number;
  readonly eps: number;
  readonly qMean: number;
  readonly qVariance: number;
  readonly qLogVariance: number;
  readonly qStepMean: number;
  readonly posteriorMean: number;
  readonly posteriorVariance: number;
  readonly posteriorLogVarianceClipped: number;
  readonly x0FromEps: number;
  readonly epsFromX0: number;
  readonly pMean: number;
  readonly pMeanClip: number;
  readonly score: number;
}

export interface ReferenceCase {
  readonly name: string;
  readonly s: Schedule;
  readonly rows: readonly ReferenceRow[];
}

interface Raw {
  cases: { name: string; betas: string[]; rows: Record<string, number | string>[] }[];
}

const raw = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'ddpm', 'reference', 'data.json'), 'utf8')) as Raw;

export const ddpmReference: readonly ReferenceCase[] = raw.cases.map((c) => ({
  name: c.name,
  s: fromBetas(Float64Array.from([0, ...c.betas.map(Number)])),
  rows: c.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])) as unknown as ReferenceRow),
}));
