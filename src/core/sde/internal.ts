/**
 * Private machinery of the `sde` area (not re-exported from its index): the one builder
 * that turns the scalar coefficients of a linear SDE into a validated, frozen `Sde` record,
 * the reverse-time record, and the brands that let the solvers trust a record.
 *
 * Every SDE here has f(x, t) = a(t) x and a scalar g(t), and every discretization has
 * f_k = c_k x: so one kernel (out = c x, or out = c x - d s for the reverse) serves all of
 * them, and the factories only supply scalars.
 *
 * @see proofs/sde/validation.md (claim sde/validation#contract)
 */
import { InvalidArgumentError, got } from '../errors.js';
import { callField, checkFunction } from '../../_internal/fields.js';
import { checkArray, checkInteger, checkNumber, wrap, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import type { TimeScoreFn } from '../fields.js';
import { MAX_STEPS } from '../schedule/betas.js';
import type { Discretization, ReverseSde, Sde, SdeKind } from './types.js';

/** One step of a linear discretization: f_k = fScale x, noise scale G. */
export interface LinearStep {
  readonly fScale: number;
  readonly G: number;
}

/** What a factory supplies: validated parameters and unchecked scalar coefficient functions. */
export interface LinearSdeSpec {
  readonly kind: SdeKind;
  /** The API path of the factory, e.g. `sde.vp`. */
  readonly name: string;
  readonly params: Readonly<Record<string, number>>;
  readonly eps: number;
  /** a(t), for t already validated. */
  readonly a: (t: number) => number;
  /** g(t), for t already validated. */
  readonly g: (t: number) => number;
  /** (m(t), s(t)), for t already validated. */
  readonly marginal: (t: number) => { readonly scale: number; readonly std: number };
  /** The prior's standard deviation sigma_T (1 for VP and sub-VP, sigmaMax for VE). */
  readonly priorStd: number;
  /** Validates N for this SDE's discretization (throws naming `name`, default `N`, under `api`). */
  readonly checkN: (api: string, N: unknown, name?: string) => number;
  /** (f_k / x, G_k) of the discretization at validated t and N. */
  readonly step: (t: number, N: number) => LinearStep;
  /**
   * The ancestral-sampling step x_mean = A x + B s, x = x_mean + C z at step k of N
   * (Song et al. 2021, Eqs. 45-47), or null where the SDE has none (sub-VP). N is
   * validated by `checkN`.
   */
  readonly ancestral: ((k: number, N: number) => { readonly A: number; readonly B: number; readonly C: number }) | null;
  /**
   * The Langevin corrector's alpha_k (Song et al. 2021, Algorithm 4: 1 - beta_k for VP and
   * sub-VP, whose N must then be validated by `checkAlphaN`), or null for alpha = 1 (VE).
   */
  readonly correctorAlpha: { readonly checkN: (api: string, N: unknown, name?: string) => number; readonly at: (k: number, N: number) => number } | null;
}

/** The parts of a reverse record the solvers read without re-validating. */
export interface ReverseParts {
  readonly spec: LinearSdeSpec;
  readonly score: TimeScoreFn;
  /** 1 for the reverse SDE, 1/2 for the probability-flow ODE. */
  readonly lambda: number;
}

const sdes = new WeakMap<object, LinearSdeSpec>();
const reverses = new WeakMap<object, ReverseParts>();

/** True when `s` is an Sde record built by `sde.vp`, `sde.subVp` or `sde.ve`. */
export function isSde(s: unknown): s is Sde {
  return typeof s === 'object' && s !== null && sdes.has(s);
}

/** True when `r` is a ReverseSde record built by an Sde's `reverse`. */
export function isReverseSde(r: unknown): r is ReverseSde {
  return typeof r === 'object' && r !== null && reverses.has(r);
}

/** The unchecked scalar coefficients behind a validated Sde record (for the solvers' fused kernels). */
export function specOf(s: Sde): LinearSdeSpec {
  return sdes.get(s)!;
}

/** The forward spec, score model and lambda behind a validated ReverseSde record. */
export function reverseOf(r: ReverseSde): ReverseParts {
  return reverses.get(r)!;
}

/** Throws unless `s` is an Sde record built by a factory of the `sde` area. */
export function checkSde(api: string, name: string, s: unknown): Sde {
  if (!isSde(s)) throw new InvalidArgumentError(api, name, 'an Sde record built by sde.vp, sde.subVp or sde.ve', s);
  return s;
}

/** Throws unless `r` is a ReverseSde record built by `Sde.reverse`. */
export function checkReverseSde(api: string, name: string, r: unknown): ReverseSde {
  if (!isReverseSde(r)) throw new InvalidArgumentError(api, name, 'a ReverseSde record built by Sde.reverse(score, options)', r);
  return r;
}

/** Throws unless t is a finite number in [0, 1]. */
export function checkTime(api: string, name: string, t: unknown): number {
  return checkNumber(api, name, t, { min: 0, minClosed: true, max: 1, maxClosed: true });
}

/** Validates N as an integer in 1..10^7 (the generic rule; VP adds N > betaMax). */
export function checkSteps(api: string, N: unknown, name = 'N'): number {
  return checkInteger(api, name, N, 1, MAX_STEPS);
}

/** Reads an optional positive finite parameter from a factory's options. */
export function readParam(api: string, options: unknown, key: string, fallback: number): number {
  const v: unknown = (options as Record<string, unknown>)[key];
  if (v === undefined) return fallback;
  return checkNumber(api, key, v, { min: 0 });
}

/** Throws unless options is undefined or a plain object; returns an object to read from. */
export function checkOptions(api: string, options: unknown, shape: string): object {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options) || ArrayBuffer.isView(options) || 'shape' in options) {
    throw new InvalidArgumentError(api, 'options', `an object ${shape} or undefined`, options);
  }
  return options;
}

/** Throws an InvalidArgumentError on `name` unless every value of `out` is finite. */
export function checkFiniteOut(api: string, name: string, out: Float64Array, what: string): void {
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!;
    if (!(v - v === 0)) {
      throw new InvalidArgumentError(api, name, `values for which ${what} is finite in float64`, got(`${v} at flat index ${i} of the result`));
    }
  }
}

/** out = c x, with an overflow check (c finite). */
export function scale(api: string, name: string, x: Dense, c: number, what: string): Float64NdArray {
  const out = new Float64Array(x.data.length);
  const src = x.data;
  let check = 0;
  for (let i = 0; i < src.length; i++) {
    const v = c * src[i]!;
    out[i] = v;
    check += v * 0;
  }
  if (check !== 0) checkFiniteOut(api, name, out, what);
  return wrap(out, x.shape);
}

/** out = c x - d s (the reverse drift: c = a(t) or the discrete f-scale, d = lambda g^2). */
export function affineScore(api: string, x: Dense, c: number, s: Float64Array, d: number, what: string): Float64NdArray {
  const out = new Float64Array(x.data.length);
  const src = x.data;
  let check = 0;
  for (let i = 0; i < src.length; i++) {
    const v = c * src[i]! - d * s[i]!;
    out[i] = v;
    check += v * 0;
  }
  if (check !== 0) checkFiniteOut(api, 'score', out, what);
  return wrap(out, x.shape);
}

/** Validates the options of `reverse`: undefined, or `{ probabilityFlow?: boolean }`. */
function checkReverseOptions(api: string, options: unknown): boolean {
  const o = checkOptions(api, options, '{ probabilityFlow?: boolean }');
  const pf: unknown = (o as { probabilityFlow?: unknown }).probabilityFlow;
  if (pf !== undefined && typeof pf !== 'boolean') throw new InvalidArgumentError(api, 'options.probabilityFlow', 'a boolean or undefined', pf);
  return pf === true;
}

/** log(2 pi). */
const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Builds the frozen Sde record of a linear SDE from its scalar coefficients. Every method
 * validates its own arguments under the API path `<name>.<method>` (e.g. `sde.vp.drift`).
 */
export function buildSde(spec: LinearSdeSpec): Sde {
  const { name, a, g, marginal, priorStd, step } = spec;
  const priorVar = priorStd * priorStd;
  const logPriorVar = 2 * Math.log(priorStd);

  const record: Sde = {
    kind: spec.kind,
    params: Object.freeze({ ...spec.params }),
    T: 1,
    eps: spec.eps,
    driftCoefficient(t: number): number {
      return a(checkTime(`${name}.driftCoefficient`, 't', t));
    },
    drift(x: Float64NdArray, t: number): Float64NdArray {
      const api = `${name}.drift`;
      const d = checkArray(api, 'x', x);
      const at = a(checkTime(api, 't', t));
      return scale(api, 'x', d, at, 'f(x, t) = a(t) x');
    },
    diffusion(t: number): number {
      return g(checkTime(`${name}.diffusion`, 't', t));
    },
    marginalCoefficients(t: number) {
      return marginal(checkTime(`${name}.marginalCoefficients`, 't', t));
    },
    marginal(x0: Float64NdArray, t: number) {
      const api = `${name}.marginal`;
      const d = checkArray(api, 'x0', x0);
      const c = marginal(checkTime(api, 't', t));
      // m(t) <= 1: the mean m(t) x0 cannot overflow.
      return { mean: scale(api, 'x0', d, c.scale, 'm(t) x0'), std: c.std };
    },
    priorSample(noise: Float64NdArray): Float64NdArray {
      const api = `${name}.priorSample`;
      const z = checkArray(api, 'noise', noise);
      return scale(api, 'noise', z, priorStd, 'sigma_T z');
    },
    priorLogp(x: Float64NdArray): Float64NdArray {
      const api = `${name}.priorLogp`;
      const d = checkArray(api, 'x', x);
      if (d.shape.length === 0) throw new InvalidArgumentError(api, 'x', 'an array of shape [n, ...] (one point per row)', got('a 0-d array'));
      const n = d.shape[0]!;
      const D = n === 0 ? 0 : d.data.length / n;
      const out = new Float64Array(n);
      // log N(x; 0, sigma^2 I) = -D/2 log(2 pi sigma^2) - |x|^2 / (2 sigma^2), per row.
      const constant = -0.5 * D * (LOG_2PI + logPriorVar);
      let check = 0;
      for (let r = 0; r < n; r++) {
        let sq = 0;
        const end = (r + 1) * D;
        for (let i = r * D; i < end; i++) sq += d.data[i]! * d.data[i]!;
        const v = constant - sq / (2 * priorVar);
        out[r] = v;
        check += v * 0;
      }
      if (check !== 0) checkFiniteOut(api, 'x', out, 'log p_T(x) (|x|^2 / (2 sigma_T^2))');
      return wrap(out, [n]);
    },
    discretize(x: Float64NdArray, t: number, N: number): Discretization {
      const api = `${name}.discretize`;
      const d = checkArray(api, 'x', x);
      const tt = checkTime(api, 't', t);
      const n = spec.checkN(api, N);
      const st = step(tt, n);
      return { f: scale(api, 'x', d, st.fScale, 'the discrete drift f_k'), G: st.G };
    },
    reverse(score: TimeScoreFn, options?: { readonly probabilityFlow?: boolean }): ReverseSde {
      const api = `${name}.reverse`;
      const fn = checkFunction<TimeScoreFn>(api, 'score', score);
      const pf = checkReverseOptions(api, options);
      return buildReverse(record, spec, fn, pf);
    },
  };
  Object.freeze(record);
  sdes.set(record, spec);
  return record;
}

/** The reverse-time SDE (lambda = 1) or probability-flow ODE (lambda = 1/2) of `forward`. */
function buildReverse(forward: Sde, spec: LinearSdeSpec, score: TimeScoreFn, probabilityFlow: boolean): ReverseSde {
  const { name, a, g, step } = spec;
  const lambda = probabilityFlow ? 0.5 : 1;
  const base = `${name}.reverse`;
  const record: ReverseSde = {
    sde: forward,
    probabilityFlow,
    drift(x: Float64NdArray, t: number): Float64NdArray {
      const api = `${base}.drift`;
      const d = checkArray(api, 'x', x);
      const tt = checkTime(api, 't', t);
      const s = callField(api, 'score', score, d, tt);
      const gt = g(tt);
      // f(x, t) - lambda g(t)^2 s(x, t) (Song et al. 2021, Eqs. 6 and 13).
      return affineScore(api, d, a(tt), s, lambda * gt * gt, 'f - lambda g^2 s');
    },
    diffusion(t: number): number {
      const tt = checkTime(`${base}.diffusion`, 't', t);
      return probabilityFlow ? 0 : g(tt);
    },
    discretize(x: Float64NdArray, t: number, N: number): Discretization {
      const api = `${base}.discretize`;
      const d = checkArray(api, 'x', x);
      const tt = checkTime(api, 't', t);
      const n = spec.checkN(api, N);
      const st = step(tt, n);
      const s = callField(api, 'score', score, d, tt);
      // rev_f = f_k - lambda G_k^2 s(x, t), rev_G = G_k or 0 (score_sde's RSDE.discretize).
      return { f: affineScore(api, d, st.fScale, s, lambda * st.G * st.G, 'f_k - lambda G_k^2 s'), G: probabilityFlow ? 0 : st.G };
    },
  };
  Object.freeze(record);
  reverses.set(record, { spec, score, lambda });
  return record;
}
