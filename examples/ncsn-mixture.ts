/**
 * The NCSN paper's mixture experiment (Song and Ermon 2019, Section 3, Figure 3), with
 * exact scores, and the score-SDE samplers on the same data (Song et al. 2021).
 *
 * p = 1/5 N((-5,-5), I) + 4/5 N((5,5), I).
 *   (a) exact samples of p;
 *   (b) Langevin dynamics with the exact score of p, started from uniform noise on
 *       [-8, 8]^2: the score near each mode ignores the weights, so the chain keeps the
 *       split of its starting points (about 1/2) instead of 1/5 : 4/5;
 *   (c) annealed Langevin (NCSN Algorithm 1) with the exact scores of p * N(0, sigma_i^2 I),
 *       sigmas geometric from 10 to 0.1, L = 10, T = 100, eps = 0.002 (a twentieth of the
 *       stability bound 4 sigma_L^2 (1 + 1/sigma_1^2) = 0.0404; proofs/langevin/annealed.md).
 * Then Euler-Maruyama, predictor-corrector and probability-flow ODE sampling of a VE and a
 * VP SDE with the exact scores of the perturbed mixtures p_t.
 *
 * Prints the fraction of samples in the mode of weight 1/5 (x_1 + x_2 < 0) with a 95%
 * Wilson interval, and draws (a), (b), (c) as out/ncsn-mixture.png.
 *
 *   npx tsx examples/ncsn-mixture.ts [--particles 20000]
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { langevin, mixture, random, sde as sdes, solvers } from '../src/index.js';
import type { Float64NdArray, NoiseScoreFn, TimeScoreFn } from '../src/index.js';
import type { Sde } from '../src/core/sde/index.js';
import { hstack, linePlot, writePng } from '../src/data/index.js';

const mix = mixture.create({ weights: [0.2, 0.8], means: [[-5, -5], [5, 5]], covs: 1 });

/** Fraction of rows with x_1 + x_2 < 0 (the mode of weight 1/5) and its 95% Wilson interval. */
export function modeFraction(x: Float64NdArray): { p: number; lo: number; hi: number } {
  const n = x.shape[0]!;
  let k = 0;
  for (let i = 0; i < n; i++) if (x.data[2 * i]! + x.data[2 * i + 1]! < 0) k++;
  const p = k / n;
  const z = 1.959963984540054;
  const c = p + (z * z) / (2 * n);
  const h = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  const d = 1 + (z * z) / n;
  return { p, lo: (c - h) / d, hi: (c + h) / d };
}

const fmt = (f: { p: number; lo: number; hi: number }) => `${f.p.toFixed(4)}  [${f.lo.toFixed(4)}, ${f.hi.toFixed(4)}]`;

/** The exact score of p * N(0, sigma^2 I), one perturbed mixture per level (cached). */
function ncsnScore(): NoiseScoreFn {
  const cache = new Map<number, mixture.GaussianMixture>();
  return (x, sigma) => {
    let m = cache.get(sigma);
    if (m === undefined) cache.set(sigma, (m = mixture.perturb(mix, sigma)));
    return mixture.score(m, x);
  };
}

/**
 * The exact score of p_t for an SDE whose transition is N(m(t) x0, s(t)^2 I): for VE
 * (m = 1) the mixture perturbed by s(t); for VP (s^2 = 1 - m^2) the VP-perturbed mixture
 * with alphaBar = m(t)^2.
 */
function sdeScore(sde: Sde): TimeScoreFn {
  return (x, t) => {
    const { scale, std } = sde.marginalCoefficients(t);
    const pt = sde.kind === 've' ? mixture.perturb(mix, std) : mixture.vpPerturb(mix, scale * scale);
    return mixture.score(pt, x);
  };
}

function scatter(x: Float64NdArray, title: string, show: number) {
  const n = Math.min(show, x.shape[0]!);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = x.data[2 * i]!;
    ys[i] = x.data[2 * i + 1]!;
  }
  return linePlot([{ x: xs, y: ys, marker: 'points', color: [31, 119, 180] }], {
    width: 360,
    height: 360,
    title,
    xRange: [-10, 10],
    yRange: [-10, 10],
    legend: 'none',
  });
}

export function runNcsnMixture(outDir: string, particles = 20_000): void {
  const t0 = performance.now();
  const secs = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const [kExact, kStart, kUla, kAnnealed, kLong, kSde] = random.split(random.key(2019), 6) as random.Key[];
  const n = particles;
  console.log(`\nNCSN mixture experiment: p = 1/5 N((-5,-5), I) + 4/5 N((5,5), I), ${n} particles.`);
  console.log('Fraction in the mode of weight 0.2 (x1 + x2 < 0), with its 95% interval:');

  const exact = mixture.sample(mix, kExact!, n);
  console.log(`  (a) exact samples                          ${fmt(modeFraction(exact))}`);

  const start = random.uniform(kStart!, [n, 2], -8, 8);
  const ula = langevin.chainWithKey((x) => mixture.score(mix, x), start, { eps: 0.1, steps: 1000 }, kUla!).xMean;
  console.log(`  (b) Langevin, exact score of p, eps = 0.1, 1000 steps     ${fmt(modeFraction(ula))}`);

  const sigmas = new Float64Array(10).map((_, i) => 10 * 0.01 ** (i / 9));
  const score = ncsnScore();
  const annealed = langevin.annealedWithKey(score, sigmas, { eps: 0.002, stepsPerLevel: 100 }, start, kAnnealed!).xMean;
  console.log(`  (c) annealed Langevin, L = 10, T = 100, eps = 0.002        ${fmt(modeFraction(annealed))}`);
  const longer = langevin.annealedWithKey(score, sigmas, { eps: 0.002, stepsPerLevel: 400 }, start, kLong!).xMean;
  console.log(`      the same with T = 400 (finite-T bias shrinks)         ${fmt(modeFraction(longer))}   (${secs()})`);

  const panels = hstack([scatter(exact, '(A) EXACT SAMPLES', 2000), scatter(ula, '(B) LANGEVIN', 2000), scatter(annealed, '(C) ANNEALED LANGEVIN', 2000)], 12);
  const path = writePng(resolve(outDir, 'ncsn-mixture.png'), panels);
  console.log(`  figure (Song and Ermon 2019, Figure 3): ${path}`);

  // The corrector's step with per-example norms |z_r| / |s_r| (solvers/corrector.md) is
  // large where |s_r| is small, on the saddle between the modes in two dimensions, and moves
  // particles across; score_sde's batch-averaged norms do not (docs/demo.md).
  console.log('Score-SDE samplers with the exact scores of p_t (1000 steps; ODE: Dormand-Prince, rtol = atol = 1e-5):');
  const [kVe, kVp] = random.split(kSde!, 2) as random.Key[];
  for (const [name, sde, k] of [
    ['VE (sigma 0.01 -> 50)', sdes.ve(), kVe!],
    ['VP (beta 0.1 -> 20) ', sdes.vp(), kVp!],
  ] as const) {
    const s = sdeScore(sde);
    const [kEm, kPc, kOde] = random.split(k, 3) as random.Key[];
    const em = solvers.eulerMaruyamaSampleWithKey(sde, s, { steps: 1000 }, [n, 2], kEm!).x;
    const [kP, kPc2] = random.split(kPc!, 2) as random.Key[];
    const pred = solvers.pcSampleWithKey(sde, s, { steps: 1000, predictor: 'reverseDiffusion', corrector: 'none' }, [n, 2], kP!).x;
    const [kPcE, kPcB] = random.split(kPc2!, 2) as random.Key[];
    const pc = solvers.pcSampleWithKey(sde, s, { steps: 1000, predictor: 'reverseDiffusion', corrector: 'langevin', snr: 0.16 }, [n, 2], kPcE!).x;
    const pcBatch = solvers.pcSampleWithKey(sde, s, { steps: 1000, predictor: 'reverseDiffusion', corrector: 'langevin', snr: 0.16, correctorNorms: 'batch' }, [n, 2], kPcB!).x;
    const ode = solvers.odeSampleWithKey(sde, s, kOde!, [n, 2]);
    console.log(`  ${name}  EM ${fmt(modeFraction(em))}   reverse diffusion ${fmt(modeFraction(pred))}`);
    console.log(`  ${' '.repeat(name.length)}  PC, Langevin corrector snr 0.16, batch norms ${fmt(modeFraction(pcBatch))}   per-example norms ${fmt(modeFraction(pc))}`);
    console.log(`  ${' '.repeat(name.length)}  ODE ${fmt(modeFraction(ode.x))} (${ode.nfe} evals)   (${secs()})`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--particles');
  const n = i > 0 ? Number(process.argv[i + 1]) : 20_000;
  if (!Number.isInteger(n) || n < 100) throw new Error('--particles: expected an integer >= 100');
  runNcsnMixture(resolve(fileURLToPath(new URL('..', import.meta.url)), 'out'), n);
}
