/**
 * Exact likelihoods through the probability-flow ODE: for Gaussian data (any linear SDE)
 * and 2-D Gaussian-mixture data the ODE log-likelihood equals the exact log-density of the
 * time-eps marginal, once the prior's mismatch log p_T(z) - log p_1(z) is accounted for
 * exactly; the divergence is exact (Jacobian trace or finite differences); Hutchinson's
 * estimator is unbiased, and exact over all 2^d Rademacher sign vectors.
 *
 * @see proofs/solvers/likelihood.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect, test as plainTest } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import * as mixture from '../../../src/core/mixture/index.js';
import { key, normal, rademacher } from '../../../src/core/random/index.js';
import { subVp, ve, vp } from '../../../src/core/sde/index.js';
import type { Sde } from '../../../src/core/sde/types.js';
import { FD_STEP, odeDivergence, odeLogLikelihood, odeLogLikelihoodWithKey, type OdeLikelihoodResult } from '../../../src/core/solvers/likelihood.js';
import { odeSample } from '../../../src/core/solvers/ode-sample.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ALPHA, meanAndStdErr, zTestPValue } from '../../_support/stats.js';
import {
  eigC,
  flowKappa,
  gaussianData,
  gaussianJacobian,
  gaussianScore,
  logDensity,
  maxAbs,
  maxRowError,
  nd,
  norm2,
  rangeC,
  scoreDivergence,
  type GaussianData,
} from './ode-support.js';

const DATA = gaussianData([1.5, -0.5, 0.3], [0.8, 0.3, 2.0], [1, 0.4, -0.7]);
const D = DATA.d;
const SDES: [string, Sde][] = [
  ['vp', vp()],
  ['subVp', subVp()],
  ['ve', ve()],
];
/** Data points: near the mean, in the tails, at the origin. */
const X = nd([1.2, -0.1, 0.5, 2.0, 0.3, -1.0, 0.0, 0.0, 0.0, 1.5, -0.5, 0.3, -1.0, 1.5, 2.5], [5, 3]);

/**
 * max over t in [eps, 1] of g(t)^2 / (2 c) for c >= c_min(t), in closed form per SDE
 * (proofs/solvers/likelihood.md, "Finite differences"): VP g^2 = beta <= betaMax and
 * c = 1 + m^2 (lambda - 1) >= min(1, lambda); sub-VP g^2 = beta (1 - m^4) <= betaMax and
 * c >= its minimum (rangeC); VE g^2 / (2c) = log(sigmaMax/sigmaMin) sigma^2 / (lambda + sigma^2 - sigmaMin^2) <= log(sigmaMax/sigmaMin).
 */
function maxHalfGSqOverC(sde: Sde, g: GaussianData, eps: number): number {
  if (sde.kind === 've') return Math.log(sde.params.sigmaMax! / sde.params.sigmaMin!);
  const cMin = Math.min(...Array.from(g.lambda, (l) => rangeC(sde, l, eps, 1).min));
  return sde.params.betaMax! / (2 * cMin);
}

/**
 * The a priori bound on |logp_ode - logp_exact| for Gaussian data and dopri5 (proofs/solvers/likelihood.md,
 * "Error of the Gaussian likelihood"): the local error of every component of [x; delta] is at
 * most E = sqrt(M') (atol + rtol Ymax) per step, so the latent z errs by at most
 * E_z = N kappa sqrt(d) E per row and delta by E_delta = N E (+ the finite-difference
 * rounding); log p_1 is quadratic, so |log p_1(z*) - log p_1(z)| <= |grad log p_1(z)| E_z + E_z^2 / (2 c_min(1)).
 */
function gaussianBound(sde: Sde, g: GaussianData, eps: number, x: Float64NdArray, r: OdeLikelihoodResult, rtol: number, atol: number, fd: boolean): Float64Array {
  const n = x.shape[0]!;
  const d = g.d;
  const kappa = flowKappa(sde, g, eps);
  const mEps = sde.marginalCoefficients(eps).scale;
  const m1 = sde.marginalCoefficients(1).scale;
  const cE = eigC(sde, g, eps).c;
  const c1 = eigC(sde, g, 1).c;
  // int_eps^1 |a| dt = |log(m(1)/m(eps))| (a has one sign; m' = a m).
  const intA = Math.abs(Math.log(m1 / mEps));
  const deltaMax = 2 * d * intA + 0.5 * Array.from(c1, (v, k) => Math.abs(Math.log(v / cE[k]!))).reduce((u, v) => u + v, 0);
  let xMax = 0;
  for (let p = 0; p < n; p++) xMax = Math.max(xMax, norm2(x.data.subarray(p * d, (p + 1) * d)));
  const yMaxX = norm2(g.mu) + kappa * (xMax + mEps * norm2(g.mu));
  const E = Math.sqrt(n * d + n) * (atol + rtol * Math.max(yMaxX, deltaMax));
  const Ez = r.steps * kappa * Math.sqrt(d) * E;
  // Finite differences of the oracle's linear score: no truncation; rounding of each score
  // value <= (2d + 4) EPS d^2 |x - m mu| / c_min, divided by 2h >= 2 FD_STEP, d coordinates,
  // times g^2/2, integrated over a unit interval.
  const fdTerm = fd ? maxHalfGSqOverC(sde, g, eps) * d ** 3 * (2 * d + 4) * EPS * (yMaxX + maxAbs(g.mu) + 1) / FD_STEP : 0;
  const Edelta = r.steps * E + fdTerm;
  const c1Min = Math.min(...c1);
  const score1 = gaussianScore(sde, g)(r.z, 1).data;
  return Float64Array.from({ length: n }, (_, p) => {
    const grad = norm2(score1.subarray(p * d, (p + 1) * d));
    return Edelta + grad * Ez + (Ez * Ez) / (2 * c1Min);
  });
}

/** logp_ode corrected for the prior: delta + log p_1(z) (the prior's mismatch removed exactly). */
function corrected(sde: Sde, g: GaussianData, r: OdeLikelihoodResult): Float64Array {
  const p1 = logDensity(sde, g, 1, r.z);
  return Float64Array.from(r.deltaLogp.data, (v, i) => v + p1[i]!);
}

describe('the exact divergence', () => {
  test.prop([
    fc.constantFrom(...SDES),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 6, maxLength: 6 }),
  ])('solvers/likelihood#exact-divergence: div F = a(t) d + (g^2/2) sum_k 1/c_k(t) by the Jacobian trace (to rounding) and by finite differences (within their bound)', ([name, sde], t, values) => {
    const x = nd(values, [2, D]);
    const score = gaussianScore(sde, DATA);
    const exact = D * sde.driftCoefficient(t) - 0.5 * sde.diffusion(t) ** 2 * scoreDivergence(sde, DATA, t);
    const halfGSq = 0.5 * sde.diffusion(t) ** 2;
    const invC = -scoreDivergence(sde, DATA, t);
    const viaJacobian = odeDivergence(sde, { score, jacobian: gaussianJacobian(sde, DATA) }, x, t);
    const viaFd = odeDivergence(sde, score, x, t);
    // The Jacobian's diagonal -sum_k U_ik^2 / c_k is summed with d^2 roundings of sum 1/c_k;
    // a d + (g^2/2) tr adds 4 more of the magnitudes.
    const magnitude = Math.abs(D * sde.driftCoefficient(t)) + halfGSq * invC;
    const tolJ = (D * D + 4) * EPS * magnitude;
    // Finite differences of a linear score: rounding only (see gaussianBound).
    const c = eigC(sde, DATA, t).c;
    const tolFd = tolJ + halfGSq * D ** 3 * (2 * D + 4) * EPS * (maxAbs(values) + maxAbs(DATA.mu) + 1) / (Math.min(...c) * FD_STEP);
    for (let p = 0; p < 2; p++) {
      expectClose(viaJacobian.data[p]!, exact, { atol: tolJ }, { sde: name, t, row: p });
      expectClose(viaFd.data[p]!, exact, { atol: tolFd }, { sde: name, t, row: p });
    }
  });
});

describe('Hutchinson', () => {
  const t = 0.5;
  const sde = vp();
  const score = gaussianScore(sde, DATA);
  const exact = D * sde.driftCoefficient(t) - 0.5 * sde.diffusion(t) ** 2 * scoreDivergence(sde, DATA, t);

  for (const [law, draw] of [
    ['gaussian', normal],
    ['rademacher', rademacher],
  ] as const) {
    plainTest(`solvers/likelihood#hutchinson-unbiased: with ${law} probes the mean of v^T (dF/dx) v over 4000 probes equals the exact divergence (z-test, fixed key)`, () => {
      const n = 4000;
      const x = nd(Array.from({ length: n * D }, (_, k) => [0.7, -0.2, 1.1][k % D]!), [n, D]);
      // One probe per row: the rows are identical points, so the n estimates are iid.
      const v = draw(key(law === 'gaussian' ? 11 : 12), [1, n, D]);
      const est = odeDivergence(sde, score, x, t, { divergence: 'hutchinson' }, v).data;
      const { mean, stdErr } = meanAndStdErr(est);
      // The finite-difference error (~1e-10) is far below the standard error (~1e-2).
      const z = (mean - exact) / stdErr;
      expect(zTestPValue(z), `z = ${z}, mean ${mean}, exact ${exact}`).toBeGreaterThan(ALPHA);
      expect(stdErr).toBeGreaterThan(0);
    });
  }

  /** All 2^d sign vectors, each as a probe for every row: shape [2^d, n, d]. */
  const allSigns = (n: number) => {
    const P = 2 ** D;
    const v = new Float64Array(P * n * D);
    for (let p = 0; p < P; p++) for (let r = 0; r < n; r++) for (let i = 0; i < D; i++) v[(p * n + r) * D + i] = (p >> i) & 1 ? -1 : 1;
    return ndarray(v, [P, n, D]);
  };

  plainTest('solvers/likelihood#rademacher-exact: averaged over all 2^d sign vectors, Hutchinson equals the exact divergence (to rounding with the Jacobian, within the finite-difference bound without)', () => {
    const x = nd([0.7, -0.2, 1.1, 3, 1, -2], [2, D]);
    const jac = { score, jacobian: gaussianJacobian(sde, DATA) };
    const probes = allSigns(2);
    const exactJ = odeDivergence(sde, jac, x, t).data;
    const hJ = odeDivergence(sde, jac, x, t, { divergence: 'hutchinson' }, probes).data;
    const hFd = odeDivergence(sde, score, x, t, { divergence: 'hutchinson', probes: 8 }, probes).data;
    const halfGSq = 0.5 * sde.diffusion(t) ** 2;
    const absJ = D * D * (-scoreDivergence(sde, DATA, t)); // >= sum |J_ij| (|J_ij| <= max 1/c_k <= sum 1/c_k)
    // (1/P) sum_p v^T J v: 2d roundings per quadratic form, P in the average: (2d + P) EPS sum|J|.
    const tolJ = (2 * D + 8) * EPS * halfGSq * absJ + 4 * EPS * Math.abs(exact);
    const c = eigC(sde, DATA, t).c;
    const tolFd = tolJ + halfGSq * D ** 3 * (2 * D + 4) * EPS * (3 + maxAbs(DATA.mu) + 1) / (Math.min(...c) * FD_STEP);
    for (let r = 0; r < 2; r++) {
      expectClose(hJ[r]!, exactJ[r]!, { atol: tolJ }, { row: r });
      expectClose(hFd[r]!, exactJ[r]!, { atol: tolFd }, { row: r });
    }
  });

  plainTest('solvers/likelihood#rademacher-exact: along the path, all 2^d sign vectors give the exact-divergence log-likelihood (same z, delta within rounding)', () => {
    const jac = { score, jacobian: gaussianJacobian(sde, DATA) };
    const opts = { method: 'rk4' as const, steps: 16 };
    const exactRun = odeLogLikelihood(sde, jac, X, opts);
    const hutch = odeLogLikelihood(sde, jac, X, { ...opts, divergence: 'hutchinson' }, allSigns(X.shape[0]!));
    expect(Array.from(hutch.z.data)).toEqual(Array.from(exactRun.z.data));
    // Each evaluation's divergence differs by <= (2d + P) EPS (g^2/2) sum|J| <= (2d + 8) EPS d^2 max g^2/(2c);
    // the rk4 weights sum to h per step: over the unit interval, that bound, plus 2 roundings of |delta| per step.
    const perEval = (2 * D + 8) * EPS * D * D * D * maxHalfGSqOverC(sde, DATA, sde.eps);
    for (let r = 0; r < X.shape[0]!; r++) {
      const tol = perEval + 2 * 16 * EPS * Math.abs(exactRun.deltaLogp.data[r]!);
      expectClose(hutch.deltaLogp.data[r]!, exactRun.deltaLogp.data[r]!, { atol: tol }, { row: r });
    }
  });

  plainTest('solvers/likelihood#hutchinson-path: with one Rademacher (or Gaussian) probe per row, fixed along the path, the log-likelihood is unbiased (z-test over 400 rows, fixed key)', () => {
    const n = 400;
    const x = nd(Array.from({ length: n * D }, (_, k) => [1.2, -0.1, 0.5][k % D]!), [n, D]);
    const opts = { method: 'rk4' as const, steps: 12 };
    // Fixed steps: the rows do not share step control, so each row's estimate is independent.
    const reference = odeLogLikelihood(sde, score, nd([1.2, -0.1, 0.5], [1, D]), opts).logp.data[0]!;
    for (const probe of ['rademacher', 'gaussian'] as const) {
      const r = odeLogLikelihoodWithKey(sde, score, x, key(probe === 'rademacher' ? 31 : 32), { ...opts, divergence: 'hutchinson', probe });
      const { mean, stdErr } = meanAndStdErr(r.logp.data);
      const z = (mean - reference) / stdErr;
      expect(zTestPValue(z), `${probe}: z = ${z}`).toBeGreaterThan(ALPHA);
      expect(r.scoreEvaluations).toBe(r.nfe * 3);
    }
  });
});

describe('Gaussian data', () => {
  for (const [name, sde] of SDES) {
    plainTest(`solvers/likelihood#gaussian: ${name}: dopri5's log-likelihood equals log p_eps(x) within the derived bound (Jacobian and finite differences), and the bound's error falls with the tolerance`, () => {
      const score = gaussianScore(sde, DATA);
      const jac = { score, jacobian: gaussianJacobian(sde, DATA) };
      const exact = logDensity(sde, DATA, sde.eps, X);
      let previous = Infinity;
      for (const tol of [1e-5, 1e-8, 1e-11]) {
        let worst = 0;
        for (const [kind, s] of [
          ['jacobian', jac],
          ['finite differences', score],
        ] as const) {
          const r = odeLogLikelihood(sde, s, X, { rtol: tol, atol: tol });
          // logp = priorLogp + deltaLogp, and priorLogp is the SDE's prior at z.
          const prior = sde.priorLogp(r.z).data;
          for (let p = 0; p < X.shape[0]!; p++) {
            expectClose(r.priorLogp.data[p]!, prior[p]!, { atol: 0 });
            expectClose(r.logp.data[p]!, prior[p]! + r.deltaLogp.data[p]!, { atol: 0 });
          }
          const got = corrected(sde, DATA, r);
          const bound = gaussianBound(sde, DATA, sde.eps, X, r, tol, tol, kind === 'finite differences');
          for (let p = 0; p < X.shape[0]!; p++) {
            expectClose(got[p]!, exact[p]!, { atol: bound[p]! }, { sde: name, tol, kind, row: p, steps: r.steps });
            worst = Math.max(worst, Math.abs(got[p]! - exact[p]!));
          }
        }
        // Tolerance proportionality (proofs/solvers/ode.md): 1000 times smaller tolerances give
        // at least 100 times smaller errors, so no bias hides below the loose a priori bound.
        expect(worst, `${name} tol ${tol}: ${worst} after ${previous}`).toBeLessThan(previous / 100);
        previous = worst;
      }
    });

    plainTest(`solvers/likelihood#gaussian: ${name}: with rk4 the error of the log-likelihood falls at order 4 (N = 64, 128, 256)`, () => {
      const jac = { score: gaussianScore(sde, DATA), jacobian: gaussianJacobian(sde, DATA) };
      const exact = logDensity(sde, DATA, sde.eps, X);
      const errors = [64, 128, 256].map((N) => {
        const got = corrected(sde, DATA, odeLogLikelihood(sde, jac, X, { method: 'rk4', steps: N }));
        return Math.max(...Array.from(got, (v, i) => Math.abs(v - exact[i]!)));
      });
      const fits = [Math.log2(errors[0]! / errors[1]!), Math.log2(errors[1]! / errors[2]!)];
      expectClose(fits[1]!, 4, { atol: 0.1 }, { sde: name, errors, fits });
      expectClose(fits[0]!, 4, { atol: 0.2 }, { sde: name, errors, fits });
    });

    plainTest(`solvers/likelihood#latent: ${name}: z is the ODE image of x: sampling from z returns x within the two runs' bounds`, () => {
      const score = gaussianScore(sde, DATA);
      const tol = 1e-9;
      const r = odeLogLikelihood(sde, score, X, { rtol: tol, atol: tol });
      const back = odeSample(sde, score, r.z, { rtol: tol, atol: tol });
      // Each run errs by at most N kappa sqrt(d) sqrt(M') sc (proofs/solvers/ode.md); the
      // forward error is carried back by the inverse map, ||Phi^{-1}|| <= kappa.
      const kappa = flowKappa(sde, DATA, sde.eps);
      const yMax = maxAbs(r.z.data) + maxAbs(X.data) + Math.abs(maxAbs(r.deltaLogp.data));
      const M = X.size + X.shape[0]!;
      const bound = kappa * (r.steps * kappa + back.steps * kappa) * Math.sqrt(D) * Math.sqrt(M) * tol * (1 + yMax);
      expect(maxRowError(back.x.data, X.data, D)).toBeLessThanOrEqual(bound);
    });
  }

  plainTest('solvers/likelihood#cutoff: the gap to the data density log N(x; mu, Sigma) is the eps cut-off, first order in eps (VP, eps = 1e-3, 5e-4, 2.5e-4)', () => {
    const sde = vp();
    const jac = { score: gaussianScore(sde, DATA), jacobian: gaussianJacobian(sde, DATA) };
    const data0 = logDensity(sde, DATA, 0, X);
    const gaps = [1e-3, 5e-4, 2.5e-4].map((eps) => {
      const r = odeLogLikelihood(sde, jac, X, { rtol: 1e-11, atol: 1e-11, eps });
      const got = corrected(sde, DATA, r);
      // The gap is exactly log p_eps(x) - log p_0(x) (up to the solver's ~1e-11).
      const exactGap = logDensity(sde, DATA, eps, X).map((v, i) => v - data0[i]!);
      const gap = got.map((v, i) => v - data0[i]!);
      for (let i = 0; i < gap.length; i++) expectClose(gap[i]!, exactGap[i]!, { atol: 1e-8 }, { eps, row: i });
      return Math.max(...Array.from(gap, Math.abs));
    });
    // gap(eps) = eps d/dt log p_t(x)|_0 + O(eps^2): halving eps halves it (fit 1 within 0.1).
    const fits = [Math.log2(gaps[0]! / gaps[1]!), Math.log2(gaps[1]! / gaps[2]!)];
    expectClose(fits[1]!, 1, { atol: 0.1 }, { gaps, fits });
    expect(gaps[2]!).toBeLessThan(1e-2);
  });
});

// --- Gaussian-mixture data ------------------------------------------------------------

/** 2-D mixture with a shared isotropic covariance sigma0^2 I (the case the proof's bound covers). */
const MIX = { weights: [0.3, 0.7], means: [[-1, 0.5], [1.5, -0.5]], sigma0Sq: 0.5 };
const BASE = mixture.create({ weights: MIX.weights, means: MIX.means, covs: MIX.sigma0Sq });
/** Largest distance between two component means at t = 0. */
const R0 = Math.hypot(MIX.means[0]![0]! - MIX.means[1]![0]!, MIX.means[0]![1]! - MIX.means[1]![1]!);

/**
 * The marginal p_t of mixture data: sum_k w_k N(m_t mu_k, c_t I), c_t = m_t^2 sigma0^2 + s_t^2,
 * from `mixture.vpPerturb(p, m_t^2)` (VP: s^2 = 1 - m^2), `mixture.perturb(p, s_t)` (VE: m = 1).
 */
function mixtureAt(sde: Sde, t: number): mixture.GaussianMixture {
  const { scale: m, std: s } = sde.marginalCoefficients(t);
  if (sde.kind === 'vp') return mixture.vpPerturb(BASE, m * m);
  if (sde.kind === 've') return mixture.perturb(BASE, s);
  return mixture.create({ weights: MIX.weights, means: MIX.means.map((mu) => mu.map((v) => m * v)), covs: m * m * MIX.sigma0Sq + s * s });
}

const mixtureScore = (sde: Sde) => (x: Float64NdArray, t: number) => mixture.score(mixtureAt(sde, t), x);
/**
 * The exact Jacobian of the mixture score with a shared covariance c I:
 * H = -I / c + Cov_r(mu_k) / c^2, r the responsibilities (proofs/solvers/likelihood.md, "Mixtures").
 */
const mixtureJacobian = (sde: Sde) => (x: Float64NdArray, t: number) => {
  const mix = mixtureAt(sde, t);
  const c = mix.covs[0]!;
  const n = x.shape[0]!;
  const r = mixture.responsibilities(mix, x).data;
  const out = new Float64Array(n * 4);
  for (let p = 0; p < n; p++) {
    const mean = [0, 0];
    for (let k = 0; k < 2; k++) for (let i = 0; i < 2; i++) mean[i] = mean[i]! + r[p * 2 + k]! * mix.means[k * 2 + i]!;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
      let cov = 0;
      for (let k = 0; k < 2; k++) cov += r[p * 2 + k]! * (mix.means[k * 2 + i]! - mean[i]!) * (mix.means[k * 2 + j]! - mean[j]!);
      out[p * 4 + i * 2 + j] = (i === j ? -1 / c : 0) + cov / (c * c);
    }
  }
  return ndarray(out, [n, 2, 2]);
};

/** Trapezoid rule with 4000 panels over [eps, 1] (smooth integrands; its error is far below the slack of the bounds it feeds). */
function integrate(f: (t: number) => number, eps: number): number {
  const K = 4000;
  const h = (1 - eps) / K;
  let s = 0.5 * (f(eps) + f(1));
  for (let k = 1; k < K; k++) s += f(eps + k * h);
  return s * h;
}

const XM = nd([0, 0, -1, 0.5, 1.5, -0.5, 2.5, 1.0, -2, -1], [5, 2]);

describe('Gaussian-mixture data', () => {
  for (const [name, sde] of SDES.filter(([k]) => k !== 'subVp').concat([['subVp', subVp()]])) {
    plainTest(`solvers/likelihood#mixture: ${name}: the ODE log-likelihood of 2-D mixture data equals mixture.logPdf of p_eps within the derived bound (dopri5), and converges at order 4 (rk4)`, () => {
      const record = { score: mixtureScore(sde), jacobian: mixtureJacobian(sde) };
      const exact = mixture.logPdf(mixtureAt(sde, sde.eps), XM).data;
      const cOf = (t: number) => {
        const { scale: m, std: s } = sde.marginalCoefficients(t);
        return { m, c: m * m * MIX.sigma0Sq + s * s, g2: sde.diffusion(t) ** 2, a: sde.driftCoefficient(t) };
      };
      const cMin = Math.min(rangeC(sde, MIX.sigma0Sq, sde.eps, 1).min);
      const kappa = Math.sqrt(rangeC(sde, MIX.sigma0Sq, sde.eps, 1).max / cMin);
      // int |div F| <= int d|a| + (g^2/2)(d/c + m^2 R^2/c^2); int |grad div F| <= int (g^2/2) m^3 R^3 / c^3.
      const deltaMax = integrate((t) => {
        const { m, c, g2, a } = cOf(t);
        return 2 * Math.abs(a) + 0.5 * g2 * (2 / c + (m * m * R0 * R0) / (c * c));
      }, sde.eps);
      // An x-error made at t_k reaches t grown by at most sqrt(c(t)/c(t_k)) <= sqrt(c(t)/c_min)
      // (the one-sided Lipschitz bound), and moves div F by |grad div F| <= (g^2/2) m^3 R^3 / c^3.
      const lInt = integrate((t) => {
        const { m, c, g2 } = cOf(t);
        return ((0.5 * g2 * (m * R0) ** 3) / c ** 3) * Math.sqrt(c / cMin);
      }, sde.eps);
      const mix1 = mixtureAt(sde, 1);
      const c1 = mix1.covs[0]!;
      const m1 = sde.marginalCoefficients(1).scale;
      // |hessian of log p_1| <= max(1/c_1, m_1^2 R^2 / c_1^2).
      const hess1 = Math.max(1 / c1, (m1 * R0) ** 2 / (c1 * c1));
      let previous = Infinity;
      for (const tol of [1e-6, 1e-9]) {
        // The score sees every accepted state (the FSAL stage): its largest |x| bounds rtol's scale.
        let yMaxX = 0;
        const recording = {
          score: (x: Float64NdArray, t: number) => {
            yMaxX = Math.max(yMaxX, maxAbs(x.data));
            return record.score(x, t);
          },
          jacobian: record.jacobian,
        };
        const r = odeLogLikelihood(sde, recording, XM, { rtol: tol, atol: tol });
        const p1 = mixture.logPdf(mix1, r.z).data;
        const grad1 = mixture.score(mix1, r.z).data;
        const E = Math.sqrt(XM.size + XM.shape[0]!) * (tol + tol * Math.max(yMaxX, deltaMax));
        // Per row: N local x-errors of norm <= sqrt(2) E, each grown by <= kappa = sqrt(c(1)/c_min) by t = 1.
        const Ez = r.steps * kappa * Math.sqrt(2) * E;
        let worst = 0;
        for (let p = 0; p < XM.shape[0]!; p++) {
          const got = r.deltaLogp.data[p]! + p1[p]!;
          const grad = Math.hypot(grad1[2 * p]!, grad1[2 * p + 1]!);
          const bound = r.steps * E + lInt * r.steps * Math.sqrt(2) * E + grad * Ez + 0.5 * hess1 * Ez * Ez;
          expectClose(got, exact[p]!, { atol: bound }, { sde: name, tol, row: p, steps: r.steps, yMaxX });
          worst = Math.max(worst, Math.abs(got - exact[p]!));
        }
        // Tolerance proportionality: 1000 times smaller tolerances, at least 100 times smaller errors.
        expect(worst, `${name}: ${worst} after ${previous}`).toBeLessThan(previous / 100);
        previous = worst;
      }
      // rk4: the error of the corrected log-likelihood falls at order 4.
      const errors = [32, 64, 128].map((N) => {
        const r = odeLogLikelihood(sde, record, XM, { method: 'rk4', steps: N });
        const p1 = mixture.logPdf(mix1, r.z).data;
        return Math.max(...Array.from(exact, (v, p) => Math.abs(r.deltaLogp.data[p]! + p1[p]! - v)));
      });
      const fits = [Math.log2(errors[0]! / errors[1]!), Math.log2(errors[1]! / errors[2]!)];
      expectClose(fits[1]!, 4, { atol: 0.1 }, { sde: name, errors, fits });
      expectClose(fits[0]!, 4, { atol: 0.2 }, { sde: name, errors, fits });
    });
  }
});
