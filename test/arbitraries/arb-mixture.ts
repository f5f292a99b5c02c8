/**
 * Arbitrary Gaussian mixtures with controlled conditioning: weights, means and, for each
 * component, Sigma_k = Q_k diag(lambda_k) Q_k^T with eigenvalues lambda_k drawn in
 * [eigMin, eigMax] and Q_k a product of Givens rotations by drawn angles. The eigenvalues
 * are known, so tests can derive tolerances from kappa(Sigma_k) <= eigMax / eigMin.
 */
import fc from 'fast-check';
import { create, type GaussianMixture } from '../../src/core/mixture/index.js';

export interface MixtureConstraints {
  /** Smallest and largest dimension d (default 1..3). */
  readonly minDim?: number;
  readonly maxDim?: number;
  /** Smallest and largest number of components K (default 1..4). */
  readonly minComponents?: number;
  readonly maxComponents?: number;
  /** Means are drawn in [-meanRange, meanRange] per coordinate (default 5). */
  readonly meanRange?: number;
  /** Eigenvalues of every Sigma_k are drawn in [eigMin, eigMax] (default 0.25..4). */
  readonly eigMin?: number;
  readonly eigMax?: number;
  /** Unnormalized weights are drawn in [minWeight, 1] (default 0.05). */
  readonly minWeight?: number;
}

/** A drawn mixture: the arguments given to `create`, the record, and the eigenvalues drawn. */
export interface MixtureCase {
  readonly spec: { weights: number[]; means: number[][]; covs: number[][][] };
  readonly mix: GaussianMixture;
  /** eigenvalues[k] = the d eigenvalues of Sigma_k (before the rounding of Q diag Q^T). */
  readonly eigenvalues: number[][];
}

/** Sigma = Q diag(lambda) Q^T with Q = product of Givens rotations G(i, j, theta_ij); stored exactly symmetric. */
export function rotatedCovariance(lambda: readonly number[], angles: readonly number[]): number[][] {
  const d = lambda.length;
  // Q starts as I; each rotation mixes columns i and j.
  const q: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  let a = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const c = Math.cos(angles[a]!);
      const s = Math.sin(angles[a]!);
      a++;
      for (let r = 0; r < d; r++) {
        const qi = q[r]![i]!;
        const qj = q[r]![j]!;
        q[r]![i] = c * qi - s * qj;
        q[r]![j] = s * qi + c * qj;
      }
    }
  }
  const sigma = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let v = 0;
      for (let m = 0; m < d; m++) v += q[i]![m]! * lambda[m]! * q[j]![m]!;
      sigma[i]![j] = v;
      sigma[j]![i] = v;
    }
  }
  return sigma;
}

/** An arbitrary mixture within the constraints (see MixtureConstraints for the defaults). */
export function arbMixture(c: MixtureConstraints = {}): fc.Arbitrary<MixtureCase> {
  const minDim = c.minDim ?? 1;
  const maxDim = c.maxDim ?? 3;
  const minK = c.minComponents ?? 1;
  const maxK = c.maxComponents ?? 4;
  const R = c.meanRange ?? 5;
  const eigMin = c.eigMin ?? 0.25;
  const eigMax = c.eigMax ?? 4;
  const minWeight = c.minWeight ?? 0.05;
  return fc
    .tuple(fc.integer({ min: minDim, max: maxDim }), fc.integer({ min: minK, max: maxK }))
    .chain(([d, K]) => {
      const component = fc.record({
        weight: fc.double({ min: minWeight, max: 1, noNaN: true }),
        mean: fc.array(fc.double({ min: -R, max: R, noNaN: true }), { minLength: d, maxLength: d }),
        lambda: fc.array(fc.double({ min: eigMin, max: eigMax, noNaN: true }), { minLength: d, maxLength: d }),
        angles: fc.array(fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }), {
          minLength: (d * (d - 1)) / 2,
          maxLength: (d * (d - 1)) / 2,
        }),
      });
      return fc.array(component, { minLength: K, maxLength: K });
    })
    .map((components) => {
      const spec = {
        weights: components.map((k) => k.weight),
        means: components.map((k) => k.mean),
        covs: components.map((k) => rotatedCovariance(k.lambda, k.angles)),
      };
      return { spec, mix: create(spec), eigenvalues: components.map((k) => k.lambda) };
    });
}

/** A point of dimension up to `maxDim` with coordinates in [-range, range] (slice it to d). */
export function arbPoint(maxDim: number, range: number): fc.Arbitrary<number[]> {
  return fc.array(fc.double({ min: -range, max: range, noNaN: true }), { minLength: maxDim, maxLength: maxDim });
}
