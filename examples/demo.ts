/**
 * `npm run demo`: the DDPM forward process and its bits/dim on real MNIST digits, printed
 * and drawn.
 *
 * 1. The forward process q(x_t | x_0) = N(sqrt(alphaBar_t) x_0, (1 - alphaBar_t) I) on test
 *    digits for the linear and cosine schedules (T = 1000): image grids, and the empirical
 *    mean and standard deviation of x_t against the closed form.
 * 2. The variational bound (Ho et al. 2020, Eq. 5) in bits/dim of a DDPM that can be
 *    evaluated exactly: the one whose eps prediction is the optimal one for a per-pixel
 *    Gaussian fit N(m, v) of the training digits, compared with that Gaussian's own
 *    discretized negative log-likelihood on the 8-bit bins.
 * 3. Ancestral sampling (Ho et al. 2020, Algorithm 2) with that model.
 *
 * Every random number comes from one fixed key, so the output is the same on every run.
 * Writes PNG files into out/ (git-ignored). See docs/demo.md.
 */
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ndarray from 'ndarray';
import * as ddpm from '../src/core/ddpm/index.js';
import * as elbo from '../src/core/elbo/index.js';
import * as gaussian from '../src/core/gaussian/index.js';
import * as random from '../src/core/random/index.js';
import * as schedule from '../src/core/schedule/index.js';
import type { Schedule } from '../src/core/schedule/index.js';
import type { Float64NdArray } from '../src/_internal/validate.js';
import { runNcsnMixture } from './ncsn-mixture.js';
import { imageGrid, imagesToArray, linePlot, loadMnist, writePng, type Mnist, type Raster } from '../src/data/index.js';

const started = performance.now();
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const outDir = resolve(root, 'out');
const T = 1000;
const SHOW_T = [0, 50, 100, 200, 300, 500, 700, 1000];
// `npm run demo -- --digits 1000 --samples 256` for more digits in the bound and more samples.
const N_EVAL = option('--digits', 256, 8, 10000); // test digits in the bound (and the statistics of part 1)
const N_SAMPLES = option('--samples', 64, 8, 10000); // samples drawn from the reverse process
const D = 28 * 28;
const LN2 = Math.LN2;

// ---------------------------------------------------------------------------------------
// Small helpers: printing, statistics, writing figures.

function option(flag: string, fallback: number, min: number, max: number): number {
  const at = process.argv.indexOf(flag);
  if (at < 0) return fallback;
  const n = Number(process.argv[at + 1]);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`${flag}: expected an integer in ${min}..${max}, got ${process.argv[at + 1]}`);
    process.exit(2);
  }
  return n;
}

const fmt = (v: number, digits = 4) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(digits) : v.toExponential(2));
const pad = (s: string, n: number) => s.padStart(n);
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

function save(name: string, image: Raster, what: string): void {
  const path = writePng(resolve(outDir, name), image);
  console.log(`   -> ${relative(process.cwd(), path) || path}  ${what}`);
}

/** Mean and standard error of the mean. */
function meanSe(x: ArrayLike<number>): { mean: number; se: number } {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]!;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i]! - mean) ** 2;
  return { mean, se: Math.sqrt(ss / (n - 1) / n) };
}

/** Mean and (population) standard deviation of all entries. */
function moments(x: Float64Array): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  const mean = s / x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / x.length) };
}

/** Rows [b0, b0 + count) of a [batch, ...] array, as a new [count, 28, 28] array. */
function digits(x: Float64NdArray, b0: number, count: number): Float64Array {
  return x.data.slice(b0 * D, (b0 + count) * D);
}

/** A [batch, D] array whose every row is `row` times `scale`. */
function tile(row: Float64Array, batch: number, scale = 1): Float64NdArray {
  const out = new Float64Array(batch * D);
  for (let b = 0; b < batch; b++) for (let j = 0; j < D; j++) out[b * D + j] = scale * row[j]!;
  return ndarray(out, [batch, D]);
}

// ---------------------------------------------------------------------------------------
console.log('diffusion-ts demo: the DDPM forward process and its bits/dim on real MNIST digits');
console.log('='.repeat(86));

let t0 = performance.now();
const train = loadMnist({ split: 'train' });
const test = loadMnist({ split: 'test' });
console.log(
  `MNIST from ${relative(root, train.imagesFile).replace(/\/[^/]+$/, '')}: train ${train.n}, test ${test.n} digits of ${train.rows} x ${train.cols} (${(performance.now() - t0).toFixed(0)} ms)`,
);
console.log('pixels in DDPM coordinates x = 2k/255 - 1 in [-1, 1], k in 0..255');

const [kForward, kBound, kPrior, kSteps, kGauss] = random.split(random.key(2020), 5) as [random.Key, random.Key, random.Key, random.Key, random.Key];
const linear = schedule.fromBetas(schedule.linearBetas(T, 1e-4, 0.02));
const cosine = schedule.fromBetas(schedule.cosineBetas(T));

// The first test digit of each class 0..7: the rows of the forward-process grids.
function firstOfEachClass(m: Mnist, classes: number): number[] {
  const idx: number[] = [];
  for (let c = 0; c < classes; c++) idx.push(m.labels.indexOf(c));
  return idx;
}
const shownIdx = firstOfEachClass(test, 8);
const testX = imagesToArray(test, { flat: true, count: N_EVAL }); // [N_EVAL, 784]
const shown = new Float64Array(shownIdx.length * D);
shownIdx.forEach((i, r) => shown.set(imagesToArray(test, { flat: true, start: i, count: 1 }).data, r * D));
const shownX = ndarray(shown, [shownIdx.length, D]);

// ---------------------------------------------------------------------------------------
console.log('\n1. The forward process q(x_t | x_0) = N(sqrt(alphaBar_t) x_0, (1 - alphaBar_t) I), T = 1000');
console.log('   x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps; in the pictures one eps per digit, shared by every t');
console.log(`   statistics over ${N_EVAL} test digits x ${D} pixels, a fresh eps at each t; closed form given x_0:`);
console.log('   mean sqrt(aB) mean(x_0), std sqrt(aB var(x_0) + 1 - aB); z = (mean - exact) / sqrt((1 - aB)/N)');
const epsShown = random.normal(random.foldIn(kForward, 0), [shownIdx.length, D]);
const x0Moments = moments(testX.data);

function forward(name: string, s: Schedule, label: string): void {
  console.log(`\n   ${label}`);
  console.log(`   ${pad('t', 5)} ${pad('alphaBar_t', 11)} ${pad('SNR', 9)}   ${pad('mean x_t', 9)} ${pad('exact', 8)} ${pad('z', 5)}   ${pad('std x_t', 8)} ${pad('exact', 7)}`);
  const grid = new Float64Array(shownIdx.length * SHOW_T.length * D);
  for (const [col, t] of SHOW_T.entries()) {
    const ab = s.alphaBar[t]!;
    const xt = t === 0 ? testX : ddpm.qSample(s, testX, t, random.normal(random.foldIn(kForward, t), [N_EVAL, D]));
    const xtShown = t === 0 ? shownX : ddpm.qSample(s, shownX, t, epsShown);
    for (let r = 0; r < shownIdx.length; r++) grid.set(xtShown.data.subarray(r * D, (r + 1) * D), (r * SHOW_T.length + col) * D);
    const emp = moments(xt.data);
    const mean = Math.sqrt(ab) * x0Moments.mean;
    const std = Math.sqrt(ab * x0Moments.std ** 2 + (1 - ab));
    // The noise average has standard error sqrt(1 - aB)/sqrt(N) (N = 256 * 784 values).
    const z = t === 0 ? 0 : (emp.mean - mean) / Math.sqrt((1 - ab) / xt.data.length);
    const snr = t === 0 ? Infinity : ab / s.oneMinusAlphaBar[t]!;
    console.log(
      `   ${pad(String(t), 5)} ${pad(ab.toPrecision(4), 11)} ${pad(Number.isFinite(snr) ? snr.toPrecision(3) : 'inf', 9)}   ${pad(fmt(emp.mean), 9)} ${pad(fmt(mean), 8)} ${pad(z.toFixed(1), 5)}   ${pad(fmt(emp.std), 8)} ${pad(fmt(std), 7)}`,
    );
  }
  save(name, imageGrid(ndarray(grid, [shownIdx.length * SHOW_T.length, 28, 28]), { columns: SHOW_T.length, scale: 2 }), `rows: digits 0-7; columns: t = ${SHOW_T.join(', ')}`);
}
forward('forward-linear.png', linear, 'linear betas 1e-4 .. 0.02 (Ho et al. 2020)');
forward('forward-cosine.png', cosine, 'cosine alphaBar, s = 0.008 (Nichol and Dhariwal 2021)');
const tAxis = Float64Array.from({ length: T + 1 }, (_, t) => t);
save(
  'schedules.png',
  linePlot(
    [
      { name: 'linear', x: tAxis, y: linear.alphaBar },
      { name: 'cosine', x: tAxis, y: cosine.alphaBar },
    ],
    { title: 'alphaBar_t', xLabel: 't', yLabel: 'alphaBar', yRange: [0, 1] },
  ),
  'alphaBar_t against t for both schedules',
);

// ---------------------------------------------------------------------------------------
console.log('\n2. Bits/dim of a DDPM evaluated exactly: the optimal eps for a per-pixel Gaussian fit');
t0 = performance.now();
// m, v: per-pixel mean and variance of the 60000 training digits in [-1, 1], plus the
// variance (1/255)^2/3 of uniform dequantization noise on a bin of width 2/255.
const trainX = imagesToArray(train, { flat: true });
const m = new Float64Array(D);
const v = new Float64Array(D);
for (let b = 0; b < train.n; b++) for (let j = 0; j < D; j++) m[j]! += trainX.data[b * D + j]!;
for (let j = 0; j < D; j++) m[j]! /= train.n;
for (let b = 0; b < train.n; b++) for (let j = 0; j < D; j++) v[j]! += (trainX.data[b * D + j]! - m[j]!) ** 2;
const DEQUANT = (1 / 255) ** 2 / 3;
let constant = 0;
for (let j = 0; j < D; j++) {
  if (v[j] === 0) constant++;
  v[j] = v[j]! / train.n + DEQUANT;
}
console.log(`   fit: m, v per pixel over ${train.n} training digits; v += (1/255)^2/3 = ${DEQUANT.toExponential(3)} (${constant} pixels are constant in training)`);
console.log('   model: eps*(x_t, t) = -sqrt(1 - aB_t) score,  score = grad log N(x_t; sqrt(aB_t) m, aB_t v + 1 - aB_t)');

/** The exact optimal eps for data ~ N(m, diag v), through gaussian.score and ddpm.epsFromScore. */
function gaussianOracle(s: Schedule) {
  return (xt: Float64NdArray, t: number): Float64NdArray => {
    const batch = xt.shape[0]!;
    const ab = s.alphaBar[t]!;
    const oneMinus = s.oneMinusAlphaBar[t]!;
    const logVarRow = new Float64Array(D);
    for (let j = 0; j < D; j++) logVarRow[j] = Math.log(ab * v[j]! + oneMinus);
    const score = gaussian.score(xt, tile(m, batch, s.sqrtAlphaBar[t]!), tile(logVarRow, batch));
    return ddpm.epsFromScore(s, t, score);
  };
}

// The per-pixel Gaussian N(m, v) scored directly on the 8-bit bins (edge bins open).
const logScaleRow = v.map((vj) => 0.5 * Math.log(vj));
const directLl = gaussian.discretizedLogLikelihood(testX, tile(m, N_EVAL), tile(logScaleRow, N_EVAL));
const directBits = new Float64Array(N_EVAL);
for (let b = 0; b < N_EVAL; b++) {
  let acc = 0;
  for (let j = 0; j < D; j++) acc -= directLl.data[b * D + j]!;
  directBits[b] = acc / (D * LN2);
}
const direct = meanSe(directBits);

interface BoundReport {
  readonly kind: ddpm.VarianceKind;
  readonly bits: Float64Array;
  readonly perT: Float64Array; // mean over digits of L_{t-1}, bits/dim, index t = 1..T
  readonly prior: number;
  readonly seconds: number;
}

function bound(s: Schedule, kind: ddpm.VarianceKind): BoundReport {
  const t1 = performance.now();
  const r = elbo.vlb(s, testX, gaussianOracle(s), kBound, kind);
  const perT = new Float64Array(T + 1);
  for (let t = 1; t <= T; t++) {
    let acc = 0;
    for (let b = 0; b < N_EVAL; b++) acc += r.terms[(t - 1) * N_EVAL + b]!;
    perT[t] = acc / N_EVAL / (D * LN2);
  }
  return { kind, bits: r.bitsPerDim, perT, prior: meanSe(r.priorKL).mean / (D * LN2), seconds: (performance.now() - t1) / 1000 };
}

console.log(`\n   elbo.vlb on ${N_EVAL} test digits, linear schedule, T = ${T}, one x_t per digit and t (key 2020)`);
console.log(`   ${'variance'.padEnd(11)} ${pad('bits/dim', 16)} ${pad('L_T', 10)} ${pad('sum L_{t-1}, t>=2', 18)} ${pad('L_0', 7)} ${pad('time', 7)}`);
const reports = (['fixedSmall', 'fixedLarge'] as const).map((kind) => {
  const r = bound(linear, kind);
  const { mean, se } = meanSe(r.bits);
  let middle = 0;
  for (let t = 2; t <= T; t++) middle += r.perT[t]!;
  console.log(
    `   ${kind.padEnd(11)} ${pad(`${mean.toFixed(3)} +- ${se.toFixed(3)}`, 16)} ${pad(r.prior.toExponential(2), 10)} ${pad(middle.toFixed(3), 18)} ${pad(r.perT[1]!.toFixed(3), 7)} ${pad(`${r.seconds.toFixed(1)} s`, 7)}`,
  );
  return r;
});
console.log(`   ${'direct NLL'.padEnd(11)} ${pad(`${direct.mean.toFixed(3)} +- ${direct.se.toFixed(3)}`, 16)}   the Gaussian N(m, v) itself on the 8-bit bins (gaussian.discretizedLogLikelihood)`);
for (const r of reports) {
  const gap = meanSe(r.bits.map((b, i) => b - directBits[i]!));
  const verdict = gap.mean > -3 * gap.se ? 'VLB >= direct NLL, as it must be up to Monte Carlo noise' : 'VLB < direct NLL beyond Monte Carlo noise: CHECK';
  console.log(`   ${r.kind}: VLB - direct NLL = ${gap.mean.toFixed(3)} +- ${gap.se.toFixed(3)} bits/dim (paired over digits): ${verdict}`);
}
console.log('   the gap is the bound\'s looseness, not a worse model: nearly all of it comes from pixels in the open edge');
console.log('   bins (x_0 = -1 or 1), whose q(x_1 | x_0) starts at the edge while the model spreads them over its tail (docs/demo.md)');
const tSteps = tAxis.subarray(1);
save(
  'bound-per-t.png',
  linePlot(
    reports.map((r) => ({ name: r.kind, x: tSteps, y: r.perT.subarray(1) })),
    { title: 'L_(t-1) per step, bits/dim (t = 1 is L_0)', xLabel: 't', yLabel: 'bits/dim', logX: true, logY: true },
  ),
  'per-step terms L_{t-1} of the bound in bits/dim against t, log-log',
);
// Cumulative: L_T + L_0 + ... + L_{t-1}, so the curve ends at the bound; the flat line is the direct NLL.
const cumulative = reports.map((r) => {
  const c = new Float64Array(T);
  let acc = r.prior;
  for (let t = 1; t <= T; t++) c[t - 1] = acc += r.perT[t]!;
  return { name: r.kind, x: tSteps, y: c };
});
save(
  'bound-cumulative.png',
  linePlot([...cumulative, { name: 'direct NLL', x: Float64Array.of(1, T), y: Float64Array.of(direct.mean, direct.mean), color: [120, 120, 120] }], {
    title: 'L_T + sum of L_(s-1) for s <= t, bits/dim',
    xLabel: 't',
    yLabel: 'bits/dim',
    logX: true,
    legend: 'bottom-right',
    yRange: [0, Math.ceil(Math.max(...reports.map((r) => meanSe(r.bits).mean)))],
  }),
  'the bound accumulated over t (log t), against the direct NLL',
);
// The fit itself: m (in [-1, 1]) and sqrt(v) rescaled from [0, max] to [-1, 1].
const sdMax = Math.sqrt(Math.max(...v));
const fit = new Float64Array(2 * D);
fit.set(m, 0);
for (let j = 0; j < D; j++) fit[D + j] = (2 * Math.sqrt(v[j]!)) / sdMax - 1;
save('gaussian-fit.png', imageGrid(ndarray(fit, [2, 28, 28]), { columns: 2, scale: 4 }), `the per-pixel mean m and standard deviation sqrt(v) (white = ${sdMax.toFixed(3)})`);

// ---------------------------------------------------------------------------------------
console.log(`\n3. Ancestral sampling from the same model (Ho et al. 2020, Algorithm 2), ${N_SAMPLES} samples, T = ${T}`);
const SNAP_T = [1000, 800, 600, 400, 200, 100, 50, 0];
const xT = random.normal(kPrior, [N_SAMPLES, D]);
const finals: Record<string, Float64NdArray> = {};
let trajectory = new Float64Array(0);
for (const kind of ['fixedSmall', 'fixedLarge'] as const) {
  t0 = performance.now();
  const model = gaussianOracle(linear);
  let x = xT;
  const snaps = new Float64Array(8 * SNAP_T.length * D);
  const snap = (t: number, xs: Float64NdArray) => {
    const col = SNAP_T.indexOf(t);
    if (col >= 0) for (let r = 0; r < 8; r++) snaps.set(xs.data.subarray(r * D, (r + 1) * D), (r * SNAP_T.length + col) * D);
  };
  snap(T, x);
  for (let t = T; t >= 1; t--) {
    // The same noise z_t for both variance choices: only sigma_t differs.
    const z = random.normal(random.foldIn(kSteps, t), [N_SAMPLES, D]);
    const step = ddpm.ancestralStep(linear, x, t, model(x, t), kind, z);
    x = t === 1 ? step.xMean : step.x;
    snap(t - 1, x);
  }
  finals[kind] = x;
  if (kind === 'fixedLarge') trajectory = snaps;
  // Per-pixel moments of the samples against the fit they should reproduce.
  let meanErr = 0;
  let varS = 0;
  let varFit = 0;
  for (let j = 0; j < D; j++) {
    let s1 = 0;
    let s2 = 0;
    for (let b = 0; b < N_SAMPLES; b++) s1 += x.data[b * D + j]!;
    const mj = s1 / N_SAMPLES;
    for (let b = 0; b < N_SAMPLES; b++) s2 += (x.data[b * D + j]! - mj) ** 2;
    meanErr += (mj - m[j]!) ** 2;
    varS += s2 / (N_SAMPLES - 1);
    varFit += v[j]!;
  }
  console.log(
    `   ${kind.padEnd(11)} rms(sample mean - m) = ${Math.sqrt(meanErr / D).toFixed(4)}; mean pixel variance: samples ${(varS / D).toFixed(4)}, v ${(varFit / D).toFixed(4)}  (${secs(t0)})`,
  );
}
console.log(`   (sampling error of a mean over ${N_SAMPLES} samples: rms sqrt(mean v / ${N_SAMPLES}) = ${Math.sqrt(v.reduce((a, b) => a + b, 0) / D / N_SAMPLES).toFixed(4)})`);
save('reverse-process.png', imageGrid(ndarray(trajectory, [8 * SNAP_T.length, 28, 28]), { columns: SNAP_T.length, scale: 2 }), `fixedLarge, rows: 8 samples; columns: x_t at t = ${SNAP_T.join(', ')}`);
// Rows: real test digits, exact samples of N(m, v), DDPM samples (fixedSmall, fixedLarge).
const direct8 = random.normal(kGauss, [8, D]).data.map((z, i) => m[i % D]! + Math.sqrt(v[i % D]!) * z);
const rows = new Float64Array(4 * 8 * D);
rows.set(digits(testX, 0, 8), 0);
rows.set(direct8, 8 * D);
rows.set(digits(finals.fixedSmall!, 0, 8), 16 * D);
rows.set(digits(finals.fixedLarge!, 0, 8), 24 * D);
save('samples.png', imageGrid(ndarray(rows, [32, 28, 28]), { columns: 8, scale: 2 }), 'rows: test digits; samples of N(m, v); DDPM fixedSmall; DDPM fixedLarge');

// 4. The NCSN paper's mixture experiment and the score-SDE samplers (examples/ncsn-mixture.ts).
runNcsnMixture(outDir, option('--particles', 5_000, 100, 1_000_000));

console.log(`\ndone in ${secs(started)}; figures in ${relative(process.cwd(), outDir) || outDir}/ (see docs/demo.md)`);
