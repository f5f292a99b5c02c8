/**
 * Sliced score matching (Song, Garg, Shi and Ermon 2019): explicit score matching with the
 * Jacobian trace replaced by random projections v^T grad_x s(x) v, E[v v^T] = I.
 *
 * @see proofs/score-matching/sliced.md
 * @see docs/score-matching/sliced.md
 */
import { InvalidArgumentError, ShapeError, got } from '../errors.js';
import { checkArray, checkInteger, type Dense, type Float64NdArray } from '../../_internal/validate.js';
import { normalArray, rademacherArray, type Key } from '../random/index.js';
import {
  checkBatch,
  drawFromKey,
  evalJacobian,
  evalScore,
  finish,
  readFlag,
  readModel,
  readOptions,
  readStep,
  type Batch,
  type Model,
  type Objective,
  type ScoreModel,
} from './internal.js';

/** Options of `sliced`. */
export interface SlicedOptions {
  /** Use 1/2 |s(x)|^2 in place of 1/2 (v^T s(x))^2 (the variance-reduced form; default false). */
  readonly varianceReduced?: boolean;
  /**
   * The relative step h of the directional central difference (bare score functions only):
   * x moves by +-t v / |v|_inf with t = h max(1, |x|_inf). A number in [EPS, 1]; default EPS^(1/3).
   */
  readonly h?: number;
}

/** Options of `slicedWithKey`. */
export interface SlicedKeyOptions extends SlicedOptions {
  /** The number m of projections per point, an integer >= 1 (default 1). */
  readonly projections?: number;
  /** The law of v: 'gaussian' (N(0, I), the default) or 'rademacher' (uniform on {-1, +1}^d). */
  readonly distribution?: 'gaussian' | 'rademacher';
}

/**
 * Sliced score matching (Song et al. 2019, Eq. 7-8), the average over the rows x_i of x of
 *
 *     l_i = (1/m) sum_k [ v_ki^T grad_x s(x_i) v_ki + 1/2 (v_ki^T s(x_i))^2 ]
 *
 * or, with `varianceReduced`, (1/m) sum_k v_ki^T grad_x s(x_i) v_ki + 1/2 |s(x_i)|^2
 * (Eq. 9, the form the NCSN paper prints). For projections with E[v v^T] = I (Gaussian or
 * Rademacher) both are unbiased for explicit score matching's J(s) (`explicit`).
 *
 * v^T grad s v is exact with a `{ score, jacobian }` record (sum_ab v_a J_ab v_b); for a bare
 * score function it is a central difference of s along w = v / |v|_inf, two extra calls
 * per projection:
 *
 *     v^T grad s(x) v ~ |v|_inf^2 w^T (s(x + t w) - s(x - t w)) / (2 t),   t = h max(1, |x|_inf),
 *
 * with a truncation error of (t^2/6) |v|_inf^2 sum_a w_a d^3_w s_a (for s_a = c_a x_a^3, exactly
 * t^2 sum_a c_a v_a^4 / |v|_inf^2) plus about EPS^(2/3) |v|^2 |grad s| of rounding
 * (proofs/score-matching/sliced.md). A zero projection contributes 0 exactly.
 *
 * @param model - s: a score function (returns the shape of x), or a record `{ score, jacobian }`
 *   whose `jacobian(x)` returns grad_x s at every row, shape [n, d, d]
 * @param x - the data x_i ~ p, a Float64NdArray of shape [n, d] (or [n, ...]), n >= 1, finite
 * @param projections - v: shape [m, ...x.shape] (m >= 1 projections per point: v_ki =
 *   projections[k, i]) or the shape of x (m = 1); finite
 * @param options - `{ varianceReduced, h }` (see SlicedOptions)
 * @returns `{ value, perExample }`: the batch mean of l_i and the l_i, shape [n]
 * @throws InvalidArgumentError for a bad `model` (as `explicit`), `x`, `options`,
 *   `options.varianceReduced` (not a boolean) or `options.h` (outside [EPS, 1]); non-finite
 *   `projections`, or projections of another shape (ShapeError); on the model when the
 *   objective overflows
 * @example
 * import { scoreMatching } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * // s(x) = -x (grad s = -I), one point x = (1, 2), the projection v = (1, -1).
 * const x = ndarray(new Float64Array([1, 2]), [1, 2]);
 * const v = ndarray(new Float64Array([1, -1]), [1, 2]);
 * const minusX = (y) => ndarray(y.data.map((t) => -t), y.shape);
 * scoreMatching.sliced(minusX, x, v).value; // returns ~-1.5 (v^T(-I)v = -2, (v^T s)^2 / 2 = 0.5)
 * @see proofs/score-matching/sliced.md (claims score-matching/sliced#definition, #rademacher-enumeration, #finite-difference, #gaussian-unbiased, #minimizer)
 * @see Song, Garg, Shi and Ermon (2019), "Sliced score matching", Eq. 7-9
 */
export function sliced(model: ScoreModel, x: Float64NdArray, projections: Float64NdArray, options?: SlicedOptions): Objective {
  const api = 'scoreMatching.sliced';
  const m = readModel(api, model);
  const batch = checkBatch(api, 'x', x);
  const v = checkArray(api, 'projections', projections);
  const count = projectionCount(api, v, batch);
  const opts = readOptions(api, options);
  const varianceReduced = readFlag(api, opts, 'varianceReduced');
  const h = readStep(api, opts);
  return slicedCore(api, m, batch, v.data, count, varianceReduced, h, opts.h !== undefined);
}

/**
 * `sliced` with m projections per point drawn from a key: v = random.normal(key, [m, ...x.shape])
 * or random.rademacher(key, [m, ...x.shape]), then `sliced(model, x, v, options)`.
 *
 * @param model - s: a score function or a record `{ score, jacobian }` (as `sliced`)
 * @param x - the data, a Float64NdArray of shape [n, d] or [n, ...], n >= 1, finite
 * @param key - a PRNG Key (from `random.key` or `random.split`); use it once
 * @param options - `{ projections, distribution, varianceReduced, h }`: m (integer >= 1,
 *   default 1), 'gaussian' (default) or 'rademacher', and as `sliced`
 * @returns `{ value, perExample }` as `sliced`
 * @throws as `sliced`, and InvalidArgumentError on `key` (not a Key record),
 *   `options.projections` (not an integer >= 1, or m n d above 2^31), `options.distribution`
 * @example
 * import { scoreMatching, random } from 'diffusion-ts';
 * import ndarray from 'ndarray';
 * const x = ndarray(new Float64Array([1, 2]), [1, 2]);
 * const minusX = (y) => ndarray(y.data.map((t) => -t), y.shape);
 * const r = scoreMatching.slicedWithKey(minusX, x, random.key(0), { projections: 4096, distribution: 'rademacher', varianceReduced: true });
 * r.value; // returns ~0.5 (v^T(-I)v = -2 for every sign vector; |s|^2 / 2 = 2.5)
 * @see proofs/score-matching/sliced.md (claim score-matching/sliced#gaussian-unbiased)
 */
export function slicedWithKey(model: ScoreModel, x: Float64NdArray, key: Key, options?: SlicedKeyOptions): Objective {
  const api = 'scoreMatching.slicedWithKey';
  const m = readModel(api, model);
  const batch = checkBatch(api, 'x', x);
  const opts = readOptions(api, options);
  const count = opts.projections === undefined ? 1 : checkInteger(api, 'options.projections', opts.projections, 1);
  const distribution = opts.distribution ?? 'gaussian';
  if (distribution !== 'gaussian' && distribution !== 'rademacher') {
    throw new InvalidArgumentError(api, 'options.distribution', "'gaussian' or 'rademacher'", distribution);
  }
  const varianceReduced = readFlag(api, opts, 'varianceReduced');
  const h = readStep(api, opts);
  const size = count * batch.n * batch.d;
  const v = drawFromKey(api, key, size, distribution === 'gaussian' ? normalArray : rademacherArray, 'options.projections');
  return slicedCore(api, m, batch, v, count, varianceReduced, h, opts.h !== undefined);
}

/** m from the shape of the projections: [m, ...x.shape] or x.shape (m = 1). */
function projectionCount(api: string, v: Dense, batch: Batch): number {
  const xs = batch.dense.shape;
  const vs = v.shape;
  if (vs.length === xs.length && vs.every((k, a) => k === xs[a])) return 1;
  if (vs.length === xs.length + 1 && vs[0]! >= 1 && vs.slice(1).every((k, a) => k === xs[a])) return vs[0]!;
  const m = vs.length === xs.length + 1 ? Math.max(vs[0]!, 1) : 1;
  throw new ShapeError(api, 'projections', vs, [m, ...xs], 'x, with m >= 1 projections per point');
}

function slicedCore(
  api: string,
  model: Model,
  batch: Batch,
  v: Float64Array,
  count: number,
  varianceReduced: boolean,
  h: number,
  userStep: boolean,
): Objective {
  const { n, d } = batch;
  const s = evalScore(api, model.scoreName, model.score, batch.dense);
  const acc = new Float64Array(n);
  if (model.jacobian !== undefined) {
    const J = evalJacobian(api, model.jacobian, batch.dense, n, d);
    const dd = d * d;
    for (let k = 0; k < count; k++) {
      const vOff = k * n * d;
      for (let i = 0; i < n; i++) {
        // v^T J v = sum_a v_a (J v)_a
        const off = vOff + i * d;
        let quad = 0;
        for (let a = 0; a < d; a++) {
          let jv = 0;
          const row = i * dd + a * d;
          for (let b = 0; b < d; b++) jv += J[row + b]! * v[off + b]!;
          quad += v[off + a]! * jv;
        }
        acc[i] = acc[i]! + quad + (varianceReduced ? 0 : halfProjectedSquare(s, v, i * d, off, d));
      }
    }
  } else {
    directionalTerms(api, model, batch, s, v, count, varianceReduced, h, userStep, acc);
  }
  const per = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sq = 0;
    if (varianceReduced) for (let j = i * d; j < (i + 1) * d; j++) sq += s[j]! * s[j]!;
    per[i] = acc[i]! / count + (varianceReduced ? 0.5 * sq : 0);
  }
  return finish(api, model.scoreName, per, varianceReduced ? 'the objective v^T grad s v + |s|^2 / 2' : 'the objective v^T grad s v + (v^T s)^2 / 2');
}

/** 1/2 (v^T s)^2 for the row at sOff and the projection at vOff. */
function halfProjectedSquare(s: Float64Array, v: Float64Array, sOff: number, vOff: number, d: number): number {
  let p = 0;
  for (let j = 0; j < d; j++) p += v[vOff + j]! * s[sOff + j]!;
  return 0.5 * p * p;
}

/**
 * Adds to acc[i], for each projection k, |v|_inf^2 w^T (s(x + t w) - s(x - t w)) / (2 t) with
 * w = v / |v|_inf and t = h max(1, |x_i|_inf) (the relative step of `explicit` along the
 * largest coordinate of the direction), since v^T J v = |v|_inf^2 w^T J w: scaling the
 * direction first keeps the step finite for any finite v, however small or large.
 * The projected square (unless variance-reduced) uses v itself.
 */
function directionalTerms(
  api: string,
  model: Model,
  batch: Batch,
  s: Float64Array,
  v: Float64Array,
  count: number,
  varianceReduced: boolean,
  h: number,
  userStep: boolean,
  acc: Float64Array,
): void {
  const { n, d } = batch;
  const x = batch.dense.data;
  const plus: Dense = { data: new Float64Array(n * d), shape: batch.dense.shape };
  const minus: Dense = { data: new Float64Array(n * d), shape: batch.dense.shape };
  const w = new Float64Array(n * d);
  const step = new Float64Array(n);
  const scale = new Float64Array(n);
  for (let k = 0; k < count; k++) {
    const vOff = k * n * d;
    for (let i = 0; i < n; i++) {
      let xMax = 0;
      let vMax = 0;
      for (let j = i * d; j < (i + 1) * d; j++) {
        xMax = Math.max(xMax, Math.abs(x[j]!));
        vMax = Math.max(vMax, Math.abs(v[vOff + j]!));
      }
      const t = h * Math.max(1, xMax);
      step[i] = t;
      scale[i] = vMax;
      for (let j = i * d; j < (i + 1) * d; j++) {
        // A zero projection leaves x where it is (its term is 0).
        const wj = vMax === 0 ? 0 : v[vOff + j]! / vMax;
        w[j] = wj;
        const xp = x[j]! + t * wj;
        const xm = x[j]! - t * wj;
        if (!(Number.isFinite(xp) && Number.isFinite(xm))) {
          throw new InvalidArgumentError(
            api,
            userStep ? 'options.h' : 'x',
            'points x for which the difference points x +- h max(1, |x|_inf) v / |v|_inf are finite',
            got(`x = ${x[j]} at flat index ${j}, projection ${k}`),
          );
        }
        plus.data[j] = xp;
        minus.data[j] = xm;
      }
    }
    const sp = evalScore(api, model.scoreName, model.score, plus);
    const sm = evalScore(api, model.scoreName, model.score, minus);
    for (let i = 0; i < n; i++) {
      const vMax = scale[i]!;
      const off = vOff + i * d;
      let quad = 0;
      if (vMax > 0) {
        let p = 0;
        for (let j = 0; j < d; j++) p += w[i * d + j]! * (sp[i * d + j]! - sm[i * d + j]!);
        quad = (p / (2 * step[i]!)) * vMax * vMax;
      }
      acc[i] = acc[i]! + quad + (varianceReduced ? 0 : halfProjectedSquare(s, v, i * d, off, d));
    }
  }
}
