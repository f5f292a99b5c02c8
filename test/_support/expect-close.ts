/**
 * Closeness with an explicit, justified tolerance. Every call states its tolerance in
 * units a reader can check (multiples of EPS for float64 rounding, a standard error for a
 * Monte Carlo estimate, a step size to a power for a discretization), and a failure
 * prints the inputs, the difference and the tolerance.
 */
export const EPS = Number.EPSILON; // 2^-52, the spacing of float64 at 1

export interface Tolerance {
  /** Relative tolerance, in units of |expected|. */
  readonly rtol?: number;
  /** Absolute tolerance. */
  readonly atol?: number;
}

/** |actual - expected| <= atol + rtol * |expected|, with infinities equal only to themselves. */
export function isClose(actual: number, expected: number, tol: Tolerance): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return false;
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return actual === expected;
  const bound = (tol.atol ?? 0) + (tol.rtol ?? 0) * Math.abs(expected);
  return Math.abs(actual - expected) <= bound;
}

export function expectClose(actual: number, expected: number, tol: Tolerance, context: Record<string, unknown> = {}): void {
  if (!isClose(actual, expected, tol)) {
    const diff = actual - expected;
    const bound = (tol.atol ?? 0) + (tol.rtol ?? 0) * Math.abs(expected);
    throw new Error(
      [
        `expected ${fmt(actual)} to be close to ${fmt(expected)}`,
        `  difference ${fmt(diff)} (relative ${fmt(expected === 0 ? Infinity : diff / Math.abs(expected))}), allowed ${fmt(bound)}`,
        `  tolerance ${JSON.stringify(tol)}`,
        ...Object.entries(context).map(([k, v]) => `  ${k} = ${show(v)}`),
      ].join('\n'),
    );
  }
}

/** Elementwise expectClose over two arrays of equal length. */
export function expectAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  context: Record<string, unknown> = {},
): void {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    expectClose(actual[i]!, expected[i]!, tol, { ...context, index: i });
  }
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(17) : String(v);
}

function show(v: unknown): string {
  if (typeof v === 'number') return fmt(v);
  if (ArrayBuffer.isView(v)) return `[${Array.from(v as unknown as ArrayLike<number>, fmt).join(', ')}]`;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
