/**
 * The Runge-Kutta kernels behind `odeIntegrate`, `odeSample` and `odeLogLikelihood`
 * (private to the `solvers` area: not re-exported from its index). They integrate
 * dy/dt = f(t, y) for a flat state y (a Float64Array of M values) and trust their caller:
 * no validation, no exceptions; a failure (a non-finite state, a step-size underflow,
 * the step limit) is returned as a status that the public function turns into a typed
 * error naming the argument at fault.
 *
 * The loops run over Float64Arrays with no per-element allocation, and the stage buffers
 * are allocated once per integration: the field writes each stage into its buffer.
 *
 * @see proofs/solvers/ode.md
 */

/**
 * A field on flat states: writes f(t, y) (length M, finite) into `out`. It must not keep
 * `out` or `y` (the kernel reuses both buffers), nor write into `y`.
 */
export type FlatField = (t: number, y: Float64Array, out: Float64Array) => void;

/** An explicit Runge-Kutta method: the Butcher tableau (c, A, b) and, when embedded, the error weights e = b - b^. */
export interface Tableau {
  /** Nodes c_i (stage times t + c_i h), length s. */
  readonly c: readonly number[];
  /** Strictly lower-triangular coefficients: a[i] holds a_{i,0..i-1}. */
  readonly a: readonly (readonly number[])[];
  /** Weights b_i of the propagated solution, length s. */
  readonly b: readonly number[];
}

/** Why a kernel stopped: 'ok', or the failure the caller reports. */
export type KernelStatus = 'ok' | 'overflow' | 'max-steps' | 'step-underflow';

export interface KernelResult {
  /** The state at the last time reached (t1 when status is 'ok'). */
  readonly y: Float64Array;
  /** The last time reached. */
  readonly t: number;
  /** Evaluations of f. */
  readonly nfe: number;
  /** Accepted steps. */
  readonly steps: number;
  /** Rejected steps (adaptive only). */
  readonly rejected: number;
  readonly status: KernelStatus;
}

// --- Butcher tableaux ------------------------------------------------------------

/** Forward Euler, y_{k+1} = y_k + h f(t_k, y_k): order 1. */
export const EULER: Tableau = { c: [0], a: [[]], b: [1] };

/** Heun's method (the explicit trapezoidal rule): order 2. */
export const HEUN: Tableau = { c: [0, 1], a: [[], [1]], b: [1 / 2, 1 / 2] };

/** The classical Runge-Kutta method (Kutta 1901): order 4. */
export const RK4: Tableau = {
  c: [0, 1 / 2, 1 / 2, 1],
  a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]],
  b: [1 / 6, 1 / 3, 1 / 3, 1 / 6],
};

/**
 * Dormand and Prince (1980), RK5(4)7M, as in Hairer, Norsett and Wanner (1993), Table II.5.2
 * and scipy's RK45: seven stages, the seventh f(t + h, y_{k+1}) (first same as last, FSAL).
 * The propagated solution is the fifth-order one (local extrapolation).
 */
export const DOPRI5: Tableau = {
  c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
  a: [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  ],
  b: [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0],
};

/** The first six stages of DOPRI5 for fixed steps: b_7 = 0, so the FSAL stage is not needed without error control. */
export const DOPRI5_FIXED: Tableau = { c: DOPRI5.c.slice(0, 6), a: DOPRI5.a.slice(0, 6), b: DOPRI5.b.slice(0, 6) };

/**
 * e = b - b^, the difference between the fifth-order weights and the embedded fourth-order
 * ones (b^ = 5179/57600, 0, 7571/16695, 393/640, -92097/339200, 187/2100, 1/40): the local
 * error estimate is h sum_i e_i k_i (scipy's RK45.E, with the same values).
 */
export const DOPRI5_ERROR: readonly number[] = [-71 / 57600, 0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40];

/** Step-size controller constants of Hairer, Norsett and Wanner (1993), Section II.4 (scipy's values). */
export const SAFETY = 0.9;
export const MIN_FACTOR = 0.2;
export const MAX_FACTOR = 10;
/** Order q of the embedded error estimate: err ~ h^(q + 1), so h_new = h fac (1/err)^(1/(q+1)). */
export const ERROR_ESTIMATOR_ORDER = 4;

// --- fixed steps ----------------------------------------------------------------

/**
 * N steps of an explicit Runge-Kutta method from t0 to t1 (t1 < t0 integrates backwards):
 * t_k = t0 + k (t1 - t0) / N, t_N = t1 exactly, and
 *
 *     k_i = f(t_k + c_i h, y_k + h sum_{j<i} a_ij k_j),   y_{k+1} = y_k + h sum_i b_i k_i.
 *
 * Stage times are clamped into [min(t0, t1), max(t0, t1)] so that rounding in t_k + c_i h
 * never leaves the interval. Returns status 'overflow' when a stage or a step is not finite.
 */
export function fixedStepKernel(tab: Tableau, f: FlatField, y0: Float64Array, t0: number, t1: number, N: number): KernelResult {
  const M = y0.length;
  const s = tab.c.length;
  const lo = Math.min(t0, t1);
  const hi = Math.max(t0, t1);
  const span = t1 - t0;
  let y = Float64Array.from(y0);
  let yNext = new Float64Array(M);
  const ys = new Float64Array(M);
  const K: Float64Array[] = Array.from({ length: s }, () => new Float64Array(M));
  let nfe = 0;
  let tk = t0;
  for (let k = 0; k < N; k++) {
    tk = k === 0 ? t0 : t0 + span * (k / N);
    const tNext = k + 1 === N ? t1 : t0 + span * ((k + 1) / N);
    const h = tNext - tk;
    for (let i = 0; i < s; i++) {
      const ti = clamp(tk + tab.c[i]! * h, lo, hi);
      if (i === 0) {
        f(ti, y, K[0]!);
      } else {
        const ai = tab.a[i]!;
        // check = sum of v * 0 over the stage input: 0 when every value is finite.
        let check = 0;
        for (let m = 0; m < M; m++) {
          let acc = 0;
          for (let j = 0; j < i; j++) acc += ai[j]! * K[j]![m]!;
          const v = y[m]! + h * acc;
          ys[m] = v;
          check += v * 0;
        }
        if (check !== 0) return { y, t: tk, nfe, steps: k, rejected: 0, status: 'overflow' };
        f(ti, ys, K[i]!);
      }
      nfe++;
    }
    let check = 0;
    for (let m = 0; m < M; m++) {
      let acc = 0;
      for (let i = 0; i < s; i++) acc += tab.b[i]! * K[i]![m]!;
      const v = y[m]! + h * acc;
      yNext[m] = v;
      check += v * 0;
    }
    if (check !== 0) return { y, t: tk, nfe, steps: k, rejected: 0, status: 'overflow' };
    const swap = y;
    y = yNext;
    yNext = swap;
    tk = tNext;
  }
  return { y, t: N > 0 ? t1 : t0, nfe, steps: N, rejected: 0, status: 'ok' };
}

// --- Dormand-Prince with error control ----------------------------------------

export interface AdaptiveOptions {
  readonly rtol: number;
  readonly atol: number;
  /** Most step attempts (accepted + rejected) before giving up with status 'max-steps'. */
  readonly maxSteps: number;
  /** |h| of the first attempt; undefined: Hairer-Norsett-Wanner's starting step (one extra evaluation). */
  readonly firstStep?: number;
}

/** RMS norm sqrt(mean((v_i / sc_i)^2)) as in Hairer, Norsett and Wanner (1993), Eq. II.4.11. */
function rmsScaled(v: Float64Array, sc: Float64Array): number {
  const M = v.length;
  let sum = 0;
  for (let m = 0; m < M; m++) {
    const r = v[m]! / sc[m]!;
    sum += r * r;
  }
  return Math.sqrt(sum) / Math.sqrt(M);
}

/** The next double after t toward +-infinity (IEEE nextafter), for the minimal step 10 ulp(t). */
export function nextAfter(t: number, direction: number): number {
  if (t === 0) return direction > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const buf = new Float64Array([t]);
  const bits = new BigInt64Array(buf.buffer);
  // Away from zero increments the magnitude's bit pattern; toward zero decrements it.
  bits[0] = bits[0]! + ((t > 0) === (direction > 0) ? 1n : -1n);
  return buf[0]!;
}

/**
 * The starting step of Hairer, Norsett and Wanner (1993), Section II.4 ("Starting step
 * size"), as scipy's select_initial_step: with sc_i = atol + rtol |y0_i|,
 * d0 = |y0|_sc, d1 = |f0|_sc, h0 = 0.01 d0/d1 (1e-6 when either is below 1e-5), one Euler
 * step to y1 = y0 + h0 f0, d2 = |f(t0 + h0, y1) - f0|_sc / h0, and
 * h1 = (0.01 / max(d1, d2))^(1/(q+1)) (max(1e-6, 1e-3 h0) when both are below 1e-15);
 * the step is min(100 h0, h1, |t1 - t0|). As in scipy >= 1.12, h0 is first clipped to the
 * interval length |t1 - t0|, so that the trial evaluation stays inside [t0, t1] (the
 * library's time is confined to [0, 1]); scipy 1.10 evaluates beyond t1 instead, which
 * changes nothing when 0.01 d0/d1 <= |t1 - t0|. Costs one evaluation.
 */
function initialStep(f: FlatField, t0: number, t1: number, y0: Float64Array, f0: Float64Array, direction: number, rtol: number, atol: number): number {
  const M = y0.length;
  const sc = new Float64Array(M);
  for (let m = 0; m < M; m++) sc[m] = atol + Math.abs(y0[m]!) * rtol;
  const d0 = rmsScaled(y0, sc);
  const d1 = rmsScaled(f0, sc);
  const span = Math.abs(t1 - t0);
  const h0 = Math.min(d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1, span);
  const y1 = new Float64Array(M);
  for (let m = 0; m < M; m++) y1[m] = y0[m]! + h0 * direction * f0[m]!;
  // A finite trial state is not guaranteed (a huge f0): fall back to the clipped h0 alone.
  let check = 0;
  for (let m = 0; m < M; m++) check += y1[m]! * 0;
  if (check !== 0) return h0;
  const f1 = new Float64Array(M);
  f(clamp(t0 + h0 * direction, Math.min(t0, t1), Math.max(t0, t1)), y1, f1);
  const diff = f1;
  for (let m = 0; m < M; m++) diff[m] = f1[m]! - f0[m]!;
  const d2 = rmsScaled(diff, sc) / h0;
  const h1 = d1 <= 1e-15 && d2 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / (ERROR_ESTIMATOR_ORDER + 1));
  return Math.min(100 * h0, h1, span);
}

/**
 * Dormand-Prince 5(4) with local extrapolation and the standard controller (Hairer,
 * Norsett and Wanner 1993, Section II.4; step for step the algorithm of scipy's RK45):
 *
 *   err = RMS_i( h sum_j e_j k_ji / sc_i ),   sc_i = atol + rtol max(|y_i|, |y_new_i|);
 *   accept when err < 1, then h <- h min(10, 0.9 err^(-1/5)) (at most h after a rejection
 *   in the same step); reject otherwise, h <- h max(0.2, 0.9 err^(-1/5)).
 *
 * The step is clipped so as to land on t1. A step shorter than 10 ulp(t) ends with status
 * 'step-underflow'; more than `maxSteps` attempts end with 'max-steps'. A non-finite stage
 * (the step was too long for a fast-growing solution) counts as a rejection with the
 * smallest factor 0.2. The first evaluation, f(t0, y0), is reused (FSAL), so a run costs
 * 1 (+ 1 for the starting step) + 6 per attempted step.
 *
 * The field's time argument: t0 + c_i h for the stages, clamped into the interval.
 */
export function dopri5Kernel(f: FlatField, y0: Float64Array, t0: number, t1: number, opts: AdaptiveOptions): KernelResult {
  const M = y0.length;
  if (M === 0 || t0 === t1) return { y: Float64Array.from(y0), t: t1, nfe: 0, steps: 0, rejected: 0, status: 'ok' };
  const direction = t1 > t0 ? 1 : -1;
  const lo = Math.min(t0, t1);
  const hi = Math.max(t0, t1);
  const { rtol, atol } = opts;
  const c = DOPRI5.c;
  const A = DOPRI5.a;
  const B = DOPRI5.b;
  const E = DOPRI5_ERROR;
  const exponent = -1 / (ERROR_ESTIMATOR_ORDER + 1);

  let y = Float64Array.from(y0);
  let yNew = new Float64Array(M);
  const ys = new Float64Array(M);
  // K[0] holds f(t, y) (the previous step's FSAL stage); K[6] becomes the next K[0] by a swap.
  const K: Float64Array[] = Array.from({ length: 7 }, () => new Float64Array(M));
  let t = t0;
  f(t, y, K[0]!);
  let nfe = 1;
  let hAbs: number;
  if (opts.firstStep === undefined) {
    hAbs = initialStep(f, t0, t1, y, K[0]!, direction, rtol, atol);
    nfe++;
  } else {
    hAbs = opts.firstStep;
  }
  let steps = 0;
  let rejected = 0;
  let attempts = 0;

  while (direction * (t - t1) < 0) {
    const minStep = 10 * Math.abs(nextAfter(t, direction) - t);
    if (hAbs < minStep) hAbs = minStep;
    let stepRejected = false;
    let accepted = false;
    let tNew = t;
    while (!accepted) {
      if (hAbs < minStep) return { y, t, nfe, steps, rejected, status: 'step-underflow' };
      if (attempts >= opts.maxSteps) return { y, t, nfe, steps, rejected, status: 'max-steps' };
      attempts++;
      tNew = t + hAbs * direction;
      if (direction * (tNew - t1) > 0) tNew = t1;
      const h = tNew - t;
      hAbs = Math.abs(h);

      // Stages 2..6, then the propagated solution and the FSAL stage 7 at (t + h, y_new).
      let finite = true;
      for (let i = 1; i < 6 && finite; i++) {
        const ai = A[i]!;
        let check = 0;
        for (let m = 0; m < M; m++) {
          let acc = 0;
          for (let j = 0; j < i; j++) acc += ai[j]! * K[j]![m]!;
          const v = y[m]! + acc * h;
          ys[m] = v;
          check += v * 0;
        }
        if (check !== 0) finite = false;
        else {
          f(clamp(t + c[i]! * h, lo, hi), ys, K[i]!);
          nfe++;
        }
      }
      if (finite) {
        let check = 0;
        for (let m = 0; m < M; m++) {
          let acc = 0;
          for (let j = 0; j < 6; j++) acc += B[j]! * K[j]![m]!;
          const v = y[m]! + h * acc;
          yNew[m] = v;
          check += v * 0;
        }
        if (check !== 0) finite = false;
        else {
          f(tNew, yNew, K[6]!);
          nfe++;
        }
      }
      let errNorm = Infinity;
      if (finite) {
        let sum = 0;
        for (let m = 0; m < M; m++) {
          let acc = 0;
          for (let j = 0; j < 7; j++) acc += E[j]! * K[j]![m]!;
          const sc = atol + Math.max(Math.abs(y[m]!), Math.abs(yNew[m]!)) * rtol;
          const r = (acc * h) / sc;
          sum += r * r;
        }
        errNorm = Math.sqrt(sum) / Math.sqrt(M);
        // A finite solution can still give an infinite sum of squares: treat as a rejection.
        if (!(errNorm <= Number.MAX_VALUE)) errNorm = Infinity;
      }
      if (errNorm < 1) {
        let factor = errNorm === 0 ? MAX_FACTOR : Math.min(MAX_FACTOR, SAFETY * errNorm ** exponent);
        if (stepRejected) factor = Math.min(1, factor);
        hAbs *= factor;
        accepted = true;
      } else {
        // err^(-1/5) is 0 for err = Infinity: the smallest factor applies.
        hAbs *= Math.max(MIN_FACTOR, SAFETY * errNorm ** exponent);
        stepRejected = true;
        rejected++;
      }
    }
    steps++;
    t = tNew;
    const swap = y;
    y = yNew;
    yNew = swap;
    const fsal = K[0]!;
    K[0] = K[6]!;
    K[6] = fsal;
  }
  return { y, t, nfe, steps, rejected, status: 'ok' };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
