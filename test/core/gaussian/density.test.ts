/**
 * The Gaussian log-density, its score and its entropy: against mpmath, the score against
 * central differences of logPdf, the density's normalization, and the entropy as
 * -E[log N] (exactly by 2-point Gauss-Hermite quadrature, and by Monte Carlo).
 *
 * Rounding bounds (proofs/gaussian/density.md, "Accuracy"): logPdf has absolute error at
 * most 4 EPS S, with S = 1/2 (log 2 pi + |l| + (x - mu)^2 e^-l) the magnitude of its
 * terms; score at most 2 EPS relative; entropy at most 2 EPS (1.42 + |l|/2) absolute.
 *
 * @see proofs/gaussian/density.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import { LOG_2PI } from '../../../src/_internal/gaussian-kernels.js';
import { entropy, logPdf, score } from '../../../src/core/gaussian/index.js';
import { key, normalArray } from '../../../src/core/random/index.js';
import { arbGaussian } from '../../arbitraries/arb-gaussian.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { meanAndStdErr, Z_CRIT } from '../../_support/stats.js';
import { densityRows } from './fixtures.js';

const u = EPS / 2;

/** The magnitude S of logPdf's three terms at y (the scale of its rounding error). */
function termScale(y: number, mean: number, logVar: number): number {
  const d = y - mean;
  return 0.5 * (LOG_2PI + Math.abs(logVar) + d * d * Math.exp(-logVar));
}

/** Bound of the entropy's rounding error. */
const entropyAtol = (logVar: number) => 2 * EPS * (1.42 + 0.5 * Math.abs(logVar));

describe('logPdf', () => {
  test('gaussian/density#log-pdf: matches mpmath (50 digits) within 4 EPS of its terms\' magnitude', () => {
    expect(densityRows.length).toBeGreaterThan(200);
    for (const r of densityRows) {
      expectClose(logPdf(r.x, r.mean, r.logVar), r.logPdf, { atol: 4 * EPS * r.scale }, { ...r });
    }
  });

  test('gaussian/density#log-pdf: arrays, broadcast scalars and the scalar form agree; x\'s shape is kept', () => {
    const xs = Float64Array.from(densityRows, (r) => r.x);
    const ms = Float64Array.from(densityRows, (r) => r.mean);
    const ls = Float64Array.from(densityRows, (r) => r.logVar);
    const n = xs.length;
    const full = logPdf(ndarray(xs, [n]), ndarray(ms, [n]), ndarray(ls, [n]));
    const broadcast = logPdf(ndarray(xs, [n]), 0.5, -1);
    for (let i = 0; i < n; i++) {
      expect(full.data[i]).toBe(logPdf(xs[i]!, ms[i]!, ls[i]!));
      expect(broadcast.data[i]).toBe(logPdf(xs[i]!, 0.5, -1));
    }
    const grid = logPdf(ndarray(new Float64Array(6), [2, 3]), 0, 0);
    expect(grid.shape).toEqual([2, 3]);
    expect(xs[0]).toBe(densityRows[0]!.x); // inputs untouched
  });

  test.prop([arbGaussian()])(
    'gaussian/density#normalized: the trapezoid sum of exp(logPdf) over mean +- 12 sigma (step sigma/4) is 1',
    (g) => {
      // For a Gaussian the trapezoid rule on a uniform grid of step Delta errs by about
      // 2 exp(-2 pi^2 sigma^2 / Delta^2) = 2 e^-316, and cutting at +-12 sigma drops
      // 2 Phi(-12) = 3.6e-33: both far below EPS. Rounding: each exp(logPdf) carries
      // 4 EPS S_j + u (S_j = (log 2 pi + |l| + z_j^2)/2, sum_j p_j z_j^2 = 1), the grid
      // points' rounding u |x_j| moves logPdf by u |x_j| |z_j| / sigma, Delta = sigma/4
      // carries 2u, and the 97-term sum at most 96 u.
      const sigma = Math.exp(g.logVar / 2);
      const delta = sigma / 4;
      let sum = 0;
      for (let j = -48; j <= 48; j++) sum += Math.exp(logPdf(g.mean + j * delta, g.mean, g.logVar));
      const tol = EPS * (2 * (LOG_2PI + 1 + Math.abs(g.logVar)) + 0.5 * (0.8 * Math.abs(g.mean) / sigma + 1) + 1 + 48 + 1);
      expectClose(sum * delta, 1, { atol: tol }, { ...g });
    },
  );
});

describe('score', () => {
  test('gaussian/density#score: matches mpmath (50 digits) within 2 EPS relative', () => {
    for (const r of densityRows) {
      expectClose(score(r.x, r.mean, r.logVar), r.score, { rtol: 2 * EPS }, { ...r });
    }
  });

  test.prop([arbGaussian(), fc.double({ min: -5, max: 5, noNaN: true })])(
    'gaussian/density#score: equals the central difference of logPdf with step h = sigma',
    (g, z) => {
      // Central differences err by h^2 f'''/6 + rounding; f = log N is quadratic in x, so
      // f''' = 0 and the truncation term vanishes: (f(x+) - f(x-))/(x+ - x-) = f'((x+ + x-)/2)
      // exactly. Only rounding remains, 4 EPS S(x+-)/(2h) from the two values of f, which
      // falls as h grows while S grows like (h/sigma)^2: h = sigma balances them within a
      // factor 2. Further terms: the rounding of x+- (u |x+-|, moving the midpoint, so
      // f' by u (|x+| + |x-|)/(2 sigma^2)), the subtraction and division (2u |fd|), and
      // the score's own 2 EPS.
      const sigma = Math.exp(g.logVar / 2);
      const x = g.mean + z * sigma;
      const xp = x + sigma;
      const xm = x - sigma;
      const fd = (logPdf(xp, g.mean, g.logVar) - logPdf(xm, g.mean, g.logVar)) / (xp - xm);
      const s = score(x, g.mean, g.logVar);
      const spacing = Math.abs(xp - xm);
      const tol =
        (4 * EPS * (termScale(xp, g.mean, g.logVar) + termScale(xm, g.mean, g.logVar))) / spacing +
        (u * (Math.abs(xp) + Math.abs(xm))) / spacing * Math.abs(fd) +
        (u * (Math.abs(xp) + Math.abs(xm)) + u * Math.abs(x)) / (sigma * sigma) +
        2 * u * Math.abs(fd) +
        2 * EPS * Math.abs(s);
      expectClose(fd, s, { atol: tol }, { ...g, z, x });
    },
  );

  test('gaussian/density#score: the ndarray form with broadcast scalars keeps x\'s shape', () => {
    const out = score(ndarray(new Float64Array([1, -2, 0, 4]), [2, 2]), 0, Math.log(4));
    expect(out.shape).toEqual([2, 2]);
    expect(Array.from(out.data)).toEqual([-0.25, 0.5, -0, -1]);
  });
});

describe('entropy', () => {
  test('gaussian/density#entropy: matches mpmath (50 digits), and 1/2 (1 + log 2 pi) at logVar = 0', () => {
    for (const r of densityRows) expectClose(entropy(r.logVar), r.entropy, { atol: entropyAtol(r.logVar) }, { ...r });
    expectClose(entropy(0), 1.4189385332046727, { atol: entropyAtol(0) });
  });

  test.prop([arbGaussian()])(
    'gaussian/density#entropy: equals -E[log N(X)] by 2-point Gauss-Hermite quadrature (exact for a quadratic)',
    (g) => {
      // The 2-point probabilists' Gauss-Hermite rule (nodes mu +- sigma, weights 1/2) is
      // exact for polynomials of degree <= 3, and log N(x) is quadratic in x. Rounding:
      // each log N carries 4 EPS S with S = (log 2 pi + |l| + 1)/2; the nodes' rounding
      // u |x+-| moves log N by u |x+-| / sigma / 2 each; the entropy's own bound; the
      // rule's sum and halving u |H| each.
      const sigma = Math.exp(g.logVar / 2);
      const xp = g.mean + sigma;
      const xm = g.mean - sigma;
      const gh = -0.5 * (logPdf(xp, g.mean, g.logVar) + logPdf(xm, g.mean, g.logVar));
      const h = entropy(g.logVar);
      const tol =
        4 * EPS * 0.5 * (LOG_2PI + Math.abs(g.logVar) + 1.01) +
        (u * (Math.abs(xp) + Math.abs(xm))) / sigma +
        entropyAtol(g.logVar) +
        EPS * Math.abs(h);
      expectClose(gh, h, { atol: tol }, { ...g });
    },
  );

  test('gaussian/density#entropy: equals the Monte Carlo estimate of -E[log N(X)] at key(11), n = 10^5, within Z_CRIT standard errors', () => {
    const n = 100_000;
    const z = normalArray(key(11), n);
    for (const g of [
      { mean: 0, logVar: 0 },
      { mean: 2.5, logVar: -3 },
      { mean: -1, logVar: 4 },
    ]) {
      const sigma = Math.exp(g.logVar / 2);
      const xs = ndarray(Float64Array.from(z, (v) => g.mean + sigma * v), [n]);
      const neg = Float64Array.from(logPdf(xs, g.mean, g.logVar).data, (v) => -v);
      const { mean, stdErr } = meanAndStdErr(neg);
      const h = entropy(g.logVar);
      expect(Math.abs(mean - h) / stdErr, `${JSON.stringify(g)}: MC ${mean} vs ${h} (se ${stdErr})`).toBeLessThan(Z_CRIT);
    }
  });

  test('gaussian/density#entropy: a number gives a number, an ndarray an ndarray of its shape', () => {
    expect(typeof entropy(1)).toBe('number');
    const out = entropy(ndarray(new Float64Array([0, 1, 2]), [3, 1]));
    expect(out.shape).toEqual([3, 1]);
    expect(out.data[2]).toBe(entropy(2));
  });
});
