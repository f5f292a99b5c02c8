/**
 * Private plumbing of the ODE functions (not re-exported from the area's index): reading
 * the solver options into a plan, running a plan on a kernel, and turning a kernel's
 * failure status into a typed error naming the argument at fault.
 *
 * @see proofs/solvers/ode.md (claim solvers/ode#validation)
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkInteger, checkNumber, isNdArray } from '../../_internal/validate.js';
import type { OdeMethod } from './ode.js';
import { DOPRI5_FIXED, dopri5Kernel, EULER, fixedStepKernel, HEUN, RK4, type FlatField, type KernelResult, type Tableau } from './ode-kernels.js';

/** The tableau each method uses for fixed steps (dopri5: its first six stages, b_7 = 0). */
const FIXED_TABLEAUX: Readonly<Record<OdeMethod, Tableau>> = { euler: EULER, heun: HEUN, rk4: RK4, dopri5: DOPRI5_FIXED };

/** Validated solver options. */
export interface SolverPlan {
  readonly method: OdeMethod;
  /** Fixed steps (undefined: adaptive dopri5). */
  readonly steps?: number;
  readonly rtol: number;
  readonly atol: number;
  readonly maxSteps: number;
  readonly firstStep?: number;
}

/** Largest fixed step count and step limit: a bound that keeps every call finite in time. */
export const MAX_FIXED_STEPS = 1_000_000;
export const MAX_ATTEMPTS = 10_000_000;
/** Smallest relative tolerance: below 100 EPS the error estimate is rounding (scipy's floor). */
export const MIN_RTOL = 100 * Number.EPSILON;

const METHOD_NAMES: readonly OdeMethod[] = ['euler', 'heun', 'rk4', 'dopri5'];

/**
 * Reads `options` (undefined or an object) into a plan, throwing InvalidArgumentError
 * naming the option at fault. `span` is |t1 - t0| (for `firstStep`).
 */
export function readSolverOptions(api: string, options: unknown, span: number, defaults: { method: OdeMethod } = { method: 'dopri5' }): SolverPlan {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options) || isNdArray(options)) {
    throw new InvalidArgumentError(api, 'options', 'an options object', options);
  }
  const o = options as Record<string, unknown>;
  const method = o.method === undefined ? defaults.method : o.method;
  if (typeof method !== 'string' || !(METHOD_NAMES as readonly string[]).includes(method)) {
    throw new InvalidArgumentError(api, 'options.method', `one of ${METHOD_NAMES.map((m) => `'${m}'`).join(', ')}`, method);
  }
  const m = method as OdeMethod;
  const adaptiveKeys = ['rtol', 'atol', 'maxSteps', 'firstStep'] as const;
  if (o.steps !== undefined) {
    const steps = checkInteger(api, 'options.steps', o.steps, 1, MAX_FIXED_STEPS);
    for (const k of adaptiveKeys) {
      if (o[k] !== undefined) {
        throw new InvalidArgumentError(api, `options.${k}`, `no \`${k}\` together with \`steps\` (fixed steps have no error control)`, o[k]);
      }
    }
    return { method: m, steps, rtol: NaN, atol: NaN, maxSteps: 0 };
  }
  if (m !== 'dopri5') {
    for (const k of adaptiveKeys) {
      if (o[k] !== undefined) {
        throw new InvalidArgumentError(api, `options.${k}`, `no \`${k}\` with the fixed-step method '${m}' (use method 'dopri5' for error control)`, o[k]);
      }
    }
    return { method: m, steps: 1000, rtol: NaN, atol: NaN, maxSteps: 0 };
  }
  const rtol = o.rtol === undefined ? 1e-5 : checkNumber(api, 'options.rtol', o.rtol, { min: MIN_RTOL, minClosed: true, max: 1, maxClosed: true });
  const atol = o.atol === undefined ? 1e-5 : checkNumber(api, 'options.atol', o.atol, { min: 0 });
  const maxSteps = o.maxSteps === undefined ? 10_000 : checkInteger(api, 'options.maxSteps', o.maxSteps, 1, MAX_ATTEMPTS);
  let firstStep: number | undefined;
  if (o.firstStep !== undefined) {
    firstStep = checkNumber(api, 'options.firstStep', o.firstStep, { min: 0, max: span > 0 ? span : Number.MAX_VALUE, maxClosed: true });
  }
  return { method: m, rtol, atol, maxSteps, ...(firstStep === undefined ? {} : { firstStep }) };
}

/**
 * Runs the plan on a flat field from t0 to t1 and turns a kernel failure into a typed
 * error: 'max-steps' names `maxSteps`, 'overflow' and 'step-underflow' name `blame` (the
 * user function that drives the solution).
 */
export function runPlan(api: string, blame: string, plan: SolverPlan, f: FlatField, y0: Float64Array, t0: number, t1: number): KernelResult {
  const r =
    plan.steps !== undefined
      ? fixedStepKernel(FIXED_TABLEAUX[plan.method], f, y0, t0, t1, plan.steps)
      : dopri5Kernel(f, y0, t0, t1, { rtol: plan.rtol, atol: plan.atol, maxSteps: plan.maxSteps, ...(plan.firstStep === undefined ? {} : { firstStep: plan.firstStep }) });
  if (r.status === 'max-steps') {
    throw new InvalidArgumentError(
      api,
      'options.maxSteps',
      `a step limit that lets dopri5 reach t = ${t1} at rtol = ${plan.rtol}, atol = ${plan.atol} (raise maxSteps or the tolerances)`,
      got(`${plan.maxSteps}, exhausted at t = ${r.t} after ${r.steps} accepted and ${r.rejected} rejected steps`),
    );
  }
  if (r.status === 'step-underflow') {
    throw new InvalidArgumentError(
      api,
      blame,
      'a field that dopri5 can integrate (the step size fell below 10 ulp of t: the solution is not smooth there, or the tolerances are too tight)',
      got(`a step-size underflow at t = ${r.t}`),
    );
  }
  if (r.status === 'overflow') {
    throw new InvalidArgumentError(api, blame, 'a field whose solution stays finite in float64', got(`an overflow in the step from t = ${r.t}`));
  }
  return r;
}

/** Validates a time in [0, 1]. */
export function checkTime(api: string, name: string, t: unknown): number {
  return checkNumber(api, name, t, { min: 0, minClosed: true, max: 1, maxClosed: true });
}
