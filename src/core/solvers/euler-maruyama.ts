/**
 * Euler-Maruyama for the forward SDEs and the reverse-time SDEs of the `sde` area (Song
 * et al. 2021, Section 4.1 and Appendix D): one step, and the whole reverse-time sampler.
 *
 * Orders (STYLE rule 16): strong order 1/2 for general SDEs, and 1 here, where the noise is
 * additive (g depends on t only); weak order 1. The reverse-time sampler converges in
 * distribution to the marginal p_eps at rate O(h), h = (1 - eps)/steps, when its score is
 * exact (proofs/solvers/euler-maruyama.md).
 *
 * @see proofs/solvers/euler-maruyama.md
 * @see docs/solvers/euler-maruyama.md
 */
import { InvalidArgumentError } from '../errors.js';
import { wrap, type Float64NdArray } from '../../_internal/validate.js';
import type { NoiseSource, StepResult, TimeScoreFn } from '../fields.js';
import type { Key } from '../random/keys.js';
import type { ReverseSde, Sde } from '../sde/types.js';
import {
  affineStepInto,
  callScore,
  checkEndTime,
  checkFiniteOut,
  checkFlag,
  checkKeyAndShape,
  checkNoise,
  checkNoiseSource,
  checkOptionsRecord,
  checkPoints,
  checkScoreFn,
  checkSde,
  checkStepCount,
  checkTime,
  drawNoise,
  priorAndNoise,
  isReverseSde,
  isSde,
  reverseOf,
  specOf,
  type SampleResult,
} from './checks.js';

export type { SampleResult } from './checks.js';

/** The options of `eulerMaruyamaSample`. */
export interface EulerMaruyamaOptions {
  /** The number of steps N >= 1 from t = 1 down to t = eps. */
  readonly steps: number;
  /** The end time eps in (0, 1) (default: the SDE's `eps`, 1e-3 for VP and sub-VP, 1e-5 for VE). */
  readonly eps?: number;
  /** Return the state after every step as `trajectory` (default false). */
  readonly trajectory?: boolean;
}

/**
 * One Euler-Maruyama step (Kloeden and Platen 1992, Section 9.1; Song et al. 2021,
 * Appendix D for the reverse SDE):
 *
 *     xMean = x + f(x, t) dt,   x' = xMean + g(t) sqrt(|dt|) z,
 *
 * for a forward `Sde` (f, g its drift and diffusion; dt > 0) or a `ReverseSde` (f the
 * reverse drift f - lambda g^2 s, g its diffusion, 0 for the probability-flow ODE; dt < 0,
 * time runs backwards). Strong order 1 (additive noise), weak order 1.
 *
 * @param sde - an Sde record (`sde.vp()`, ...) or a ReverseSde record (`sde.reverse(score)`)
 * @param x - the state x(t), a float64 ndarray of shape [n, ...], finite values
 * @param t - the time t in [0, 1]
 * @param dt - the step: in (0, 1] for a forward Sde, in [-1, 0) for a ReverseSde
 * @param noise - z ~ N(0, I), a float64 ndarray of the shape of x, finite values (validated
 *   even where the diffusion is 0)
 * @returns `{ x: x', xMean }`
 * @throws InvalidArgumentError for a foreign `sde`, t outside [0, 1], dt of the wrong sign
 *   or |dt| > 1, non-finite entries, a score returning non-finite values, or a result that
 *   overflows; ShapeError for a noise (or a score value) of another shape
 * @example
 * import ndarray from 'ndarray';
 * import { sde, solvers } from 'diffusion-ts';
 * const vp = sde.vp();
 * const x = ndarray(new Float64Array([1]), [1, 1]);
 * const z = ndarray(new Float64Array([0]), [1, 1]);
 * solvers.eulerMaruyamaStep(vp, x, 0, 0.01, z).xMean.get(0, 0); // returns ~0.9995 (1 - 0.1/2 * 0.01)
 * @see proofs/solvers/euler-maruyama.md (claim solvers/euler-maruyama#step)
 */
export function eulerMaruyamaStep(sde: Sde | ReverseSde, x: Float64NdArray, t: number, dt: number, noise: Float64NdArray): StepResult {
  const api = 'solvers.eulerMaruyamaStep';
  const forward = isSde(sde);
  if (!forward && !isReverseSde(sde)) {
    throw new InvalidArgumentError(api, 'sde', 'an Sde record (sde.vp, sde.subVp, sde.ve) or a ReverseSde record (Sde.reverse)', sde);
  }
  const d = checkPoints(api, 'x', x);
  const tt = checkTime(api, 't', t);
  if (forward ? !(typeof dt === 'number' && dt > 0 && dt <= 1) : !(typeof dt === 'number' && dt < 0 && dt >= -1)) {
    const expected = forward ? 'a number in (0, 1] (a forward Sde steps forward in time: dt > 0)' : 'a number in [-1, 0) (a ReverseSde steps backward in time: dt < 0)';
    throw new InvalidArgumentError(api, 'dt', expected, dt);
  }
  const z = checkNoise(api, 'noise', noise, 'x', d);
  const xOut = new Float64Array(d.data.length);
  const mean = new Float64Array(d.data.length);
  let check: number;
  if (forward) {
    const spec = specOf(sde as Sde);
    check = affineStepInto(xOut, mean, d.data, 1 + spec.a(tt) * dt, null, 0, spec.g(tt) * Math.sqrt(dt), z.data);
  } else {
    const { spec, score, lambda } = reverseOf(sde as ReverseSde);
    const s = callScore(api, 'score', score, d, tt);
    const g = spec.g(tt);
    const diffusion = lambda === 1 ? g : 0;
    check = affineStepInto(xOut, mean, d.data, 1 + spec.a(tt) * dt, s, -lambda * g * g * dt, diffusion * Math.sqrt(-dt), z.data);
  }
  if (check !== 0) {
    checkFiniteOut(api, 'x', mean, 'x + f dt');
    checkFiniteOut(api, 'noise', xOut, 'xMean + g sqrt(|dt|) z');
  }
  return { x: wrap(xOut, d.shape), xMean: wrap(mean, d.shape) };
}

/** Validates the options of `eulerMaruyamaSample`. */
function readOptions(api: string, options: unknown, fallbackEps: number): { steps: number; eps: number; trajectory: boolean } {
  const o = checkOptionsRecord(api, options, '{ steps: number, eps?: number, trajectory?: boolean }');
  return {
    steps: checkStepCount(api, 'options.steps', o.steps),
    eps: checkEndTime(api, o.eps, fallbackEps),
    trajectory: checkFlag(api, 'options.trajectory', o.trajectory),
  };
}

/**
 * The Euler-Maruyama sampler of the reverse-time SDE (Song et al. 2021, Eq. 6 and
 * Appendix D): from x(1) = x down to t = eps in N = `steps` equal steps h = (1 - eps)/N,
 *
 *     t_k = 1 - k h,   xMean_{k+1} = x_k + [f(x_k, t_k) - g(t_k)^2 s(x_k, t_k)] (-h),
 *     x_{k+1} = xMean_{k+1} + g(t_k) sqrt(h) z_k,   k = 0..N-1,
 *
 * returning xMean_N (the last step without its noise, score_sde's `denoise`). The grid is
 * uniform and ends exactly at eps, so the sampler has weak order 1 in h towards p_eps (score_sde's
 * EulerMaruyamaPredictor instead takes steps of 1/N at the points linspace(1, eps, N); that
 * is `pcSample`'s 'eulerMaruyama' predictor). Noise z_k = noise(k).
 *
 * @param sde - the forward Sde record
 * @param score - the score model s(x, t) ~ grad log p_t(x): called on a copy of the
 *   current points and t, it must return finite float64 values of the shape of x
 * @param options - `{ steps, eps, trajectory }`: N = steps, an integer in 1..10^7; eps in
 *   (0, 1) (default sde.eps); trajectory: keep every x_{k+1} (default false)
 * @param x - x(1), the starting points (a prior sample), shape [n, ...], finite values
 * @param noise - the noise source: noise(k) is z_k, standard normal of the shape of x
 * @returns `{ x: xMean_N, trajectory?: [x_1, ..., x_N], nfe: N }`
 * @throws InvalidArgumentError for a foreign `sde`, a bad option, non-finite entries, a
 *   score or noise source returning non-finite values, or a result that overflows;
 *   ShapeError for a score or noise value of another shape
 * @example
 * import { random, sde, solvers } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const vp = sde.vp();
 * // Data N(0, I) stays N(0, I) under VP: its score at every t is -x.
 * const score = (x) => ndarray(x.data.map((v) => -v), x.shape);
 * const key = random.key(0);
 * const x1 = random.normal(random.foldIn(key, 0), [1000, 2]);
 * const out = solvers.eulerMaruyamaSample(vp, score, { steps: 100 }, x1, (k) => random.normal(random.foldIn(key, k + 1), [1000, 2]));
 * out.nfe; // returns ~100
 * @see proofs/solvers/euler-maruyama.md (claims solvers/euler-maruyama#weak-order, solvers/euler-maruyama#monte-carlo)
 */
export function eulerMaruyamaSample(sde: Sde, score: TimeScoreFn, options: EulerMaruyamaOptions, x: Float64NdArray, noise: NoiseSource): SampleResult {
  return sampleAs('solvers.eulerMaruyamaSample', sde, score, options, x, noise);
}

function sampleAs(api: string, sde: unknown, score: unknown, options: unknown, x: unknown, noise: unknown): SampleResult {
  const record = checkSde(api, 'sde', sde);
  const fn = checkScoreFn(api, 'score', score);
  const { steps, eps, trajectory } = readOptions(api, options, record.eps);
  const d = checkPoints(api, 'x', x);
  const source = checkNoiseSource(api, 'noise', noise);
  const spec = specOf(record);
  const h = (1 - eps) / steps;
  const sqrtH = Math.sqrt(h);
  const size = d.data.length;
  const path: Float64NdArray[] | undefined = trajectory ? [] : undefined;
  // One mean buffer (only the last step's is returned); the states alternate between two
  // buffers, or are fresh arrays when the path is kept. The input x is never written.
  const mean = new Float64Array(size);
  const buffers = trajectory ? null : [new Float64Array(size), new Float64Array(size)];
  let cur = d.data;
  for (let k = 0; k < steps; k++) {
    const t = k === 0 ? 1 : 1 - k * h;
    const s = callScore(api, 'score', fn, { data: cur, shape: d.shape }, t);
    const z = drawNoise(api, 'noise', source, k, d.shape);
    const g = spec.g(t);
    const next = buffers === null ? new Float64Array(size) : buffers[k % 2]!;
    // xMean = x + [a x - g^2 s](-h) = (1 - a h) x + g^2 h s;  x' = xMean + g sqrt(h) z.
    const check = affineStepInto(next, mean, cur, 1 - spec.a(t) * h, s, g * g * h, g * sqrtH, z);
    if (check !== 0) {
      checkFiniteOut(api, 'score', mean, 'the reverse drift step x + [f - g^2 s] dt');
      checkFiniteOut(api, 'noise', next, 'xMean + g sqrt(h) z');
    }
    if (path !== undefined) path.push(wrap(next, d.shape));
    cur = next;
  }
  return path === undefined ? { x: wrap(mean, d.shape), nfe: steps } : { x: wrap(mean, d.shape), trajectory: path, nfe: steps };
}

/**
 * `eulerMaruyamaSample` from a key: the key is split into (kPrior, kNoise); the start is
 * x(1) = sde.priorSample(random.normal(kPrior, shape)) and the noise of step k is
 * random.normal(random.foldIn(kNoise, k), shape).
 *
 * @param sde - the forward Sde record
 * @param score - the score model s(x, t)
 * @param options - as for `eulerMaruyamaSample`
 * @param shape - the shape [n, ...] of the sample (n points)
 * @param key - a Key record (use it once)
 * @returns as `eulerMaruyamaSample`
 * @throws as `eulerMaruyamaSample`, and InvalidArgumentError for a bad `shape` or `key`
 * @example
 * import { random, sde, solvers } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const score = (x) => ndarray(x.data.map((v) => -v), x.shape);
 * solvers.eulerMaruyamaSampleWithKey(sde.vp(), score, { steps: 50 }, [500, 2], random.key(1)).x.shape; // returns ~[500, 2]
 * @see proofs/solvers/euler-maruyama.md (claim solvers/euler-maruyama#with-key)
 */
export function eulerMaruyamaSampleWithKey(sde: Sde, score: TimeScoreFn, options: EulerMaruyamaOptions, shape: number[], key: Key): SampleResult {
  const api = 'solvers.eulerMaruyamaSampleWithKey';
  const record = checkSde(api, 'sde', sde);
  checkScoreFn(api, 'score', score);
  readOptions(api, options, record.eps);
  const { x, noise } = priorAndNoise(api, record, shape, key);
  return sampleAs(api, record, score, options, x, noise);
}
