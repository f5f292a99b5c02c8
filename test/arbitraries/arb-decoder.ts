/**
 * Arbitrary parameters of DDPM's discretized Gaussian decoder: a mean and a log-scale.
 * Defaults are the ranges of the normalization claim (proofs/gaussian/discretized.md).
 */
import fc from 'fast-check';

export interface DecoderConstraints {
  /** Means in [-meanRange, meanRange] (default 3). */
  readonly meanRange?: number;
  /** Log-scales log s in [minLogScale, maxLogScale] (default -8..2). */
  readonly minLogScale?: number;
  readonly maxLogScale?: number;
}

/** The decoder's per-pixel parameters: mean mu and log-scale log s. */
export interface DecoderParams {
  readonly mean: number;
  readonly logScale: number;
}

/** A decoder mean and log-scale in the given ranges. */
export function arbDecoder(c: DecoderConstraints = {}): fc.Arbitrary<DecoderParams> {
  const m = c.meanRange ?? 3;
  return fc.record({
    mean: fc.double({ min: -m, max: m, noNaN: true }),
    logScale: fc.double({ min: c.minLogScale ?? -8, max: c.maxLogScale ?? 2, noNaN: true }),
  });
}
