/**
 * The Langevin corrector of the predictor-corrector samplers (Song et al. 2021,
 * Algorithms 4 and 5): a few steps of unadjusted Langevin dynamics (ULA) at fixed t, with
 * the step size set from a target signal-to-noise ratio.
 *
 * Order (STYLE rule 16): ULA at step size eps has weak order 1 in eps towards its target:
 * for a Gaussian target N(m, v I) its stationary variance is v / (1 - eps/(2v)) (the ULA
 * bias, proofs/solvers/corrector.md).
 *
 * @see proofs/solvers/corrector.md
 * @see docs/solvers/corrector.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkNumber, wrap, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import type { NoiseSource, StepResult, TimeScoreFn } from '../fields.js';
import type { LinearSdeSpec } from '../sde/internal.js';
import { stepOf } from '../sde/steps.js';
import type { Sde } from '../sde/types.js';
import {
  callScore,
  checkFiniteOut,
  checkNoiseSource,
  checkOptionsRecord,
  checkPoints,
  checkScoreFn,
  checkSde,
  checkStepCount,
  checkTime,
  drawNoise,
  rowNorm,
  specOf,
} from './checks.js';

/** The options of `langevinCorrector`. */
export interface LangevinOptions {
  /** The target signal-to-noise ratio r > 0 (Song et al. use 0.16 for VE, 0.01 for VP on CIFAR-10). */
  readonly snr: number;
  /** The number M >= 1 of Langevin steps (default 1). */
  readonly steps?: number;
  /** The number of discretization steps N of the sampler: required for VP and sub-VP (alpha_k = 1 - beta_k). */
  readonly N?: number;
  /**
   * How |z| and |s| in the step size are taken: 'example' (default), per row; 'batch', the
   * mean of the row norms over the batch, as score_sde's reference code does. In low
   * dimension the per-row step is large where |s_r| is small (between modes): use 'batch' there.
   */
  readonly norms?: CorrectorNorms;
}

/** Per-example or batch-averaged norms in the corrector's step size. */
export type CorrectorNorms = 'example' | 'batch';

/** Validated corrector options for an SDE. Internal: not part of the public API (not re-exported by the area index). */
export interface CorrectorPlan {
  readonly snr: number;
  readonly steps: number;
  /** N, or 0 when the SDE needs none (VE). */
  readonly N: number;
  readonly norms: CorrectorNorms;
}

/**
 * Validates the corrector's snr, number of steps and N for `spec`, each under its own
 * argument name (`options.snr`, ...). N is read only where alpha_k needs it (VP, sub-VP).
 * Internal: not part of the public API.
 */
export function readCorrectorOptions(
  api: string,
  spec: LinearSdeSpec,
  values: { readonly snr: unknown; readonly steps: unknown; readonly N: unknown; readonly norms?: unknown },
  names: { readonly snr: string; readonly steps: string; readonly N: string; readonly norms?: string },
): CorrectorPlan {
  const norms = values.norms === undefined ? 'example' : values.norms;
  if (norms !== 'example' && norms !== 'batch') throw new InvalidArgumentError(api, names.norms ?? 'options.norms', "'example' or 'batch'", values.norms);
  const snr = checkNumber(api, names.snr, values.snr, { min: 0 });
  const steps = values.steps === undefined ? 1 : checkStepCount(api, names.steps, values.steps);
  const N = spec.correctorAlpha === null ? 0 : spec.correctorAlpha.checkN(api, values.N, names.N);
  return { snr, steps, N, norms };
}

/**
 * M Langevin steps on validated inputs (shared with `pcSample`), reading noise(first + j)
 * for step j. Writes the last state and mean into xOut and mean. Internal: not part of the
 * public API.
 */
export function langevinKernel(
  api: string,
  spec: LinearSdeSpec,
  score: TimeScoreFn,
  x: Dense,
  t: number,
  plan: CorrectorPlan,
  noise: NoiseSource,
  first: number,
  xOut: Float64Array,
  mean: Float64Array,
): void {
  const n = x.shape[0]!;
  const size = x.data.length;
  const D = n === 0 ? 0 : size / n;
  const alpha = spec.correctorAlpha === null ? 1 : spec.correctorAlpha.at(stepOf(t, plan.N), plan.N);
  const twoAlphaSnrSq = 2 * alpha * plan.snr * plan.snr;
  let cur = x.data;
  // Intermediate states alternate between xOut and one scratch buffer, so that the last
  // step writes xOut: step j writes xOut when M - 1 - j is even.
  const scratch = plan.steps > 1 ? new Float64Array(size) : xOut;
  for (let j = 0; j < plan.steps; j++) {
    const s = callScore(api, 'score', score, { data: cur, shape: x.shape }, t);
    const z = drawNoise(api, 'noise', noise, first + j, x.shape);
    const next = (plan.steps - 1 - j) % 2 === 0 ? xOut : scratch;
    let check = 0;
    // score_sde's batch form: the means of the row norms, one step size for every row.
    let sMean = 0;
    let zMean = 0;
    if (plan.norms === 'batch') {
      for (let r = 0; r < n; r++) {
        sMean += rowNorm(s, r * D, (r + 1) * D) / n;
        zMean += rowNorm(z, r * D, (r + 1) * D) / n;
      }
    }
    for (let r = 0; r < n; r++) {
      const start = r * D;
      const end = start + D;
      const sNorm = plan.norms === 'batch' ? sMean : rowNorm(s, start, end);
      const zNorm = plan.norms === 'batch' ? zMean : rowNorm(z, start, end);
      if (sNorm === 0 && D > 0) {
        throw new InvalidArgumentError(
          api,
          'score',
          'a score with a nonzero norm in every row (the step size 2 alpha (snr |z| / |s|)^2 divides by |s|)',
          got(`a zero score at row ${r} (t = ${t})`),
        );
      }
      // eps_r = 2 alpha (snr |z_r| / |s_r|)^2 (Algorithm 4, line 5), per example.
      const ratio = zNorm / sNorm;
      const eps = twoAlphaSnrSq * ratio * ratio;
      const noiseScale = Math.sqrt(2 * eps);
      for (let i = start; i < end; i++) {
        const m = cur[i]! + eps * s[i]!;
        const v = m + noiseScale * z[i]!;
        mean[i] = m;
        next[i] = v;
        check += m * 0 + v * 0;
      }
    }
    if (check !== 0) {
      checkFiniteOut(api, 'score', mean, 'x + eps s (eps = 2 alpha (snr |z|/|s|)^2)');
      checkFiniteOut(api, 'noise', next, 'xMean + sqrt(2 eps) z');
    }
    cur = next;
  }
}

/**
 * The Langevin corrector (Song et al. 2021, Algorithms 4 (VE) and 5 (VP)): M steps of
 *
 *     eps_r = 2 alpha_k (snr |z_r| / |s_r|)^2,   xMean = x + eps_r s(x, t),   x' = xMean + sqrt(2 eps_r) z,
 *
 * at fixed t, with s = s(x, t), z = noise(j) for step j = 0..M-1, the norms |z_r| and
 * |s_r| taken per example (row r of x, as in the algorithms; score_sde averages them over
 * the batch instead, which couples the examples), alpha_k = 1 - beta_k at k = timeStep(t, N)
 * for VP and sub-VP and alpha = 1 for VE. It moves x towards p_t while leaving p_t nearly
 * invariant: for p_t = N(m, v I) in d dimensions eps ~ 2 alpha snr^2 v and the stationary
 * variance is about v (1 + alpha snr^2).
 *
 * @param sde - the forward Sde record
 * @param score - the score model s(x, t); every row of its value must have a nonzero norm
 * @param x - the points, a float64 ndarray of shape [n, ...], finite values
 * @param t - the time t in [0, 1]
 * @param options - `{ snr, steps, N }`: snr > 0; steps M, an integer in 1..10^7 (default 1);
 *   N, the sampler's number of steps (required for VP and sub-VP, an integer > betaMax;
 *   ignored for VE)
 * @param noise - the noise source: noise(j) is the z of step j, standard normal of the shape of x
 * @returns `{ x, xMean }` of the last step
 * @throws InvalidArgumentError for a foreign `sde`, t outside [0, 1], bad options,
 *   non-finite entries, a score with a zero row, or a result that overflows; ShapeError
 *   for a score or noise value of another shape
 * @example
 * import ndarray from 'ndarray';
 * import { sde, solvers } from 'diffusion-ts';
 * const x = ndarray(new Float64Array([3, 4]), [1, 2]);
 * const score = (y) => ndarray(y.data.map((v) => -v), y.shape); // |s| = 5
 * const z = () => ndarray(new Float64Array([0.6, 0.8]), [1, 2]); // |z| = 1
 * solvers.langevinCorrector(sde.ve(), score, x, 0.5, { snr: 0.5 }, z).xMean.get(0, 0); // returns ~2.94 (eps = 2 (0.5/5)^2 = 0.02: 3 - 0.02 * 3)
 * @see proofs/solvers/corrector.md (claims solvers/corrector#step-size, solvers/corrector#invariance)
 */
export function langevinCorrector(sde: Sde, score: TimeScoreFn, x: Float64NdArray, t: number, options: LangevinOptions, noise: NoiseSource): StepResult {
  const api = 'solvers.langevinCorrector';
  const record = checkSde(api, 'sde', sde);
  const spec = specOf(record);
  const fn = checkScoreFn(api, 'score', score);
  const d = checkPoints(api, 'x', x);
  const tt = checkTime(api, 't', t);
  const o = checkOptionsRecord(api, options, "{ snr: number, steps?: number, N?: number, norms?: 'example' | 'batch' }");
  const plan = readCorrectorOptions(api, spec, { snr: o.snr, steps: o.steps, N: o.N, norms: o.norms }, { snr: 'options.snr', steps: 'options.steps', N: 'options.N', norms: 'options.norms' });
  const source = checkNoiseSource(api, 'noise', noise);
  const xOut = new Float64Array(d.data.length);
  const mean = new Float64Array(d.data.length);
  langevinKernel(api, spec, fn, d, tt, plan, source, 0, xOut, mean);
  return { x: wrap(xOut, d.shape), xMean: wrap(mean, d.shape) };
}
