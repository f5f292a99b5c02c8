/**
 * The record an SDE is (STYLE rule 6, after score_sde's sde_lib.py): the forward Ito SDE
 *
 *     dx = f(x, t) dt + g(t) dw,   t in [0, 1],
 *
 * with its drift, diffusion, Gaussian transition from x(0), prior and discretization,
 * and nothing else. Factories (`vp`, `subVp`, `ve`) validate their parameters once and
 * return frozen records; solvers take a record and never branch on its kind.
 *
 * Every SDE here has an affine drift f(x, t) = a(t) x and a scalar diffusion g(t), so its
 * transition from x(0) is Gaussian, N(m(t) x(0), s(t)^2 I); `marginalCoefficients` gives
 * (m(t), s(t)) and `driftCoefficient` gives a(t), which solvers use to avoid per-element
 * calls.
 */
import type { Float64NdArray } from '../../_internal/validate.js';
import type { TimeScoreFn } from '../fields.js';

/** The three SDEs of Song et al. (2021, Section 3.4). */
export type SdeKind = 'vp' | 'subVp' | 've';

/** One step of a discretized SDE: x_{i+1} = x_i + f_i + G_i z_i (Song et al. 2021, Eq. 46-47). */
export interface Discretization {
  /** The discrete drift f_i(x_i), of the shape of x. */
  readonly f: Float64NdArray;
  /** The discrete diffusion G_i (a scalar: the noise scale of the step). */
  readonly G: number;
}

/** A forward SDE dx = f(x, t) dt + g(t) dw on t in [0, 1]. */
export interface Sde {
  readonly kind: SdeKind;
  /** The parameters the factory was given (after defaults), for display and serialization. */
  readonly params: Readonly<Record<string, number>>;
  /** The end time T of the forward process (1 for all SDEs here). */
  readonly T: number;
  /** The smallest time samplers integrate back to (eps of Song et al.; 1e-3 for VP and sub-VP, 1e-5 for VE). */
  readonly eps: number;
  /** a(t) in f(x, t) = a(t) x. */
  driftCoefficient(t: number): number;
  /** f(x, t), of the shape of x. */
  drift(x: Float64NdArray, t: number): Float64NdArray;
  /** g(t). */
  diffusion(t: number): number;
  /** (m(t), s(t)) with x(t) | x(0) ~ N(m(t) x(0), s(t)^2 I). */
  marginalCoefficients(t: number): { readonly scale: number; readonly std: number };
  /** The Gaussian transition p_{0t}(x(t) | x(0)): mean m(t) x(0) (shape of x0) and std s(t). */
  marginal(x0: Float64NdArray, t: number): { readonly mean: Float64NdArray; readonly std: number };
  /** A sample of the prior p_T from standard normal noise z (shape [n, ...]). */
  priorSample(noise: Float64NdArray): Float64NdArray;
  /** log p_T(x) of each row of x (shape [n, ...]), as a Float64NdArray of shape [n]. */
  priorLogp(x: Float64NdArray): Float64NdArray;
  /** The discretization at step k = timeStep(t, N) of N (DDPM for VP, SMLD for VE, Euler for sub-VP). */
  discretize(x: Float64NdArray, t: number, N: number): Discretization;
  /**
   * The reverse-time SDE dx = [f - g^2 s(x, t)] dt + g dw (or, with probabilityFlow, the
   * ODE dx = [f - g^2 s / 2] dt, diffusion 0), for the score model `score`.
   */
  reverse(score: TimeScoreFn, options?: { readonly probabilityFlow?: boolean }): ReverseSde;
}

/** The reverse-time SDE (or probability-flow ODE) of an `Sde` for a given score model. */
export interface ReverseSde {
  readonly sde: Sde;
  readonly probabilityFlow: boolean;
  /** The reverse drift f(x, t) - c g(t)^2 s(x, t), c = 1 (SDE) or 1/2 (ODE), shape of x. */
  drift(x: Float64NdArray, t: number): Float64NdArray;
  /** The reverse diffusion: g(t) for the SDE, 0 for the ODE. */
  diffusion(t: number): number;
  /** The reverse discretization of step i of N (reverse-diffusion predictor, Song et al. 2021, Eq. 47). */
  discretize(x: Float64NdArray, t: number, N: number): Discretization;
}
