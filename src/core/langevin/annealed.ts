/**
 * Annealed Langevin dynamics (Song and Ermon 2019, Algorithm 1): ULA steps at a decreasing
 * sequence of noise levels sigma_1 > ... > sigma_L with the noise-conditional score
 * s(x, sigma_i), the step size scaled as alpha_i = eps sigma_i^2 / sigma_L^2.
 *
 * @see proofs/langevin/annealed.md
 * @see docs/langevin/annealed.md
 */
import { callField, checkFunction } from '../../_internal/fields.js';
import { checkArray, wrap, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import { InvalidArgumentError, got } from '../errors.js';
import type { NoiseScoreFn, NoiseSource, StepResult } from '../fields.js';
import { checkKey } from '../random/checks.js';
import { foldIn, type Key } from '../random/keys.js';
import { normal } from '../random/normal.js';
import {
  checkEps,
  checkFlag,
  checkOptions,
  checkSigmas,
  checkSteps,
  checkTrajectory,
  dense,
  drawNoise,
  field,
  finish,
  overflow,
  record,
  recorder,
  sizeOf,
} from './checks.js';

/** Options of `annealed`, `annealedInpaint` and their key wrappers. */
export interface AnnealedOptions {
  /** eps > 0, the step size at the last level: alpha_i = eps sigma_i^2 / sigma_L^2. */
  readonly eps: number;
  /** T, the number of Langevin steps at each level, an integer >= 1. */
  readonly stepsPerLevel: number;
  /**
   * Record a trajectory: 'levels' records the start and the state after each level (L + 1
   * states); an integer k in 1..L T records the start and the state after every k-th step,
   * counted across levels (1 + floor(L T / k) states). At most 2^27 values. Default: none.
   */
  readonly trajectory?: 'levels' | number;
  /**
   * End with one Tweedie denoising step x + sigma_L^2 s(x, sigma_L) (the practice of later
   * NCSN code; Song and Ermon 2020). Default false: Algorithm 1 as printed.
   */
  readonly denoise?: boolean;
}

/** The result of annealed Langevin dynamics. */
export interface AnnealedResult extends StepResult {
  /** The recorded states, shape [count, ...x.shape]; present when asked for. */
  readonly trajectory?: Float64NdArray;
}

/** Validated arguments of an annealed run. */
export interface AnnealedArgs {
  readonly score: NoiseScoreFn;
  readonly sigmas: Float64Array;
  readonly eps: number;
  readonly perLevel: number;
  readonly every: number;
  readonly count: number;
  readonly denoise: boolean;
  readonly x: Dense;
  /** alpha_i = eps (sigma_i / sigma_L)^2 and sqrt(alpha_i), per level. */
  readonly alpha: Float64Array;
  readonly sqrtAlpha: Float64Array;
}

/** The inpainting condition in flat form: the known coordinates and their clean values. */
export interface KnownCoordinates {
  /** Flat indices (into x) of the coordinates with mask = 1, increasing. */
  readonly index: Int32Array;
  /** The known value y_j at each of them. */
  readonly value: Float64Array;
}

/** Validates the arguments shared by `annealed` and `annealedInpaint` (in that order). */
export function prepareAnnealed(api: string, score: unknown, sigmas: unknown, options: unknown, x: unknown): AnnealedArgs {
  const fn = checkFunction<NoiseScoreFn>(api, 'score', score);
  const sig = checkSigmas(api, sigmas);
  const o = checkOptions(api, options, '{ eps, stepsPerLevel, trajectory?, denoise? }');
  const eps = checkEps(api, 'options.eps', field(o, 'eps'));
  const perLevel = checkSteps(api, 'options.stepsPerLevel', field(o, 'stepsPerLevel'));
  const L = sig.length;
  if (perLevel > Math.floor(Number.MAX_SAFE_INTEGER / (L + 1))) {
    throw new InvalidArgumentError(api, 'options.stepsPerLevel', `an integer T with (L + 1) T <= 2^53 - 1 (L = ${L})`, perLevel);
  }
  const xs = checkArray(api, 'x', x);
  const { every, count } = checkTrajectory(api, field(o, 'trajectory'), L * perLevel, xs.data.length, { L, perLevel });
  const denoise = checkFlag(api, 'options.denoise', field(o, 'denoise'));
  const sigmaL = sig[L - 1]!;
  const alpha = new Float64Array(L);
  const sqrtAlpha = new Float64Array(L);
  for (let i = 0; i < L; i++) {
    // alpha_i = eps sigma_i^2 / sigma_L^2, as eps (sigma_i / sigma_L)^2: the ratio cannot
    // overflow where sigma_i^2 would (sigma_i > 1.3e154), and alpha_L = eps exactly.
    const ratio = sig[i]! / sigmaL;
    const a = i === L - 1 ? eps : eps * (ratio * ratio);
    if (!Number.isFinite(a)) {
      throw new InvalidArgumentError(
        api,
        'options.eps',
        'a step size for which alpha_1 = eps sigma_1^2 / sigma_L^2 is finite in float64',
        got(`eps = ${eps} with sigma_1 / sigma_L = ${sig[0]! / sigmaL}`),
      );
    }
    alpha[i] = a;
    sqrtAlpha[i] = Math.sqrt(a);
  }
  return { score: fn, sigmas: sig, eps, perLevel, every, count, denoise, x: xs, alpha, sqrtAlpha };
}

/**
 * Runs annealed Langevin dynamics from validated arguments (kernel shared with inpainting).
 *
 * Without `known`, step t (0-based) of level i (0-based) uses noise(i T + t). With `known`,
 * level i first draws noise(i (T + 1)) and sets each known coordinate j to y_j + sigma_i z_j,
 * then its step t uses noise(i (T + 1) + 1 + t) and resets the known coordinates after it.
 */
export function runAnnealed(api: string, a: AnnealedArgs, noise: (i: number) => unknown, known?: KnownCoordinates): AnnealedResult {
  const shape = a.x.shape;
  const size = sizeOf(shape);
  const L = a.sigmas.length;
  const T = a.perLevel;
  let cur = Float64Array.from(a.x.data);
  let next = new Float64Array(size);
  const mean = new Float64Array(size);
  const rec = recorder(a.count, size);
  // The perturbed known values of the current level, y_j + sigma_i z_j.
  const perturbed = known === undefined ? undefined : new Float64Array(known.index.length);
  record(rec, cur);
  let stepIndex = 0;
  for (let i = 0; i < L; i++) {
    const sigma = a.sigmas[i]!;
    const h = a.alpha[i]! / 2;
    const c = a.sqrtAlpha[i]!;
    let source = i * T;
    if (known !== undefined && perturbed !== undefined) {
      source = i * (T + 1);
      const z = drawNoise(api, noise, source++, shape);
      for (let k = 0; k < known.index.length; k++) {
        const j = known.index[k]!;
        const v = known.value[k]! + sigma * z[j]!;
        perturbed[k] = v;
        cur[j] = v;
      }
    }
    for (let t = 0; t < T; t++) {
      const s = callField(api, 'score', a.score, dense(cur, shape), sigma);
      const z = drawNoise(api, noise, source + t, shape);
      // x <- x + alpha_i/2 s(x, sigma_i) + sqrt(alpha_i) z  (Algorithm 1, line 6).
      let check = 0;
      for (let j = 0; j < size; j++) {
        const m = cur[j]! + h * s[j]!;
        const v = m + c * z[j]!;
        mean[j] = m;
        next[j] = v;
        check += v * 0;
      }
      if (check !== 0) throw overflow(api, 'options.eps', 'annealed Langevin dynamics', stepIndex, next);
      if (known !== undefined && perturbed !== undefined) {
        for (let k = 0; k < known.index.length; k++) next[known.index[k]!] = perturbed[k]!;
      }
      const tmp = cur;
      cur = next;
      next = tmp;
      stepIndex++;
      if (a.every > 0 && stepIndex % a.every === 0) record(rec, cur);
    }
  }
  let x = cur;
  const xMean = mean;
  if (a.denoise) {
    // Tweedie's formula at sigma_L: E[x_clean | x] = x + sigma_L^2 grad log q_{sigma_L}(x).
    const sigmaL = a.sigmas[L - 1]!;
    const s = callField(api, 'score', a.score, dense(cur, shape), sigmaL);
    const sigmaLSq = sigmaL * sigmaL;
    const out = new Float64Array(size);
    let check = 0;
    for (let j = 0; j < size; j++) {
      const v = cur[j]! + sigmaLSq * s[j]!;
      out[j] = v;
      check += v * 0;
    }
    if (check !== 0) throw overflow(api, 'options.eps', 'the denoised sample x + sigma_L^2 s(x, sigma_L)', stepIndex, out);
    x = out;
  }
  if (known !== undefined) {
    // The noise-free value of a known coordinate is its clean value y_j.
    if (a.denoise) for (let k = 0; k < known.index.length; k++) x[known.index[k]!] = known.value[k]!;
    else for (let k = 0; k < known.index.length; k++) xMean[known.index[k]!] = known.value[k]!;
  }
  const trajectory = finish(rec, shape);
  // With denoise, x and xMean hold the same values in separate buffers.
  const result = { x: wrap(x, shape), xMean: wrap(a.denoise ? x.slice() : xMean, shape) };
  return trajectory === undefined ? result : { ...result, trajectory };
}

/**
 * Annealed Langevin dynamics, NCSN's sampler (Song and Ermon 2019, Algorithm 1): for
 * i = 1..L,
 *
 *     alpha_i = eps sigma_i^2 / sigma_L^2,
 *     repeat T times:   x <- x + alpha_i/2 s(x, sigma_i) + sqrt(alpha_i) z,   z ~ N(0, I),
 *
 * so that the signal-to-noise ratio of each step is the same at every level. At large
 * sigma_i the perturbed density q_{sigma_i} is smooth and unimodal enough for Langevin to
 * move mass between modes; decreasing sigma carries the right mode weights down to the
 * data (Section 3: plain Langevin cannot recover them). Step t of level i (both 0-based)
 * uses noise(i T + t). Optionally ends with the Tweedie step x + sigma_L^2 s(x, sigma_L).
 *
 * Stability: on a Gaussian of variance s0^2 level i is stable iff
 * alpha_i < 4 (s0^2 + sigma_i^2), i.e. eps < 4 sigma_L^2 (1 + s0^2 / sigma_i^2): the first
 * level binds, eps < 4 sigma_L^2 (1 + s0^2 / sigma_1^2) (proofs/langevin/annealed.md).
 *
 * @param score - s(x, sigma) ~ grad_x log q_sigma(x): called with (a copy of) the state and
 *   sigma_i, returning an array of the shape of x with finite values
 * @param sigmas - sigma_1 > ... > sigma_L > 0, a Float64Array of L >= 1 finite values
 *   (`sigmas[i - 1] = sigma_i`; `schedule.geometricSigmas` makes NCSN's)
 * @param options - `{ eps, stepsPerLevel, trajectory?, denoise? }`: eps > 0; T =
 *   stepsPerLevel an integer >= 1; trajectory 'levels' or a stride k in 1..L T; denoise
 * @param x - the start x_0 (NCSN: uniform noise), a Float64NdArray of any shape, finite
 * @param noise - the noise source: noise(i T + t) for step t of level i
 * @returns `{ x, xMean, trajectory? }`: the final state, the noise-free part of the last
 *   step (with `denoise`, both are the denoised sample), and the recorded states
 * @throws InvalidArgumentError on `score`, `noise` (not functions, or returning bad arrays),
 *   `sigmas` (not a Float64Array, empty, non-finite, <= 0, or not strictly decreasing), `x`,
 *   `options`, `options.eps` (<= 0, or alpha_1 or the chain overflowing float64),
 *   `options.stepsPerLevel`, `options.trajectory`, `options.denoise`
 * @example
 * import ndarray from 'ndarray';
 * import { langevin, random, schedule } from 'diffusion-ts';
 * // N(0, 1) data: q_sigma = N(0, 1 + sigma^2), s(x, sigma) = -x / (1 + sigma^2)
 * const score = (x, sigma) => ndarray(x.data.map((v) => -v / (1 + sigma * sigma)), x.shape);
 * const sigmas = schedule.geometricSigmas(10, 0.1, 10);
 * const x0 = random.uniform(random.key(1), [2000, 1], -8, 8);
 * const { x } = langevin.annealed(score, sigmas, { eps: 0.02, stepsPerLevel: 100 }, x0, (i) => random.normal(random.foldIn(random.key(2), i), [2000, 1]));
 * x.data.reduce((m, v) => m + v * v, 0) / 2000; // returns ~1.111 (1 + sigma_L^2 = 1.01, plus ULA's bias at eps = 0.02)
 * @see proofs/langevin/annealed.md (claims langevin/annealed#gaussian-moments, #mode-weights)
 */
export function annealed(
  score: NoiseScoreFn,
  sigmas: Float64Array,
  options: AnnealedOptions,
  x: Float64NdArray,
  noise: NoiseSource,
): AnnealedResult {
  const api = 'langevin.annealed';
  const a = prepareAnnealed(api, score, sigmas, options, x);
  const src = checkFunction<(i: number) => unknown>(api, 'noise', noise);
  return runAnnealed(api, a, src);
}

/**
 * `annealed` with its noise drawn from a PRNG key: the noise of step t of level i is
 * random.normal(random.foldIn(key, i T + t), x.shape).
 *
 * @param score - s(x, sigma), as for `annealed`
 * @param sigmas - sigma_1 > ... > sigma_L > 0, as for `annealed`
 * @param options - `{ eps, stepsPerLevel, trajectory?, denoise? }`, as for `annealed`
 * @param x - the start, as for `annealed`
 * @param key - a Key record; use it once
 * @returns as `annealed`
 * @throws as `annealed`, and InvalidArgumentError on `key`
 * @example
 * import ndarray from 'ndarray';
 * import { langevin, random } from 'diffusion-ts';
 * const score = (x, sigma) => ndarray(x.data.map((v) => -v / (1 + sigma * sigma)), x.shape);
 * const r = langevin.annealedWithKey(score, new Float64Array([1, 0.1]), { eps: 0.01, stepsPerLevel: 5, trajectory: 'levels' }, ndarray(new Float64Array(3), [3, 1]), random.key(0));
 * r.trajectory.shape; // returns ~[3, 3, 1]
 * @see proofs/langevin/annealed.md (claim langevin/annealed#gaussian-moments)
 */
export function annealedWithKey(
  score: NoiseScoreFn,
  sigmas: Float64Array,
  options: AnnealedOptions,
  x: Float64NdArray,
  key: Key,
): AnnealedResult {
  const api = 'langevin.annealedWithKey';
  const a = prepareAnnealed(api, score, sigmas, options, x);
  const k = checkKey(api, 'key', key);
  const shape = a.x.shape.slice();
  return runAnnealed(api, a, (i) => normal(foldIn(k, i), shape));
}
