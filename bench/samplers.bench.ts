/**
 * Sampler benchmark (issue #3): annealed Langevin and reverse-SDE Euler-Maruyama on the
 * NCSN two-mode mixture with exact scores, 10^5 particles, timed beside the same
 * algorithms in NumPy (bench/samplers_numpy.py, Debian's /usr/bin/python3) in one go.
 * Prints particles x steps per second and the ratio.
 *
 *   npm run bench:samplers              # 10^5 particles, one run per side
 *   npm run bench:samplers -- 20000 3   # particles, runs (median)
 *
 * Both sides: the general Gaussian-mixture score (Cholesky solves, log-sum-exp), fresh
 * standard normal noise every step, and on the library's side the boundary validation of
 * every score evaluation (shape, dtype, finiteness), which NumPy does not do.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { langevin, mixture, random, sde as sdes, solvers } from '../src/index.js';
import type { Float64NdArray } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const n = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 1);
const STEPS = 1000;
const mix = mixture.create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });

function median(fn: () => Float64NdArray): { s: number; x: Float64NdArray } {
  const times: number[] = [];
  let x!: Float64NdArray;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    x = fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return { s: times[Math.floor(times.length / 2)]!, x };
}

const mode1 = (x: Float64NdArray) => {
  let k = 0;
  for (let i = 0; i < x.shape[0]!; i++) if (x.data[2 * i]! + x.data[2 * i + 1]! < 0) k++;
  return k / x.shape[0]!;
};

const sigmas = new Float64Array(10).map((_, i) => 10 * 0.01 ** (i / 9));
const [kStart, kRun, kEm] = random.split(random.key(0), 3) as random.Key[];
const annealed = median(() => {
  const x = random.uniform(kStart!, [n, 2], -8, 8);
  return langevin.annealedWithKey((y, sigma) => mixture.score(mixture.perturb(mix, sigma), y), sigmas, { eps: 0.002, stepsPerLevel: 100 }, x, kRun!).xMean;
});
const ve = sdes.ve();
const em = median(
  () =>
    solvers.eulerMaruyamaSampleWithKey(
      ve,
      (y, t) => mixture.score(mixture.perturb(mix, ve.marginalCoefficients(t).std), y),
      { steps: STEPS, eps: 1e-5 },
      [n, 2],
      kEm!,
    ).x,
);

const py = spawnSync('/usr/bin/python3', [join(here, 'samplers_numpy.py'), String(n), String(runs)], { encoding: 'utf8' });
let np: Record<string, number | string> | undefined;
if (py.status === 0) np = JSON.parse(py.stdout) as Record<string, number | string>;
else console.error(`NumPy reference did not run (apt-get install -y python3-numpy):\n${py.stderr}`);

console.log(`Samplers on the NCSN mixture, ${n} particles x ${STEPS} steps, exact mixture scores, median of ${runs} run(s)`);
console.log('sampler                           diffusion-ts (particle-steps/s)   NumPy            ratio (ts / NumPy)   mode-1 fraction ts / NumPy');
for (const [name, r, key] of [
  ['annealed Langevin (L=10, T=100)', annealed, 'annealed'],
  ['reverse VE SDE, Euler-Maruyama ', em, 'eulerMaruyama'],
] as const) {
  const ts = (n * STEPS) / r.s;
  const ref = np ? Number(np[`${key}_particle_steps_per_s`]) : NaN;
  console.log(
    `${name}   ${ts.toExponential(3)} (${r.s.toFixed(1)} s)        ${np ? `${ref.toExponential(3)} (${Number(np[`${key}_s`]).toFixed(1)} s)` : 'n/a'}   ${np ? (ts / ref).toFixed(2) : 'n/a'}x               ${mode1(r.x).toFixed(4)} / ${np ? Number(np[`${key}_mode1_fraction`]).toFixed(4) : 'n/a'}`,
  );
}
if (np) console.log(`(NumPy ${String(np.numpy)}; Node ${process.version})`);
