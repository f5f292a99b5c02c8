/**
 * Arbitrary NCSN noise levels: L strictly decreasing positive sigmas
 * sigma_1 > sigma_2 > ... > sigma_L, built as sigma_1 times a product of ratios in
 * [minRatio, maxRatio] (every ratio < 1, so the sequence is strictly decreasing in float64
 * as long as maxRatio < 1 - 2 EPS, which the defaults respect).
 */
import fc from 'fast-check';

export interface SigmasConstraints {
  /** Smallest and largest number of levels L (default 1..5). */
  readonly minLevels?: number;
  readonly maxLevels?: number;
  /** sigma_1 is drawn in [minFirst, maxFirst] (default 0.5..20). */
  readonly minFirst?: number;
  readonly maxFirst?: number;
  /** Each ratio sigma_{i+1} / sigma_i is drawn in [minRatio, maxRatio] (default 0.2..0.9). */
  readonly minRatio?: number;
  readonly maxRatio?: number;
}

/** A Float64Array of strictly decreasing positive noise levels (`sigmas[i - 1] = sigma_i`). */
export function arbSigmas(c: SigmasConstraints = {}): fc.Arbitrary<Float64Array> {
  const minRatio = c.minRatio ?? 0.2;
  const maxRatio = c.maxRatio ?? 0.9;
  return fc
    .tuple(
      fc.double({ min: c.minFirst ?? 0.5, max: c.maxFirst ?? 20, noNaN: true }),
      fc.integer({ min: c.minLevels ?? 1, max: c.maxLevels ?? 5 }).chain((L) =>
        fc.array(fc.double({ min: minRatio, max: maxRatio, noNaN: true }), { minLength: L - 1, maxLength: L - 1 }),
      ),
    )
    .map(([first, ratios]) => {
      const sigmas = new Float64Array(ratios.length + 1);
      sigmas[0] = first;
      for (let i = 0; i < ratios.length; i++) sigmas[i + 1] = sigmas[i]! * ratios[i]!;
      return sigmas;
    });
}
