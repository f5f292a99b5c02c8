/**
 * Private boundary checks, shared types and kernels of the stochastic samplers of the
 * `solvers` area (not re-exported): the SDE records, time arguments, score models, noise
 * arrays and noise sources a solver receives, each validated with a typed error naming
 * the argument; and the one update kernel behind every stochastic step,
 *
 *     xMean = A x + B s,   x' = xMean + C z,
 *
 * Euler-Maruyama (A = 1 + a(t) dt, B = -lambda g^2 dt, C = g sqrt|dt|), the reverse-diffusion
 * predictor (A = 1 - f_k/x, B = lambda G_k^2, C = G_k) and the ancestral predictor
 * (Song et al. 2021, Eqs. 45-47) are all of this form for the linear-drift SDEs of the
 * `sde` area. The kernels allocate nothing and trust their inputs.
 *
 * @see proofs/solvers/pc.md (claim solvers/pc#validation)
 */
import { InvalidArgumentError, got } from '../errors.js';
import { callField, checkFieldValue, checkFunction } from '../../_internal/fields.js';
import { checkArray, checkInteger, checkNumber, checkSameShape, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import type { Float64NdArray as Points } from '../../_internal/validate.js';
import type { NoiseSource, TimeScoreFn } from '../fields.js';
import { foldIn, split } from '../random/keys.js';
import { normal } from '../random/normal.js';
import type { Sde } from '../sde/types.js';
import { checkKey, checkShape } from '../random/checks.js';
import type { Key } from '../random/keys.js';
import { MAX_STEPS } from '../schedule/betas.js';

export { checkSde, checkReverseSde, checkTime, isSde, isReverseSde, specOf, reverseOf } from '../sde/internal.js';

/**
 * What every sampler returns (STYLE rule 7): the final sample and, on request, the path.
 */
export interface SampleResult {
  /** The final sample: the noise-free `xMean` of the last step (score_sde's `denoise = True`). */
  readonly x: Float64NdArray;
  /** The state x after each step, in order (only with `options.trajectory = true`). */
  readonly trajectory?: readonly Float64NdArray[];
  /** The number of score evaluations used. */
  readonly nfe: number;
}

/** The sampler's points: a validated float64 array with a leading (row) axis. */
export function checkPoints(api: string, name: string, x: unknown): Dense {
  const d = checkArray(api, name, x);
  if (d.shape.length === 0) throw new InvalidArgumentError(api, name, 'an array of shape [n, ...] (one point per row)', got('a 0-d array'));
  return d;
}

/** A noise array z: finite float64 values of the shape of `against`. */
export function checkNoise(api: string, name: string, z: unknown, againstName: string, against: Dense): Dense {
  const d = checkArray(api, name, z);
  checkSameShape(api, name, d.shape, againstName, against.shape);
  return d;
}

/** A score model s(x, t): a function (its values are checked at each call by `callScore`). */
export function checkScoreFn(api: string, name: string, score: unknown): TimeScoreFn {
  return checkFunction<TimeScoreFn>(api, name, score);
}

/** s(x, t) of a user score model, validated: float64, the shape of x, finite. */
export function callScore(api: string, name: string, score: TimeScoreFn, x: Dense, t: number): Float64Array {
  return callField(api, name, score, x, t);
}

/** A noise source (a function); its values are checked at each draw by `drawNoise`. */
export function checkNoiseSource(api: string, name: string, noise: unknown): NoiseSource {
  return checkFunction<NoiseSource>(api, name, noise);
}

/** noise(i) of a user noise source, validated: float64, the shape of x, finite. */
export function drawNoise(api: string, name: string, noise: NoiseSource, i: number, shape: readonly number[]): Float64Array {
  return checkFieldValue(api, name, noise(i), shape, '`x`');
}

/** An options record: a plain object (not an array, an ndarray or a typed array). */
export function checkOptionsRecord(api: string, options: unknown, shape: string): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options) || ArrayBuffer.isView(options) || 'shape' in options) {
    throw new InvalidArgumentError(api, 'options', `an object ${shape}`, options);
  }
  return options as Record<string, unknown>;
}

/** options.steps: an integer in 1..10^7. */
export function checkStepCount(api: string, name: string, v: unknown): number {
  return checkInteger(api, name, v, 1, MAX_STEPS);
}

/** options.eps: the end time of a reverse-time sampler, in (0, 1); `fallback` when undefined. */
export function checkEndTime(api: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  return checkNumber(api, 'options.eps', v, { min: 0, max: 1 });
}

/** options.trajectory: a boolean or undefined (false). */
export function checkFlag(api: string, name: string, v: unknown): boolean {
  if (v !== undefined && typeof v !== 'boolean') throw new InvalidArgumentError(api, name, 'a boolean or undefined', v);
  return v === true;
}

/** The key and shape of a `...WithKey` wrapper, validated under the wrapper's API path. */
export function checkKeyAndShape(api: string, shape: unknown, key: unknown): { shape: number[]; key: Key } {
  const s = checkShape(api, 'shape', shape);
  if (s.shape.length === 0) throw new InvalidArgumentError(api, 'shape', 'a shape [n, ...] with a leading (row) axis', shape);
  return { shape: s.shape, key: checkKey(api, 'key', key) };
}

/** Throws an InvalidArgumentError on `name` unless every value of `out` is finite. */
export function checkFiniteOut(api: string, name: string, out: Float64Array, what: string): void {
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (!(v - v === 0)) {
      throw new InvalidArgumentError(api, name, `inputs for which ${what} is finite in float64`, got(`${v} at flat index ${i} of the result`));
    }
  }
}


/**
 * xMean = A x + B s (s may be null: B ignored), x' = xMean + C z, over whole arrays.
 * Returns the finiteness check sum(v * 0) over its outputs (0 iff all are finite).
 */
export function affineStepInto(
  xOut: Float64Array,
  meanOut: Float64Array,
  x: Float64Array,
  A: number,
  s: Float64Array | null,
  B: number,
  C: number,
  z: Float64Array,
): number {
  let check = 0;
  const n = x.length;
  if (s === null) {
    for (let i = 0; i < n; i++) {
      const m = A * x[i]!;
      const v = m + C * z[i]!;
      meanOut[i] = m;
      xOut[i] = v;
      check += v * 0 + m * 0;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const m = A * x[i]! + B * s[i]!;
      const v = m + C * z[i]!;
      meanOut[i] = m;
      xOut[i] = v;
      check += v * 0 + m * 0;
    }
  }
  return check;
}

/**
 * The Euclidean norm of data[start..end), without overflow or underflow: the plain sum of
 * squares when it is a normal finite number, else the sum of squares scaled by the
 * largest magnitude (LAPACK's dnrm2 idea, in two passes).
 */
export function rowNorm(data: Float64Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += data[i]! * data[i]!;
  if (sum < Infinity && sum > 1e-290) return Math.sqrt(sum);
  let max = 0;
  for (let i = start; i < end; i++) max = Math.max(max, Math.abs(data[i]!));
  if (max === 0 || !(max < Infinity)) return max;
  let scaled = 0;
  for (let i = start; i < end; i++) {
    const v = data[i]! / max;
    scaled += v * v;
  }
  return max * Math.sqrt(scaled);
}

/** The prior sample and the noise source of a `...WithKey` wrapper (validated under `api`). */
export function priorAndNoise(api: string, record: Sde, shape: unknown, key: unknown): { x: Points; noise: NoiseSource } {
  const checked = checkKeyAndShape(api, shape, key);
  const [kPrior, kNoise] = split(checked.key, 2) as [Key, Key];
  const x = record.priorSample(normal(kPrior, checked.shape));
  return { x, noise: (k: number) => normal(foldIn(kNoise, k), checked.shape) };
}
