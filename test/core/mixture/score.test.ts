import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { create, logPdf, perturb, responsibilities, score, type GaussianMixture } from '../../../src/core/mixture/index.js';
import { arbMixture, arbPoint } from '../../arbitraries/arb-mixture.js';
import { expectClose } from '../../_support/expect-close.js';
import { analyze, loadFixture, logPdfBound, nd, responsibilityRelBound, scoreBound, terms, U, type Analysis } from './reference.js';

const fixture = loadFixture();

/** The spec of a built mixture as nested arrays (to size tolerances with `analyze`). */
function specOf(mix: GaussianMixture) {
  const { dim: d, components: K } = mix;
  return {
    weights: Array.from(mix.weights),
    means: Array.from({ length: K }, (_, k) => Array.from(mix.means.subarray(k * d, (k + 1) * d))),
    covs: Array.from({ length: K }, (_, k) =>
      Array.from({ length: d }, (_, i) => Array.from(mix.covs.subarray(k * d * d + i * d, k * d * d + (i + 1) * d))),
    ),
  };
}

/** x rounded to a multiple of 2^-40: with |x| < 2^11 and h = 2^-e (e <= 40), x +- h is exact. */
const quantize = (v: number) => Math.round(v * 2 ** 40) / 2 ** 40;

/**
 * Central difference of log p along e_j with the step h chosen to balance the bounds of
 * proofs/mixture/score.md (F1)-(F3), and the tolerance they give:
 *   truncation  M h^2 / 6,  M = 3/4 R_s R_s' + 1/4 R_s^3 >= |g'''| on [-h, h];
 *   rounding    delta / h,  delta >= |error of logPdf| at x +- h e_j (E2);
 *   plus u |D_h| for the subtraction, and the score's own error (S1).
 */
function checkFiniteDifference(mix: GaussianMixture, an: Analysis, x: number[], context: Record<string, unknown>): void {
  const d = mix.dim;
  const s = score(mix, nd(x));
  const sBound = scoreBound(an, x);
  for (let j = 0; j < d; j++) {
    // s_k(t) = -(Sigma_k^{-1}(x + t e_j - mu_k))_j, affine in t with slope -(Sigma_k^{-1})_jj.
    const t0 = terms(an, x);
    const slopes = an.inverse.map((inv) => -inv[j]![j]!);
    const rangeAt = (t: number) => {
      const sk = t0.v.map((v, k) => -v[j]! + t * slopes[k]!);
      return Math.max(...sk) - Math.min(...sk);
    };
    const h0 = 2 ** -6;
    // The range of K affine functions is convex in t: its maximum on [-h0, h0] is at an end.
    const Rs = Math.max(rangeAt(-h0), rangeAt(h0));
    const Rds = Math.max(...slopes) - Math.min(...slopes);
    const M = 0.75 * Rs * Rds + 0.25 * Rs ** 3;
    const delta0 = logPdfBound(an, x);
    const hOpt = M > 0 ? Math.cbrt((3 * delta0) / M) : h0;
    const h = 2 ** Math.max(-40, Math.min(-6, Math.floor(Math.log2(hOpt))));
    const xp = x.slice();
    const xm = x.slice();
    xp[j] = x[j]! + h;
    xm[j] = x[j]! - h;
    const lp = logPdf(mix, nd([xp, xm]));
    const fd = (lp.get(0) - lp.get(1)) / (2 * h);
    const delta = Math.max(logPdfBound(an, xp), logPdfBound(an, xm));
    const tol = (M * h * h) / 6 + delta / h + U * Math.abs(fd) + sBound;
    expectClose(s.get(j), fd, { atol: tol }, { ...context, x, j, h, M });
  }
}

describe('mixture.score', () => {
  test('mixture/score#fixture: score equals the 60-digit mpmath gradient within the bound (S1)', () => {
    for (const c of fixture.cases) {
      const mix = create(c);
      const an = analyze(c);
      const s = score(mix, nd(c.points.map((p) => p.x)));
      expect(s.shape).toEqual([c.points.length, an.d]);
      c.points.forEach((p, i) => {
        const bound = scoreBound(an, p.x);
        for (let j = 0; j < an.d; j++) {
          expectClose(s.get(i, j), p.score[j]!, { atol: bound + U * Math.abs(p.score[j]!) }, { case: c.name, x: p.x, j });
        }
      });
    }
  });

  test.prop([arbMixture({ maxDim: 3, maxComponents: 4 }), arbPoint(3, 10)], { numRuns: 150 })(
    'mixture/score#finite-difference: score equals the central difference of logPdf (random mixtures and points)',
    (mc, point) => {
      const x = point.slice(0, mc.mix.dim).map(quantize);
      checkFiniteDifference(mc.mix, analyze(mc.spec), x, {});
    },
  );

  test.prop([arbMixture({ maxDim: 3, maxComponents: 4 }), arbPoint(3, 1)], { numRuns: 100 })(
    'mixture/score#finite-difference: far from every mode (50 standard deviations out)',
    (mc, dir) => {
      const d = mc.mix.dim;
      const u = dir.slice(0, d);
      const norm = Math.hypot(...u);
      fc.pre(norm > 1e-3);
      // 50 sqrt(eigMax) beyond the farthest mean (|mu| <= 5 sqrt(d)): every N_k(x) underflows.
      const radius = 5 * Math.sqrt(d) + 50 * Math.sqrt(4);
      const x = u.map((v) => quantize((v / norm) * radius));
      const an = analyze(mc.spec);
      expect(terms(an, x).a.every((a) => Math.exp(a) === 0)).toBe(true);
      checkFiniteDifference(mc.mix, an, x, {});
    },
  );

  test('mixture/score#finite-difference: far points of the fixture', () => {
    for (const c of fixture.cases) {
      const mix = create(c);
      const an = analyze(c);
      for (const p of c.points) {
        if (p.naiveLogPdf === null) checkFiniteDifference(mix, an, p.x.map(quantize), { case: c.name });
      }
    }
  });
});

describe('mixture/score#weight-blind: NCSN two-mode example (Song and Ermon 2019, Section 3)', () => {
  // p = w_1 N((-5,-5), I) + w_2 N((5,5), I). With |mu_1| = |mu_2| the normalizers cancel:
  //   r_1(x) = sigmoid(l - 10 (x_1 + x_2)),   l = log(w_1 / w_2),
  //   score(x) = -(x - mu_2) + r_1(x) (mu_1 - mu_2),
  // so changing the weights changes the score by (r_1 - r_1') (mu_1 - mu_2), of norm
  // 10 sqrt(2) |r_1 - r_1'|, where |r_1 - r_1'| <= |w_1/w_2 - w_1'/w_2'| exp(-10 (x_1 + x_2))
  // near mode 2 (and symmetrically near mode 1).
  const mu1 = [-5, -5];
  const mu2 = [5, 5];
  const skewed = { weights: [0.2, 0.8], means: [mu1, mu2], covs: 1 };
  const even = { weights: [0.5, 0.5], means: [mu1, mu2], covs: 1 };
  const mixA = create(skewed);
  const mixB = create(even);
  const specA = { ...skewed, covs: [[[1, 0], [0, 1]], [[1, 0], [0, 1]]] };
  const specB = { ...even, covs: specA.covs };
  const anA = analyze(specA);
  const anB = analyze(specB);
  const sigmoid = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));
  const r1 = (w1: number, w2: number, x: number[]) => sigmoid(Math.log(w1 / w2) - 10 * (x[0]! + x[1]!));
  const closedFormScore = (w1: number, w2: number, x: number[]) => {
    const r = r1(w1, w2, x);
    return [-(x[0]! - mu2[0]!) + r * (mu1[0]! - mu2[0]!), -(x[1]! - mu2[1]!) + r * (mu1[1]! - mu2[1]!)];
  };
  const arbOffset = fc.tuple(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }));

  test.prop([fc.constantFrom(0, 1), arbOffset], { numRuns: 200 })(
    'mixture/score#weight-blind: in the square |x_i - mu_i| <= 2 around either mode the scores for weights (0.2, 0.8) and (0.5, 0.5) differ by < 1e-24',
    (mode, [o1, o2]) => {
      const mu = mode === 0 ? mu1 : mu2;
      const x = [mu[0]! + o1, mu[1]! + o2];
      const sA = score(mixA, nd(x));
      const sB = score(mixB, nd(x));
      // Near mode 2 (z = x_1 + x_2 > 0): |r_1^A - r_1^B| <= |e^{l_A} - e^{l_B}| e^{-10 z} = |1/4 - 1| e^{-10 z};
      // near mode 1 the same for r_2 with |4 - 1|. In the square |z| >= 10 - 4 = 6.
      const z = Math.abs(x[0]! + x[1]!);
      const dr = 3 * Math.exp(-10 * z);
      const closedForm = dr * 10 * Math.SQRT2;
      const tol = closedForm + scoreBound(anA, x) + scoreBound(anB, x);
      for (let j = 0; j < 2; j++) {
        expectClose(sA.get(j) - sB.get(j), 0, { atol: tol }, { x, j, closedForm });
        expect(Math.abs(sA.get(j) - sB.get(j))).toBeLessThan(1e-12);
      }
      expect(closedForm).toBeLessThan(1e-24);
    },
  );

  test.prop([arbOffset.map(([a, b]) => [a * 3, b * 3])], { numRuns: 200 })(
    'mixture/score#weight-blind: responsibilities and scores equal the closed form sigmoid(log(w_1/w_2) - 10 (x_1 + x_2))',
    ([o1, o2]) => {
      const x = [o1!, o2!];
      for (const [mix, an, w] of [
        [mixA, anA, skewed.weights],
        [mixB, anB, even.weights],
      ] as const) {
        const rExpected = r1(w[0]!, w[1]!, x);
        const rGot = responsibilities(mix, nd(x)).get(0);
        // (R1) for the library; the closed form's own error: exp of an argument of absolute
        // error u |t| has relative error u |t|, plus 4 u for the sigmoid's operations.
        const t = Math.abs(Math.log(w[0]! / w[1]!) - 10 * (x[0]! + x[1]!));
        const rel = responsibilityRelBound(an, x, 0) + U * (t + 4);
        expectClose(rGot, rExpected, { atol: rel * rExpected + 2 * Number.MIN_VALUE }, { x });
        const s = score(mix, nd(x));
        const sc = closedFormScore(w[0]!, w[1]!, x);
        for (let j = 0; j < 2; j++) {
          // |d score| <= 10 |d r_1| + the rounding of the closed form (u (|x - mu_2| + 10 r_1) per term).
          const tol = scoreBound(an, x) + 10 * rel * rExpected + 4 * U * (Math.abs(x[j]! - mu2[j]!) + 10);
          expectClose(s.get(j), sc[j]!, { atol: tol }, { x, j });
        }
      }
    },
  );

  test('mixture/score#weight-blind: between the modes the weights do matter (x = 0: difference (3, 3))', () => {
    const x = [0, 0];
    const diff = [score(mixA, nd(x)).get(0) - score(mixB, nd(x)).get(0), score(mixA, nd(x)).get(1) - score(mixB, nd(x)).get(1)];
    // r_1 = w_1 at x = 0, so the difference is (0.2 - 0.5)(mu_1 - mu_2) = (3, 3).
    for (const v of diff) expectClose(v, -0.3 * -10, { atol: scoreBound(anA, x) + scoreBound(anB, x) + 8 * U * 10 });
  });
});

describe('mixture/perturb#score: the perturbed score is the gradient of the perturbed log-density', () => {
  test.prop([arbMixture({ maxDim: 3, maxComponents: 3 }), fc.double({ min: 0, max: 3, noNaN: true }), arbPoint(3, 10)], {
    numRuns: 100,
  })('mixture/perturb#score: score(perturb(p, sigma)) equals the central difference of its logPdf', (mc, sigma, point) => {
    const q = perturb(mc.mix, sigma);
    const x = point.slice(0, q.dim).map(quantize);
    checkFiniteDifference(q, analyze(specOf(q)), x, { sigma });
  });
});
