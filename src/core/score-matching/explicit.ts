/**
 * Explicit score matching (Hyvarinen 2005): the objective that needs no knowledge of the
 * data's density, only the model's score and the trace of its Jacobian.
 *
 * @see proofs/score-matching/explicit.md
 * @see docs/score-matching/explicit.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import type { Float64NdArray } from '../../_internal/validate.js';
import {
  checkBatch,
  evalJacobian,
  evalScore,
  finish,
  readModel,
  readOptions,
  readStep,
  type Batch,
  type Objective,
  type ScoreModel,
} from './internal.js';

/** Options of `explicit`. */
export interface ExplicitOptions {
  /**
   * The relative step h of the central differences (bare score functions only): the
   * coordinate x_ij moves by h max(1, |x_ij|). A number in [EPS, 1]; default EPS^(1/3).
   */
  readonly h?: number;
}

/**
 * Explicit score matching (Hyvarinen 2005, Theorem 1), the Monte Carlo average over the
 * rows x_i of x of
 *
 *     J_i(s) = tr(grad_x s(x_i)) + 1/2 |s(x_i)|^2,
 *
 * an estimate of J(s) = E_p[tr(grad_x s(x)) + 1/2 |s(x)|^2], which equals
 * 1/2 E_p |s(x) - grad_x log p(x)|^2 minus the constant C_p = 1/2 E_p |grad_x log p|^2.
 *
 * The trace is exact when `model` is a record `{ score, jacobian }` (sum of the diagonal of
 * J[i]); for a bare score function it is a central difference, one pair of extra calls per
 * coordinate j (2d calls on the whole batch):
 *
 *     tr(grad s)(x_i) ~ sum_j (s_j(x_i + h_ij e_j) - s_j(x_i - h_ij e_j)) / (2 h_ij),
 *     h_ij = h max(1, |x_ij|),  h = EPS^(1/3) by default,
 *
 * divided by the step actually taken, fl(x + h_ij) - fl(x - h_ij). Its error is at most
 * sum_j (h_ij^2 / 6) |d^3 s_j / dx_j^3| plus the model's rounding divided by h_ij: about
 * EPS^(2/3) ~ 4e-11 relative for a smooth model (proofs/score-matching/explicit.md).
 * The model must treat the rows of its input independently.
 *
 * @param model - s: a score function x -> s(x) (returns the shape of x), or a record
 *   `{ score, jacobian }` whose `jacobian(x)` returns grad_x s at every row, shape [n, d, d]
 * @param x - the data x_i ~ p, a Float64NdArray of shape [n, d] (or [n, ...], each row
 *   flattened to d coordinates), n >= 1, finite values
 * @param options - `{ h }`: the relative finite-difference step, in [EPS, 1] (default EPS^(1/3))
 * @returns `{ value, perExample }`: the batch mean of J_i and the J_i, shape [n]
 * @throws InvalidArgumentError for a `model` that is neither a function nor a record of two
 *   functions, or whose values are not finite float64 arrays of the right shape (ShapeError);
 *   for bad `x` (non-finite, fewer than 2 axes, n = 0), `options` or `options.h`; on the
 *   model when the objective overflows float64
 * @example
 * import { scoreMatching } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * // s(x) = -x, the score of N(0, I): J_i = -d + |x_i|^2 / 2.
 * const x = ndarray(new Float64Array([1, 2, 0, 0]), [2, 2]);
 * const minusX = (y) => ndarray(y.data.map((v) => -v), y.shape);
 * scoreMatching.explicit(minusX, x).value; // returns ~-0.75 ((0.5 - 2) / 2)
 * @see proofs/score-matching/explicit.md (claims score-matching/explicit#sample-closed-form, #finite-difference, #hyvarinen-identity, #minimizer)
 * @see Hyvarinen (2005), "Estimation of non-normalized statistical models by score matching", Theorem 1 and Eq. 4
 */
export function explicit(model: ScoreModel, x: Float64NdArray, options?: ExplicitOptions): Objective {
  const api = 'scoreMatching.explicit';
  const m = readModel(api, model);
  const batch = checkBatch(api, 'x', x);
  const opts = readOptions(api, options);
  const h = readStep(api, opts);
  const { n, d } = batch;
  const s = evalScore(api, m.scoreName, m.score, batch.dense);
  const trace = m.jacobian === undefined ? finiteDifferenceTrace(api, m.scoreName, m.score, batch, h, opts.h !== undefined) : exactTrace(api, m.jacobian, batch);
  const per = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let j = i * d; j < (i + 1) * d; j++) sq += s[j]! * s[j]!;
    per[i] = trace[i]! + 0.5 * sq;
  }
  return finish(api, m.scoreName, per, 'the objective tr(grad s) + |s|^2 / 2');
}

/** tr J[i] = sum_a J[i, a, a] for every row. */
function exactTrace(api: string, jacobian: (x: Float64NdArray) => Float64NdArray, batch: Batch): Float64Array {
  const { n, d } = batch;
  const J = evalJacobian(api, jacobian, batch.dense, n, d);
  const out = new Float64Array(n);
  const dd = d * d;
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let a = 0; a < d; a++) t += J[i * dd + a * d + a]!;
    out[i] = t;
  }
  return out;
}

/**
 * sum_j (s_j(x + h_ij e_j) - s_j(x - h_ij e_j)) / (x_ij^+ - x_ij^-) with x_ij^+- = fl(x_ij +- h_ij):
 * dividing by the difference of the points actually evaluated removes the rounding of the
 * step from the quotient (Numerical Recipes' "temp = x + h; h = temp - x").
 */
function finiteDifferenceTrace(
  api: string,
  name: string,
  score: (x: Float64NdArray) => Float64NdArray,
  batch: Batch,
  h: number,
  userStep: boolean,
): Float64Array {
  const { n, d } = batch;
  const x = batch.dense.data;
  const shifted = { data: Float64Array.from(x), shape: batch.dense.shape };
  const xs = shifted.data;
  const plus = new Float64Array(n);
  const minus = new Float64Array(n);
  const trace = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) {
      const xij = x[i * d + j]!;
      const hij = h * Math.max(1, Math.abs(xij));
      const xp = xij + hij;
      const xm = xij - hij;
      // h >= EPS moves every coordinate by at least one ulp each way, so xp > xm; only an
      // overflow (|x| near the largest double) can break this.
      if (!(Number.isFinite(xp) && Number.isFinite(xm) && xp > xm)) {
        throw new InvalidArgumentError(
          api,
          userStep ? 'options.h' : 'x',
          'points x for which the difference points x +- h max(1, |x|) are finite',
          got(`x = ${xij} at flat index ${i * d + j}`),
        );
      }
      plus[i] = xp;
      minus[i] = xm;
    }
    for (let i = 0; i < n; i++) xs[i * d + j] = plus[i]!;
    const sp = evalScore(api, name, score, shifted);
    for (let i = 0; i < n; i++) xs[i * d + j] = minus[i]!;
    const sm = evalScore(api, name, score, shifted);
    for (let i = 0; i < n; i++) {
      xs[i * d + j] = x[i * d + j]!;
      trace[i] = trace[i]! + (sp[i * d + j]! - sm[i * d + j]!) / (plus[i]! - minus[i]!);
    }
  }
  return trace;
}
