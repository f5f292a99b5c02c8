/**
 * Arbitrary symmetric positive definite d x d matrices, as A A^T + floor I with the entries of
 * A drawn in [-1, 1]: eigenvalues in [floor, floor + d] (row-major Float64Array).
 */
import fc from 'fast-check';

export interface SpdConstraints {
  /** The smallest eigenvalue floor (default 0.1). */
  readonly floor?: number;
}

/** A symmetric positive definite d x d matrix (row-major), exactly symmetric. */
export function arbSpd(d: number, c: SpdConstraints = {}): fc.Arbitrary<Float64Array> {
  const floor = c.floor ?? 0.1;
  return fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d * d, maxLength: d * d }).map((a) => {
    const m = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let s = i === j ? floor : 0;
        for (let k = 0; k < d; k++) s += a[i * d + k]! * a[j * d + k]!;
        m[i * d + j] = s;
        m[j * d + i] = s;
      }
    }
    return m;
  });
}
