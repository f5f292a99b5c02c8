/**
 * Sampling by the probability-flow ODE of a score SDE (Song et al. 2021, Section 4.3):
 * integrate dx/dt = f(x, t) - g(t)^2 s(x, t) / 2 from t = T down to eps, starting from a
 * prior sample.
 *
 * @see proofs/solvers/ode-sample.md
 * @see docs/solvers/ode.md
 */
import { DiffusionError, InvalidArgumentError, got } from '../errors.js';
import { checkFieldValue, checkFunction, callField } from '../../_internal/fields.js';
import { checkArray, isNdArray, wrap, type Float64NdArray } from '../../_internal/validate.js';
import type { TimeScoreFn } from '../fields.js';
import { normal, type Key } from '../random/index.js';
import { checkKey, checkShape } from '../random/checks.js';
import type { Sde } from '../sde/types.js';
import type { OdeResult, OdeSolverOptions } from './ode.js';
import { readSolverOptions, runPlan } from './ode-plan.js';
import type { FlatField } from './ode-kernels.js';
import { checkSde, driftOverflow, flowCoefficients, flowDriftInto, readEps } from './ode-sde.js';

/** Options of `odeSample`: the solver (default dopri5, rtol = atol = 1e-5) and the cut-off time. */
export interface OdeSampleOptions extends OdeSolverOptions {
  /** The time eps in [0, T) the ODE is integrated down to (default sde.eps: 1e-3 for VP and sub-VP, 1e-5 for VE). */
  readonly eps?: number;
}

/**
 * Probability-flow ODE sampling (Song et al. 2021, Eq. 13 and Section 4.3): integrates
 *
 *     dx/dt = f(x, t) - (1/2) g(t)^2 s(x, t),   f(x, t) = a(t) x,
 *
 * from t = T (= 1) down to t = eps, starting from x (a sample of the prior p_T), with the
 * score model s(x, t) ~ grad_x log p_t(x). With the exact score, x(eps) has the law p_eps
 * whenever x(T) ~ p_T: the ODE shares the marginals of the SDE. Deterministic: the same x
 * gives the same sample.
 *
 * @param sde - the forward SDE (`sde.vp`, `sde.subVp`, `sde.ve`): a(t), g(t), T, eps
 * @param score - s(x, t): returns an array of the shape of x with finite entries, t in [eps, T]
 * @param x - x(T), a Float64NdArray of shape [n, ...] (rows are samples), finite
 * @param options - `{ method = 'dopri5', steps, rtol = 1e-5, atol = 1e-5, maxSteps = 10000, firstStep, eps = sde.eps }`
 *   (see `odeIntegrate`); eps in [0, T)
 * @returns `{ x, nfe, steps, rejected }`: x(eps) and the number of score evaluations
 * @throws InvalidArgumentError for a bad `sde`, `score` (not a function, wrong shape,
 *   dtype, non-finite values, a drift that overflows), `x`, solver options or `eps`, and
 *   when dopri5 needs more than `maxSteps` attempts (naming `maxSteps`); ShapeError when
 *   the score returns another shape
 * @example
 * // Data N(0, I): the exact score of p_t is -x / (m(t)^2 + s(t)^2) (1 for VP).
 * const vp = sde.vp({ betaMin: 0.1, betaMax: 20 });
 * const r = solvers.odeSample(vp, (x) => ndarray(x.data.map((v) => -v), x.shape), ndarray(new Float64Array([0.5]), [1, 1]));
 * r.x.get(0, 0); // returns ~0.5 (for data N(0, I) the VP flow is the identity)
 * @see proofs/solvers/ode-sample.md (claims solvers/ode-sample#gaussian-map, #moments, #dopri5-tolerance, #scipy)
 * @see Song et al. (2021), Score-Based Generative Modeling through SDEs, Eq. 13 and Appendix D.3
 */
export function odeSample(sde: Sde, score: TimeScoreFn, x: Float64NdArray, options?: OdeSampleOptions): OdeResult {
  return sampleImpl('solvers.odeSample', sde, score, x, options);
}

/**
 * `odeSample` from a PRNG key: draws z ~ N(0, I) of the given shape with
 * `random.normal(key, shape)`, maps it to the prior with `sde.priorSample(z)`, and
 * integrates the probability-flow ODE from T down to eps.
 *
 * @param sde - the forward SDE
 * @param score - s(x, t), as for `odeSample`
 * @param key - a PRNG key (used once)
 * @param shape - the sample shape [n, ...], integers >= 0
 * @param options - as for `odeSample`
 * @returns `{ x, nfe, steps, rejected }`
 * @throws InvalidArgumentError for a bad `key` or `shape`, and as `odeSample`
 * @example
 * const r = solvers.odeSampleWithKey(sde.vp({}), score, random.key(0), [4, 2], { method: 'rk4', steps: 100 });
 * r.x.shape; // returns ~[4, 2]
 * @see proofs/solvers/ode-sample.md
 * @see Song et al. (2021), Section 4.3
 */
export function odeSampleWithKey(sde: Sde, score: TimeScoreFn, key: Key, shape: number[], options?: OdeSampleOptions): OdeResult {
  const api = 'solvers.odeSampleWithKey';
  const s = checkSde(api, sde);
  checkFunction(api, 'score', score);
  const k = checkKey(api, 'key', key);
  const sh = checkShape(api, 'shape', shape);
  if (sh.shape.length < 1) throw new InvalidArgumentError(api, 'shape', 'a shape [n, ...] with at least one axis', shape);
  if (sh.size > MAX_SAMPLE_VALUES) throw new InvalidArgumentError(api, 'shape', `a shape with at most ${MAX_SAMPLE_VALUES} values`, shape);
  let prior: Float64Array;
  try {
    prior = checkFieldValue(api, 'sde', s.priorSample(normal(k, sh.shape)), sh.shape, 'the noise (priorSample)');
  } catch (e) {
    // A failed draw (memory) or prior map, reported under this function's name.
    if (e instanceof DiffusionError && e.api !== api) throw new InvalidArgumentError(api, 'shape', 'a sample shape that can be drawn', got(e.message));
    throw e;
  }
  return sampleImpl(api, s, score, wrap(Float64Array.from(prior), sh.shape), options);
}

/** Most values one odeSampleWithKey call draws (2^27: 1 GiB of float64). */
const MAX_SAMPLE_VALUES = 2 ** 27;

function sampleImpl(api: string, sde: unknown, score: unknown, x: unknown, options: unknown): OdeResult {
  const s = checkSde(api, sde);
  const scoreFn = checkFunction<TimeScoreFn>(api, 'score', score);
  const dense = checkArray(api, 'x', x);
  if (dense.shape.length < 1) throw new InvalidArgumentError(api, 'x', 'an array of shape [n, ...] (one row per sample)', x);
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options) || isNdArray(options))) {
    throw new InvalidArgumentError(api, 'options', 'an options object', options);
  }
  const eps = readEps(api, s, (options as OdeSampleOptions | undefined)?.eps);
  const T = s.T;
  const plan = readSolverOptions(api, options, T - eps);
  const shape = dense.shape;
  const field: FlatField = (t, y, out) => {
    const { a, halfGSq } = flowCoefficients(api, s, t);
    const sv = callField(api, 'score', scoreFn, { data: y, shape }, t);
    if (!flowDriftInto(a, halfGSq, y, sv, out)) throw driftOverflow(api, t);
  };
  if (dense.data.length === 0) return { x: wrap(new Float64Array(0), shape), nfe: 0, steps: 0, rejected: 0 };
  const r = runPlan(api, 'score', plan, field, dense.data, T, eps);
  return { x: wrap(r.y, shape), nfe: r.nfe, steps: r.steps, rejected: r.rejected };
}
