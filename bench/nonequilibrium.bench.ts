/**
 * Benchmark of the bound K of Sohl-Dickstein et al. (2015) in the settings of its
 * experiments: a binomial chain of T = 2000 steps (erasure schedule) on 10^4 binary
 * sequences of length 20 (the heartbeat data's size), and Gaussian chains of T = 40 steps on
 * 2-d points (the swiss roll's), both by Monte Carlo with the noise drawn from a key. Speed
 * lives here, never in timed tests.
 *
 *   npx tsx bench/nonequilibrium.bench.ts
 *
 * The models are cheap closed forms written into a buffer they reuse (the exact reverse
 * kernels of uniform bits and of N(0, I) points), so that what is timed is the bound around
 * the model: drawing the noise, the forward samples, validating the model's output and the
 * KL terms.
 */
import ndarray from 'ndarray';
// Imported by area until the lead wires `binomial` and `nonequilibrium` into src/index.ts.
import * as binomial from '../src/core/binomial/index.js';
import * as nonequilibrium from '../src/core/nonequilibrium/index.js';
import * as random from '../src/core/random/index.js';
import * as schedule from '../src/core/schedule/index.js';
import type { Float64NdArray } from '../src/_internal/validate.js';

function medianTime(fn: () => unknown, repeats: number): number {
  fn(); // warm-up: JIT compilation is not what we measure
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const [kData, kBinomial, kPoints, kGaussian] = random.split(random.key(2015), 4) as [random.Key, random.Key, random.Key, random.Key];

// Binomial: T = 2000, 10^4 sequences of 20 bits.
const T = 2000;
const n = 10_000;
const d = 20;
const sb = binomial.fromBetas(schedule.erasureBetas(T));
const bits = Float64Array.from(random.uniformArray(kData, n * d), (u) => (u < 0.5 ? 1 : 0));
const x0 = ndarray(bits, [n, d]);
const keepBuffer = new Float64Array(n * d);
const keepView = ndarray(keepBuffer, [n, d]);
// The exact reverse kernel of uniform bits: P(x_{t-1} = 1 | x_t) = x_t (1 - beta_t/2) + (1 - x_t) beta_t/2.
const keep = (xt: Float64NdArray, t: number): Float64NdArray => {
  const f = sb.flip[t]!;
  const xs = xt.data;
  for (let i = 0; i < keepBuffer.length; i++) keepBuffer[i] = xs[i] === 1 ? 1 - f : f;
  return keepView;
};
const binomialTime = medianTime(() => binomial.boundK(sb, x0, keep, kBinomial), 3);
// A model whose probabilities differ from bit to bit (no two neighbours equal), so that every
// bit pays its two logarithms: the general case of a learned network's output.
const varied = (xt: Float64NdArray, t: number): Float64NdArray => {
  const xs = xt.data;
  for (let i = 0; i < keepBuffer.length; i++) {
    const frac = (0.6180339887498949 * (i + 7 * t) + 0.3 * xs[i]!) % 1;
    keepBuffer[i] = 0.01 + 0.98 * frac;
  }
  return keepView;
};
const variedTime = medianTime(() => binomial.boundK(sb, x0, varied, kBinomial), 3);
// One step's uniforms (n d values from foldIn(key, t)), the part of the cost that is the PRNG.
const uniformsTime = medianTime(() => random.uniformArray(random.foldIn(kBinomial, 1), n * d), 21);
const result = binomial.boundK(sb, x0, keep, kBinomial);

// Gaussian: T = 40, 2-d points, the exact reverse kernel of N(0, I) data.
const sg = schedule.fromBetas(schedule.linearBetas(40, 1e-3, 0.2));
function gaussianCase(points: number) {
  const x = random.normal(kPoints, [points, 2]);
  const mean = new Float64Array(points * 2);
  const logVariance = new Float64Array(points * 2);
  const meanView = ndarray(mean, [points, 2]);
  const logVarView = ndarray(logVariance, [points, 2]);
  const exact = (xt: Float64NdArray, t: number) => {
    const a = Math.sqrt(sg.alpha[t]!);
    const l = Math.log(sg.beta[t]!);
    const xs = xt.data;
    for (let i = 0; i < mean.length; i++) {
      mean[i] = a * xs[i]!;
      logVariance[i] = l;
    }
    return { mean: meanView, logVariance: logVarView };
  };
  const time = medianTime(() => nonequilibrium.boundK(sg, x, exact, kGaussian), 5);
  const bound = nonequilibrium.boundK(sg, x, exact, kGaussian);
  return { time, bound };
}
const g5 = gaussianCase(100_000);
const g6 = gaussianCase(1_000_000);

console.log(`diffusion-ts: the bound K of Sohl-Dickstein et al. (2015), Node ${process.version}; median seconds`);
console.log(
  `binomial.boundK, T = ${T}, ${n} sequences x ${d} bits (${((T * n * d) / 1e6).toFixed(0)}M bit-steps): ${binomialTime.toFixed(3)} s ` +
    `(${((binomialTime / (T * n * d)) * 1e9).toFixed(2)} ns per bit-step); K = ${result.meanBits.toFixed(3)} bits per sequence (exact model of uniform bits: -20)`,
);
console.log(`binomial.boundK, same, with a model whose probabilities vary from bit to bit (two logs per bit-step): ${variedTime.toFixed(3)} s (${((variedTime / (T * n * d)) * 1e9).toFixed(2)} ns per bit-step)`);
console.log(`  of which the uniforms: ${n * d} per step in ${(uniformsTime * 1e3).toFixed(2)} ms, ~${(uniformsTime * T).toFixed(3)} s for the ${T} steps`);
for (const [points, g] of [
  [100_000, g5],
  [1_000_000, g6],
] as const) {
  console.log(
    `nonequilibrium.boundK, T = 40, ${points} 2-d points: ${g.time.toFixed(3)} s (${((g.time / (39 * points * 2)) * 1e9).toFixed(2)} ns per coordinate-step); ` +
      `K = ${g.bound.meanBits.toFixed(3)} bits per point (entropy of N(0, I_2): -${Math.log2(2 * Math.PI * Math.E).toFixed(3)})`,
  );
}
