/**
 * Helpers for the `binomial` tests: arrays from lists, reverse models from tables, the
 * brute-force references (every forward trajectory enumerated, every reverse path summed),
 * and the 50-digit fixture of test/fixtures/binomial/reference.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ndarray from 'ndarray';
import type { Float64NdArray } from '../../../src/_internal/validate.js';
import type { BinomialSchedule, BitModel } from '../../../src/core/binomial/index.js';
import { bitStates } from '../../arbitraries/arb-bit-distribution.js';

export { bitStates };

/** A float64 ndarray holding `values` in the given shape (default: one axis). */
export function nd(values: ArrayLike<number>, shape: number[] = [values.length]): Float64NdArray {
  return ndarray(Float64Array.from(values), shape);
}

/** The index of a row of bits (first bit most significant). */
export function stateIndex(bits: ArrayLike<number>, offset: number, d: number): number {
  let j = 0;
  for (let i = 0; i < d; i++) j = 2 * j + bits[offset + i]!;
  return j;
}

/** A reverse model from a table: table[t][state][bit] = P(x_{t-1,bit} = 1 | x_t = state). */
export function tableModel(table: Record<number, readonly (readonly number[])[]>, d: number): BitModel {
  return (xt: Float64NdArray, t: number) => {
    const n = xt.shape[0]!;
    const out = new Float64Array(n * d);
    const rows = table[t]!;
    for (let b = 0; b < n; b++) {
      const row = rows[stateIndex(xt.data, b * d, d)]!;
      for (let i = 0; i < d; i++) out[b * d + i] = row[i]!;
    }
    return ndarray(out, [n, d]);
  };
}

/** The model's probabilities at every state, per step: f[t][j * d + i] (t = 2..T). */
export function modelTable(s: BinomialSchedule, model: BitModel, d: number): Float64Array[] {
  const S = 2 ** d;
  const states = ndarray(bitStates(d), [S, d]);
  const out: Float64Array[] = [];
  for (let t = 2; t <= s.T; t++) out[t] = Float64Array.from(model(states, t).data);
  return out;
}

/** q(x_t = y | x_{t-1} = x) for one step of rate beta, over d bits of the states x, y (plain arithmetic). */
function stepProb(x: number, y: number, d: number, beta: number): number {
  let p = 1;
  for (let i = 0; i < d; i++) {
    const same = ((x >> i) & 1) === ((y >> i) & 1);
    p *= same ? 1 - beta / 2 : beta / 2;
  }
  return p;
}

/** P(x_{t-1} = y | x_t = z) under the factorized model table f at step t. */
function reverseProb(f: Float64Array, z: number, y: number, d: number): number {
  let p = 1;
  for (let i = 0; i < d; i++) {
    const bit = (y >> (d - 1 - i)) & 1;
    const one = f[z * d + i]!;
    p *= bit === 1 ? one : 1 - one;
  }
  return p;
}

/**
 * K(x_0) = E_{q(x_{1:T}|x_0)} log[p(x_{0:T}) / q(x_{1:T}|x_0)] and log p(x_0), both by
 * enumerating every trajectory x_1..x_T (2^(d T) of them); the prior is B(1/2) and the first
 * reverse step is the forward kernel of step 1. Also returns sum q (|log p| + |log q|) (the
 * scale of the terms, for the rounding budget).
 */
export function bruteForce(s: BinomialSchedule, f: Float64Array[], x0: number, d: number): { K: number; logp: number; scale: number } {
  const T = s.T;
  const S = 2 ** d;
  const path = new Int32Array(T + 1);
  path[0] = x0;
  let K = 0;
  let scale = 0;
  let p0 = 0;
  const total = S ** T;
  for (let code = 0; code < total; code++) {
    let c = code;
    for (let t = 1; t <= T; t++) {
      path[t] = c % S;
      c = Math.floor(c / S);
    }
    let q = 1;
    for (let t = 1; t <= T; t++) q *= stepProb(path[t - 1]!, path[t]!, d, s.beta[t]!);
    let p = 1 / S;
    for (let t = T; t >= 2; t--) p *= reverseProb(f[t]!, path[t]!, path[t - 1]!, d);
    p *= stepProb(path[0]!, path[1]!, d, s.beta[1]!);
    p0 += p;
    if (q > 0) {
      const lp = Math.log(p);
      const lq = Math.log(q);
      K += q * (lp - lq);
      scale += q * (Math.abs(lp) + Math.abs(lq));
    }
  }
  return { K, logp: Math.log(p0), scale };
}

interface RawBound {
  name: string;
  d: number;
  betas: string[];
  weights: string[];
  states: number[][];
  randomModel: Record<string, string[][]>;
  optimalModel: Record<string, string[][]>;
  random: { K: string[]; logLikelihood: string[] };
  optimal: { K: string[]; logLikelihood: string[] };
}

interface RawSchedule {
  name: string;
  betas: string[];
  gamma: string[];
  marginalFlip: string[];
  logMarginalFlip: string[];
  logMarginalStay: string[];
}

const raw = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'binomial', 'reference', 'data.json'), 'utf8')) as {
  schedules: RawSchedule[];
  bounds: RawBound[];
};

const num = (v: string): number => (v === '-Infinity' ? -Infinity : Number(v));
const betasOf = (values: string[]): Float64Array => {
  const b = new Float64Array(values.length + 1);
  values.forEach((v, i) => (b[i + 1] = Number(v)));
  return b;
};
const tableOf = (t: Record<string, string[][]>): Record<number, number[][]> =>
  Object.fromEntries(Object.entries(t).map(([k, rows]) => [Number(k), rows.map((r) => r.map(num))]));

/** The fixture's schedules: betas (length T + 1) and per-step gamma_t, (1 - gamma_t)/2 and its logs for t = 1..T. */
export const scheduleFixture = raw.schedules.map((c) => ({
  name: c.name,
  betas: betasOf(c.betas),
  gamma: c.gamma.map(num),
  marginalFlip: c.marginalFlip.map(num),
  logMarginalFlip: c.logMarginalFlip.map(num),
  logMarginalStay: c.logMarginalStay.map(num),
}));

/** The fixture's bound cases: K and log p(x_0) for every state x_0, for a random and the optimal model. */
export const boundFixture = raw.bounds.map((c) => ({
  name: c.name,
  d: c.d,
  betas: betasOf(c.betas),
  weights: Float64Array.from(c.weights.map(Number)),
  randomModel: tableOf(c.randomModel),
  optimalModel: tableOf(c.optimalModel),
  random: { K: c.random.K.map(num), logLikelihood: c.random.logLikelihood.map(num) },
  optimal: { K: c.optimal.K.map(num), logLikelihood: c.optimal.logLikelihood.map(num) },
}));

/**
 * The optimal factorized reverse model by brute force: f[t][z d + i] = q(x_{t-1,i} = 1 | x_t = z)
 * for t = 2..T, from the joint q(x_0, x_{t-1}, x_t) over all 2^d states (plain arithmetic:
 * marginal matrices multiplied out step by step, Bayes by summation).
 */
export function exactReverseTable(s: BinomialSchedule, weights: ArrayLike<number>, d: number): Float64Array[] {
  const S = 2 ** d;
  const out: Float64Array[] = [];
  // dist[x0][y] = q(x_{t-1} = y | x_0), starting at the identity (t - 1 = 0).
  let dist: Float64Array[] = Array.from({ length: S }, (_, a) => Float64Array.from({ length: S }, (_, y) => (y === a ? 1 : 0)));
  for (let t = 1; t <= s.T; t++) {
    const b = s.beta[t]!;
    if (t >= 2) {
      const f = new Float64Array(S * d);
      for (let z = 0; z < S; z++) {
        let den = 0;
        const num = new Float64Array(d);
        for (let a = 0; a < S; a++) {
          for (let y = 0; y < S; y++) {
            const joint = weights[a]! * dist[a]![y]! * stepProb(y, z, d, b);
            den += joint;
            for (let i = 0; i < d; i++) if (((y >> (d - 1 - i)) & 1) === 1) num[i] = num[i]! + joint;
          }
        }
        for (let i = 0; i < d; i++) f[z * d + i] = num[i]! / den;
      }
      out[t] = f;
    }
    dist = dist.map((row) => Float64Array.from({ length: S }, (_, z) => row.reduce((acc, p, y) => acc + p * stepProb(y, z, d, b), 0)));
  }
  return out;
}
