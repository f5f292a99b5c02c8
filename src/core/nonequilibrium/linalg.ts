/**
 * Small dense linear algebra for the `nonequilibrium` area (private, not re-exported):
 * the Cholesky factor of a principal submatrix of a symmetric matrix, and triangular solves.
 * Matrices are row-major blocks of a Float64Array; only the lower triangle is read
 * (entry (i, j) with i >= j), so a symmetric input is used as given.
 */

/** Entry (i, j) of the symmetric d x d matrix at `off` of `a`, read from its lower triangle. */
export function sym(a: Float64Array, off: number, d: number, i: number, j: number): number {
  return i >= j ? a[off + i * d + j]! : a[off + j * d + i]!;
}

/**
 * The Cholesky factor L (k x k, row-major, lower) of the principal submatrix of the symmetric
 * d x d matrix at `off` of `a` on the indices idx[0..k-1]: A_sub = L L^T. Returns false when
 * a pivot is not positive and finite (the submatrix is not positive definite in float64).
 */
export function choleskySub(a: Float64Array, off: number, d: number, idx: Int32Array, k: number, L: Float64Array): boolean {
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = sym(a, off, d, idx[i]!, idx[j]!);
      for (let m = 0; m < j; m++) sum -= L[i * k + m]! * L[j * k + m]!;
      if (i === j) {
        if (!(sum > 0 && sum < Infinity)) return false;
        L[i * k + i] = Math.sqrt(sum);
      } else {
        L[i * k + j] = sum / L[j * k + j]!;
      }
    }
    for (let j = i + 1; j < k; j++) L[i * k + j] = 0;
  }
  return true;
}

/** Solves L y = b in place (b of length k; L lower triangular k x k, row-major). */
export function solveLower(L: Float64Array, k: number, b: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let sum = b[i]!;
    for (let m = 0; m < i; m++) sum -= L[i * k + m]! * b[m]!;
    b[i] = sum / L[i * k + i]!;
  }
}

/** Solves L^T y = b in place. */
export function solveUpperT(L: Float64Array, k: number, b: Float64Array): void {
  for (let i = k - 1; i >= 0; i--) {
    let sum = b[i]!;
    for (let m = i + 1; m < k; m++) sum -= L[m * k + i]! * b[m]!;
    b[i] = sum / L[i * k + i]!;
  }
}
