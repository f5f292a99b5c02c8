/**
 * Boundary validation and shared machinery of the `langevin` area (private: not
 * re-exported): the options records, the noise levels, calls to the user's noise and
 * uniform sources, the trajectory recorder and the overflow report.
 *
 * @see proofs/langevin/validation.md (claim langevin/validation#contract)
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkFieldValue } from '../../_internal/fields.js';
import { checkInteger, checkNumber, isNdArray, wrap, type Dense, type Float64NdArray } from '../../_internal/validate.js';

/**
 * Largest number of values a trajectory may hold: 2^27 (1 GiB of float64). A longer record
 * is refused on `options.trajectory` (record every k-th step instead) rather than left to
 * fail inside the allocator.
 */
export const MAX_TRAJECTORY_VALUES = 2 ** 27;

/** Reads `options` as a plain object, or throws on `options`. */
export function checkOptions(api: string, options: unknown, shape: string): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options) || isNdArray(options) || ArrayBuffer.isView(options)) {
    throw new InvalidArgumentError(api, 'options', `an object ${shape}`, options);
  }
  return options as Record<string, unknown>;
}

/** Reads one field of an options object; a throwing getter counts as a bad value. */
export function field(options: Record<string, unknown>, name: string): unknown {
  try {
    return options[name];
  } catch {
    return got('a property whose getter throws');
  }
}

/** The step size: a finite number eps > 0. */
export function checkEps(api: string, name: string, eps: unknown): number {
  return checkNumber(api, name, eps, { min: 0 });
}

/** A number of steps: an integer >= 1. */
export function checkSteps(api: string, name: string, steps: unknown): number {
  return checkInteger(api, name, steps, 1);
}

/**
 * The trajectory option: undefined (no record), or an integer k in 1..steps (the start and
 * the state after every k-th step are recorded), or, where `levels` is given, the string
 * 'levels' (the start and the state after each of the `levels` noise levels). Returns the
 * stride in steps (0 for no record) and the number of states recorded.
 */
export function checkTrajectory(
  api: string,
  value: unknown,
  steps: number,
  size: number,
  levels?: { readonly L: number; readonly perLevel: number },
): { every: number; count: number } {
  const name = 'options.trajectory';
  if (value === undefined || value === false) return { every: 0, count: 0 };
  let every: number;
  if (value === 'levels' && levels !== undefined) every = levels.perLevel;
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= steps) every = value;
  else {
    const what = levels !== undefined ? `undefined, 'levels', or an integer in 1..${steps} (record every k-th step)` : `undefined or an integer in 1..${steps} (record every k-th step)`;
    throw new InvalidArgumentError(api, name, what, value);
  }
  const count = 1 + Math.floor(steps / every);
  if (count * size > MAX_TRAJECTORY_VALUES) {
    throw new InvalidArgumentError(
      api,
      name,
      `a stride k for which (1 + floor(steps / k)) x.size <= 2^27 values (1 GiB)`,
      got(`${String(value)}, which records ${count} states of ${size} values`),
    );
  }
  return { every, count };
}

/** Throws unless `v` is undefined or a boolean; returns it as a boolean (default false). */
export function checkFlag(api: string, name: string, v: unknown): boolean {
  if (v !== undefined && typeof v !== 'boolean') throw new InvalidArgumentError(api, name, 'a boolean or undefined', v);
  return v === true;
}

/**
 * NCSN's noise levels: a Float64Array of L >= 1 finite values sigma_1 > sigma_2 > ... >
 * sigma_L > 0 (`sigmas[i - 1] = sigma_i`). Returns a copy.
 */
export function checkSigmas(api: string, sigmas: unknown): Float64Array {
  const name = 'sigmas';
  if (!(sigmas instanceof Float64Array)) {
    throw new InvalidArgumentError(api, name, 'a Float64Array of strictly decreasing positive noise levels sigma_1 > ... > sigma_L > 0', sigmas);
  }
  if (sigmas.length < 1) throw new InvalidArgumentError(api, name, 'at least one noise level', got('an empty Float64Array'));
  for (let i = 0; i < sigmas.length; i++) {
    const v = sigmas[i]!;
    if (!Number.isFinite(v) || !(v > 0)) {
      throw new InvalidArgumentError(api, name, 'finite positive noise levels', got(`${Object.is(v, -0) ? '-0' : v} at index ${i}`));
    }
    if (i > 0 && !(v < sigmas[i - 1]!)) {
      throw new InvalidArgumentError(
        api,
        name,
        'strictly decreasing noise levels sigma_1 > ... > sigma_L',
        got(`sigmas[${i - 1}] = ${sigmas[i - 1]} <= sigmas[${i}] = ${v}`),
      );
    }
  }
  return Float64Array.from(sigmas);
}

/** Calls the user's noise source at step `i` and validates a standard-normal array of the shape of x. */
export function drawNoise(api: string, noise: (i: number) => unknown, i: number, shape: readonly number[]): Float64Array {
  return checkFieldValue(api, 'noise', noise(i), shape, 'x');
}

/** Calls the user's uniform source at step `i`: an array of shape [n] with values in [0, 1). */
export function drawUniforms(api: string, uniforms: (i: number) => unknown, i: number, n: number): Float64Array {
  const u = checkFieldValue(api, 'uniforms', uniforms(i), [n], 'one value per row of x');
  checkUnitInterval(api, 'uniforms', u, true);
  return u;
}

/** Throws unless every value lies in [0, 1) (the law of random.uniform). */
export function checkUnitInterval(api: string, name: string, u: Float64Array, fromFunction: boolean): void {
  for (let r = 0; r < u.length; r++) {
    const v = u[r]!;
    if (!(v >= 0 && v < 1)) {
      const what = fromFunction ? `a function returning uniforms in [0, 1)` : 'uniforms in [0, 1)';
      throw new InvalidArgumentError(api, name, what, got(`${fromFunction ? 'a function returning ' : ''}${v} at index ${r}`));
    }
  }
}

/** Size of an array of this shape. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const n of shape) size *= n;
  return size;
}

/** The error for a state that left float64: the chain diverged (or its inputs were near 1.8e308). */
export function overflow(api: string, name: string, what: string, step: number, out: Float64Array): InvalidArgumentError {
  let at = 0;
  while (at < out.length && out[at]! - out[at]! === 0) at++;
  return new InvalidArgumentError(
    api,
    name,
    `a step size for which ${what} stays finite in float64`,
    got(`${out[at]} at flat index ${at} after step ${step} (the chain diverged or overflowed)`),
  );
}

/** A trajectory under construction: `count` states of `size` values, filled in order. */
export interface Recorder {
  readonly data: Float64Array;
  readonly size: number;
  filled: number;
}

export function recorder(count: number, size: number): Recorder | undefined {
  return count === 0 ? undefined : { data: new Float64Array(count * size), size, filled: 0 };
}

export function record(rec: Recorder | undefined, state: Float64Array): void {
  if (rec === undefined) return;
  rec.data.set(state.subarray(0, rec.size), rec.filled * rec.size);
  rec.filled++;
}

/** The recorded states as one array of shape [count, ...shape]. */
export function finish(rec: Recorder | undefined, shape: readonly number[]): Float64NdArray | undefined {
  return rec === undefined ? undefined : wrap(rec.data, [rec.filled, ...shape]);
}

/** A dense view for callField: a state buffer and its shape. */
export function dense(data: Float64Array, shape: readonly number[]): Dense {
  return { data, shape };
}
