/**
 * Generic ODE integrators for dx/dt = F(x, t) over the rows of x: fixed-step Euler, Heun
 * and classical Runge-Kutta, and adaptive Dormand-Prince 5(4) with error control. The
 * probability-flow ODE sampler (`odeSample`) and the ODE likelihood (`odeLogLikelihood`)
 * run on the same kernels.
 *
 * @see proofs/solvers/ode.md
 * @see docs/solvers/ode.md
 */
import { InvalidArgumentError } from '../errors.js';
import { checkFunction, callField } from '../../_internal/fields.js';
import { checkArray, isNdArray, wrap, type Float64NdArray } from '../../_internal/validate.js';
import { DOPRI5, DOPRI5_ERROR, EULER, HEUN, MAX_FACTOR, MIN_FACTOR, RK4, SAFETY, type FlatField, type Tableau } from './ode-kernels.js';
import { checkTime, readSolverOptions, runPlan } from './ode-plan.js';

/** A vector field F(x, t): an array of the shape of x, applied to every row of x; t in [0, 1]. */
export type OdeField = (x: Float64NdArray, t: number) => Float64NdArray;

/** What a method of `odeMethods` declares (STYLE rule 16). */
export interface OdeMethodInfo {
  /** The method's name, its key in `odeMethods`. */
  readonly name: OdeMethod;
  /** Global order p: the error at a fixed time is O(h^p) for smooth F. */
  readonly order: number;
  /** Strong order: for an ODE (no noise) the pathwise error is the global error, so it equals `order`. */
  readonly strongOrder: number;
  /** Weak order: for an ODE the law of the output is a point mass moved by the global error, so it equals `order`. */
  readonly weakOrder: number;
  /** Evaluations of F per step (dopri5: 6 per attempted step, the seventh stage reused as the next first). */
  readonly evaluationsPerStep: number;
  /** Whether the method controls its local error with an embedded estimate (`rtol`, `atol`). */
  readonly adaptive: boolean;
  /** The Butcher tableau: nodes c, coefficients a (row i holds a_{i,0..i-1}), weights b. */
  readonly tableau: { readonly c: readonly number[]; readonly a: readonly (readonly number[])[]; readonly b: readonly number[] };
  /** Error weights e = b - b^ of the embedded pair (adaptive methods only). */
  readonly errorWeights?: readonly number[];
  /** Order q of the embedded error estimate (err ~ h^(q+1)); adaptive methods only. */
  readonly errorEstimatorOrder?: number;
  /** Controller constants: safety factor, smallest and largest step-size factors (adaptive only). */
  readonly controller?: { readonly safety: number; readonly minFactor: number; readonly maxFactor: number };
  /** Where the method comes from. */
  readonly citation: string;
}

/**
 * The ODE methods, a typed const map (no registry, STYLE rule 6). Each declares its order
 * (STYLE rule 16), which test/core/solvers/ode.test.ts fits from halved step sizes.
 *
 * | method | order | F per step | steps |
 * | --- | --- | --- | --- |
 * | `euler` | 1 | 1 | fixed |
 * | `heun` | 2 | 2 | fixed |
 * | `rk4` | 4 | 4 | fixed |
 * | `dopri5` | 5 (error estimate of order 4) | 6 | adaptive, or fixed when `steps` is given |
 *
 * @example
 * odeMethods.rk4.order; // returns ~4
 * @see proofs/solvers/ode.md (claims solvers/ode#order-fixed, solvers/ode#order-dopri5)
 */
export const odeMethods = Object.freeze({
  euler: freezeMethod({
    name: 'euler',
    order: 1,
    strongOrder: 1,
    weakOrder: 1,
    evaluationsPerStep: 1,
    adaptive: false,
    tableau: EULER,
    citation: 'Euler (1768); Hairer, Norsett and Wanner (1993), Section I.7',
  }),
  heun: freezeMethod({
    name: 'heun',
    order: 2,
    strongOrder: 2,
    weakOrder: 2,
    evaluationsPerStep: 2,
    adaptive: false,
    tableau: HEUN,
    citation: "Heun (1900); Hairer, Norsett and Wanner (1993), Section II.1 (the explicit trapezoidal rule)",
  }),
  rk4: freezeMethod({
    name: 'rk4',
    order: 4,
    strongOrder: 4,
    weakOrder: 4,
    evaluationsPerStep: 4,
    adaptive: false,
    tableau: RK4,
    citation: 'Kutta (1901); Hairer, Norsett and Wanner (1993), Table II.1.2 (left)',
  }),
  dopri5: freezeMethod({
    name: 'dopri5',
    order: 5,
    strongOrder: 5,
    weakOrder: 5,
    evaluationsPerStep: 6,
    adaptive: true,
    tableau: DOPRI5,
    errorWeights: DOPRI5_ERROR,
    errorEstimatorOrder: 4,
    controller: { safety: SAFETY, minFactor: MIN_FACTOR, maxFactor: MAX_FACTOR },
    citation: 'Dormand and Prince (1980), RK5(4)7M; Hairer, Norsett and Wanner (1993), Table II.5.2 and Section II.4',
  }),
} as const);

/** The name of an ODE method: a key of `odeMethods`. */
export type OdeMethod = 'euler' | 'heun' | 'rk4' | 'dopri5';

function freezeMethod(m: OdeMethodInfo): OdeMethodInfo {
  const t = m.tableau as Tableau;
  return Object.freeze({
    ...m,
    tableau: Object.freeze({ c: Object.freeze([...t.c]), a: Object.freeze(t.a.map((r) => Object.freeze([...r]))), b: Object.freeze([...t.b]) }),
    ...(m.errorWeights ? { errorWeights: Object.freeze([...m.errorWeights]) } : {}),
    ...(m.controller ? { controller: Object.freeze({ ...m.controller }) } : {}),
  });
}

/** How to integrate: a method and its step control (the options shared by every ODE function). */
export interface OdeSolverOptions {
  /** The method (default 'dopri5'). */
  readonly method?: OdeMethod;
  /** Number of fixed steps N >= 1 (default 1000 for euler/heun/rk4; with 'dopri5', fixed fifth-order steps without error control). */
  readonly steps?: number;
  /** Relative tolerance of 'dopri5' (default 1e-5, as Song et al. 2021), in [100 EPS, 1]. */
  readonly rtol?: number;
  /** Absolute tolerance of 'dopri5' (default 1e-5), a positive finite number. */
  readonly atol?: number;
  /** Most step attempts of 'dopri5' (accepted + rejected, default 10000), an integer in 1..10^7. */
  readonly maxSteps?: number;
  /** |h| of dopri5's first attempt, in (0, |t1 - t0|]; default: Hairer-Norsett-Wanner's starting step. */
  readonly firstStep?: number;
}

/** The options of `odeIntegrate`: the interval [t0 -> t1] and the solver. */
export interface OdeIntegrateOptions extends OdeSolverOptions {
  /** Start time t0 in [0, 1]. */
  readonly t0: number;
  /** End time t1 in [0, 1] (t1 < t0 integrates backwards in time). */
  readonly t1: number;
}

/** The result of an ODE integration. */
export interface OdeResult {
  /** x(t1), of the shape of the input. */
  readonly x: Float64NdArray;
  /** Evaluations of the field F (function evaluations, NFE). */
  readonly nfe: number;
  /** Accepted steps (N for a fixed-step method). */
  readonly steps: number;
  /** Rejected steps (0 for a fixed-step method). */
  readonly rejected: number;
}

/**
 * Integrates dx/dt = F(x, t) from t0 to t1 over every row of x, with a fixed-step method
 * (N steps of h = (t1 - t0)/N) or adaptive Dormand-Prince 5(4):
 *
 *     k_i = F(x_k + h sum_{j<i} a_ij k_j, t_k + c_i h),   x_{k+1} = x_k + h sum_i b_i k_i,
 *
 * with dopri5 accepting a step when the RMS of the embedded error estimate
 * h sum_i e_i k_i, scaled by sc_i = atol + rtol max(|x_i|, |x_new_i|), is below 1 (Hairer,
 * Norsett and Wanner 1993, Eq. II.4.11), and choosing the next step as
 * h min(10, max(0.2, 0.9 err^(-1/5))). The norm runs over all entries of x: every row
 * shares the step (as in scipy's solve_ivp on the flattened batch).
 *
 * @param field - F(x, t): returns an array of the shape of x with finite entries; t in [0, 1]
 * @param x - x(t0), a Float64NdArray of any shape (the rows are the points), finite
 * @param options - `{ t0, t1, method = 'dopri5', steps, rtol = 1e-5, atol = 1e-5, maxSteps = 10000, firstStep }`:
 *   t0, t1 in [0, 1] (t1 < t0 integrates backwards); `steps` N an integer in 1..10^6
 *   (fixed steps; the default for euler/heun/rk4 is 1000); `rtol` in [100 EPS, 1] and
 *   `atol` > 0 for dopri5; `maxSteps` an integer in 1..10^7
 * @returns `{ x, nfe, steps, rejected }`: x(t1), the number of evaluations of F, the
 *   accepted and rejected steps
 * @throws InvalidArgumentError for a `field` that is not a function or returns non-finite
 *   values (naming `field`), a solution that overflows or a step-size underflow (naming
 *   `field`), `options.t0` or `options.t1` outside [0, 1], `options.steps`, `.rtol`, `.atol`,
 *   `.maxSteps` or `.firstStep` out of range, options that mix fixed steps with tolerances,
 *   an unknown `options.method`, and when dopri5 needs more than `maxSteps` attempts (naming
 *   `options.maxSteps`); ShapeError when F returns another shape; DTypeError when it
 *   returns another dtype
 * @example
 * // dx/dt = -x from t = 0 to 1: x(1) = e^-1 x(0)
 * const r = odeIntegrate((x) => ndarray(x.data.map((v) => -v), x.shape), ndarray(new Float64Array([1]), [1, 1]),
 *   { t0: 0, t1: 1, method: 'rk4', steps: 10 });
 * r.x.get(0, 0); // returns ~0.367880 (e^-1 = 0.367879, global error 3.3e-7 = O(h^4))
 * @see proofs/solvers/ode.md (claims solvers/ode#order-fixed, #order-dopri5, #scipy-rk45)
 * @see Hairer, Norsett and Wanner (1993), Solving Ordinary Differential Equations I, Sections II.1-II.5
 */
export function odeIntegrate(field: OdeField, x: Float64NdArray, options: OdeIntegrateOptions): OdeResult {
  const api = 'solvers.odeIntegrate';
  const F = checkFunction<OdeField>(api, 'field', field);
  const dense = checkArray(api, 'x', x);
  if (typeof options !== 'object' || options === null || Array.isArray(options) || isNdArray(options)) {
    throw new InvalidArgumentError(api, 'options', 'an options object { t0, t1, ... }', options);
  }
  const t0 = checkTime(api, 'options.t0', options.t0);
  const t1 = checkTime(api, 'options.t1', options.t1);
  const plan = readSolverOptions(api, options, Math.abs(t1 - t0));
  const shape = dense.shape;
  const f: FlatField = (t, y, out) => out.set(callField(api, 'field', F, { data: y, shape }, t));
  if (t0 === t1 || dense.data.length === 0) {
    return { x: wrap(Float64Array.from(dense.data), shape), nfe: 0, steps: 0, rejected: 0 };
  }
  const r = runPlan(api, 'field', plan, f, dense.data, t0, t1);
  return { x: wrap(r.y, shape), nfe: r.nfe, steps: r.steps, rejected: r.rejected };
}
