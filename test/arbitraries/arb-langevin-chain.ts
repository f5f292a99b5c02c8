/**
 * Arbitrary unadjusted Langevin chains on a one-dimensional Gaussian N(mu, s2): a target,
 * a step size inside the stability region 0 < eps < 4 s2 (as a fraction of 4 s2), a start
 * of n particles, K steps and their noise z_k (n values per step).
 */
import fc from 'fast-check';

export interface LangevinChainConstraints {
  /** Means are drawn in [-meanRange, meanRange] (default 5). */
  readonly meanRange?: number;
  /** log s2 is drawn in [minLogVar, maxLogVar] (default -3..3). */
  readonly minLogVar?: number;
  readonly maxLogVar?: number;
  /** eps / (4 s2) is drawn in [minFraction, maxFraction] (default 0.001..0.999: stable). */
  readonly minFraction?: number;
  readonly maxFraction?: number;
  /** Particles n in 1..maxParticles (default 4), steps K in 1..maxSteps (default 30). */
  readonly maxParticles?: number;
  readonly maxSteps?: number;
  /** Starts are drawn in [-startRange, startRange] (default 10), noise in [-5, 5]. */
  readonly startRange?: number;
}

/** A ULA chain case: the target, eps, the start and the noise of every step. */
export interface LangevinChainCase {
  readonly mu: number;
  readonly s2: number;
  readonly eps: number;
  readonly x0: number[];
  readonly noise: number[][];
}

export function arbLangevinChain(c: LangevinChainConstraints = {}): fc.Arbitrary<LangevinChainCase> {
  const R = c.meanRange ?? 5;
  const S = c.startRange ?? 10;
  return fc
    .record({
      mu: fc.double({ min: -R, max: R, noNaN: true }),
      logVar: fc.double({ min: c.minLogVar ?? -3, max: c.maxLogVar ?? 3, noNaN: true }),
      fraction: fc.double({ min: c.minFraction ?? 0.001, max: c.maxFraction ?? 0.999, noNaN: true }),
      n: fc.integer({ min: 1, max: c.maxParticles ?? 4 }),
      K: fc.integer({ min: 1, max: c.maxSteps ?? 30 }),
    })
    .chain(({ mu, logVar, fraction, n, K }) => {
      const s2 = Math.exp(logVar);
      return fc.record({
        mu: fc.constant(mu),
        s2: fc.constant(s2),
        eps: fc.constant(4 * s2 * fraction),
        x0: fc.array(fc.double({ min: -S, max: S, noNaN: true }), { minLength: n, maxLength: n }),
        noise: fc.array(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }), { minLength: K, maxLength: K }),
      });
    });
}
