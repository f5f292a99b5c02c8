/**
 * Sliced score matching (Song et al. 2019): the definition, exact unbiasedness over the full
 * Rademacher enumeration, the exact variance of one projection, the directional central
 * difference, Monte Carlo unbiasedness for Gaussian projections, and the minimizer.
 *
 * @see proofs/score-matching/sliced.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { create, sample, score as mixtureScore } from '../../../src/core/mixture/index.js';
import { key, normal, rademacher } from '../../../src/core/random/index.js';
import { DEFAULT_STEP, explicit, sliced, slicedWithKey } from '../../../src/core/score-matching/index.js';
import { expectClose } from '../../_support/expect-close.js';
import { arbKey } from '../../arbitraries/arb-key.js';
import { arbLinearScore } from '../../arbitraries/arb-linear-score.js';
import { applyLinear, expectMean, expectZ, gamma, linearModel, nd, U, waveModel } from './support.js';

/** All 2^d sign vectors, as rows of a [2^d, d] array (row k: bit a of k gives v_a = -1). */
function signVectors(d: number): Float64Array {
  const K = 2 ** d;
  const out = new Float64Array(K * d);
  for (let k = 0; k < K; k++) for (let a = 0; a < d; a++) out[k * d + a] = (k >> a) & 1 ? -1 : 1;
  return out;
}

/** Projections [K, n, d] holding the K given vectors, the same for every point. */
function sameForEveryPoint(vectors: Float64Array, K: number, n: number, d: number): Float64NdArray {
  const out = new Float64Array(K * n * d);
  for (let k = 0; k < K; k++) for (let i = 0; i < n; i++) out.set(vectors.subarray(k * d, (k + 1) * d), (k * n + i) * d);
  return nd(out, [K, n, d]);
}

/** The symmetric matrix M_i of one point: (J + J^T)/2, plus s s^T / 2 unless variance-reduced. */
function quadraticForm(J: Float64Array, s: Float64Array, i: number, d: number, varianceReduced: boolean): Float64Array {
  const M = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      M[a * d + b] = 0.5 * (J[i * d * d + a * d + b]! + J[i * d * d + b * d + a]!) + (varianceReduced ? 0 : 0.5 * s[i * d + a]! * s[i * d + b]!);
    }
  }
  return M;
}

const wave = (A: Float64Array, b: Float64Array, d: number) => waveModel(A, b, Float64Array.from({ length: d }, (_, a) => 0.5 - 0.3 * a), d);

describe('sliced score matching', () => {
  test.prop([
    arbLinearScore({ maxDim: 3, maxPoints: 4 }),
    fc.integer({ min: 1, max: 3 }).chain((m) => fc.tuple(fc.constant(m), fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: m * 12, maxLength: m * 12 }))),
    fc.boolean(),
  ])(
    'score-matching/sliced#definition: l_i = (1/m) sum_k [v^T grad s v + 1/2 (v^T s)^2], or with 1/2 |s|^2 when variance-reduced (exact Jacobian)',
    ({ d, n, A, b, x }, [m, vs], varianceReduced) => {
      const model = wave(A, b, d);
      const X = nd(x, [n, d]);
      const v = Float64Array.from(vs.slice(0, m * n * d));
      const r = sliced(model, X, nd(v, [m, n, d]), { varianceReduced });
      const s = model.score(X).data;
      const J = model.jacobian(X).data;
      for (let i = 0; i < n; i++) {
        let ref = 0;
        let size = 0;
        for (let k = 0; k < m; k++) {
          const off = (k * n + i) * d;
          let quad = 0;
          let quadAbs = 0;
          for (let a = 0; a < d; a++) {
            for (let c = 0; c < d; c++) {
              quad += v[off + a]! * J[i * d * d + a * d + c]! * v[off + c]!;
              quadAbs += Math.abs(v[off + a]! * J[i * d * d + a * d + c]! * v[off + c]!);
            }
          }
          let proj = 0;
          let projAbs = 0;
          for (let a = 0; a < d; a++) {
            proj += v[off + a]! * s[i * d + a]!;
            projAbs += Math.abs(v[off + a]! * s[i * d + a]!);
          }
          ref += quad + (varianceReduced ? 0 : 0.5 * proj * proj);
          size += quadAbs + (varianceReduced ? 0 : 0.5 * projAbs * projAbs);
        }
        ref /= m;
        size /= m;
        let sq = 0;
        for (let a = 0; a < d; a++) sq += s[i * d + a]! ** 2;
        if (varianceReduced) {
          ref += 0.5 * sq;
          size += 0.5 * sq;
        }
        // Both sides: v^T J v is d^2 products of three factors (gamma_{d^2 + 2} of the absolute sum, for
        // two different association orders), v^T s gamma_d (doubled by the square), the sums over
        // k gamma_m, the division and the additions 3u; subnormal products MIN_VALUE / 2 each.
        expectClose(r.perExample.get(i), ref, { atol: 2 * gamma(d * d + 2 * d + m + 6) * size + 4 * m * d * d * Number.MIN_VALUE }, { d, n, m, i, varianceReduced });
      }
    },
  );

  test.prop([arbLinearScore({ maxDim: 3, maxPoints: 3 }), arbKey(), fc.integer({ min: 1, max: 3 }), fc.constantFrom<'gaussian' | 'rademacher'>('gaussian', 'rademacher'), fc.boolean()])(
    'score-matching/sliced#definition: slicedWithKey draws v = random.normal or random.rademacher(key, [m, ...x.shape]) and a [n, d] projection array means m = 1, bit for bit',
    ({ d, n, A, b, x }, k, m, distribution, varianceReduced) => {
      const model = linearModel(A, b, d);
      const X = nd(x, [n, d]);
      const v = distribution === 'gaussian' ? normal(k, [m, n, d]) : rademacher(k, [m, n, d]);
      const a = slicedWithKey(model, X, k, { projections: m, distribution, varianceReduced });
      const c = sliced(model, X, v, { varianceReduced });
      expect(a.value).toBe(c.value);
      expect(Array.from(a.perExample.data)).toEqual(Array.from(c.perExample.data));
      const one = sliced(model.score, X, nd(v.data.slice(0, n * d), [n, d]), { varianceReduced });
      const oneK = sliced(model.score, X, nd(v.data.slice(0, n * d), [1, n, d]), { varianceReduced });
      expect(one.value).toBe(oneK.value);
    },
  );

  test.prop([arbLinearScore({ maxDim: 4, maxPoints: 4 }), fc.boolean(), fc.boolean()])(
    'score-matching/sliced#rademacher-enumeration: averaged over all 2^d sign vectors, sliced (either form) equals explicit to float64 rounding',
    ({ d, n, A, b, x }, varianceReduced, nonlinear) => {
      const model = nonlinear ? wave(A, b, d) : linearModel(A, b, d);
      const X = nd(x, [n, d]);
      const K = 2 ** d;
      const V = sameForEveryPoint(signVectors(d), K, n, d);
      const r = sliced(model, X, V, { varianceReduced });
      const e = explicit(model, X);
      const s = model.score(X).data;
      const J = model.jacobian(X).data;
      let size = 0;
      let mags = 0;
      for (let i = 0; i < n; i++) {
        let absJ = 0;
        let absS = 0;
        for (let k = 0; k < d * d; k++) absJ += Math.abs(J[i * d * d + k]!);
        for (let a = 0; a < d; a++) absS += Math.abs(s[i * d + a]!);
        size += absJ + 0.5 * absS * absS;
        mags += Math.abs(r.perExample.get(i)) + Math.abs(e.perExample.get(i));
      }
      // Sign flips are exact, so (1/2^d) sum_v v^T J v = tr J and (1/2^d) sum_v (v^T s)^2 = |s|^2 hold up
      // to the roundings of the sums: v^T J v gamma_{2d} of sum |J_ab|, (v^T s)^2 gamma_{2d+1} of
      // (sum |s_a|)^2, the 2^d-term average gamma_{2^d + 1}; explicit's own gamma_{d+2}; the batch
      // means gamma_{n+1}; subnormal products MIN_VALUE / 2 each.
      const tol = (gamma(K + 2 * d + 6) * size) / n + (gamma(n + 1) * mags) / n + 4 * K * d * d * Number.MIN_VALUE;
      expectClose(r.value, e.value, { atol: tol }, { d, n, varianceReduced, nonlinear });
    },
  );

  test.prop([arbLinearScore({ maxDim: 4, maxPoints: 2 }), fc.boolean()])(
    'score-matching/sliced#variance: over the 2^d sign vectors one projection has variance 2 sum_{a != b} M_ab^2 (M the symmetric quadratic form)',
    ({ d, n, A, b, x }, varianceReduced) => {
      const model = wave(A, b, d);
      const X = nd(x, [n, d]);
      const K = 2 ** d;
      const signs = signVectors(d);
      const s = model.score(X).data;
      const J = model.jacobian(X).data;
      const values: Float64Array[] = [];
      for (let k = 0; k < K; k++) values.push(sliced(model, X, sameForEveryPoint(signs.subarray(k * d, (k + 1) * d), 1, n, d), { varianceReduced }).perExample.data);
      for (let i = 0; i < n; i++) {
        let mean = 0;
        for (let k = 0; k < K; k++) mean += values[k]![i]! / K;
        let variance = 0;
        for (let k = 0; k < K; k++) variance += (values[k]![i]! - mean) ** 2 / K;
        const M = quadraticForm(J, s, i, d, varianceReduced);
        let expected = 0;
        let size = 0;
        for (let a = 0; a < d; a++) {
          for (let c = 0; c < d; c++) {
            size += Math.abs(M[a * d + c]!);
            if (a !== c) expected += 2 * M[a * d + c]! ** 2;
          }
        }
        // Each value carries gamma_{2d+4} (size) of rounding, so each deviation too (twice, with the
        // mean): the variance moves by at most 2 (2 gamma size) (sqrt(variance) + 2 gamma size).
        const e = 2 * gamma(2 * d + 6) * (size + 0.5 * size * size);
        expectClose(variance, expected, { atol: 2 * e * (Math.sqrt(expected) + e) + gamma(K + 4) * expected + 8 * d * d * Number.MIN_VALUE }, { d, i, varianceReduced });
      }
    },
  );

  test.prop([
    arbLinearScore({ maxDim: 3, maxPoints: 3 }),
    fc.integer({ min: 1, max: 2 }).chain((m) => fc.tuple(fc.constant(m), fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: m * 9, maxLength: m * 9 }))),
    fc.constantFrom<number | undefined>(undefined, 1e-3),
  ])(
    'score-matching/sliced#finite-difference: for a linear model the directional central difference is exact up to the rounding of x +- t v and of the model, over the step',
    ({ d, n, A, b, x }, [m, vs], h) => {
      const model = linearModel(A, b, d);
      const X = nd(x, [n, d]);
      const v = Float64Array.from(vs.slice(0, m * n * d));
      const V = nd(v, [m, n, d]);
      const step = h ?? DEFAULT_STEP;
      const exact = sliced(model, X, V);
      const fd = sliced(model.score, X, V, h === undefined ? undefined : { h });
      const s = model.score(X).data;
      for (let i = 0; i < n; i++) {
        let xMax = 0;
        for (let a = 0; a < d; a++) xMax = Math.max(xMax, Math.abs(x[i * d + a]!));
        let tol = 0;
        for (let k = 0; k < m; k++) {
          const off = (k * n + i) * d;
          let vMax = 0;
          for (let a = 0; a < d; a++) vMax = Math.max(vMax, Math.abs(v[off + a]!));
          let proj = 0;
          for (let a = 0; a < d; a++) proj += v[off + a]! * s[i * d + a]!;
          const half = 0.5 * proj * proj;
          let quadAbs = 0;
          for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) quadAbs += Math.abs(v[off + a]! * A[a * d + c]! * v[off + c]!);
          if (vMax === 0) {
            tol += gamma(4) * half;
            continue;
          }
          // The library steps along w = v / |v|_inf by t = h max(1, |x|_inf) and multiplies by |v|_inf^2.
          const t = step * Math.max(1, xMax);
          // x+- = fl(x +- fl(t w)): off from x +- t w by u |t w_b| + u |x+-_b| each, so the step taken is
          // 2 t w + e with |e_b| <= u (2 |t w_b| + |x+_b| + |x-_b|); w^T A e / (2t) is the error it makes.
          const w = new Float64Array(d);
          const xp = new Float64Array(d);
          const xm = new Float64Array(d);
          const e = new Float64Array(d);
          for (let a = 0; a < d; a++) {
            w[a] = v[off + a]! / vMax;
            xp[a] = x[i * d + a]! + t * w[a]!;
            xm[a] = x[i * d + a]! - t * w[a]!;
            e[a] = U * (2 * Math.abs(t * w[a]!) + Math.abs(xp[a]!) + Math.abs(xm[a]!)) * (1 + 2 * U);
          }
          let num = 0;
          let diffAbs = 0;
          const sp = applyLinear(A, b, xp, 1, d);
          const sm = applyLinear(A, b, xm, 1, d);
          for (let a = 0; a < d; a++) {
            let Ae = 0;
            let magP = Math.abs(b[a]!);
            let magM = Math.abs(b[a]!);
            for (let c = 0; c < d; c++) {
              Ae += Math.abs(A[a * d + c]!) * e[c]!;
              magP += Math.abs(A[a * d + c]!) * Math.abs(xp[c]!);
              magM += Math.abs(A[a * d + c]!) * Math.abs(xm[c]!);
            }
            // The model's rounding at x+ and x-: gamma_{d+1} of |A y + b|, plus d subnormal products.
            num += Math.abs(w[a]!) * (Ae + gamma(d + 1) * (magP + magM) + 2 * d * Number.MIN_VALUE);
            diffAbs += Math.abs(w[a]!) * Math.abs(sp[a]! - sm[a]!);
          }
          // The quotient: the numerator's errors over 2t, the dot product and division gamma_{d+2}, times
          // |v|_inf^2 (two roundings); w's rounding (u per entry) moves |v|_inf^2 w^T A w by 2u of
          // sum |v_a A_ab v_b|; the exact route's v^T A v gamma_{2d}; the accumulations
          // (acc + quad) + half, twice, 3u each; a subnormal quotient MIN_VALUE.
          const scaled = vMax * vMax * (1 + gamma(3));
          tol += (scaled * ((1 + gamma(d + 2)) * num + gamma(d + 2) * diffAbs)) / (2 * t) + gamma(2 * d + 4) * quadAbs + gamma(4) * ((scaled * diffAbs) / (2 * t) + quadAbs + 2 * half) + 2 * Number.MIN_VALUE;
        }
        expectClose(fd.perExample.get(i), exact.perExample.get(i), { atol: tol / m + gamma(2) * Math.abs(exact.perExample.get(i)) }, { d, n, m, i, h: step });
      }
    },
  );

  test('score-matching/sliced#finite-difference: regression (fast-check seed 20261122, shrunk counterexample d = 1, n = 2, A = 0, b = 0, x = 0, v = (-5e-324, 0)): a subnormal projection no longer overflows the step', () => {
    // Found by the linear-model property above: v = -5e-324 made t = h / |v|_inf overflow to Infinity
    // when the step was taken along v itself; the direction is now scaled to w = v / |v|_inf first.
    const model = linearModel(Float64Array.of(0), Float64Array.of(0), 1);
    const X = nd([0, 0], [2, 1]);
    const V = nd([-5e-324, 0], [1, 2, 1]);
    const r = sliced(model.score, X, V);
    // s = 0: every term is 0 exactly (the quotient is 0 and |v|_inf^2 underflows to 0).
    expect(Array.from(r.perExample.data)).toEqual([0, 0]);
    expect(sliced(model, X, V).value).toBe(0);
  });

  test.prop([
    fc.integer({ min: 1, max: 3 }).chain((d) =>
      fc.record({
        d: fc.constant(d),
        // |c| in [0.1, 2] and |v| in [0.25, 2]: the truncation term stays far above the underflow range.
        c: fc.array(fc.tuple(fc.double({ min: 0.1, max: 2, noNaN: true }), fc.boolean()).map(([w, neg]) => (neg ? -w : w)), { minLength: d, maxLength: d }),
        v: fc.array(fc.tuple(fc.double({ min: 0.25, max: 2, noNaN: true }), fc.boolean()).map(([w, neg]) => (neg ? -w : w)), { minLength: d, maxLength: d }),
        x: fc.array(fc.double({ min: 0.5, max: 3, noNaN: true }), { minLength: d, maxLength: d }),
      }),
    ),
    fc.constantFrom(1e-2, 1e-3),
  ])(
    'score-matching/sliced#finite-difference: for s_a = c_a x_a^3 the directional difference is off by the truncation term (t / |v|_inf)^2 sum_a c_a v_a^4 = (t^2 / 6) |v|_inf^2 sum_a w_a^4 d^3 s_a',
    ({ d, c, v, x }, h) => {
      const cubic = (y: Float64NdArray) => nd(y.data.map((w, k) => c[k % d]! * w * w * w), y.shape.slice());
      const r = sliced(cubic, nd(x, [1, d]), nd(v, [1, d]), { h, varianceReduced: true });
      const xMax = Math.max(...x.map(Math.abs));
      const vMax = Math.max(...v.map(Math.abs));
      // The library steps along w = v / |v|_inf by t = h max(1, |x|_inf): in units of v, a step of t / |v|_inf.
      const t = h * Math.max(1, xMax);
      let expected = 0;
      let tol = 0;
      let sq = 0;
      for (let a = 0; a < d; a++) {
        const ca = c[a]!;
        const va = v[a]!;
        const wa = va / vMax;
        const xa = x[a]!;
        // Exactly: |v|^2 w c ((x + t w)^3 - (x - t w)^3) / (2t) = c (3 x^2 v^2 + (t / |v|_inf)^2 v^4).
        expected += ca * (3 * xa * xa * va * va + ((t * t) / (vMax * vMax)) * va ** 4);
        const xp = xa + t * wa;
        const xm = xa - t * wa;
        const e = U * (2 * Math.abs(t * wa) + Math.abs(xp) + Math.abs(xm)) * (1 + 2 * U);
        // The rounding of x +- t w moves s by at most |s'| e = 3 |c| (|x+-| + e)^2 e; the model's c y^3
        // carries gamma_3; all over 2t, times |w| |v|_inf^2; w's own rounding, the scaling and the
        // reference's terms gamma_8.
        const slope = 3 * Math.abs(ca) * (Math.max(Math.abs(xp), Math.abs(xm)) + e) ** 2;
        const scaled = vMax * vMax * (1 + gamma(3));
        tol += (scaled * Math.abs(wa) * (1 + gamma(d + 3)) * (2 * slope * e + gamma(3) * Math.abs(ca) * (Math.abs(xp) ** 3 + Math.abs(xm) ** 3))) / (2 * t);
        tol += gamma(d + 10) * Math.abs(ca) * (3 * xa * xa * va * va + ((t * t) / (vMax * vMax)) * va ** 4 + (scaled * Math.abs(wa) * (Math.abs(xp) ** 3 + Math.abs(xm) ** 3)) / (2 * t));
        const s = ca * xa * xa * xa;
        sq += s * s;
      }
      expected += 0.5 * sq;
      expectClose(r.value, expected, { atol: tol + gamma(d + 4) * 0.5 * sq }, { d, h, t });
    },
  );

  describe('Monte Carlo unbiasedness', () => {
    const d = 3;
    const n = 200;
    const m = 50;
    const mix = create({ weights: [0.5, 0.5], means: [[-1, 0, 1], [1, 1, -1]], covs: [0.5, 1] });
    const x = sample(mix, key(20260501), n);
    const A = Float64Array.of(-0.8, 0.3, 0.1, 0.2, -1.1, 0.4, -0.1, 0.2, -0.6);
    const b = Float64Array.of(0.3, -0.2, 0.5);
    const model = wave(A, b, d);
    const s = model.score(x).data;
    const J = model.jacobian(x).data;
    const target = explicit(model, x).value;
    let seed = 20260502;
    for (const distribution of ['gaussian', 'rademacher'] as const) {
      for (const varianceReduced of [false, true]) {
        for (const route of ['exact Jacobian', 'central differences'] as const) {
          test(`score-matching/sliced#gaussian-unbiased: E_v[sliced] = explicit for ${distribution} projections, ${varianceReduced ? 'variance-reduced' : 'plain'}, ${route} (z-test at ALPHA with the exact variance)`, () => {
            const r = slicedWithKey(route === 'exact Jacobian' ? model : model.score, x, key(seed++), { projections: m, distribution, varianceReduced });
            // Var of one projection's term at x_i: 2 tr(M_i^2) for N(0, I) (Isserlis), 2 sum_{a != b} M_ab^2
            // for Rademacher signs (sliced#variance); the value averages n m independent terms.
            let variance = 0;
            for (let i = 0; i < n; i++) {
              const M = quadraticForm(J, s, i, d, varianceReduced);
              for (let a = 0; a < d; a++) for (let c = 0; c < d; c++) if (distribution === 'gaussian' || a !== c) variance += 2 * M[a * d + c]! ** 2;
            }
            const stdErr = Math.sqrt(variance / m) / n;
            // The central-difference bias, ~1e-10, is below 1e-7 of the standard error.
            expectZ(r.value, target, stdErr, { distribution, varianceReduced, route });
          });
        }
      }
    }
  });

  test('score-matching/sliced#minimizer: sliced(grad log p + delta) - sliced(grad log p) has mean 1/2 E|delta|^2 for Gaussian and mixture data, both forms (z-tests at ALPHA), and is positive', () => {
    const d = 2;
    const n = 20000;
    const mixes = {
      gaussian: create({ weights: [1], means: [[1, -0.5]], covs: [[[0.9, 0.3], [0.3, 0.6]]] }),
      mixture: create({ weights: [0.35, 0.65], means: [[-2, -1], [2, 1]], covs: [0.6, 1.1] }),
    };
    const B = Float64Array.of(0.25, -0.1, 0.2, -0.15);
    const c = Float64Array.of(-0.3, 0.4);
    let seed = 20260520;
    for (const [name, mix] of Object.entries(mixes)) {
      const x = sample(mix, key(seed++), n);
      const truth = (y: Float64NdArray) => mixtureScore(mix, y);
      const perturbed = (y: Float64NdArray) => {
        const s = mixtureScore(mix, y).data;
        const dl = applyLinear(B, c, y.data, y.shape[0]!, d);
        return nd(s.map((w, k) => w + dl[k]!), y.shape.slice());
      };
      const dl = applyLinear(B, c, x.data, n, d);
      for (const varianceReduced of [false, true]) {
        // The same key: the same projections for both models.
        const k = key(seed++);
        const L0 = slicedWithKey(truth, x, k, { varianceReduced });
        const L1 = slicedWithKey(perturbed, x, k, { varianceReduced });
        const D = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let e = 0;
          for (let j = i * d; j < (i + 1) * d; j++) e += dl[j]! ** 2;
          // E_v[D_i] = tr B + grad log p(x_i) . delta(x_i), of mean 0 by Stein's identity.
          D[i] = L1.perExample.get(i) - L0.perExample.get(i) - 0.5 * e;
        }
        expectMean(D, 0, { data: name, varianceReduced });
        expect(L1.value).toBeGreaterThan(L0.value);
      }
    }
  });
});
