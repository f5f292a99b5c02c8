/**
 * Every objective against an independent reference: test/fixtures/score-matching/reference
 * (runner.py, mpmath at 50 digits: each value is the correctly rounded exact objective) for
 * the quadratic network s(x) = b + A x + C (W x)^2.
 *
 * @see proofs/score-matching/explicit.md
 * @see proofs/score-matching/sliced.md
 * @see proofs/score-matching/denoising.md
 * @see proofs/score-matching/ncsn.md
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { denoising, explicit, ncsnObjective, sliced } from '../../../src/core/score-matching/index.js';
import { expectClose } from '../../_support/expect-close.js';
import { gamma, nd, U } from './support.js';

interface Result {
  perExample: number[];
  value: number;
}
const data = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'score-matching', 'reference', 'data.json'), 'utf8')) as {
  n: number;
  d: number;
  k: number;
  m: number;
  x: number[];
  W: number[];
  A: number[];
  C: number[];
  b: number[];
  projections: number[];
  sigma: number;
  noise: number[];
  sigmas: number[];
  noiseLevels: number[];
  labels: number[];
  explicit: Result;
  sliced: Result;
  slicedVarianceReduced: Result;
  denoising: Result;
  ncsn: Result;
  ncsnLambdaOnePlusSigmaSq: Result;
  ncsnLabels: Result;
};
const { n, d, k, m } = data;
const L = data.sigmas.length;

/**
 * The network at one point, in float64, and its absolute-value twin (every input and
 * parameter replaced by its absolute value): h = W x, s = b + A x + C (h * h),
 * J = A + C diag(2 h) W.
 */
function network(x: ArrayLike<number>, xAbs: ArrayLike<number>) {
  const h = new Float64Array(k);
  const hAbs = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    for (let c = 0; c < d; c++) {
      h[j] = h[j]! + data.W[j * d + c]! * x[c]!;
      hAbs[j] = hAbs[j]! + Math.abs(data.W[j * d + c]!) * xAbs[c]!;
    }
  }
  const s = new Float64Array(d);
  const sAbs = new Float64Array(d);
  const J = new Float64Array(d * d);
  const JAbs = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    let v = data.b[a]!;
    let va = Math.abs(data.b[a]!);
    for (let c = 0; c < d; c++) {
      v += data.A[a * d + c]! * x[c]!;
      va += Math.abs(data.A[a * d + c]!) * xAbs[c]!;
    }
    for (let j = 0; j < k; j++) {
      v += data.C[a * k + j]! * (h[j]! * h[j]!);
      va += Math.abs(data.C[a * k + j]!) * hAbs[j]! * hAbs[j]!;
    }
    s[a] = v;
    sAbs[a] = va;
    for (let c = 0; c < d; c++) {
      let g = data.A[a * d + c]!;
      let ga = Math.abs(data.A[a * d + c]!);
      for (let j = 0; j < k; j++) {
        g += data.C[a * k + j]! * 2 * h[j]! * data.W[j * d + c]!;
        ga += Math.abs(data.C[a * k + j]!) * 2 * hAbs[j]! * Math.abs(data.W[j * d + c]!);
      }
      J[a * d + c] = g;
      JAbs[a * d + c] = ga;
    }
  }
  return { s, sAbs, J, JAbs };
}

const score = (y: Float64NdArray) => {
  const out = new Float64Array(y.data.length);
  const rows = y.shape[0]!;
  for (let i = 0; i < rows; i++) out.set(network(y.data.subarray(i * d, (i + 1) * d), y.data.subarray(i * d, (i + 1) * d)).s, i * d);
  return nd(out, y.shape.slice());
};
const jacobian = (y: Float64NdArray) => {
  const rows = y.shape[0]!;
  const out = new Float64Array(rows * d * d);
  for (let i = 0; i < rows; i++) out.set(network(y.data.subarray(i * d, (i + 1) * d), y.data.subarray(i * d, (i + 1) * d)).J, i * d * d);
  return nd(out, [rows, d, d]);
};
const noiseScore = (y: Float64NdArray, sigma: number) => nd(score(y).data.map((v) => v / (1 + sigma)), y.shape.slice());

/**
 * Every value is a polynomial in the inputs (with z / sigma, s / (1 + sigma) and lambda as
 * single roundings), so its float64 evaluation errs by at most gamma_K times the same
 * expression over absolute values (Higham 2002, Section 3.1), K the most roundings on any
 * monomial: h takes d, s another d + k + 3 (and 2 for x~ = x + sigma z): K_s = 2d + k + 5;
 * a square doubles it; a trace or a sum adds its length, the quadratic form v^T J v 2d,
 * the averages over m projections or L levels m + 1 or L + 1, lambda and the products 4.
 * K bounds every objective's count; the reference is correctly rounded (u |ref|).
 */
const Ks = 2 * d + k + 5;
const K = 2 * Ks + d * d + 2 * d + m + L + 16;

function compare(name: string, got: { value: number; perExample: Float64NdArray }, ref: Result, abs: Float64Array): void {
  let meanAbs = 0;
  for (let i = 0; i < n; i++) {
    expectClose(got.perExample.get(i), ref.perExample[i]!, { atol: gamma(K) * abs[i]! + U * Math.abs(ref.perExample[i]!) }, { name, i });
    meanAbs += abs[i]! / n;
  }
  expectClose(got.value, ref.value, { atol: gamma(K + n) * meanAbs + U * Math.abs(ref.value) }, { name });
}

const X = nd(data.x, [n, d]);
const rowOf = (a: ArrayLike<number>, i: number) => Array.from(a).slice(i * d, (i + 1) * d);

describe('the score-matching objectives against the mpmath reference', () => {
  test('score-matching/explicit#fixture: explicit with the exact Jacobian matches the reference within gamma_K of the absolute evaluation', () => {
    const abs = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const xi = rowOf(data.x, i);
      const { sAbs, JAbs } = network(xi, xi.map(Math.abs));
      let t = 0;
      let q = 0;
      for (let a = 0; a < d; a++) {
        t += JAbs[a * d + a]!;
        q += sAbs[a]! ** 2;
      }
      abs[i] = t + 0.5 * q;
    }
    compare('explicit', explicit({ score, jacobian }, X), data.explicit, abs);
  });

  test('score-matching/sliced#fixture: sliced with the exact Jacobian, both forms, matches the reference within gamma_K of the absolute evaluation', () => {
    const V = nd(data.projections, [m, n, d]);
    for (const varianceReduced of [false, true]) {
      const abs = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const xi = rowOf(data.x, i);
        const { sAbs, JAbs } = network(xi, xi.map(Math.abs));
        let total = 0;
        for (let q = 0; q < m; q++) {
          const v = data.projections.slice((q * n + i) * d, (q * n + i + 1) * d).map(Math.abs);
          let p = 0;
          for (let a = 0; a < d; a++) {
            p += v[a]! * sAbs[a]!;
            for (let c = 0; c < d; c++) total += v[a]! * JAbs[a * d + c]! * v[c]!;
          }
          if (!varianceReduced) total += 0.5 * p * p;
        }
        let sq = 0;
        for (let a = 0; a < d; a++) sq += sAbs[a]! ** 2;
        abs[i] = total / m + (varianceReduced ? 0.5 * sq : 0);
      }
      compare(varianceReduced ? 'slicedVarianceReduced' : 'sliced', sliced({ score, jacobian }, X, V, { varianceReduced }), varianceReduced ? data.slicedVarianceReduced : data.sliced, abs);
    }
  });

  /** 1/2 sum_a (s_abs(|x| + sigma |z|) / (1 + sigma)^(c) + |z| / sigma)^2 for row i. */
  function dsmAbs(i: number, z: ArrayLike<number>, zOff: number, sigma: number, conditional: boolean): number {
    const xi = rowOf(data.x, i);
    const xt = xi.map((v, a) => v + sigma * z[zOff + i * d + a]!);
    const xtAbs = xi.map((v, a) => Math.abs(v) + sigma * Math.abs(z[zOff + i * d + a]!));
    const { sAbs } = network(xt, xtAbs);
    let e = 0;
    for (let a = 0; a < d; a++) e += (sAbs[a]! / (conditional ? 1 + sigma : 1) + Math.abs(z[zOff + i * d + a]!) / sigma) ** 2;
    return 0.5 * e;
  }

  test('score-matching/denoising#fixture: denoising matches the reference within gamma_K of the absolute evaluation', () => {
    const abs = Float64Array.from({ length: n }, (_, i) => dsmAbs(i, data.noise, 0, data.sigma, false));
    compare('denoising', denoising(score, X, data.sigma, nd(data.noise, [n, d])), data.denoising, abs);
  });

  test('score-matching/ncsn#fixture: ncsnObjective (lambda = sigma^2, lambda = 1 + sigma^2, and one labelled level per point) matches the reference within gamma_K of the absolute evaluation', () => {
    const sigmas = Float64Array.from(data.sigmas);
    for (const [name, lambda] of [
      ['ncsn', (s: number) => s * s],
      ['ncsnLambdaOnePlusSigmaSq', (s: number) => 1 + s * s],
    ] as const) {
      const abs = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let c = 0; c < L; c++) abs[i] = abs[i]! + (lambda(sigmas[c]!) * dsmAbs(i, data.noiseLevels, c * n * d, sigmas[c]!, true)) / L;
      const got = ncsnObjective(noiseScore, X, sigmas, nd(data.noiseLevels, [L, n, d]), name === 'ncsn' ? undefined : { lambda });
      compare(name, got, data[name], abs);
    }
    const abs = Float64Array.from({ length: n }, (_, i) => {
      const sigma = sigmas[data.labels[i]!]!;
      return sigma * sigma * dsmAbs(i, data.noise, 0, sigma, true);
    });
    compare('ncsnLabels', ncsnObjective(noiseScore, X, sigmas, nd(data.noise, [n, d]), { labels: data.labels }), data.ncsnLabels, abs);
  });
});
