/**
 * Normal draws: Box-Muller's structure, the distribution, the bound that the (0, 1]
 * handling gives, the bias of the finite grid, the layout and the reference values.
 *
 * @see proofs/random/normal.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { ndtr } from '../../../src/_internal/gaussian-kernels.js';
import { key, normal, normalArray } from '../../../src/core/random/index.js';
import { arbKey } from '../../arbitraries/arb-key.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ALPHA, ksTest, Z_CRIT } from '../../_support/stats.js';
import { fixture } from './fixture.js';

/** sqrt(-2 ln 2^-53) = sqrt(106 ln 2) = 8.57167..., the largest |z| the grid allows. */
const Z_MAX = Math.sqrt(106 * Math.LN2);

const uniformCdf = (x: number) => Math.min(1, Math.max(0, x));

/** Asserts |(estimate - expected) / stdErr| < Z_CRIT (a two-sided z-test at ALPHA). */
function expectWithinStdErr(estimate: number, expected: number, stdErr: number, what: string): void {
  const z = (estimate - expected) / stdErr;
  expect(Math.abs(z), `${what}: estimate ${estimate}, expected ${expected}, std err ${stdErr}, z = ${z}`).toBeLessThan(Z_CRIT);
}

describe('distribution', () => {
  test('random/normal#distribution: KS against Phi at key(0), n = 10^5', () => {
    const { pValue, d } = ksTest(normalArray(key(0), 100_000), ndtr);
    expect(pValue, `D = ${d}`).toBeGreaterThan(ALPHA);
  });

  test('random/normal#distribution: KS of normal(key, shape) against Phi at key(100), odd size 3 x 33333', () => {
    const { pValue, d } = ksTest(normal(key(100), [3, 33_333]).data, ndtr);
    expect(pValue, `D = ${d}`).toBeGreaterThan(ALPHA);
  });

  test('random/normal#distribution: raw moments E z, E z^2, E z^3, E z^4 within their standard errors (n = 10^6)', () => {
    // For z ~ N(0, 1): E z^k = 0, 1, 0, 3 and Var z^k = E z^2k - (E z^k)^2 = 1, 3 - 1,
    // 15, 105 - 9; the mean of n iid copies has standard error sqrt(Var / n).
    const n = 1_000_000;
    const z = normalArray(key(1), n);
    let m1 = 0;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (const v of z) {
      const v2 = v * v;
      m1 += v;
      m2 += v2;
      m3 += v2 * v;
      m4 += v2 * v2;
    }
    expectWithinStdErr(m1 / n, 0, Math.sqrt(1 / n), 'mean');
    expectWithinStdErr(m2 / n, 1, Math.sqrt(2 / n), 'E z^2');
    expectWithinStdErr(m3 / n, 0, Math.sqrt(15 / n), 'E z^3');
    expectWithinStdErr(m4 / n, 3, Math.sqrt(96 / n), 'E z^4');
  });

  test('random/normal#distribution: sample variance and excess kurtosis within their standard errors (n = 10^6)', () => {
    // Asymptotic standard errors for normal data: sample variance sqrt(2/n), sample
    // excess kurtosis m4/m2^2 - 3, sqrt(24/n).
    const n = 1_000_000;
    const z = normalArray(key(2), n);
    let mean = 0;
    for (const v of z) mean += v;
    mean /= n;
    let m2 = 0;
    let m4 = 0;
    for (const v of z) {
      const d2 = (v - mean) ** 2;
      m2 += d2;
      m4 += d2 * d2;
    }
    m2 /= n;
    m4 /= n;
    expectWithinStdErr((m2 * n) / (n - 1), 1, Math.sqrt(2 / n), 'variance');
    expectWithinStdErr(m4 / (m2 * m2) - 3, 0, Math.sqrt(24 / n), 'excess kurtosis');
  });

  test('random/normal#distribution: the tail frequency P(|z| > 3) = 2 Phi(-3) within its binomial standard error', () => {
    const n = 1_000_000;
    const z = normalArray(key(3), n);
    let count = 0;
    for (const v of z) if (Math.abs(v) > 3) count++;
    const p = 2 * ndtr(-3);
    expectWithinStdErr(count / n, p, Math.sqrt((p * (1 - p)) / n), 'P(|z| > 3)');
  });
});

describe('Box-Muller', () => {
  const nPairs = 100_000;
  const z = normalArray(key(7), 2 * nPairs);

  test('random/normal#box-muller: exp(-(z0^2 + z1^2)/2) of each pair is uniform (the radius is chi with 2 df)', () => {
    const w = new Float64Array(nPairs);
    for (let b = 0; b < nPairs; b++) w[b] = Math.exp(-(z[2 * b]! ** 2 + z[2 * b + 1]! ** 2) / 2);
    const { pValue, d } = ksTest(w, uniformCdf);
    expect(pValue, `D = ${d}`).toBeGreaterThan(ALPHA);
  });

  test('random/normal#box-muller: the angle atan2(z1, z0) of each pair is uniform on the circle', () => {
    const a = new Float64Array(nPairs);
    for (let b = 0; b < nPairs; b++) {
      const t = Math.atan2(z[2 * b + 1]!, z[2 * b]!) / (2 * Math.PI);
      a[b] = t < 0 ? t + 1 : t;
    }
    const { pValue, d } = ksTest(a, uniformCdf);
    expect(pValue, `D = ${d}`).toBeGreaterThan(ALPHA);
  });

  test('random/normal#box-muller: the two outputs of a pair, and their squares, are uncorrelated', () => {
    // For independent N(0, 1) outputs: sqrt(n) r ~ N(0, 1) for (z0, z1) and for
    // (z0^2, z1^2) (whose variances are 2); dependence through the shared radius would
    // show in the squares.
    let s01 = 0;
    let sq = 0;
    for (let b = 0; b < nPairs; b++) {
      const z0 = z[2 * b]!;
      const z1 = z[2 * b + 1]!;
      s01 += z0 * z1;
      sq += (z0 * z0 - 1) * (z1 * z1 - 1);
    }
    expectWithinStdErr(s01 / nPairs, 0, Math.sqrt(1 / nPairs), 'E z0 z1');
    expectWithinStdErr(sq / nPairs / 2, 0, Math.sqrt(1 / nPairs), 'corr(z0^2, z1^2)');
  });
});

describe('bound and grid bias', () => {
  test.prop([arbKey(), fc.integer({ min: 1, max: 256 })])(
    'random/normal#bound: every value is finite with |z| <= sqrt(106 ln 2) ~ 8.5717',
    (k, n) => {
      // u1 >= 2^-53 gives r = sqrt(-2 ln u1) <= sqrt(106 ln 2); |cos|, |sin| <= 1. The
      // 1e-12 covers the rounding of Z_MAX and of r (a few EPS relative).
      for (const v of normalArray(k, n)) expect(Number.isFinite(v) && Math.abs(v) <= Z_MAX + 1e-12, `z = ${v}`).toBe(true);
    },
  );

  test('random/normal#bound: the extreme grid point u1 = 2^-53 gives r = sqrt(106 ln 2), finite', () => {
    const r = Math.sqrt(-2 * Math.log(2 ** -53));
    // log is accurate to 1 ulp, sqrt correctly rounded: r agrees with Z_MAX to 2 EPS.
    expectClose(r, Z_MAX, { rtol: 2 * EPS });
    // The other end, u1 = 1, gives r = 0 (as -0: -2 ln 1 = -0), so z = +-0: finite.
    expect(Math.sqrt(-2 * Math.log(1)) === 0).toBe(true);
  });

  test('random/normal#grid-bias: Box-Muller on an N x N grid is within 5/N of Phi in Kolmogorov distance', () => {
    // The generator is this construction with N = 2^53; N = 64, 128, 256 can be
    // enumerated exactly. Both outputs (cos and sin) are checked. (The distance found is
    // about 1.5/N, mostly the atom at z = 0 from the rows u1 = 1 and columns v = 1/4, 3/4;
    // the proof's 5/N counts every cell the level set can touch.)
    for (const N of [64, 128, 256]) {
      const M = N * N;
      const zc = new Float64Array(M);
      const zs = new Float64Array(M);
      let p = 0;
      for (let i = 0; i < N; i++) {
        const r = Math.sqrt(-2 * Math.log((N - i) / N)); // u1 = (N - i)/N in (0, 1]
        for (let j = 0; j < N; j++) {
          const theta = 2 * Math.PI * (j / N);
          zc[p] = r * Math.cos(theta);
          zs[p++] = r * Math.sin(theta);
        }
      }
      for (const zz of [zc, zs]) {
        zz.sort();
        // The exact Kolmogorov distance of the discrete law (ties handled: |j/M - Phi| is
        // convex in j, so the extremes over a tie are among the terms below).
        let d = 0;
        for (let i = 0; i < M; i++) {
          const f = ndtr(zz[i]!);
          d = Math.max(d, Math.abs((i + 1) / M - f), Math.abs(i / M - f));
        }
        expect(d, `N = ${N}`).toBeLessThanOrEqual(5 / N);
      }
    }
  });
});

describe('layout and reference', () => {
  test('random/normal#layout: normal(key, [2, 3]) is normalArray(key, 6) in row-major order; odd n drops a sine', () => {
    const k = key(20);
    const x = normal(k, [2, 3]);
    const flat = normalArray(k, 6);
    expect(x.shape).toEqual([2, 3]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(x.get(i, j)).toBe(flat[3 * i + j]);
    expect(Array.from(normalArray(k, 5))).toEqual(Array.from(flat.subarray(0, 5)));
    const scalar = normal(k, []);
    expect(scalar.size).toBe(1);
    expect(scalar.get()).toBe(flat[0]);
    expect(normal(k, [3, 0]).size).toBe(0);
  });

  test('random/normal#reference: normalArray equals the pure-Python Box-Muller to 5 EPS relative', () => {
    // u1 and theta are formed by the same exact or once-rounded operations on both
    // sides; what differs is the libm: ln, cos, sin each within 1 ulp (<= EPS relative)
    // in V8's fdlibm port and in glibc. Relative difference of r = sqrt(-2 ln u1): 1/2
    // (2 EPS) from ln plus 2 x EPS/2 from the two sqrt roundings = 2 EPS; of cos or sin:
    // 2 EPS; the final product: 2 x EPS/2. Total 5 EPS.
    for (const s of fixture.streams) {
      const z = normalArray(key(s.seed), s.normal.length);
      for (let i = 0; i < z.length; i++) expectClose(z[i]!, s.normal[i]!, { rtol: 5 * EPS }, { seed: s.seed, index: i });
    }
  });

  test('random/normal#reference: regression values of key(0) and key(42)', () => {
    // Written out (from runner.py) so that any change to the generator shows; V8 computes
    // these exact bits on every machine.
    expect(Array.from(normalArray(key(0), 3))).toEqual([-0.09047304870320473, -1.0051318183691345, -0.9238335951157883]);
    expect(Array.from(normalArray(key(42), 3))).toEqual([-0.48745921962859845, -0.5827376831240931, 0.19847897780352466]);
  });
});
