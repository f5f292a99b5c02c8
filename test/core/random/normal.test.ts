/**
 * Normal draws: the ziggurat's tables, the independence of its layer index and uniform,
 * the distribution (overall, per layer, in the tail), the bound, the bias of the finite
 * grid, the layout and the reference values.
 *
 * @see proofs/random/normal.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { ndtr } from '../../../src/_internal/gaussian-kernels.js';
import { drawBlocks } from '../../../src/core/random/blocks.js';
import { key, normal, normalArray } from '../../../src/core/random/index.js';
import { ziggurat } from '../../../src/core/random/normal.js';
import { arbKey } from '../../arbitraries/arb-key.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { ALPHA, chiSquareTest, ksTest, Z_CRIT } from '../../_support/stats.js';
import { fixture } from './fixture.js';

const { layers: LAYERS, r: R, v: V, x: X, f: F } = ziggurat;

/** sqrt(106 ln 2) = 8.57167...: the tail's x = -ln(u1)/r is accepted only if x^2 < 2 y <= 106 ln 2. */
const TAIL_X_MAX = Math.sqrt(106 * Math.LN2);

const zf = fixture.ziggurat;
const normalLong = fixture.normalLong;

/** Q(t) = P(Z > t) = Phi(-t). */
const upper = (t: number) => ndtr(-t);

/** Asserts |(estimate - expected) / stdErr| < Z_CRIT (a two-sided z-test at ALPHA). */
function expectWithinStdErr(estimate: number, expected: number, stdErr: number, what: string): void {
  const z = (estimate - expected) / stdErr;
  expect(Math.abs(z), `${what}: estimate ${estimate}, expected ${expected}, std err ${stdErr}, z = ${z}`).toBeLessThan(Z_CRIT);
}

describe('tables', () => {
  test('random/normal#tables: r, v and every table entry equal the independent Python ladder bit for bit', () => {
    // Both sides evaluate the same recurrence with the same elementary operations (exp and
    // ln from +, -, *, / only), so the float64 results must be identical.
    expect(LAYERS).toBe(zf.layers);
    expect(R).toBe(zf.r);
    expect(V).toBe(zf.v);
    expect(Array.from(X)).toEqual(zf.x);
    expect(Array.from(F)).toEqual(zf.f);
  });

  test('random/normal#tables: every layer has area v to float64 rounding: |x_i (f_{i+1} - f_i) / v - 1| <= EPS (2 (1 + x_{i+1}^2) f_{i+1} / (f_{i+1} - f_i) + 2)', () => {
    // Proof, "The tables": f_{i+1} carries <= 2 (1 + x_{i+1}^2) EPS relative error from the
    // roundings of v/x_i + f_i, ln, sqrt, x^2 and exp; the difference f_{i+1} - f_i turns it
    // into a relative error of the area amplified by f_{i+1} / (f_{i+1} - f_i); +2 EPS for
    // this test's own product, division and subtraction.
    let worst = 0;
    for (let i = 1; i < LAYERS; i++) {
      const df = F[i + 1]! - F[i]!;
      const rel = Math.abs((X[i]! * df) / V - 1);
      const bound = EPS * ((2 * (1 + X[i + 1]! ** 2) * F[i + 1]!) / df + 2);
      expect(rel, `layer ${i}: relative area error ${rel}, bound ${bound}`).toBeLessThanOrEqual(bound);
      worst = Math.max(worst, rel);
    }
    // The proof quotes the largest relative area error found: below 1e-13.
    expect(worst).toBeLessThan(1e-13);
    // The base layer: x_0 f(r) = fl(v / f_1) f_1 = v to 2 roundings, and its tail part is
    // v - r f(r) = sqrt(pi/2) erfc(r / sqrt 2) = sqrt(2 pi) Phi(-r) (Cody's erfc: a few EPS).
    expectClose(X[0]! * F[1]!, V, { rtol: 2 * EPS });
    expectClose(V - R * F[1]!, Math.sqrt(2 * Math.PI) * upper(R), { rtol: 1e-12 });
  });

  test('random/normal#tables: the heights are the density at the ladder, f_i = exp(-x_i^2/2), and the top layer reaches f(0) = 1', () => {
    // The table's exp (<= 1 ulp) against Math.exp (<= 1 ulp), both of -0.5 x x whose
    // rounding (EPS/2 relative in x^2) moves exp by EPS x^2 / 4 relative.
    for (let i = 1; i < LAYERS; i++) {
      expectClose(F[i]!, Math.exp(-0.5 * X[i]! * X[i]!), { rtol: EPS * (2 + X[i]! ** 2 / 2) }, { layer: i });
    }
    // The ladder decreases to x_256 = 0; f_256 = f_255 + v / x_255 >= 1 = f(0), so the layers
    // cover the whole region under f (the excess above 1 only costs rejections).
    for (let i = 0; i < LAYERS; i++) expect(X[i]! > X[i + 1]!, `x_${i} > x_${i + 1}`).toBe(true);
    expect(X[LAYERS]).toBe(0);
    expect(F[LAYERS]!).toBeGreaterThanOrEqual(1);
    expect(F[LAYERS]! - 1).toBeLessThan(1e-13);
  });

  test('random/normal#tables: expected attempts and Philox words per normal, from the tables, match the mpmath values', () => {
    // Attempts per normal: the layers' total area 256 v over int_0^inf f = sqrt(pi/2).
    // Words: 2 per attempt, 2 more per wedge test (layers 1..254 when u x_i >= x_{i+1}, and
    // layer 255 always), 4 per tail attempt, whose acceptance is q = r sqrt(2 pi) e^{r^2/2} Phi(-r).
    const attempts = (LAYERS * V) / Math.sqrt(Math.PI / 2);
    let wedge = 1;
    for (let i = 1; i < LAYERS - 1; i++) wedge += (X[i]! - X[i + 1]!) / X[i]!;
    wedge /= LAYERS;
    const tail = (1 - R / X[0]!) / LAYERS;
    const q = R * Math.sqrt(2 * Math.PI) * Math.exp((R * R) / 2) * upper(R);
    const words = attempts * (2 + 2 * wedge + (4 * tail) / q);
    // The tables match the exact ladder to ~1e-13 relative; Cody's Phi(-r) to a few EPS.
    expectClose(attempts, zf.attemptsPerNormal, { rtol: 1e-12 });
    expectClose(words, zf.wordsPerNormal, { rtol: 1e-12 });
    expect(words).toBeGreaterThan(2.044);
    expect(words).toBeLessThan(2.0442);
  });
});

describe('the layer index and the uniform', () => {
  test('random/normal#independence: (layer, sign, u) from a word pair are independent and uniform: chi-square over 256 x 2 x 4 cells', () => {
    // The layer uses bits 0-1 of w0 and 0-5 of w1, the sign bit 2 of w0, u the top 27 and
    // 26 bits: disjoint bits of Philox words. 10^6 pairs (5 x 10^5 blocks), 2048 cells of
    // probability 1/2048 each (expected count ~488); chi-square with 2047 df.
    const cells = new Float64Array(2048);
    const nBlocks = 500_000;
    for (let first = 0; first < nBlocks; first += 4096) {
      const m = Math.min(4096, nBlocks - first);
      const w = drawBlocks(0x2005, 0x7a96, first, m);
      for (let p = 0; p < 4 * m; p += 2) {
        const a = w[p]!;
        const b = w[p + 1]!;
        const layer = ((a & 3) << 6) | (b & 63);
        const sign = (a >>> 2) & 1;
        const u = ((a >>> 5) * 67108864 + (b >>> 6)) / 2 ** 53;
        cells[(layer * 2 + sign) * 4 + Math.floor(u * 4)]!++;
      }
    }
    const { pValue, stat } = chiSquareTest(cells, new Float64Array(2048).fill(1 / 2048));
    expect(pValue, `chi-square ${stat}`).toBeGreaterThan(ALPHA);
  });
});

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

  test('random/normal#distribution: the signs are fair and independent of |z| (2 x 8 contingency by |z| octile)', () => {
    // Bins of |z| at the half-normal octiles (probability 1/8 each), split by sign: 16 cells
    // of probability 1/16; chi-square with 15 df at n = 2 x 10^5.
    const n = 200_000;
    const z = normalArray(key(4), n);
    const edges: number[] = [];
    for (let k = 1; k < 8; k++) {
      // Solve 2 Phi(t) - 1 = k/8 by bisection (Phi monotone).
      let lo = 0;
      let hi = 10;
      for (let it = 0; it < 80; it++) {
        const mid = (lo + hi) / 2;
        if (1 - 2 * upper(mid) < k / 8) lo = mid;
        else hi = mid;
      }
      edges.push(lo);
    }
    const cells = new Float64Array(16);
    for (const v of z) {
      const a = Math.abs(v);
      let bin = 0;
      while (bin < 7 && a >= edges[bin]!) bin++;
      cells[bin * 2 + (v < 0 || Object.is(v, -0) ? 1 : 0)]!++;
    }
    const { pValue, stat } = chiSquareTest(cells, new Float64Array(16).fill(1 / 16));
    expect(pValue, `chi-square ${stat}`).toBeGreaterThan(ALPHA);
  });
});

describe('the ziggurat, layer by layer', () => {
  test('random/normal#ziggurat: counts of |z| across the 256 layer intervals [x_{i+1}, x_i) and [r, inf) match the half-normal (chi-square, n = 10^6)', () => {
    // Interval i (1..255) is [x_{i+1}, x_i), interval 0 is [r, inf): the values a layer's
    // fast path and wedge produce, and the tail. Probabilities 2 (Phi(-x_{i+1}) - Phi(-x_i))
    // and 2 Phi(-r); the smallest expected count is ~225 (255 df).
    const n = 1_000_000;
    const z = normalArray(key(5), n);
    const counts = new Float64Array(LAYERS);
    for (const v of z) {
      const a = Math.abs(v);
      // The ladder decreases: find i with x_{i+1} <= a < x_i by bisection on 1..256.
      if (a >= R) {
        counts[0]!++;
        continue;
      }
      let lo = 1; // x_lo > a
      let hi = LAYERS; // x_hi <= a
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (X[mid]! > a) lo = mid;
        else hi = mid;
      }
      counts[lo]!++;
    }
    const probs = new Float64Array(LAYERS);
    probs[0] = 2 * upper(R);
    for (let i = 1; i < LAYERS; i++) probs[i] = 2 * (upper(X[i + 1]!) - upper(X[i]!));
    const { pValue, stat } = chiSquareTest(counts, probs);
    expect(pValue, `chi-square ${stat}`).toBeGreaterThan(ALPHA);
  });

  test('random/normal#tail: the values beyond r follow the conditional normal tail (KS against 1 - Phi(-t)/Phi(-r), n = 4 x 10^6)', () => {
    // |z| >= r happens only on the tail path (fast and wedge values are < x_1 = r). Given
    // |z| > r the law is P(|z| <= t | |z| > r) = 1 - Phi(-t)/Phi(-r); about 4e6 x 2 Phi(-r)
    // ~ 1030 tail values. Their frequency is also checked against 2 Phi(-r).
    const n = 4_000_000;
    const z = normalArray(key(6), n);
    const tail: number[] = [];
    for (const v of z) if (Math.abs(v) >= R) tail.push(Math.abs(v));
    const qr = upper(R);
    const { pValue, d } = ksTest(tail, (t) => (t <= R ? 0 : 1 - upper(t) / qr));
    expect(pValue, `D = ${d}, ${tail.length} tail values`).toBeGreaterThan(ALPHA);
    const p = 2 * qr;
    expectWithinStdErr(tail.length / n, p, Math.sqrt((p * (1 - p)) / n), 'P(|z| >= r)');
  });

  test('random/normal#tail: the tail values of the reference streams are on the tail path, and only they exceed r', () => {
    for (const s of normalLong) {
      for (let i = 0; i < s.values.length; i++) {
        expect(Math.abs(s.values[i]!) >= R, `seed ${s.seed} value ${i}`).toBe(s.paths[i] === 'tail');
      }
    }
  });
});

describe('bound and grid bias', () => {
  test.prop([arbKey(), fc.integer({ min: 1, max: 2048 })])(
    'random/normal#bound: every value is finite with |z| < r + sqrt(106 ln 2) ~ 12.2258',
    (k, n) => {
      // Fast and wedge values are < x_0 u < r; tail values are r + x with x^2 < 2 y <=
      // 106 ln 2 (y = -ln u2, u2 >= 2^-53). The 1e-12 covers the rounding of r + x.
      for (const v of normalArray(k, n)) expect(Number.isFinite(v) && Math.abs(v) < R + TAIL_X_MAX + 1e-12, `z = ${v}`).toBe(true);
    },
  );

  test('random/normal#bound: the extreme uniforms keep every logarithm finite', () => {
    // u = 1 - k/2^53 >= 2^-53: -ln u <= 53 ln 2 = 36.74, finite; x = 53 ln 2 / r ~ 10.05
    // is then rejected unless 2 y > x^2 ~ 101 > 2 (53 ln 2) = 73.5: impossible.
    const xMax = -Math.log(2 ** -53) / R;
    expectClose(xMax, (53 * Math.LN2) / R, { rtol: 2 * EPS });
    expect(2 * -Math.log(2 ** -53)).toBeLessThan(xMax * xMax);
    expectClose(R + TAIL_X_MAX, 12.225827, { atol: 1e-6 });
    // u = 1 gives x = -ln 1 / r = 0 (as -0) and z = r: finite.
    expect(R + -Math.log(1) / R).toBe(R);
  });

  test('random/normal#grid-bias: the ziggurat with u and the wedge uniform on an N-point grid gives |z| within 7/N of the half-normal (Kolmogorov)', () => {
    // The generator is this law with N = 2^53; N = 2^8, 2^10, 2^12 are enumerated exactly:
    // layer i w.p. 1/256, u = k/N w.p. 1/N; x = u x_i is an atom if x < x_{i+1}; in a wedge
    // the fraction of grid u2 with f_i + u2 (f_{i+1} - f_i) < f(x) accepts; layer 0 beyond
    // r sends mass to the exact tail (continuous). Normalised by the accepted mass.
    for (const N of [256, 1024, 4096]) {
      const pos: number[] = [];
      const wt: number[] = [];
      let tailMass = 0;
      for (let i = 0; i < LAYERS; i++) {
        for (let k = 0; k < N; k++) {
          const x = (k / N) * X[i]!;
          if (x < X[i + 1]!) {
            pos.push(x);
            wt.push(1);
          } else if (i === 0) {
            tailMass += 1;
          } else {
            const g = (Math.exp(-0.5 * x * x) - F[i]!) / (F[i + 1]! - F[i]!);
            const c = Math.min(N, Math.max(0, Math.ceil(g * N)));
            if (c > 0) {
              pos.push(x);
              wt.push(c / N);
            }
          }
        }
      }
      const order = pos.map((_, j) => j).sort((p, q) => pos[p]! - pos[q]!);
      let total = tailMass;
      for (const w of wt) total += w;
      let cum = 0;
      let d = 0;
      for (let j = 0; j < order.length; j++) {
        const t = pos[order[j]!]!;
        const h = 1 - 2 * upper(t);
        d = Math.max(d, Math.abs(cum / total - h));
        cum += wt[order[j]!]!;
        d = Math.max(d, Math.abs(cum / total - h));
      }
      // Between the last atom and r the law is flat; beyond r the exact tail shrinks the gap.
      d = Math.max(d, Math.abs(cum / total - (1 - 2 * upper(R))));
      expect(d * N, `N = ${N}: D = ${d}`).toBeLessThanOrEqual(7);
    }
  });
});

describe('layout and reference', () => {
  test('random/normal#layout: normal(key, [2, 3]) is normalArray(key, 6) in row-major order; a shorter draw is a prefix', () => {
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

  test('random/normal#layout: values do not depend on how the stream is chunked (prefixes across several 4096-block chunks)', () => {
    // Different n load the stream in different chunk sizes; the values are a function of
    // the stream position only.
    const k = key(21);
    const long = normalArray(k, 40_000);
    for (const m of [1, 7, 100, 8191, 8192, 8193, 16_500, 39_999]) {
      const short = normalArray(k, m);
      expect(Buffer.from(short.buffer).equals(Buffer.from(long.buffer, 0, 8 * m)), `m = ${m}`).toBe(true);
    }
  });

  test('random/normal#reference: normalArray equals the independent pure-Python ziggurat bit for bit, tail values to 4 EPS', () => {
    // Fast-path and wedge values are u x_i: the same exact integer times the same table
    // entry, one rounding, on both sides. Tail values r + x, x = -ln(u1)/r, use the libm's
    // ln (glibc versus V8, each within 1 ulp): x differs by <= 2 EPS x + EPS x (the
    // division), r + x by <= 3 EPS x + EPS/2 (r + x) <= 4 EPS relative. (An accept decision
    // could differ only if y fell within an ulp of exp or 2y of x^2: probability ~1e-16.)
    for (const s of fixture.streams) {
      const z = normalArray(key(s.seed), s.normal.length);
      for (let i = 0; i < z.length; i++) {
        if (Math.abs(s.normal[i]!) >= R) expectClose(z[i]!, s.normal[i]!, { rtol: 4 * EPS }, { seed: s.seed, index: i });
        else expect(z[i], `seed ${s.seed} index ${i}`).toBe(s.normal[i]);
      }
    }
    for (const s of normalLong) {
      const z = normalArray(key(s.seed), s.values.length);
      const paths = new Set(s.paths);
      expect(paths.has('wedge') && paths.has('tail'), 'the reference covers the wedge and the tail').toBe(true);
      for (let i = 0; i < z.length; i++) {
        if (s.paths[i] === 'tail') expectClose(z[i]!, s.values[i]!, { rtol: 4 * EPS }, { seed: s.seed, index: i });
        else expect(z[i], `seed ${s.seed} index ${i} (${s.paths[i]})`).toBe(s.values[i]);
      }
    }
  });

  test('random/normal#reference: regression values of key(0) and key(42)', () => {
    // Written out (from runner.py) so that any change to the generator shows; V8 computes
    // these exact bits on every machine (no libm call is involved in these values).
    expect(Array.from(normalArray(key(0), 3))).toEqual([-0.7626434771861542, -1.8614086979929463, -2.4074149966599596]);
    expect(Array.from(normalArray(key(42), 3))).toEqual([0.20921302653411405, 0.5700132326831989, -0.11066397669871456]);
  });
});
