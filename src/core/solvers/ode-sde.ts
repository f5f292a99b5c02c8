/**
 * Private helpers of the probability-flow functions (`odeSample`, `odeLogLikelihood`,
 * `odeDivergence`): reading an `Sde` record at the boundary and its coefficients a(t), g(t)
 * at a time, with typed errors naming `sde`. Not re-exported from the area's index.
 *
 * @see proofs/solvers/ode-sample.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import { checkSde as checkSdeRecord, specOf } from '../sde/internal.js';
import type { Sde } from '../sde/types.js';

/**
 * Throws unless `sde` is a record built by `sde.vp`, `sde.subVp` or `sde.ve` (the `sde`
 * area's brand check), so that its coefficients can be read without re-validation.
 */
export function checkSde(api: string, sde: unknown): Sde {
  return checkSdeRecord(api, 'sde', sde);
}

/** a(t) and g(t)^2 / 2 of the probability-flow ODE dx/dt = a(t) x - (g(t)^2 / 2) s(x, t). */
export interface FlowCoefficients {
  readonly a: number;
  readonly halfGSq: number;
}

/** a(t) and g(t)^2 / 2 of a branded record (its driftCoefficient and diffusion, without re-validating t), which must be finite. */
export function flowCoefficients(api: string, sde: Sde, t: number): FlowCoefficients {
  // The unchecked scalar coefficients of a branded record (t is in [0, 1] by construction).
  const spec = specOf(sde);
  const a = spec.a(t);
  const g = spec.g(t);
  const halfGSq = 0.5 * g * g;
  if (typeof a !== 'number' || !Number.isFinite(a) || typeof g !== 'number' || !Number.isFinite(halfGSq)) {
    throw new InvalidArgumentError(api, 'sde', 'an Sde whose drift coefficient a(t) and diffusion g(t) are finite', got(`a(${t}) = ${String(a)}, g(${t}) = ${String(g)}`));
  }
  return { a, halfGSq };
}

/**
 * out = a x - (g^2/2) s over a flat array; returns false when a value is not finite
 * (a finite score whose drift overflows float64).
 */
export function flowDriftInto(a: number, halfGSq: number, x: Float64Array, s: Float64Array, out: Float64Array): boolean {
  let check = 0;
  for (let m = 0; m < out.length; m++) {
    const v = a * x[m]! - halfGSq * s[m]!;
    out[m] = v;
    check += v * 0;
  }
  return check === 0;
}

/** The error for a probability-flow drift that overflows float64 at time t. */
export function driftOverflow(api: string, t: number): InvalidArgumentError {
  return new InvalidArgumentError(api, 'score', 'a score for which the probability-flow drift a(t) x - g(t)^2 s / 2 is finite in float64', got(`an overflow at t = ${t}`));
}

/** Validates `options.eps` (default sde.eps): a time in (0, T). */
export function readEps(api: string, sde: Sde, eps: unknown): number {
  if (eps === undefined) return sde.eps;
  if (typeof eps !== 'number' || !(eps > 0 && eps < sde.T)) {
    throw new InvalidArgumentError(api, 'options.eps', `a finite number in (0, ${sde.T}) (the cut-off time, below T)`, eps);
  }
  return eps;
}
