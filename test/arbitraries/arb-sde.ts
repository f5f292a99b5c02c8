/**
 * Arbitrary SDE records of the `sde` area (`sde.vp`, `sde.subVp`, `sde.ve`) with
 * parameters drawn from constrained doubles around the paper's settings, and times in
 * [0, 1].
 */
import fc from 'fast-check';
import { subVp, ve, vp, type Sde } from '../../src/core/sde/index.js';

export interface SdeConstraints {
  /** Largest betaMax of VP and sub-VP (default 30). */
  readonly maxBeta?: number;
  /** Largest sigmaMax of VE (default 100). */
  readonly maxSigma?: number;
}

/** A VP record with 0.01 <= betaMin <= betaMax <= maxBeta. */
export function arbVp(c: SdeConstraints = {}): fc.Arbitrary<Sde> {
  return arbBetas(c).map((p) => vp(p));
}

/** A sub-VP record with 0.01 <= betaMin <= betaMax <= maxBeta. */
export function arbSubVp(c: SdeConstraints = {}): fc.Arbitrary<Sde> {
  return arbBetas(c).map((p) => subVp(p));
}

/** A VE record with 1e-3 <= sigmaMin <= 1 and 2 sigmaMin <= sigmaMax <= maxSigma. */
export function arbVe(c: SdeConstraints = {}): fc.Arbitrary<Sde> {
  const maxSigma = c.maxSigma ?? 100;
  return fc
    .record({ sigmaMin: fc.double({ min: 1e-3, max: 1, noNaN: true }), u: fc.double({ min: 0, max: 1, noNaN: true }) })
    .map(({ sigmaMin, u }) => ve({ sigmaMin, sigmaMax: 2 * sigmaMin + u * (maxSigma - 2 * sigmaMin) }));
}

/** Any of the three. */
export function arbSde(c: SdeConstraints = {}): fc.Arbitrary<Sde> {
  return fc.oneof(arbVp(c), arbSubVp(c), arbVe(c));
}

/** (betaMin, betaMax) with 0.01 <= betaMin <= betaMax <= maxBeta. */
function arbBetas(c: SdeConstraints): fc.Arbitrary<{ betaMin: number; betaMax: number }> {
  const maxBeta = c.maxBeta ?? 30;
  return fc
    .record({ betaMin: fc.double({ min: 0.01, max: 1, noNaN: true }), u: fc.double({ min: 0, max: 1, noNaN: true }) })
    .map(({ betaMin, u }) => ({ betaMin, betaMax: betaMin + u * (maxBeta - betaMin) }));
}

/** A time t in [min, max] within [0, 1] (default the whole interval). */
export function arbTime(min = 0, max = 1): fc.Arbitrary<number> {
  return fc.double({ min, max, noNaN: true });
}
