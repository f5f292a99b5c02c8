/**
 * Exact log-likelihoods through the probability-flow ODE (Song et al. 2021, Appendix D.2;
 * Chen et al. 2018, the instantaneous change of variables; Grathwohl et al. 2019, FFJORD's
 * Hutchinson estimator): integrate the augmented ODE [x; delta] from eps to T with
 * d delta/dt = div_x F(x, t), then log p_eps(x) = log p_T(x(T)) + delta(T).
 *
 * @see proofs/solvers/likelihood.md
 * @see docs/solvers/likelihood.md
 */
import { DiffusionError, InvalidArgumentError, ShapeError, got } from '../errors.js';
import { checkFieldValue, callField } from '../../_internal/fields.js';
import { checkArray, checkInteger, isNdArray, wrap, type Float64NdArray } from '../../_internal/validate.js';
import type { TimeScoreFn } from '../fields.js';
import { normal, rademacher, type Key } from '../random/index.js';
import { checkKey } from '../random/checks.js';
import type { Sde } from '../sde/types.js';
import type { OdeSolverOptions } from './ode.js';
import { checkTime, readSolverOptions, runPlan } from './ode-plan.js';
import type { FlatField } from './ode-kernels.js';
import { checkSde, driftOverflow, flowCoefficients, flowDriftInto, readEps } from './ode-sde.js';

/**
 * A score model with its Jacobian: `score(x, t)` ~ grad_x log p_t(x) (shape of x) and
 * `jacobian(x, t)` = d score / d x for each row, shape [n, D, D] with D the size of a row
 * (row-major: jacobian[r, i, j] = d s_i / d x_j of row r). Given this record, the
 * divergence is exact (its trace) instead of a finite difference.
 */
export interface ScoreWithJacobian {
  readonly score: TimeScoreFn;
  readonly jacobian: (x: Float64NdArray, t: number) => Float64NdArray;
}

/** How div_x F is computed: 'exact' (finite differences or the Jacobian's trace) or 'hutchinson' (trace estimator with probes). */
export type DivergenceMethod = 'exact' | 'hutchinson';

/** Options of `odeDivergence`. */
export interface DivergenceOptions {
  /** 'exact' (default) or 'hutchinson'. */
  readonly divergence?: DivergenceMethod;
  /** Number of Hutchinson probes P per row (optional; must match probeNoise's leading axis). */
  readonly probes?: number;
}

/** Options of `odeLogLikelihood`: the solver (default dopri5, rtol = atol = 1e-5), eps and the divergence. */
export interface OdeLikelihoodOptions extends OdeSolverOptions, DivergenceOptions {
  /** The time eps in [0, T) the data is placed at (default sde.eps). */
  readonly eps?: number;
}

/** Options of `odeLogLikelihoodWithKey`: as `odeLogLikelihood`, plus the probe distribution. */
export interface OdeLikelihoodKeyOptions extends OdeLikelihoodOptions {
  /** The law of Hutchinson probes: 'rademacher' (default, as Song et al. 2021) or 'gaussian'. */
  readonly probe?: 'rademacher' | 'gaussian';
}

/** The result of `odeLogLikelihood`, one value per row of x. */
export interface OdeLikelihoodResult {
  /** log p_eps(x) in nats, shape [n]: priorLogp + deltaLogp. */
  readonly logp: Float64NdArray;
  /** log p_T(x(T)) under the SDE's prior, shape [n]. */
  readonly priorLogp: Float64NdArray;
  /** delta(T) = int_eps^T div_x F(x(t), t) dt, shape [n]. */
  readonly deltaLogp: Float64NdArray;
  /** x(T), the ODE's image of x (the latent code), shape of x. */
  readonly z: Float64NdArray;
  /** Evaluations of the augmented field [F; div F]. */
  readonly nfe: number;
  /** Calls of the score function (1 + 2D per field evaluation for the exact finite difference, 1 + 2P for Hutchinson, 1 with a Jacobian). */
  readonly scoreEvaluations: number;
  /** Accepted and rejected steps. */
  readonly steps: number;
  readonly rejected: number;
}

/**
 * EPS^(1/3): the relative finite-difference step of a central difference, which balances
 * its truncation error h^2 |s'''| / 6 against its rounding error ~ EPS |s| / h
 * (proofs/solvers/likelihood.md, "Finite differences").
 */
export const FD_STEP = Math.cbrt(Number.EPSILON);

/** What a divergence evaluation needs, validated. */
interface DivergencePlan {
  readonly api: string;
  readonly sde: Sde;
  readonly score: TimeScoreFn;
  readonly jacobian?: (x: Float64NdArray, t: number) => Float64NdArray;
  readonly shape: readonly number[];
  readonly n: number;
  readonly D: number;
  readonly mode: DivergenceMethod;
  /** Probes, P blocks of n D values (Hutchinson only). */
  readonly probes?: Float64Array;
  readonly P: number;
}

/**
 * Reads `score`: a function s(x, t), or a record { score, jacobian } (Jacobian exact).
 */
function readScore(api: string, score: unknown): { score: TimeScoreFn; jacobian?: (x: Float64NdArray, t: number) => Float64NdArray } {
  if (typeof score === 'function') return { score: score as TimeScoreFn };
  if (typeof score === 'object' && score !== null && !Array.isArray(score) && !isNdArray(score)) {
    const r = score as Record<string, unknown>;
    if (typeof r.score === 'function' && typeof r.jacobian === 'function') {
      return { score: r.score as TimeScoreFn, jacobian: r.jacobian as (x: Float64NdArray, t: number) => Float64NdArray };
    }
  }
  throw new InvalidArgumentError(api, 'score', 'a score function s(x, t) or a record { score, jacobian } of functions', score);
}

function readDivergence(api: string, options: Record<string, unknown>): DivergenceMethod {
  const d = options.divergence ?? 'exact';
  if (d !== 'exact' && d !== 'hutchinson') throw new InvalidArgumentError(api, 'options.divergence', "'exact' or 'hutchinson'", d);
  return d;
}

/**
 * Validates probeNoise against x's shape: [P, ...shape] or shape (P = 1), and against
 * options.probes when given. Returns the flat probes and P.
 */
function readProbes(api: string, mode: DivergenceMethod, options: Record<string, unknown>, probeNoise: unknown, shape: readonly number[]): { probes?: Float64Array; P: number } {
  if (mode === 'exact') {
    if (probeNoise !== undefined) {
      throw new InvalidArgumentError(api, 'probeNoise', "no probes with divergence 'exact' (probes are for 'hutchinson')", probeNoise);
    }
    if (options.probes !== undefined) {
      throw new InvalidArgumentError(api, 'options.probes', "no probe count with divergence 'exact'", options.probes);
    }
    return { P: 0 };
  }
  if (options.probes !== undefined) checkInteger(api, 'options.probes', options.probes, 1);
  if (probeNoise === undefined) {
    throw new InvalidArgumentError(api, 'probeNoise', "probes v of shape [P, ...x.shape] for divergence 'hutchinson' (the ...WithKey wrapper draws them)", probeNoise);
  }
  const dense = checkArray(api, 'probeNoise', probeNoise);
  const ps = dense.shape;
  let P: number;
  if (ps.length === shape.length && ps.every((v, i) => v === shape[i])) P = 1;
  else if (ps.length === shape.length + 1 && ps[0]! >= 1 && ps.slice(1).every((v, i) => v === shape[i])) P = ps[0]!;
  else {
    const want = options.probes === undefined ? [1, ...shape] : [options.probes as number, ...shape];
    throw new ShapeError(api, 'probeNoise', ps, want, '[P, ...x.shape]');
  }
  if (options.probes !== undefined && options.probes !== P) {
    throw new ShapeError(api, 'probeNoise', ps, [options.probes as number, ...shape], '[options.probes, ...x.shape]');
  }
  return { probes: dense.data, P };
}

/**
 * The augmented field at (t, y), y = x (n D values): writes F(x, t) into `F` and
 * div_x F(x, t) of each row into `div`. Returns the number of score calls.
 *
 * div F = a(t) D - (g(t)^2 / 2) div s, with div s by
 * - the Jacobian's trace (exact), or
 * - central differences d s_j / d x_j ~ (s_j(x + h e_j) - s_j(x - h e_j)) / (2h) per coordinate
 *   (2D score calls; each call shifts column j of every row: the field acts row by row), or
 * - Hutchinson: (1/P) sum_p v_p^T J v_p, each v^T J v by the directional difference
 *   v^T (s(x + h v) - s(x - h v)) / (2h) (2P calls) or from the Jacobian.
 * The drift part a(t) x has the exact divergence a(t) D, used as is (for Hutchinson, an
 * exact control variate: the estimator's noise comes from the score part only).
 */
function augmentedField(plan: DivergencePlan, t: number, x: Float64Array, F: Float64Array, div: Float64Array): number {
  const { api, sde, shape, n, D } = plan;
  const M = n * D;
  const { a, halfGSq } = flowCoefficients(api, sde, t);
  const s = callField(api, 'score', plan.score, { data: x, shape }, t);
  if (!flowDriftInto(a, halfGSq, x, s, F)) throw driftOverflow(api, t);
  let calls = 1;
  const divS = new Float64Array(n);
  if (plan.jacobian !== undefined) {
    const value = plan.jacobian(wrap(x.slice(), shape), t);
    const J = checkFieldValue(api, 'score', value, [n, D, D], `[n, D, D] = [${n}, ${D}, ${D}] (score.jacobian)`);
    if (plan.mode === 'exact') {
      for (let r = 0; r < n; r++) {
        let tr = 0;
        for (let i = 0; i < D; i++) tr += J[r * D * D + i * D + i]!;
        divS[r] = tr;
      }
    } else {
      const v = plan.probes!;
      for (let p = 0; p < plan.P; p++) {
        for (let r = 0; r < n; r++) {
          const off = p * M + r * D;
          let q = 0;
          for (let i = 0; i < D; i++) {
            let row = 0;
            for (let j = 0; j < D; j++) row += J[r * D * D + i * D + j]! * v[off + j]!;
            q += v[off + i]! * row;
          }
          divS[r] = divS[r]! + q;
        }
      }
      for (let r = 0; r < n; r++) divS[r] = divS[r]! / plan.P;
    }
  } else if (plan.mode === 'exact') {
    // Central differences per coordinate j, the shift h_rj = FD_STEP max(1, |x_rj|) made
    // exact by reading back the representable steps hp = (x + h) - x, hm = x - (x - h).
    const xs = x.slice();
    const hp = new Float64Array(n);
    const hm = new Float64Array(n);
    for (let j = 0; j < D; j++) {
      for (let r = 0; r < n; r++) {
        const xi = x[r * D + j]!;
        const h = FD_STEP * Math.max(1, Math.abs(xi));
        const up = xi + h;
        hp[r] = up - xi;
        xs[r * D + j] = up;
      }
      const sp = callField(api, 'score', plan.score, { data: xs, shape }, t);
      for (let r = 0; r < n; r++) {
        const xi = x[r * D + j]!;
        const h = FD_STEP * Math.max(1, Math.abs(xi));
        const down = xi - h;
        hm[r] = xi - down;
        xs[r * D + j] = down;
      }
      const sm = callField(api, 'score', plan.score, { data: xs, shape }, t);
      for (let r = 0; r < n; r++) {
        const k = r * D + j;
        divS[r] = divS[r]! + (sp[k]! - sm[k]!) / (hp[r]! + hm[r]!);
        xs[k] = x[k]!;
      }
      calls += 2;
    }
  } else {
    // Directional differences along each probe: per row r, h_r = FD_STEP max(1, |x_r|_inf) / |v_r|_inf.
    const v = plan.probes!;
    const xs = new Float64Array(M);
    const h = new Float64Array(n);
    for (let p = 0; p < plan.P; p++) {
      const off = p * M;
      for (let r = 0; r < n; r++) {
        let xMax = 1;
        let vMax = 0;
        for (let i = 0; i < D; i++) {
          xMax = Math.max(xMax, Math.abs(x[r * D + i]!));
          vMax = Math.max(vMax, Math.abs(v[off + r * D + i]!));
        }
        // A zero probe contributes v^T J v = 0 whatever h is.
        h[r] = vMax > 0 ? (FD_STEP * xMax) / vMax : 1;
      }
      for (let r = 0; r < n; r++) for (let i = 0; i < D; i++) xs[r * D + i] = x[r * D + i]! + h[r]! * v[off + r * D + i]!;
      const sp = callField(api, 'score', plan.score, { data: xs, shape }, t);
      for (let r = 0; r < n; r++) for (let i = 0; i < D; i++) xs[r * D + i] = x[r * D + i]! - h[r]! * v[off + r * D + i]!;
      const sm = callField(api, 'score', plan.score, { data: xs, shape }, t);
      for (let r = 0; r < n; r++) {
        let q = 0;
        for (let i = 0; i < D; i++) {
          const k = r * D + i;
          q += v[off + k]! * (sp[k]! - sm[k]!);
        }
        divS[r] = divS[r]! + q / (2 * h[r]!);
      }
      calls += 2;
    }
    for (let r = 0; r < n; r++) divS[r] = divS[r]! / plan.P;
  }
  let check = 0;
  for (let r = 0; r < n; r++) {
    const v = a * D - halfGSq * divS[r]!;
    div[r] = v;
    check += v * 0;
  }
  if (check !== 0) {
    throw new InvalidArgumentError(api, 'score', 'a score whose divergence is finite in float64', got(`a non-finite divergence at t = ${t}`));
  }
  return calls;
}

function readOptions(api: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options) || isNdArray(options)) {
    throw new InvalidArgumentError(api, 'options', 'an options object', options);
  }
  return options as Record<string, unknown>;
}

function makePlan(api: string, sde: unknown, score: unknown, x: unknown, o: Record<string, unknown>, probeNoise: unknown) {
  const s = checkSde(api, sde);
  const sc = readScore(api, score);
  const dense = checkArray(api, 'x', x);
  const shape = dense.shape;
  if (shape.length < 1) throw new InvalidArgumentError(api, 'x', 'an array of shape [n, ...] (one row per point)', x);
  const n = shape[0]!;
  const D = n === 0 ? shape.slice(1).reduce((u, w) => u * w, 1) : dense.data.length / n;
  if (!(D >= 1)) throw new InvalidArgumentError(api, 'x', 'rows of at least one value', got(`an array of shape [${shape.join(', ')}]`));
  const mode = readDivergence(api, o);
  const { probes, P } = readProbes(api, mode, o, probeNoise, shape);
  const plan: DivergencePlan = {
    api,
    sde: s,
    score: sc.score,
    ...(sc.jacobian === undefined ? {} : { jacobian: sc.jacobian }),
    shape,
    n,
    D,
    mode,
    ...(probes === undefined ? {} : { probes }),
    P,
  };
  return { plan, x: dense.data };
}

/**
 * The divergence of the probability-flow drift at one time, div_x F(x, t) for each row,
 * F(x, t) = a(t) x - (g(t)^2 / 2) s(x, t):
 *
 *     div F = a(t) D - (g(t)^2 / 2) tr(d s / d x),
 *
 * with the trace exact (a { score, jacobian } record), by central differences per
 * coordinate (`divergence: 'exact'`, 2D score calls, error ~ EPS^(2/3)), or by Hutchinson's
 * estimator (1/P) sum_p v_p^T (d s / d x) v_p with the given probes (`'hutchinson'`:
 * E[v v^T] = I makes it unbiased).
 *
 * @param sde - the forward SDE
 * @param score - s(x, t), or a record { score, jacobian } (jacobian: shape [n, D, D])
 * @param x - points, shape [n, ...] (rows of D values), finite
 * @param t - the time, in [0, 1]
 * @param options - `{ divergence = 'exact', probes }`
 * @param probeNoise - Hutchinson probes v, shape [P, ...x.shape] (or x.shape for P = 1), finite
 * @returns div_x F(x_r, t) per row, shape [n]
 * @throws InvalidArgumentError for a bad `sde`, `score`, `x`, `t`, `divergence`, probes
 *   given with 'exact' or missing with 'hutchinson'; ShapeError for probeNoise of the
 *   wrong shape or a score (Jacobian) of the wrong shape
 * @example
 * // Data N(0, I) under VP: s = -x, div F = a D + (g^2 / 2) D = 0 (a = -beta/2, g^2 = beta).
 * solvers.odeDivergence(sde.vp({}), (x) => ndarray(x.data.map((v) => -v), x.shape), ndarray(new Float64Array([1, 2]), [1, 2]), 0.5).get(0); // returns ~0
 * @see proofs/solvers/likelihood.md (claims solvers/likelihood#exact-divergence, #hutchinson-unbiased, #rademacher-exact)
 * @see Grathwohl et al. (2019), FFJORD, Eq. 7 (Hutchinson's trace estimator); Hutchinson (1990)
 */
export function odeDivergence(sde: Sde, score: TimeScoreFn | ScoreWithJacobian, x: Float64NdArray, t: number, options?: DivergenceOptions, probeNoise?: Float64NdArray): Float64NdArray {
  const api = 'solvers.odeDivergence';
  const o = readOptions(api, options);
  const tt = checkTime(api, 't', t);
  const { plan, x: data } = makePlan(api, sde, score, x, o, probeNoise);
  const F = new Float64Array(plan.n * plan.D);
  const div = new Float64Array(plan.n);
  if (plan.n > 0) augmentedField(plan, tt, data, F, div);
  return wrap(div, [plan.n]);
}

/**
 * Log-likelihood by the probability-flow ODE (Song et al. 2021, Appendix D.2; the
 * instantaneous change of variables of Chen et al. 2018, Theorem 1): integrates the
 * augmented ODE from t = eps to T,
 *
 *     dx/dt = F(x, t) = a(t) x - (g(t)^2 / 2) s(x, t),    d delta/dt = div_x F(x, t),
 *
 * from x(eps) = x, delta(eps) = 0, and returns
 *
 *     log p_eps(x) = log p_T(x(T)) + int_eps^T div_x F(x(t), t) dt
 *
 * per row (nats), with log p_T the SDE's prior log-density. With the exact score and an
 * exact solver this is the log-density of the time-eps marginal p_eps at x, up to the
 * prior's mismatch log p_T(z) - log p_1(z) (p_T is the SDE's stand-in for p_1).
 * Bits per dimension: `elbo.bitsPerDim(-logp, D)`; for 8-bit images see
 * docs/solvers/likelihood.md (dequantization adds D log 256 / (D ln 2) = 8 bits for data
 * scaled to [0, 1] cells of width 1/256).
 *
 * @param sde - the forward SDE
 * @param score - s(x, t), or a record { score, jacobian } for the exact trace
 * @param x - data points, shape [n, ...] (rows of D >= 1 values), finite
 * @param options - `{ method = 'dopri5', steps, rtol = 1e-5, atol = 1e-5, maxSteps, firstStep,
 *   eps = sde.eps, divergence = 'exact', probes }`; the dopri5 error norm runs over x and delta together
 * @param probeNoise - Hutchinson probes v (fixed along the path), shape [P, ...x.shape] or x.shape; only with 'hutchinson'
 * @returns `{ logp, priorLogp, deltaLogp, z, nfe, scoreEvaluations, steps, rejected }`
 * @throws InvalidArgumentError / ShapeError as `odeDivergence` and `odeIntegrate` (naming
 *   `score`, `sde`, `x`, `eps`, `probeNoise`, `maxSteps`, ...), and for a prior
 *   log-density that is not finite (naming `sde`)
 * @example
 * // Data N(0, I) under VP: the flow is the identity and div F = 0, so logp = log N(x; 0, I).
 * const r = solvers.odeLogLikelihood(sde.vp({}), (x) => ndarray(x.data.map((v) => -v), x.shape), ndarray(new Float64Array([0, 0]), [1, 2]));
 * r.logp.get(0); // returns ~-1.8379 (-log 2 pi)
 * @see proofs/solvers/likelihood.md (claims solvers/likelihood#gaussian, #mixture, #hutchinson-path)
 * @see Song et al. (2021), Appendix D.2, Eq. 39-40; Chen et al. (2018), Neural ODEs, Theorem 1
 */
export function odeLogLikelihood(
  sde: Sde,
  score: TimeScoreFn | ScoreWithJacobian,
  x: Float64NdArray,
  options?: OdeLikelihoodOptions,
  probeNoise?: Float64NdArray,
): OdeLikelihoodResult {
  return likelihoodImpl('solvers.odeLogLikelihood', sde, score, x, options, probeNoise);
}

/**
 * `odeLogLikelihood` with Hutchinson probes drawn from a key: with
 * `divergence: 'hutchinson'`, v = `random.rademacher(key, [P, ...x.shape])` (default) or
 * `random.normal(key, [P, ...x.shape])` (`probe: 'gaussian'`), P = `probes` (default 1);
 * with 'exact' the key is validated and unused.
 *
 * @param sde - the forward SDE
 * @param score - s(x, t) or { score, jacobian }
 * @param x - data points, shape [n, ...]
 * @param key - a PRNG key (used once)
 * @param options - as `odeLogLikelihood`, plus `probe: 'rademacher' | 'gaussian'` and `probes` P (integer in 1..1024)
 * @returns as `odeLogLikelihood`
 * @throws InvalidArgumentError for a bad `key`, `probe` or `probes`, and as `odeLogLikelihood`
 * @example
 * const x = ndarray(new Float64Array([0, 0, 1, -1]), [2, 2]);
 * const r = solvers.odeLogLikelihoodWithKey(sde.vp(), (y) => ndarray(y.data.map((v) => -v), y.shape), x, random.key(0), { divergence: 'hutchinson', probes: 2 });
 * r.logp.data; // returns ~[-1.8379, -2.8379] (log N(x; 0, I): the score of N(0, I) under VP)
 * @see proofs/solvers/likelihood.md (claim solvers/likelihood#hutchinson-path)
 * @see Song et al. (2021), Appendix D.2 (Rademacher probes)
 */
export function odeLogLikelihoodWithKey(
  sde: Sde,
  score: TimeScoreFn | ScoreWithJacobian,
  x: Float64NdArray,
  key: Key,
  options?: OdeLikelihoodKeyOptions,
): OdeLikelihoodResult {
  const api = 'solvers.odeLogLikelihoodWithKey';
  const o = readOptions(api, options);
  const k = checkKey(api, 'key', key);
  const mode = readDivergence(api, o);
  const probe = o.probe ?? 'rademacher';
  if (probe !== 'rademacher' && probe !== 'gaussian') throw new InvalidArgumentError(api, 'options.probe', "'rademacher' or 'gaussian'", probe);
  if (mode === 'exact') {
    const { probe: _unused, ...rest } = o;
    return likelihoodImpl(api, sde, score, x, rest, undefined);
  }
  const P = o.probes === undefined ? 1 : o.probes;
  if (typeof P !== 'number' || !Number.isInteger(P) || P < 1 || P > 1024) throw new InvalidArgumentError(api, 'options.probes', 'an integer in 1..1024', P);
  const dense = checkArray(api, 'x', x);
  const shape = [P, ...dense.shape];
  let size = 1;
  for (const v of shape) size *= v;
  if (size > MAX_PROBE_VALUES) throw new InvalidArgumentError(api, 'options.probes', `a probe count with at most ${MAX_PROBE_VALUES} probe values in total`, P);
  const v = draw(api, probe, k, shape);
  const { probe: _unused, ...rest } = o;
  return likelihoodImpl(api, sde, score, x, { ...rest, probes: P }, v);
}

/** Most probe values one ...WithKey call draws (2^27: 1 GiB of float64). */
const MAX_PROBE_VALUES = 2 ** 27;

/** Draws the probes, reporting a failed draw (memory) under this function's name. */
function draw(api: string, probe: 'rademacher' | 'gaussian', k: Key, shape: number[]): Float64NdArray {
  try {
    return probe === 'rademacher' ? rademacher(k, shape) : normal(k, shape);
  } catch (e) {
    if (e instanceof DiffusionError) throw new InvalidArgumentError(api, 'options.probes', 'a probe array that can be allocated', got(e.message));
    throw e;
  }
}

function likelihoodImpl(api: string, sde: unknown, score: unknown, x: unknown, options: unknown, probeNoise: unknown): OdeLikelihoodResult {
  const o = readOptions(api, options);
  const { plan, x: data } = makePlan(api, sde, score, x, o, probeNoise);
  const eps = readEps(api, plan.sde, o.eps);
  const T = plan.sde.T;
  const solver = readSolverOptions(api, o, T - eps);
  const { n, D, shape } = plan;
  const M = n * D;
  if (n === 0) {
    const empty = () => wrap(new Float64Array(0), [0]);
    return { logp: empty(), priorLogp: empty(), deltaLogp: empty(), z: wrap(new Float64Array(0), shape), nfe: 0, scoreEvaluations: 0, steps: 0, rejected: 0 };
  }
  let scoreEvaluations = 0;
  const field: FlatField = (t, y, out) => {
    scoreEvaluations += augmentedField(plan, t, y.subarray(0, M), out.subarray(0, M), out.subarray(M));
  };
  const y0 = new Float64Array(M + n);
  y0.set(data);
  const r = runPlan(api, 'score', solver, field, y0, eps, T);
  const z = wrap(r.y.slice(0, M), shape);
  const deltaLogp = r.y.slice(M);
  let priorValue: unknown;
  try {
    priorValue = plan.sde.priorLogp(wrap(r.y.slice(0, M), shape));
  } catch (e) {
    // The prior's own check (|z|^2 overflowing) reported under this function's name.
    if (e instanceof DiffusionError) throw new InvalidArgumentError(api, 'x', 'points whose ODE image z has a finite prior log-density', got(e.message));
    throw e;
  }
  const prior = checkFieldValue(api, 'sde', priorValue, [n], 'the rows of x (priorLogp)');
  const logp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    logp[i] = prior[i]! + deltaLogp[i]!;
    if (!Number.isFinite(logp[i]!)) {
      throw new InvalidArgumentError(api, 'x', 'points whose log-likelihood is finite in float64', got(`an overflow at row ${i}`));
    }
  }
  return {
    logp: wrap(logp, [n]),
    priorLogp: wrap(Float64Array.from(prior), [n]),
    deltaLogp: wrap(deltaLogp, [n]),
    z,
    nfe: r.nfe,
    scoreEvaluations,
    steps: r.steps,
    rejected: r.rejected,
  };
}
