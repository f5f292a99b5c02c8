/**
 * Predictor-corrector sampling (Song et al. 2021, Section 4.2, Algorithm 1 and
 * Algorithms 2-3): at each time of the grid, M corrector steps (Langevin) then one
 * predictor step (reverse diffusion, ancestral sampling or Euler-Maruyama), with the
 * predictor and the corrector chosen from typed const maps.
 *
 * Orders (STYLE rule 16): with an exact score and no corrector, every predictor has weak
 * order 1 in 1/N (proofs/solvers/pc.md); the Langevin corrector adds its ULA bias,
 * O(snr^2) in the variance, at each time.
 *
 * @see proofs/solvers/pc.md
 * @see docs/solvers/pc.md
 */
import { InvalidArgumentError } from '../errors.js';
import { wrap, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import type { NoiseSource, TimeScoreFn } from '../fields.js';
import type { Key } from '../random/keys.js';
import type { LinearSdeSpec, ReverseParts } from '../sde/internal.js';
import type { Sde } from '../sde/types.js';
import {
  affineStepInto,
  callScore,
  checkEndTime,
  checkFiniteOut,
  checkFlag,
  checkNoiseSource,
  checkOptionsRecord,
  checkPoints,
  checkScoreFn,
  checkSde,
  checkStepCount,
  drawNoise,
  priorAndNoise,
  specOf,
  type SampleResult,
} from './checks.js';
import { langevinKernel, readCorrectorOptions, type CorrectorNorms, type CorrectorPlan } from './corrector.js';
import { ancestralKernel, checkAncestral, reverseDiffusionKernel } from './predictors.js';

/** The predictors `pcSample` can use. */
export type PredictorName = 'reverseDiffusion' | 'ancestral' | 'eulerMaruyama' | 'none';
/** The correctors `pcSample` can use. */
export type CorrectorName = 'langevin' | 'none';

/** The options of `pcSample`. */
export interface PcOptions {
  /** The number N >= 1 of grid times (and of predictor steps); VP with a DDPM-based rule needs N > betaMax. */
  readonly steps: number;
  /** The predictor: 'reverseDiffusion', 'ancestral' (VP and VE), 'eulerMaruyama' or 'none'. */
  readonly predictor: PredictorName;
  /** The corrector: 'langevin' or 'none'. */
  readonly corrector: CorrectorName;
  /** The Langevin corrector's target signal-to-noise ratio r > 0 (required with 'langevin'). */
  readonly snr?: number;
  /** Langevin steps M per grid time (default 1). */
  readonly correctorSteps?: number;
  /** The corrector's norms: 'example' (default) or 'batch' (score_sde's; see `LangevinOptions.norms`). */
  readonly correctorNorms?: CorrectorNorms;
  /** The last grid time eps in (0, 1) (default: the SDE's eps). */
  readonly eps?: number;
  /** Return the state after every grid time as `trajectory` (default false). */
  readonly trajectory?: boolean;
}

/** What a predictor needs at one grid time: validated inputs and output buffers. */
interface PredictorContext {
  readonly api: string;
  readonly spec: LinearSdeSpec;
  readonly parts: ReverseParts;
  readonly N: number;
}

/** One predictor step: reads x at time t, draws its noise with z(), writes x' and xMean. */
type PredictorRule = (ctx: PredictorContext, x: Dense, t: number, z: () => Float64Array, xOut: Float64Array, mean: Float64Array) => void;

/**
 * The predictors (score_sde's ReverseDiffusionPredictor, AncestralSamplingPredictor and
 * EulerMaruyamaPredictor; 'none' leaves x unchanged and draws no noise). Each is one step
 * of length 1/N of the reverse process read at grid time t.
 */
const PREDICTORS = {
  reverseDiffusion: (ctx, x, t, z, xOut, mean) => reverseDiffusionKernel(ctx.api, ctx.parts, x, t, ctx.N, z(), xOut, mean),
  ancestral: (ctx, x, t, z, xOut, mean) => ancestralKernel(ctx.api, ctx.spec, ctx.parts.score, x, t, ctx.N, z(), xOut, mean),
  eulerMaruyama: (ctx, x, t, z, xOut, mean) => {
    // score_sde's EulerMaruyamaPredictor: dt = -1/N, x' = x + [f - g^2 s] dt + g sqrt(1/N) z.
    const { api, spec, parts } = ctx;
    const h = 1 / ctx.N;
    const s = callScore(api, 'score', parts.score, x, t);
    const g = spec.g(t);
    const check = affineStepInto(xOut, mean, x.data, 1 - spec.a(t) * h, s, g * g * h, g * Math.sqrt(h), z());
    if (check !== 0) {
      checkFiniteOut(api, 'score', mean, 'x + [f - g^2 s] dt');
      checkFiniteOut(api, 'noise', xOut, 'xMean + g sqrt(|dt|) z');
    }
  },
  none: null,
} as const satisfies Record<PredictorName, PredictorRule | null>;

/** The correctors ('none' leaves x unchanged). */
const CORRECTORS = {
  langevin: true,
  none: false,
} as const satisfies Record<CorrectorName, boolean>;

function isKey<T extends object>(map: T, v: unknown): v is keyof T {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(map, v);
}

interface PcPlan {
  readonly steps: number;
  readonly predictor: PredictorName;
  readonly corrector: CorrectorPlan | null;
  readonly eps: number;
  readonly trajectory: boolean;
}

function readPcOptions(api: string, record: Sde, spec: LinearSdeSpec, options: unknown): PcPlan {
  const o = checkOptionsRecord(api, options, "{ steps, predictor, corrector, snr?, correctorSteps?, correctorNorms?, eps?, trajectory? }");
  const steps = checkStepCount(api, 'options.steps', o.steps);
  if (!isKey(PREDICTORS, o.predictor)) {
    throw new InvalidArgumentError(api, 'options.predictor', "'reverseDiffusion', 'ancestral', 'eulerMaruyama' or 'none'", o.predictor);
  }
  if (!isKey(CORRECTORS, o.corrector)) throw new InvalidArgumentError(api, 'options.corrector', "'langevin' or 'none'", o.corrector);
  const predictor = o.predictor;
  if (predictor === 'ancestral') checkAncestral(api, 'sde', spec, record);
  // The DDPM- and SMLD-based predictors index the discretization with N = steps.
  if (predictor === 'reverseDiffusion' || predictor === 'ancestral') spec.checkN(api, steps, 'options.steps');
  const corrector = CORRECTORS[o.corrector]
    ? readCorrectorOptions(
        api,
        spec,
        { snr: o.snr, steps: o.correctorSteps, N: steps, norms: o.correctorNorms },
        { snr: 'options.snr', steps: 'options.correctorSteps', N: 'options.steps', norms: 'options.correctorNorms' },
      )
    : null;
  return {
    steps,
    predictor,
    corrector,
    eps: checkEndTime(api, o.eps, record.eps),
    trajectory: checkFlag(api, 'options.trajectory', o.trajectory),
  };
}

/**
 * The grid of the predictor-corrector sampler, score_sde's linspace(1, eps, N):
 * t_j = 1 - j (1 - eps)/(N - 1), j = 0..N-1 (t_0 = 1, t_{N-1} = eps; [1] when N = 1).
 */
function gridTime(j: number, N: number, eps: number): number {
  if (j === 0) return 1;
  if (j === N - 1) return eps;
  return 1 - (j * (1 - eps)) / (N - 1);
}

/**
 * The predictor-corrector sampler (Song et al. 2021, Algorithm 1; score_sde's pc_sampler):
 * from x at t = 1, for each grid time t_j = linspace(1, eps, N)[j], j = 0..N-1,
 *
 *     M corrector steps at t_j (Langevin, Algorithms 4-5), then one predictor step at t_j,
 *
 * returning the last step's noise-free xMean. Every predictor takes a step of length 1/N
 * (`reverseDiffusion`: Eq. 46 at k = timeStep(t_j, N), which is N - j when (N - 1) eps < 1;
 * `ancestral`: Eqs. 45-47, VP and VE only; `eulerMaruyama`: dt = -1/N), so the N steps
 * cover [0, 1] while the score is read at the grid times. 'none' skips a stage
 * (predictor-only and corrector-only samplers). Noise is drawn in the order it is used:
 * noise(i), i = 0, 1, 2, ..., M corrector draws then one predictor draw per grid time.
 *
 * @param sde - the forward Sde record
 * @param score - the score model s(x, t) (finite values of the shape of x; nonzero rows for Langevin)
 * @param options - `{ steps, predictor, corrector, snr, correctorSteps, eps, trajectory }`:
 *   steps N, an integer in 1..10^7 (VP with 'reverseDiffusion', 'ancestral' or 'langevin':
 *   N > betaMax); predictor one of 'reverseDiffusion' | 'ancestral' | 'eulerMaruyama' | 'none';
 *   corrector 'langevin' | 'none'; snr > 0 (required with 'langevin'); correctorSteps M >= 1
 *   (default 1); eps in (0, 1) (default sde.eps); trajectory (default false)
 * @param x - the start x(1) (a prior sample), shape [n, ...], finite values
 * @param noise - the noise source, noise(i) standard normal of the shape of x
 * @returns `{ x: the final xMean, trajectory?: the state after each grid time, nfe: N (M + 1) }`
 *   (nfe counts the score evaluations of the stages used)
 * @throws InvalidArgumentError for a foreign `sde`, bad options (an unknown predictor or
 *   corrector, 'ancestral' with sub-VP, a missing snr), non-finite entries, score or noise
 *   values, or a result that overflows; ShapeError for values of another shape
 * @example
 * import { random, sde, solvers } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const score = (x) => ndarray(x.data.map((v) => -v), x.shape); // N(0, I) data under VP
 * const out = solvers.pcSampleWithKey(sde.vp(), score, { steps: 100, predictor: 'reverseDiffusion', corrector: 'langevin', snr: 0.16 }, [256, 8], random.key(3));
 * out.nfe; // returns ~200
 * @see proofs/solvers/pc.md (claims solvers/pc#weak-order, solvers/pc#langevin-monte-carlo)
 */
export function pcSample(sde: Sde, score: TimeScoreFn, options: PcOptions, x: Float64NdArray, noise: NoiseSource): SampleResult {
  return pcAs('solvers.pcSample', sde, score, options, x, noise);
}

function pcAs(api: string, sde: unknown, score: unknown, options: unknown, x: unknown, noise: unknown): SampleResult {
  const record = checkSde(api, 'sde', sde);
  const spec = specOf(record);
  const fn = checkScoreFn(api, 'score', score);
  const plan = readPcOptions(api, record, spec, options);
  const d = checkPoints(api, 'x', x);
  const source = checkNoiseSource(api, 'noise', noise);
  const N = plan.steps;
  const ctx: PredictorContext = { api, spec, parts: { spec, score: fn, lambda: 1 }, N };
  const rule = PREDICTORS[plan.predictor];
  const size = d.data.length;
  const path: Float64NdArray[] | undefined = plan.trajectory ? [] : undefined;
  let cur = d.data;
  let mean = cur;
  let drawn = 0;
  const draw = () => drawNoise(api, 'noise', source, drawn++, d.shape);
  let nfe = 0;
  for (let j = 0; j < N; j++) {
    const t = gridTime(j, N, plan.eps);
    if (plan.corrector !== null) {
      const xOut = new Float64Array(size);
      const m = new Float64Array(size);
      langevinKernel(api, spec, fn, { data: cur, shape: d.shape }, t, plan.corrector, source, drawn, xOut, m);
      drawn += plan.corrector.steps;
      nfe += plan.corrector.steps;
      cur = xOut;
      mean = m;
    }
    if (rule !== null) {
      const xOut = new Float64Array(size);
      const m = new Float64Array(size);
      rule(ctx, { data: cur, shape: d.shape }, t, draw, xOut, m);
      nfe += 1;
      cur = xOut;
      mean = m;
    }
    if (path !== undefined) path.push(wrap(cur === d.data ? d.data.slice() : cur, d.shape));
  }
  const final = mean === d.data ? d.data.slice() : mean;
  return path === undefined ? { x: wrap(final, d.shape), nfe } : { x: wrap(final, d.shape), trajectory: path, nfe };
}

/**
 * `pcSample` from a key: the key is split into (kPrior, kNoise); the start is
 * x(1) = sde.priorSample(random.normal(kPrior, shape)) and noise(i) is
 * random.normal(random.foldIn(kNoise, i), shape).
 *
 * @param sde - the forward Sde record
 * @param score - the score model s(x, t)
 * @param options - as for `pcSample`
 * @param shape - the shape [n, ...] of the sample (n points)
 * @param key - a Key record (use it once)
 * @returns as `pcSample`
 * @throws as `pcSample`, and InvalidArgumentError for a bad `shape` or `key`
 * @example
 * import { random, sde, solvers } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const score = (x) => ndarray(x.data.map((v) => -v / 2500), x.shape); // N(0, 50^2 I) under VE, roughly
 * solvers.pcSampleWithKey(sde.ve(), score, { steps: 10, predictor: 'ancestral', corrector: 'none' }, [4, 2], random.key(5)).nfe; // returns ~10
 * @see proofs/solvers/pc.md (claim solvers/pc#with-key)
 */
export function pcSampleWithKey(sde: Sde, score: TimeScoreFn, options: PcOptions, shape: number[], key: Key): SampleResult {
  const api = 'solvers.pcSampleWithKey';
  const record = checkSde(api, 'sde', sde);
  checkScoreFn(api, 'score', score);
  readPcOptions(api, record, specOf(record), options);
  const { x, noise } = priorAndNoise(api, record, shape, key);
  return pcAs(api, record, score, options, x, noise);
}
