/**
 * Arbitrary one-dimensional Gaussians N(mean, e^logVar), from constrained doubles.
 */
import fc from 'fast-check';

export interface GaussianConstraints {
  /** Means are drawn in [-meanRange, meanRange] (default 5). */
  readonly meanRange?: number;
  /** Log-variances are drawn in [minLogVar, maxLogVar] (default -10..10). */
  readonly minLogVar?: number;
  readonly maxLogVar?: number;
}

/** A Gaussian coordinate: its mean and log-variance. */
export interface Gaussian1 {
  readonly mean: number;
  readonly logVar: number;
}

/** A Gaussian N(mean, e^logVar) with mean and log-variance in the given ranges. */
export function arbGaussian(c: GaussianConstraints = {}): fc.Arbitrary<Gaussian1> {
  const m = c.meanRange ?? 5;
  return fc.record({
    mean: fc.double({ min: -m, max: m, noNaN: true }),
    logVar: fc.double({ min: c.minLogVar ?? -10, max: c.maxLogVar ?? 10, noNaN: true }),
  });
}
