/**
 * An ODE method of the solvers area with its quadrature degree: the largest degree of
 * polynomials in t that its weights integrate exactly (order - 1).
 */
import fc from 'fast-check';

export type FixedMethodName = 'euler' | 'heun' | 'rk4' | 'dopri5';

/** A method and the largest degree q of polynomials in t its weights integrate exactly (sum b_i c_i^k = 1/(k+1), k <= q). */
export interface MethodDegree {
  readonly method: FixedMethodName;
  /** Quadrature degree: order - 1 (Euler 0, Heun 1, RK4 3, Dormand-Prince 4). */
  readonly degree: number;
}

/** One of the four methods with its quadrature degree. */
export function arbMethodDegree(): fc.Arbitrary<MethodDegree> {
  return fc.constantFrom<MethodDegree>(
    { method: 'euler', degree: 0 },
    { method: 'heun', degree: 1 },
    { method: 'rk4', degree: 3 },
    { method: 'dopri5', degree: 4 },
  );
}
