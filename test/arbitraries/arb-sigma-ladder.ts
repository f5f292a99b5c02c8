/**
 * Arbitrary NCSN noise levels sigma_1 > ... > sigma_L > 0 (a Float64Array), built without
 * filters: sigma_1 drawn in [minSigma1, maxSigma1] and each next level a ratio r in
 * [minRatio, maxRatio] (< 1) of the previous, so the ladder is strictly decreasing.
 */
import fc from 'fast-check';

export interface SigmaLadderConstraints {
  /** Smallest and largest number of levels L (default 1..5). */
  readonly minLevels?: number;
  readonly maxLevels?: number;
  /** Range of the largest level sigma_1 (default 0.1..10). */
  readonly minSigma1?: number;
  readonly maxSigma1?: number;
  /** Range of the ratios sigma_{c+1} / sigma_c (default 0.1..0.9; maxRatio < 1). */
  readonly minRatio?: number;
  readonly maxRatio?: number;
}

/** A strictly decreasing ladder of positive noise levels within the constraints. */
export function arbSigmaLadder(c: SigmaLadderConstraints = {}): fc.Arbitrary<Float64Array> {
  const minL = c.minLevels ?? 1;
  const maxL = c.maxLevels ?? 5;
  return fc.integer({ min: minL, max: maxL }).chain((L) =>
    fc
      .tuple(
        fc.double({ min: c.minSigma1 ?? 0.1, max: c.maxSigma1 ?? 10, noNaN: true }),
        fc.array(fc.double({ min: c.minRatio ?? 0.1, max: c.maxRatio ?? 0.9, noNaN: true }), { minLength: L - 1, maxLength: L - 1 }),
      )
      .map(([first, ratios]) => {
        const s = new Float64Array(L);
        s[0] = first;
        // sigma * r with r <= 0.9 rounds to a number below sigma (sigma >= 1e-5 here is normal).
        for (let i = 1; i < L; i++) s[i] = s[i - 1]! * ratios[i - 1]!;
        return s;
      }),
  );
}
