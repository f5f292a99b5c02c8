/**
 * Conv2d forward, input gradient and filter gradient on the wasm backend: diffusion-ts's
 * kernels (src/tfjs/kernels) against the wasm backend's stock path, and against the cpu
 * backend on one small case. Prints the median ms per call over several runs and ratios.
 *
 *     npx tsx bench/tfjs-conv.bench.ts
 *
 * The main case is the reference UNet's costliest conv (specs/unet-mnist.md): 3x3, 32->32
 * channels, batch 64 of 28x28, stride 1, 'same'; then its Down conv (stride 2, padding 1).
 */
import * as tf from '@tensorflow/tfjs-core';
import { setBackend, registerWasmConvGradients, unregisterWasmConvGradients } from '../src/tfjs/index.js';

type Pad = 'same' | 'valid' | number;

interface Case {
  readonly label: string;
  readonly x: [number, number, number, number];
  readonly w: [number, number, number, number];
  readonly stride: number;
  readonly pad: Pad;
}

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const WARMUP = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median ms of `f` (which returns a tensor it made; read back and disposed each time). */
function time(f: () => tf.Tensor, runs = RUNS): number {
  const ms: number[] = [];
  for (let r = 0; r < WARMUP + runs; r++) {
    const t0 = performance.now();
    const out = f();
    out.dataSync();
    const t1 = performance.now();
    out.dispose();
    if (r >= WARMUP) ms.push(t1 - t0);
  }
  return median(ms);
}

/** Or null when the kernel is missing (the stock wasm filter gradient). */
function timeOrNull(f: () => tf.Tensor, runs = RUNS): number | null {
  try {
    return time(f, runs);
  } catch {
    return null;
  }
}

function inputs(c: Case) {
  const x = tf.randomUniform(c.x, -1, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomUniform(c.w, -1, 1, 'float32', 2) as tf.Tensor4D;
  const y = tf.conv2d(x, w, c.stride, c.pad);
  const dy = tf.randomUniform(y.shape, -1, 1, 'float32', 3) as tf.Tensor4D;
  y.dispose();
  return { x, w, dy };
}

function ops(c: Case, t: ReturnType<typeof inputs>) {
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  return {
    forward: () => tf.conv2d(t.x, t.w, c.stride, c.pad),
    input: () =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy: t.dy, filter: t.w }, { ...attrs, inputShape: t.x.shape } as never) as tf.Tensor,
    filter: () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: t.x, dy: t.dy }, { ...attrs, filterShape: t.w.shape } as never) as tf.Tensor,
  };
}

const fmt = (ms: number | null) => (ms === null ? '   n/a' : ms.toFixed(1).padStart(6));
const ratio = (a: number | null, b: number | null) => (a === null || b === null ? '  n/a' : (a / b).toFixed(1).padStart(5) + 'x');

async function main(): Promise<void> {
  await setBackend('wasm', { report: (line) => console.log(line) });
  await import('@tensorflow/tfjs-backend-cpu');
  console.log(`median of ${RUNS} runs after ${WARMUP} warm-up runs, ms per call\n`);

  const cases: Case[] = [
    { label: '3x3 32->32, 64x28x28, stride 1, same', x: [64, 28, 28, 32], w: [3, 3, 32, 32], stride: 1, pad: 'same' },
    { label: '3x3 32->32, 64x28x28, stride 2, pad 1 (Down)', x: [64, 28, 28, 32], w: [3, 3, 32, 32], stride: 2, pad: 1 },
    { label: '3x3 64->64, 64x14x14, stride 1, same', x: [64, 14, 14, 64], w: [3, 3, 64, 64], stride: 1, pad: 'same' },
  ];
  console.log('wasm backend: diffusion-ts kernels vs stock');
  console.log('case                                          | forward | dx ours | dx stock | stock/ours | dw ours | dw stock | dx/fwd | dw/fwd');
  for (const c of cases) {
    const t = inputs(c);
    const o = ops(c, t);
    registerWasmConvGradients();
    const fwd = time(o.forward);
    const dxOurs = time(o.input);
    const dwOurs = time(o.filter);
    unregisterWasmConvGradients();
    const dxStock = timeOrNull(o.input, Math.min(RUNS, 3));
    const dwStock = timeOrNull(o.filter, Math.min(RUNS, 3));
    registerWasmConvGradients();
    console.log(
      `${c.label.padEnd(45)} | ${fmt(fwd)}  | ${fmt(dxOurs)}  | ${fmt(dxStock)}   | ${ratio(dxStock, dxOurs)}     | ${fmt(dwOurs)}  | ${fmt(dwStock)}   | ${ratio(dxOurs, fwd)} | ${ratio(dwOurs, fwd)}`,
    );
    tf.dispose([t.x, t.w, t.dy]);
  }

  // One small case on the cpu backend (plain JS; its filter gradient alone takes ~11 s per
  // call at 8x28x28 with 32 channels, so the large case is out of reach there).
  const small: Case = { label: '3x3 16->16, 4x14x14, stride 1, same', x: [4, 14, 14, 16], w: [3, 3, 16, 16], stride: 1, pad: 'same' };
  console.log('\ncpu backend (stock kernels) vs wasm backend (diffusion-ts kernels), small case');
  console.log('case                                          | op      | cpu     | wasm    | cpu/wasm');
  const results: Record<string, [number, number]> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    const t = inputs(small);
    const o = ops(small, t);
    for (const [name, f] of Object.entries(o)) {
      const ms = time(f, 3);
      results[name] = backend === 'cpu' ? [ms, 0] : [results[name]![0], ms];
    }
    tf.dispose([t.x, t.w, t.dy]);
  }
  for (const [name, [cpu, wasm]] of Object.entries(results)) {
    console.log(`${small.label.padEnd(45)} | ${name.padEnd(7)} | ${fmt(cpu)}  | ${fmt(wasm)}  | ${ratio(cpu, wasm)}`);
  }
}

await main();
