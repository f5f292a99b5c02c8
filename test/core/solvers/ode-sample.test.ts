/**
 * Probability-flow ODE sampling with the exact score of Gaussian data: the flow map is
 * affine and known in closed form, so each method's error can be measured exactly, its
 * order fitted, dopri5 held to a derived bound, and the samples' moments compared with the
 * data's. scipy's RK45 on the same ODE is an independent reference.
 *
 * @see proofs/solvers/ode-sample.md
 */
import { readFileSync } from 'node:fs';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, test as plainTest } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { key } from '../../../src/core/random/index.js';
import { subVp, ve, vp } from '../../../src/core/sde/index.js';
import type { Sde } from '../../../src/core/sde/types.js';
import { odeIntegrate } from '../../../src/core/solvers/ode.js';
import { odeSample, odeSampleWithKey } from '../../../src/core/solvers/ode-sample.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ALPHA, zTestPValue } from '../../_support/stats.js';
import {
  affineOf,
  applyAffine,
  flowKappa,
  flowMap,
  gaussianData,
  gaussianScore,
  maxAbs,
  maxAbsDiff,
  maxRowError,
  nd,
  norm2,
} from './ode-support.js';

/** Data N(mu, Sigma) in 3-D with a full covariance (eigenvalues 0.8, 0.3, 2). */
const DATA = gaussianData([1.5, -0.5, 0.3], [0.8, 0.3, 2.0], [1, 0.4, -0.7]);
const SDES: [string, Sde][] = [
  ['vp', vp()],
  ['subVp', subVp()],
  ['ve', ve()],
];

/** The rows 0, e_1, ..., e_d: the numerical map's offset and columns. */
const D = DATA.d;

describe('the Gaussian flow map', () => {
  // N, 2N, 4N in the asymptotic range of every SDE (the pairwise fits move by O(h); the
  // error at 4N is >= 1e3 times the rounding floor ~3e-15 of the map).
  const FIT: Record<'euler' | 'heun' | 'rk4', { N: number; order: number }> = {
    euler: { N: 128, order: 1 },
    heun: { N: 64, order: 2 },
    rk4: { N: 128, order: 4 },
  };
  for (const [name, sde] of SDES) {
    for (const [method, { N, order }] of Object.entries(FIT) as ['euler' | 'heun' | 'rk4', { N: number; order: number }][]) {
      plainTest(`solvers/ode-sample#gaussian-map: ${name}, ${method}: the numerical flow map converges to the exact one at order ${order}`, () => {
        const score = gaussianScore(sde, DATA);
        const exact = flowMap(sde, DATA, 1, sde.eps);
        const errors = [N, 2 * N, 4 * N].map((n) => {
          const num = affineOf(D, (x) => odeSample(sde, score, x, { method, steps: n }).x);
          return Math.max(maxAbsDiff(num.M, exact.M), maxAbsDiff(num.b, exact.b));
        });
        const fits = [Math.log2(errors[0]! / errors[1]!), Math.log2(errors[1]! / errors[2]!)];
        const ctx = { sde: name, method, errors, fits };
        // Margin 0.1 on the finest fit, 0.2 on the coarser (proofs/solvers/ode.md, "Fitting the order").
        expectClose(fits[1]!, order, { atol: 0.1 }, ctx);
        expectClose(fits[0]!, order, { atol: 0.2 }, ctx);
        expect(errors[2]!, JSON.stringify(ctx)).toBeGreaterThan(1e3 * 3e-15);
      });
    }

    plainTest(`solvers/ode-sample#dopri5-tolerance: ${name}: dopri5's error is within the derived bound and falls with the tolerance`, () => {
      const score = gaussianScore(sde, DATA);
      const exact = flowMap(sde, DATA, 1, sde.eps);
      const rows = new Float64Array((D + 1) * D);
      for (let j = 0; j < D; j++) rows[(j + 1) * D + j] = 1;
      const x = nd(rows, [D + 1, D]);
      const want = applyAffine(exact.M, exact.b, x);
      const kappa = flowKappa(sde, DATA, sde.eps);
      const m1 = sde.marginalCoefficients(1).scale;
      // |x(t)| <= |m_t mu| + ||Phi|| |x(1) - m_1 mu| <= |mu| + kappa (1 + m_1 |mu|) for rows of norm <= 1.
      const yMax = norm2(DATA.mu) + kappa * (1 + m1 * norm2(DATA.mu));
      let previous = Infinity;
      for (const tol of [1e-4, 1e-6, 1e-8, 1e-10]) {
        const r = odeSample(sde, score, x, { rtol: tol, atol: tol });
        const err = maxRowError(r.x.data, want, D);
        // proofs/solvers/ode.md ("Error control"): N kappa sqrt(d) sqrt(M) (atol + rtol Ymax).
        const bound = r.steps * kappa * Math.sqrt(D) * Math.sqrt(x.size) * (tol + tol * yMax);
        const ctx = { sde: name, tol, err, bound, steps: r.steps, kappa };
        expect(err, JSON.stringify(ctx)).toBeLessThanOrEqual(bound);
        expect(err, JSON.stringify(ctx)).toBeLessThan(previous);
        previous = err;
      }
    });

    plainTest(`solvers/ode-sample#reverse-drift: ${name}: the sampler integrates sde.reverse(score, { probabilityFlow: true }).drift, bit for bit`, () => {
      const score = gaussianScore(sde, DATA);
      const drift = sde.reverse(score, { probabilityFlow: true }).drift;
      const x = nd([0.3, -1.2, 2, 1, 0, -0.5], [2, 3]);
      for (const opts of [{ method: 'rk4' as const, steps: 20 }, { rtol: 1e-6, atol: 1e-6 }]) {
        const a = odeSample(sde, score, x, opts);
        const b = odeIntegrate(drift, x, { t0: 1, t1: sde.eps, ...opts });
        expect(Array.from(a.x.data)).toEqual(Array.from(b.x.data));
        expect([a.nfe, a.steps, a.rejected]).toEqual([b.nfe, b.steps, b.rejected]);
      }
    });
  }
});

describe('moments of the samples', () => {
  /**
   * The law of the samples from the prior N(0, sigma_T^2 I) under the exact map
   * x -> M x + b: N(b, sigma_T^2 M M^T). It differs from the data N(mu, Sigma) only by the
   * eps cut-off (p_eps instead of p_0) and the prior mismatch (p_T instead of p_1), both in
   * closed form (proofs/solvers/ode-sample.md, "Moments").
   */
  function pushforward(sde: Sde) {
    const { M, b } = flowMap(sde, DATA, 1, sde.eps);
    const sT = sde.priorSample(nd([1], [1, 1])).data[0]!;
    const cov = new Float64Array(D * D);
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += M[i * D + k]! * M[j * D + k]!;
      cov[i * D + j] = sT * sT * s;
    }
    return { mean: b, cov, M, sT };
  }

  for (const [name, sde] of SDES) {
    plainTest(`solvers/ode-sample#moments: ${name}: the numerical flow carries the moments of p_1 to those of p_eps, and of the prior to the data's up to the cut-off and prior terms`, () => {
      const score = gaussianScore(sde, DATA);
      const push = pushforward(sde);
      // The numerical map of dopri5 at tol 1e-9 (its distance to the exact map: mapErr).
      const num = affineOf(D, (x) => odeSample(sde, score, x, { rtol: 1e-9, atol: 1e-9 }).x);
      const mapErr = Math.max(maxAbsDiff(num.M, push.M), maxAbsDiff(num.b, push.mean));
      expect(mapErr).toBeLessThan(1e-6);
      /** Moments of M x + b for x ~ N(mean, cov): (M mean + b, M cov M^T). */
      const carry = (mean: ArrayLike<number>, cov: ArrayLike<number>) => {
        const m = applyAffine(num.M, num.b, nd(mean, [1, D]));
        const c = new Float64Array(D * D);
        for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) {
          let s2 = 0;
          for (let k = 0; k < D; k++) for (let l = 0; l < D; l++) s2 += num.M[i * D + k]! * cov[k * D + l]! * num.M[j * D + l]!;
          c[i * D + j] = s2;
        }
        return { m, c };
      };
      const moments = (t: number) => {
        const { scale: m, std: s } = sde.marginalCoefficients(t);
        return { mean: DATA.mu.map((v) => m * v), cov: DATA.Sigma.map((v, k) => m * m * v + (k % (D + 1) === 0 ? s * s : 0)) };
      };
      // (1) p_1 = N(m_1 mu, C_1) is carried to p_eps = N(m_eps mu, C_eps): the probability-flow
      // ODE preserves the marginals. Tolerances from mapErr: a mean moves by mapErr (1 + sum |mean|),
      // a covariance entry by 2 d |M| |cov| mapErr + d^2 |cov| mapErr^2 (plus 4 d EPS rounding).
      const p1 = moments(1);
      const pEps = moments(sde.eps);
      const out = carry(p1.mean, p1.cov);
      const meanTol = mapErr * (1 + D * maxAbs(p1.mean));
      const covTol = 2 * D * D * maxAbs(num.M) * maxAbs(p1.cov) * mapErr + D * D * maxAbs(p1.cov) * mapErr * mapErr + 4 * D * D * EPS * maxAbs(pEps.cov);
      for (let i = 0; i < D; i++) expectClose(out.m[i]!, pEps.mean[i]!, { atol: meanTol }, { sde: name, i });
      for (let k = 0; k < D * D; k++) expectClose(out.c[k]!, pEps.cov[k]!, { atol: covTol }, { sde: name, k });
      // (2) From the prior N(0, sigma_T^2 I) instead: in the eigenbasis u_k of Sigma the output
      // variance is sigma_T^2 c_k(eps) / c_k(1) = lambda_k + [sigma_T^2 c_k(eps) - lambda_k c_k(1)] / c_k(1)
      // and the mean m_eps mu - m_1 Phi mu, |mean - mu| <= |1 - m_eps| |mu| + m_1 max_k sqrt(c_k(eps)/c_k(1)) |mu|
      // (proofs/solvers/ode-sample.md, "Moments"): the data's moments up to those closed-form terms.
      const prior = carry(new Float64Array(D), Float64Array.from({ length: D * D }, (_, k) => (k % (D + 1) === 0 ? push.sT * push.sT : 0)));
      const ce = DATA.lambda.map((l) => sde.marginalCoefficients(sde.eps).scale ** 2 * l + sde.marginalCoefficients(sde.eps).std ** 2);
      const c1 = DATA.lambda.map((l) => sde.marginalCoefficients(1).scale ** 2 * l + sde.marginalCoefficients(1).std ** 2);
      for (let k = 0; k < D; k++) {
        let q = 0;
        for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) q += DATA.U[i * D + k]! * prior.c[i * D + j]! * DATA.U[j * D + k]!;
        const predicted = DATA.lambda[k]! + (push.sT * push.sT * ce[k]! - DATA.lambda[k]! * c1[k]!) / c1[k]!;
        expectClose(q, predicted, { atol: covTol * push.sT * push.sT + 8 * D * D * EPS * predicted }, { sde: name, k });
      }
      const { scale: mEps } = sde.marginalCoefficients(sde.eps);
      const m1 = sde.marginalCoefficients(1).scale;
      const kappa1 = Math.max(...Array.from(ce, (v, k) => Math.sqrt(v / c1[k]!)));
      const meanGap = norm2(Float64Array.from(prior.m, (v, i) => v - DATA.mu[i]!));
      expect(meanGap, name).toBeLessThanOrEqual(Math.abs(1 - mEps) * norm2(DATA.mu) + m1 * kappa1 * norm2(DATA.mu) + Math.sqrt(D) * meanTol);
    });

    plainTest(`solvers/ode-sample#moments: ${name}: samples from random.normal through odeSampleWithKey have the pushforward's mean and covariance (z-tests, fixed key)`, () => {
      const score = gaussianScore(sde, DATA);
      const push = pushforward(sde);
      const n = 2000;
      const r = odeSampleWithKey(sde, score, key(20261122), [n, D], { rtol: 1e-7, atol: 1e-7 });
      const x = r.x.data;
      const mean = new Float64Array(D);
      for (let p = 0; p < n; p++) for (let i = 0; i < D; i++) mean[i] = mean[i]! + x[p * D + i]! / n;
      const S = new Float64Array(D * D);
      for (let p = 0; p < n; p++) for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) {
        S[i * D + j] = S[i * D + j]! + ((x[p * D + i]! - mean[i]!) * (x[p * D + j]! - mean[j]!)) / (n - 1);
      }
      // The samples are an affine image of Gaussian noise: exactly Gaussian, with the
      // numerical map's moments, which dopri5 at tol 1e-7 keeps within ~1e-5 of the exact
      // pushforward (bound above), far below the standard errors (~0.02). z-tests: mean_i
      // (variance Sigma_ii / n) and S_ij (variance (Sigma_ii Sigma_jj + Sigma_ij^2)/(n - 1)),
      // D + D(D+1)/2 = 9 tests, Bonferroni at ALPHA.
      const C = push.cov;
      const tests: { what: string; z: number }[] = [];
      for (let i = 0; i < D; i++) tests.push({ what: `mean ${i}`, z: (mean[i]! - push.mean[i]!) / Math.sqrt(C[i * D + i]! / n) });
      for (let i = 0; i < D; i++) for (let j = i; j < D; j++) {
        const v = (C[i * D + i]! * C[j * D + j]! + C[i * D + j]! ** 2) / (n - 1);
        tests.push({ what: `cov ${i}${j}`, z: (S[i * D + j]! - C[i * D + j]!) / Math.sqrt(v) });
      }
      for (const t of tests) expect(zTestPValue(t.z), `${name} ${t.what}: z = ${t.z}`).toBeGreaterThan(ALPHA / tests.length);
    });
  }
});

// --- scipy's RK45 on the VP probability-flow ODE ------------------------------------------

interface VpCase {
  problem: string;
  t0: number;
  t1: number;
  x0: number[][];
  rtol: number;
  atol: number;
  nfev: number;
  steps: number;
  y: number[];
  exact: number[];
}
const FIXTURE = JSON.parse(readFileSync(new URL('../../fixtures/solvers/rk45/data.json', import.meta.url), 'utf8')) as {
  vp: { betaMin: number; betaMax: number; mu: number[]; sigma: number[][] };
  cases: VpCase[];
};

describe('scipy solve_ivp(RK45) on the VP probability-flow ODE', () => {
  const f = FIXTURE.vp;
  const sde = vp({ betaMin: f.betaMin, betaMax: f.betaMax });
  // Sigma = [[0.8, 0.3], [0.3, 0.5]] as U diag(lambda) U^T with U the reflection of its eigenvectors.
  const tr = f.sigma[0]![0]! + f.sigma[1]![1]!;
  const det = f.sigma[0]![0]! * f.sigma[1]![1]! - f.sigma[0]![1]! ** 2;
  const disc = Math.sqrt((tr * tr) / 4 - det);
  const l1 = tr / 2 + disc;
  const l2 = tr / 2 - disc;
  // Eigenvector of l1: (Sigma_01, l1 - Sigma_00); the reflection across the bisector of e_1 and it.
  const e = [f.sigma[0]![1]!, l1 - f.sigma[0]![0]!];
  const en = Math.hypot(e[0]!, e[1]!);
  const v = [1 - e[0]! / en, -e[1]! / en];
  const data = gaussianData(f.mu, [l1, l2], v);
  const score = gaussianScore(sde, data);
  for (const c of FIXTURE.cases.filter((k) => k.problem === 'vp-gaussian')) {
    plainTest(`solvers/ode-sample#scipy: VP, rtol ${c.rtol}: the same evaluations and steps as scipy's RK45, the same samples to rounding, both near the exact map`, () => {
      expectClose(data.Sigma[1]!, f.sigma[0]![1]!, { atol: 8 * EPS });
      const x = nd(c.x0.flat(), [c.x0.length, 2]);
      const r = odeSample(sde, score, x, { rtol: c.rtol, atol: c.atol, eps: c.t1 });
      expect({ nfe: r.nfe, steps: r.steps }).toEqual({ nfe: c.nfev, steps: c.steps });
      // Two sources of difference, both rounding: the stage sums (2 * 8 * 7 roundings of
      // max|y| per step, as in solvers/ode#scipy-rk45) and the field itself (scipy solves with
      // C_t by LU, here by the eigenbasis: a few EPS cond(C) |F|, |F| <= beta_max/2 (|x| + |C^{-1}||x - m mu|)
      // with cond(C) <= 1/lambda_min), carried by ||Phi|| <= kappa over the interval of length 1.
      const kappa = flowKappa(sde, data, c.t1);
      const yMax = Math.max(maxAbs(c.y), maxAbs(x.data), maxAbs(f.mu)) * kappa;
      const fMax = (f.betaMax / 2) * yMax * (1 + 2 / l2);
      const tol = kappa * (2 * 8 * 7 * c.steps * EPS * yMax + (16 / l2) * EPS * fMax);
      for (let i = 0; i < c.y.length; i++) expectClose(r.x.data[i]!, c.y[i]!, { atol: tol }, { rtol: c.rtol, index: i });
      // And the exact map (mpmath) within the dopri5 bound.
      const bound = r.steps * kappa * Math.sqrt(2) * Math.sqrt(x.size) * (c.atol + c.rtol * yMax);
      expect(maxRowError(r.x.data, c.exact, 2)).toBeLessThanOrEqual(bound);
    });
  }
});

// --- a property: VP leaves N(0, I) in place -------------------------------------------

describe('stationary data', () => {
  test.prop([
    fc.record({ betaMin: fc.double({ min: 0.01, max: 1, noNaN: true }), betaSpan: fc.double({ min: 0, max: 30, noNaN: true }) }),
    fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 8 }),
    fc.constantFrom('euler', 'heun', 'rk4', 'dopri5'),
  ])('solvers/ode-sample#vp-identity: for data N(0, I) under VP the flow is the identity: odeSample returns x within rounding', ({ betaMin, betaSpan }, values, method) => {
    const sde = vp({ betaMin, betaMax: betaMin + betaSpan });
    const x = nd(values.length % 2 === 0 ? values : values.slice(1), [Math.floor(values.length / 2), 2]);
    // The score of N(0, I) is -x at every t (m^2 + s^2 = 1): F = (-beta/2 + g^2/2) x, and
    // g^2 = sqrt(beta)^2 is beta within 2 EPS beta, so |F| <= EPS beta |x|.
    const score = (y: Float64NdArray) => nd(Array.from(y.data, (u) => -u), y.shape);
    const opts = method === 'dopri5' ? {} : { method, steps: 50 };
    const r = odeSample(sde, score, x, opts);
    // Each step adds h sum b_i k_i with |k_i| <= EPS beta |x|: the sum moves x by at most
    // twice the increment (a rounding to nearest either returns x or lands within one
    // increment plus half an ulp, itself below the increment); over the interval,
    // 2 EPS int beta dt |x| <= 2 EPS (betaMin + betaSpan/2) |x|, plus stage-sum rounding
    // (8 EPS |x| per step on the tiny increments: included in the factor 4 below).
    const bound = 4 * EPS * (betaMin + betaSpan / 2 + 1) * maxAbs(x.data);
    for (let i = 0; i < x.size; i++) expectClose(r.x.data[i]!, x.data[i]!, { atol: bound }, { method, betaMin, betaSpan });
  });
});
