/**
 * The committed fixtures of the `gaussian` area, written by the runners under
 * test/fixtures/gaussian/ (mpmath at 50-120+ digits, and scipy.special for comparison).
 * Tests read them with fs; CI needs no Python.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Table {
  readonly description: string;
  readonly versions: Record<string, string>;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly number[])[];
}

function load(name: string): Table {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'gaussian', name, 'data.json'), 'utf8')) as Table;
}

/** Column-named rows of a fixture table. */
function records<K extends string>(t: Table, names: readonly K[]): Record<K, number>[] {
  for (const n of names) if (!t.columns.includes(n)) throw new Error(`fixture has no column ${n}`);
  return t.rows.map((r) => Object.fromEntries(names.map((n) => [n, r[t.columns.indexOf(n)]!])) as Record<K, number>);
}

/** Phi and log Phi: mpmath (60 digits) and scipy.special.ndtr / log_ndtr. */
export const ndtrRows = records(load('ndtr'), ['x', 'phi_mpmath', 'log_phi_mpmath', 'phi_scipy', 'log_phi_scipy'] as const);

/** log N, score and entropy (mpmath, 50 digits), with the magnitude `scale` of logPdf's terms. */
export const densityRows = records(load('density'), ['x', 'mean', 'logVar', 'logPdf', 'score', 'entropy', 'scale'] as const);

/** KL between Gaussians (mpmath, 60 digits). */
export const klRows = records(load('normal-kl'), ['mean1', 'logVar1', 'mean2', 'logVar2', 'kl'] as const);

/** Decoder bin log-probabilities (mpmath, exact) with c, h and the sensitivities dc, dh, dab. */
export const binRows = records(load('discretized'), ['k', 'mean', 'logScale', 'logP', 'c', 'h', 'dc', 'dh', 'dab'] as const);
