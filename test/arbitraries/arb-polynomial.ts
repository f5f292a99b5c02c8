/**
 * Polynomial coefficients c_0..c_q of b(t) = sum_k c_k t^k, each in [-range, range].
 */
import fc from 'fast-check';

/** Coefficients of a polynomial of degree <= maxDegree, each in [-range, range] (default 5). */
export function arbPolynomial(maxDegree: number, range = 5): fc.Arbitrary<number[]> {
  return fc.array(fc.double({ min: -range, max: range, noNaN: true }), { minLength: maxDegree + 1, maxLength: maxDegree + 1 });
}
