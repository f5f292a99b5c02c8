/**
 * Arbitrary linear score models s(x) = A x + b on R^d (the models whose score-matching
 * objectives have closed forms on any finite sample), with A and b drawn entrywise from
 * constrained doubles, and a batch of points to evaluate them on.
 */
import fc from 'fast-check';

export interface LinearScoreConstraints {
  /** Smallest and largest dimension d (default 1..4). */
  readonly minDim?: number;
  readonly maxDim?: number;
  /** Smallest and largest number of points n (default 1..6). */
  readonly minPoints?: number;
  readonly maxPoints?: number;
  /** Entries of A and b are drawn in [-coefRange, coefRange] (default 2). */
  readonly coefRange?: number;
  /** Coordinates of the points are drawn in [-pointRange, pointRange] (default 5). */
  readonly pointRange?: number;
}

/** A drawn case: d, n, A (row-major d x d), b (length d) and the points x (row-major n x d). */
export interface LinearScoreCase {
  readonly d: number;
  readonly n: number;
  readonly A: Float64Array;
  readonly b: Float64Array;
  readonly x: Float64Array;
}

/** A linear score model and a batch of points within the constraints. */
export function arbLinearScore(c: LinearScoreConstraints = {}): fc.Arbitrary<LinearScoreCase> {
  const coef = fc.double({ min: -(c.coefRange ?? 2), max: c.coefRange ?? 2, noNaN: true });
  const point = fc.double({ min: -(c.pointRange ?? 5), max: c.pointRange ?? 5, noNaN: true });
  return fc
    .tuple(fc.integer({ min: c.minDim ?? 1, max: c.maxDim ?? 4 }), fc.integer({ min: c.minPoints ?? 1, max: c.maxPoints ?? 6 }))
    .chain(([d, n]) =>
      fc.record({
        d: fc.constant(d),
        n: fc.constant(n),
        A: fc.array(coef, { minLength: d * d, maxLength: d * d }).map((v) => Float64Array.from(v)),
        b: fc.array(coef, { minLength: d, maxLength: d }).map((v) => Float64Array.from(v)),
        x: fc.array(point, { minLength: n * d, maxLength: n * d }).map((v) => Float64Array.from(v)),
      }),
    );
}
