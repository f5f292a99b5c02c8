/**
 * Inpainting by annealed Langevin dynamics: the known coordinates sit exactly at their
 * perturbed values y + sigma_i z~ throughout level i; with independent coordinates the
 * unknown ones follow the unconditional dynamics bit for bit; and the NumPy run.
 *
 * @see proofs/langevin/inpaint.md
 */
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect } from 'vitest';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import { annealed, annealedInpaint, annealedInpaintWithKey } from '../../../src/core/langevin/index.js';
import { foldIn, key, normal } from '../../../src/core/random/index.js';
import { EPS, expectClose } from '../../_support/expect-close.js';
import { arbSigmas } from '../../arbitraries/arb-sigmas.js';
import { contraction2, fixture, fromRows, linearScore } from './support.js';

const wavy = (x: Float64NdArray, sigma: number): Float64NdArray =>
  ndarray(
    x.data.map((v, j) => -v / (1 + sigma * sigma) + 0.3 * Math.sin(v + j)),
    x.shape.slice(),
  );

/** A case: n rows of d coordinates, a 0/1 mask and known values of the shape of a row or of x. */
const arbCase = fc
  .record({ n: fc.integer({ min: 1, max: 3 }), d: fc.integer({ min: 1, max: 3 }), rowShaped: fc.boolean() })
  .chain(({ n, d, rowShaped }) => {
    const size = rowShaped ? d : n * d;
    return fc.record({
      n: fc.constant(n),
      d: fc.constant(d),
      rowShaped: fc.constant(rowShaped),
      mask: fc.array(fc.constantFrom(0, 1), { minLength: size, maxLength: size }),
      known: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: size, maxLength: size }),
    });
  });

describe('the known coordinates', () => {
  test.prop([arbCase, arbSigmas({ maxLevels: 3, maxFirst: 5, minRatio: 0.4 }), fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })])(
    'langevin/inpaint#known: after the draw of level i and after each of its steps, every known coordinate equals y_j + sigma_i z~_j with z~ = noise(i (T + 1)); xMean holds y there; the start is recorded unchanged',
    ({ n, d, rowShaped, mask, known }, sigmas, fraction, T, seed) => {
      const L = sigmas.length;
      const eps = fraction * sigmas[L - 1]! ** 2;
      const shape = [n, d];
      const cshape = rowShaped ? [d] : [n, d];
      const k = key(seed);
      const noise = (i: number) => normal(foldIn(k, i), shape);
      const x0 = normal(key(seed + 1), shape);
      const x0Copy = Array.from(x0.data);
      const condition = { mask: ndarray(Float64Array.from(mask), cshape), known: ndarray(Float64Array.from(known), cshape) };
      const r = annealedInpaint(wavy, sigmas, { eps, stepsPerLevel: T, trajectory: 1 }, x0, condition, noise);
      const traj = r.trajectory!;
      const size = n * d;
      expect(traj.shape).toEqual([L * T + 1, n, d]);
      expect(Array.from(traj.data.subarray(0, size))).toEqual(x0Copy);
      expect(Array.from(x0.data)).toEqual(x0Copy);
      const at = (a: number[], j: number) => a[rowShaped ? j % d : j]!;
      for (let i = 0; i < L; i++) {
        const zTilde = noise(i * (T + 1));
        for (let t = 0; t < T; t++) {
          const state = traj.data.subarray((i * T + t + 1) * size, (i * T + t + 2) * size);
          for (let j = 0; j < size; j++) {
            if (at(mask, j) === 1) expect(state[j]).toBe(at(known, j) + sigmas[i]! * zTilde.data[j]!);
          }
        }
      }
      const zLast = noise((L - 1) * (T + 1));
      for (let j = 0; j < size; j++) {
        if (at(mask, j) !== 1) continue;
        expect(r.xMean.data[j]).toBe(at(known, j));
        expect(r.x.data[j]).toBe(at(known, j) + sigmas[L - 1]! * zLast.data[j]!);
      }
      const viaKey = annealedInpaintWithKey(wavy, sigmas, { eps, stepsPerLevel: T }, x0, condition, k);
      expect(Array.from(viaKey.x.data)).toEqual(Array.from(r.x.data));
      expect(Array.from(viaKey.xMean.data)).toEqual(Array.from(r.xMean.data));
    },
  );
});

describe('independent coordinates', () => {
  test.prop([
    arbCase,
    arbSigmas({ maxLevels: 3, maxFirst: 5, minRatio: 0.4 }),
    fc.double({ min: 0.01, max: 1, noNaN: true }),
    fc.integer({ min: 1, max: 3 }),
    fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    fc.array(fc.record({ mu: fc.double({ min: -3, max: 3, noNaN: true }), v: fc.double({ min: 0.1, max: 4, noNaN: true }) }), { minLength: 3, maxLength: 3 }),
    fc.boolean(),
  ])(
    'langevin/inpaint#independent: for a Gaussian with independent coordinates, the unknown coordinates of annealedInpaint equal those of annealed run on the noise of the steps, noise(i (T + 1) + 1 + t), bit for bit',
    ({ n, d, rowShaped, mask, known }, sigmas, fraction, T, seed, coords, denoise) => {
      const L = sigmas.length;
      const eps = fraction * sigmas[L - 1]! ** 2;
      const shape = [n, d];
      const cshape = rowShaped ? [d] : [n, d];
      // s(x, sigma)_j = -(x_j - mu_j) / (v_j + sigma^2): coordinate j depends on x_j only.
      const score = (x: Float64NdArray, sigma: number) =>
        ndarray(
          x.data.map((v, j) => -(v - coords[j % d]!.mu) / (coords[j % d]!.v + sigma * sigma)),
          x.shape.slice(),
        );
      const k = key(seed);
      const noise = (i: number) => normal(foldIn(k, i), shape);
      const stepNoise = (i: number) => noise(Math.floor(i / T) * (T + 1) + 1 + (i % T));
      const x0 = normal(key(seed + 1), shape);
      const condition = { mask: ndarray(Float64Array.from(mask), cshape), known: ndarray(Float64Array.from(known), cshape) };
      const r = annealedInpaint(score, sigmas, { eps, stepsPerLevel: T, trajectory: 1, denoise }, x0, condition, noise);
      const u = annealed(score, sigmas, { eps, stepsPerLevel: T, trajectory: 1, denoise }, x0, stepNoise);
      const size = n * d;
      for (let j = 0; j < size; j++) {
        if (mask[rowShaped ? j % d : j] === 1) continue;
        for (let s = 0; s <= L * T; s++) expect(r.trajectory!.data[s * size + j]).toBe(u.trajectory!.data[s * size + j]);
        expect(r.x.data[j]).toBe(u.x.data[j]);
        expect(r.xMean.data[j]).toBe(u.xMean.data[j]);
      }
    },
  );
});

describe('against the NumPy reference', () => {
  test("langevin/inpaint#reference: annealedInpaint on the fixture's 2-D Gaussian matches NumPy's transcription of the NCSN code after each level (known coordinates bit for bit)", () => {
    const f = fixture.inpaint;
    const a = fixture.annealed;
    const sigmas = Float64Array.from(a.sigmas);
    const L = sigmas.length;
    const T = a.stepsPerLevel;
    const scores = a.precisions.map((P) => linearScore(P, fixture.mu));
    const score = (x: Float64NdArray, sigma: number) => scores[sigmas.indexOf(sigma)]!(x);
    const condition = { mask: ndarray(Float64Array.from(f.mask), [2]), known: ndarray(Float64Array.from(f.known), [2]) };
    const r = annealedInpaint(score, sigmas, { eps: a.eps, stepsPerLevel: T, trajectory: 1 }, fromRows(fixture.x0), condition, (i) => fromRows(f.noise[i]!));
    const n = fixture.x0.length;
    const traj = r.trajectory!.data;
    // The unknown coordinate (j = 1) evolves by the row's linear map with the known one held at
    // the same values in both implementations (y + sigma_i z~, two roundings each, the same in
    // NumPy): the per-step bound of langevin/annealed#reference applies, evaluated on this run's
    // states, with the known coordinate at its perturbed value before each step.
    let tol = 0;
    for (let i = 0; i < L; i++) {
      const P = a.precisions[i]!;
      const alpha = a.eps * (sigmas[i]! / sigmas[L - 1]!) ** 2;
      const h = alpha / 2;
      const c = Math.sqrt(alpha);
      const rho = contraction2(P, h);
      expect(rho).toBeLessThan(1);
      const zTilde = f.noise[i * (T + 1)]!;
      for (let t = 0; t < T; t++) {
        const k = i * T + t;
        let bound = 0;
        for (let p = 0; p < n; p++) {
          const x = [f.known[0]! + sigmas[i]! * zTilde[p]![0]!, traj[k * 2 * n + 2 * p + 1]!];
          let pd = 0;
          let s = 0;
          for (let l = 0; l < 2; l++) {
            pd += Math.abs(P[1]![l]!) * Math.abs(x[l]! - fixture.mu[l]!);
            s -= P[1]![l]! * (x[l]! - fixture.mu[l]!);
          }
          const m = x[1]! + h * s;
          const cz = c * f.noise[i * (T + 1) + 1 + t]![p]![1]!;
          bound = Math.max(
            bound,
            2 * Math.SQRT2 * EPS * (Math.abs(m) + Math.abs(m + cz) + Math.abs(h * s) + 2 * Math.abs(cz) + 3 * h * pd) +
              Math.SQRT2 * 4 * EPS * (Math.abs(h * s) + Math.abs(cz)),
          );
        }
        tol = rho * tol + bound;
      }
      for (let p = 0; p < n; p++) {
        const at = (i + 1) * T * 2 * n + 2 * p;
        expect(traj[at]).toBe(f.levels[i + 1]![p]![0]);
        expectClose(traj[at + 1]!, f.levels[i + 1]![p]![1]!, { atol: tol }, { level: i + 1, p });
      }
    }
  });
});
