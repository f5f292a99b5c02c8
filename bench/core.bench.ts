/**
 * Core benchmark: the operations issue #2 names, timed beside the same operations in
 * NumPy (bench/core_numpy.py, run with Debian's /usr/bin/python3 in the same go), with
 * the ratio printed. Speed lives here, never in timed tests.
 *
 *   npm run bench            # default sizes: 10^6 elements, VLB of T = 1000 on 64x28x28
 *
 * Both sides do the same work: inputs are validated (here) or not (NumPy does not
 * check finiteness), so the ratio is conservative for diffusion-ts.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import ndarray from 'ndarray';
import { ddpm, elbo, gaussian, random, schedule } from '../src/index.js';
import type { Float64NdArray } from '../src/index.js';
import { blockEngine } from '../src/core/random/blocks.js';

const here = dirname(fileURLToPath(import.meta.url));
const n = 1_000_000;

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

const s = schedule.fromBetas(schedule.linearBetas(1000));
const t = 500;
const [kx, kn, kimg, kvlb] = random.split(random.key(0), 4) as [random.Key, random.Key, random.Key, random.Key];
const x0 = random.uniform(kx, [n], -1, 1);
const noise = random.normal(kn, [n]);
const xt = ddpm.qSample(s, x0, t, noise);

// 64 images on the 8-bit grid, and as the model the exact optimal eps of Gaussian data
// N(m, v), m = 0, v = 1/4 (the same model core_numpy.py uses), written on both sides into
// a buffer the model reuses (np.multiply(..., out=) there), so that what is compared is
// the library's bound around the model, not each language's allocator.
const D = 784;
const u = random.uniformArray(kimg, 64 * D);
const pixels = new Float64Array(64 * D);
for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(u[i]! * 255) * (2 / 255) - 1;
const images = ndarray(pixels, [64, D]);
const dataVar = 0.25;
const epsBuffer = new Float64Array(64 * D);
const epsView = ndarray(epsBuffer, [64, D]);
const epsFn = (x: Float64NdArray, step: number): Float64NdArray => {
  // eps*(x_t) = sqrt(1 - alphaBar) (x_t - sqrt(alphaBar) m) / (alphaBar v + 1 - alphaBar), m = 0
  const gain = s.sqrtOneMinusAlphaBar[step]! / (s.alphaBar[step]! * dataVar + s.oneMinusAlphaBar[step]!);
  const xs = x.data;
  for (let i = 0; i < epsBuffer.length; i++) epsBuffer[i] = gain * xs[i]!;
  return epsView;
};
// The same model through the library's own primitives (gaussian.score, ddpm.epsFromScore).
const epsFnLibrary = (x: Float64NdArray, step: number): Float64NdArray => {
  const ab = s.alphaBar[step]!;
  const score = gaussian.score(x, 0, Math.log(ab * dataVar + s.oneMinusAlphaBar[step]!));
  return ddpm.epsFromScore(s, step, score);
};

const ts = {
  qSample_1e6_s: medianTime(() => ddpm.qSample(s, x0, t, noise), 101),
  posterior_1e6_s: medianTime(() => ddpm.posterior(s, x0, xt, t), 101),
  vlb_T1000_64x784_s: medianTime(() => elbo.vlb(s, images, epsFn, kvlb, 'fixedSmall'), 3),
};
const extra = {
  'vlb, model via gaussian.score + ddpm.epsFromScore': medianTime(() => elbo.vlb(s, images, epsFnLibrary, kvlb, 'fixedSmall'), 3),
  'random.normalArray, 10^6 values': medianTime(() => random.normalArray(kn, n), 11),
};

const py = spawnSync('/usr/bin/python3', [join(here, 'core_numpy.py'), String(n)], { encoding: 'utf8' });
let np: Record<string, number | string> | undefined;
if (py.status === 0) np = JSON.parse(py.stdout) as Record<string, number | string>;
else console.error(`NumPy reference did not run (apt-get install -y python3-numpy python3-scipy):\n${py.stderr}`);

console.log(`diffusion-ts core vs NumPy ${np?.numpy ?? '(missing)'} on this machine, Node ${process.version}; median seconds`);
console.log('operation                               diffusion-ts       NumPy   speed ratio (NumPy time / ours)');
for (const [name, ours] of Object.entries(ts)) {
  const ref = np?.[name];
  const ratio = typeof ref === 'number' ? (ref / ours).toFixed(2) : 'n/a';
  console.log(`${name.padEnd(36)} ${ours.toFixed(5).padStart(14)} ${typeof ref === 'number' ? ref.toFixed(5).padStart(11) : '        n/a'}   ${ratio}x`);
}
console.log('\nbreakdown (diffusion-ts only)');
for (const [name, ours] of Object.entries(extra)) console.log(`${name.padEnd(52)} ${ours.toFixed(5).padStart(10)} s`);
console.log(`Philox draw blocks computed by: ${blockEngine}`);
