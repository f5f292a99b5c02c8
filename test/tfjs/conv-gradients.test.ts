/**
 * diffusion-ts's conv2d gradient kernels on the wasm backend against the cpu backend's
 * stock kernels, within the float32 bound derived in the proof.
 *
 * @see proofs/tfjs/conv-gradients.md
 */
import { test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect } from 'vitest';
import { key, uniformArray } from '../../src/core/random/index.js';
import {
  conv2DGradConfig,
  ensureConv2DGradient,
  registerWasmConvGradients,
  setBackend,
  unregisterWasmConvGradients,
  wasmConvGradients,
} from '../../src/tfjs/index.js';
import { convGeometry, planInputGradient } from '../../src/tfjs/kernels/conv-geometry.js';

type Explicit = [[number, number], [number, number], [number, number], [number, number]];
type Pad = 'same' | 'valid' | number | Explicit;

interface ConvCase {
  readonly batch: number;
  readonly h: number;
  readonly w: number;
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
  readonly stride: number;
  readonly pad: Pad;
  readonly seed: number;
}

/** Rows and columns of padding on both sides together, for 'valid', a number or explicit padding. */
function padTotal(pad: Pad, axis: 1 | 2): number {
  if (pad === 'same' || pad === 'valid') return 0;
  if (typeof pad === 'number') return 2 * pad;
  return pad[axis][0] + pad[axis][1];
}

/**
 * The shapes of the claims: batch 1-3, H, W 1-9, channels 1-5, kernel 1 or 3, stride 1-2,
 * padding 'same', 'valid', a number 0-2 or explicit per side 0-2. H and W are raised to
 * k - (padding) where needed so that the output is not empty.
 */
const arbConvCase: fc.Arbitrary<ConvCase> = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    cin: fc.integer({ min: 1, max: 5 }),
    cout: fc.integer({ min: 1, max: 5 }),
    k: fc.constantFrom(1, 3),
    stride: fc.integer({ min: 1, max: 2 }),
    pad: fc.oneof(
      fc.constant<Pad>('same'),
      fc.constant<Pad>('valid'),
      fc.integer({ min: 0, max: 2 }),
      fc.tuple(...Array.from({ length: 4 }, () => fc.integer({ min: 0, max: 2 }))).map(
        ([t, b, l, r]): Pad => [
          [0, 0],
          [t!, b!],
          [l!, r!],
          [0, 0],
        ],
      ),
    ),
    seed: fc.integer({ min: 0, max: 2 ** 31 }),
  })
  .map((c) => ({
    ...c,
    h: Math.max(c.h, c.k - padTotal(c.pad, 1)),
    w: Math.max(c.w, c.k - padTotal(c.pad, 2)),
  }));

/** Float32 values in [-1, 1) from a key: the same inputs on both backends. */
function values(seed: number, n: number): Float32Array {
  const u = uniformArray(key(seed), n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * u[i]! - 1;
  return out;
}

interface Grads {
  readonly dx: Float32Array<ArrayBufferLike>;
  readonly dw: Float32Array<ArrayBufferLike>;
}

interface Inputs {
  readonly x: Float32Array;
  readonly w: Float32Array;
  readonly dy: Float32Array;
  readonly xShape: [number, number, number, number];
  readonly wShape: [number, number, number, number];
  readonly dyShape: [number, number, number, number];
}

function inputsFor(c: ConvCase): Inputs {
  const xShape: [number, number, number, number] = [c.batch, c.h, c.w, c.cin];
  const wShape: [number, number, number, number] = [c.k, c.k, c.cin, c.cout];
  const x = values(c.seed, tf.util.sizeFromShape(xShape));
  const w = values(c.seed + 1, tf.util.sizeFromShape(wShape));
  const info = tf.backend_util.computeConv2DInfo(xShape, wShape, c.stride, 1, c.pad as 'same', undefined, false, 'channelsLast');
  const dyShape = info.outShape;
  const dy = values(c.seed + 2, tf.util.sizeFromShape(dyShape));
  return { x, w, dy, xShape, wShape, dyShape };
}

/** dL/dx and dL/dw of L = sum(conv2d(x, w) * dy) by tf.grads on `backend`. */
async function gradsOn(backend: 'wasm' | 'cpu', c: ConvCase, t: Inputs, abs = false): Promise<Grads> {
  await tf.setBackend(backend);
  const f = (v: Float32Array) => (abs ? v.map(Math.abs) : v);
  let dx: Float32Array<ArrayBufferLike> = new Float32Array(0);
  let dw: Float32Array<ArrayBufferLike> = new Float32Array(0);
  tf.tidy(() => {
    const x = tf.tensor4d(f(t.x), t.xShape);
    const w = tf.tensor4d(f(t.w), t.wShape);
    const dy = tf.tensor4d(f(t.dy), t.dyShape);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad))([x, w], dy);
    dx = gx!.dataSync() as Float32Array;
    dw = gw!.dataSync() as Float32Array;
  });
  return { dx, dw };
}

const U32 = 2 ** -24; // float32 unit roundoff
const gamma = (k: number) => (k * U32) / (1 - k * U32);

/**
 * |wasm - cpu| <= 2 gamma_K S / (1 - gamma_K) entry by entry (proof, "Float32 rounding"):
 * each side is within gamma_K S of the exact sum of K products; S is computed on |inputs|.
 */
function expectWithinBound(got: Float32Array, ref: Float32Array, sumAbs: Float32Array, K: number, context: object): void {
  expect(got.length).toBe(ref.length);
  const g = gamma(K);
  for (let i = 0; i < got.length; i++) {
    const bound = ((2 * g) / (1 - g)) * sumAbs[i]!;
    const diff = Math.abs(got[i]! - ref[i]!);
    if (!(diff <= bound)) {
      throw new Error(
        `entry ${i}: wasm ${got[i]} vs cpu ${ref[i]}, |difference| ${diff} > bound ${bound} (K = ${K}, S = ${sumAbs[i]}) for ${JSON.stringify(context)}`,
      );
    }
  }
}

async function checkInputGradient(c: ConvCase): Promise<void> {
  const t = inputsFor(c);
  const ref = await gradsOn('cpu', c, t);
  const abs = await gradsOn('cpu', c, t, true);
  const got = await gradsOn('wasm', c, t);
  // Each dx entry sums at most k_h k_w C_out products dy * w.
  expectWithinBound(got.dx, ref.dx, abs.dx, c.k * c.k * c.cout, c);
}

async function checkFilterGradient(c: ConvCase): Promise<void> {
  const t = inputsFor(c);
  const ref = await gradsOn('cpu', c, t);
  const abs = await gradsOn('cpu', c, t, true);
  const got = await gradsOn('wasm', c, t);
  // Each dw entry sums at most N H_o W_o products x * dy.
  expectWithinBound(got.dw, ref.dw, abs.dw, t.dyShape[0] * t.dyShape[1] * t.dyShape[2], c);
}

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-cpu');
  expect(await setBackend('wasm', { report: false })).toBe('wasm');
  expect(wasmConvGradients()).toBe('diffusion-ts');
});

describe('wasm conv2d gradients against the cpu backend', () => {
  test.prop([arbConvCase], { numRuns: 100 })(
    'tfjs/conv-gradients#input-gradient: dx by a forward conv of dilated dy with the rotated kernel equals the stock cpu gradient within 2 gamma_K S',
    async (c) => {
      await checkInputGradient(c);
    },
  );

  test.prop([arbConvCase], { numRuns: 100 })(
    'tfjs/conv-gradients#filter-gradient: dw by a dilated forward conv with batch and channels swapped equals the stock cpu gradient within 2 gamma_K S',
    async (c) => {
      await checkFilterGradient(c);
    },
  );

  // The reference UNet's two conv geometries (specs/unet-mnist.md), at its 28 x 28 size.
  const unetSame: ConvCase = { batch: 2, h: 28, w: 28, cin: 4, cout: 3, k: 3, stride: 1, pad: 'same', seed: 11 };
  const unetDown: ConvCase = { batch: 2, h: 28, w: 28, cin: 4, cout: 3, k: 3, stride: 2, pad: 1, seed: 12 };

  test('tfjs/conv-gradients#input-gradient: the UNet 3x3 same conv and its Down conv (stride 2, padding 1) at 28x28', async () => {
    await checkInputGradient(unetSame);
    await checkInputGradient(unetDown);
  });

  test('tfjs/conv-gradients#filter-gradient: the UNet 3x3 same conv and its Down conv (stride 2, padding 1) at 28x28', async () => {
    await checkFilterGradient(unetSame);
    await checkFilterGradient(unetDown);
  });

  test('tfjs/conv-gradients#input-gradient: the plan pads k - 1 - p_t above and H + p_t - (H_o - 1) s - 1 below', () => {
    // Down conv: H = 28, k = 3, s = 2, p_t = 1, H_o = 14: dilated dy has 27 rows; pads
    // 3 - 1 - 1 = 1 above and 28 + 1 - 26 - 1 = 2 below (27 + 1 + 2 - 3 + 1 = 28 rows out).
    const g = convGeometry([1, 28, 28, 1], [3, 3, 1, 1], [1, 14, 14, 1], { strides: 2, pad: 1 })!;
    expect(planInputGradient(g)).toEqual({
      bufferHeight: 27,
      bufferWidth: 27,
      cropTop: 0,
      cropLeft: 0,
      copy: true,
      pad: [[0, 0], [1, 2], [1, 2], [0, 0]],
    });
    // 'same', stride 2 on 28: P = 1, p_t = 0: pads 2 above, 28 + 0 - 26 - 1 = 1 below.
    const s = convGeometry([1, 28, 28, 1], [3, 3, 1, 1], [1, 14, 14, 1], { strides: 2, pad: 'same' })!;
    expect(planInputGradient(s).pad).toEqual([[0, 0], [2, 1], [2, 1], [0, 0]]);
    // 'same', stride 1: dy is used as it is (no copy), pads 1 and 1.
    const one = convGeometry([1, 28, 28, 1], [3, 3, 1, 1], [1, 28, 28, 1], { strides: 1, pad: 'same' })!;
    expect(planInputGradient(one)).toMatchObject({ copy: false, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] });
  });
});

describe('fallbacks', () => {
  test('tfjs/conv-gradients#fallback: a padding wider than the kernel crops the dilated dy instead of padding it', async () => {
    // k = 1, p_t = 2: the derivation's top padding is k - 1 - p_t = -2, so the first two
    // dilated rows (windows lying wholly in the padding) are dropped.
    const c: ConvCase = { batch: 2, h: 5, w: 4, cin: 3, cout: 2, k: 1, stride: 2, pad: 2, seed: 21 };
    const g = convGeometry([2, 5, 4, 3], [1, 1, 3, 2], [2, 4, 4, 2], { strides: 2, pad: 2 })!;
    expect(planInputGradient(g)).toMatchObject({ cropTop: 2, cropLeft: 2, pad: [[0, 0], [0, 0], [0, 0], [0, 0]] });
    await checkInputGradient(c);
    await checkFilterGradient(c);
    // Every window in the padding (1 x 1 input, stride 3, 2 rows and columns of padding
    // before it): nothing of x reaches y, dx = 0 exactly, as on the cpu backend.
    const empty: ConvCase = { batch: 1, h: 1, w: 1, cin: 2, cout: 2, k: 1, stride: 3, pad: [[0, 0], [2, 0], [2, 0], [0, 0]], seed: 22 };
    const e = convGeometry([1, 1, 1, 2], [1, 1, 2, 2], [1, 1, 1, 2], { strides: 3, pad: empty.pad as Explicit })!;
    expect(planInputGradient(e).bufferHeight).toBeLessThanOrEqual(0);
    const t = inputsFor(empty);
    expect(Array.from((await gradsOn('wasm', empty, t)).dx)).toEqual([0, 0]);
    await checkInputGradient(empty);
  });

  test('tfjs/conv-gradients#fallback: NCHW input gradients (transposed to NHWC and back) equal the cpu backend', async () => {
    const inputShape: [number, number, number, number] = [2, 3, 7, 6]; // N, C, H, W
    const wShape: [number, number, number, number] = [3, 3, 3, 4];
    const dyShape: [number, number, number, number] = [2, 4, 3, 3]; // N, C_out, H_o, W_o (as below)
    const pad = [
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 1],
    ];
    const attrs = { strides: 2, pad, dataFormat: 'NCHW', inputShape } as unknown as tf.NamedAttrMap;
    const dyv = values(33, tf.util.sizeFromShape(dyShape));
    const wv = values(34, tf.util.sizeFromShape(wShape));
    const run = async (backend: 'cpu' | 'wasm', abs: boolean) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const f = (v: Float32Array) => (abs ? v.map(Math.abs) : v);
        const out = tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor4d(f(dyv), dyShape), filter: tf.tensor4d(f(wv), wShape) }, attrs);
        return (out as tf.Tensor).dataSync() as Float32Array;
      });
    };
    const ref = await run('cpu', false);
    const sumAbs = await run('cpu', true);
    const got = await run('wasm', false);
    // K = k_h k_w C_out products per entry.
    expectWithinBound(got, ref, sumAbs, 3 * 3 * 4, { inputShape, dyShape, pad });
  });

  test('tfjs/conv-gradients#fallback: NCHW filter gradients (transposed to NHWC) equal the cpu backend', async () => {
    const xShape: [number, number, number, number] = [2, 3, 7, 6]; // N, C, H, W
    const filterShape: [number, number, number, number] = [3, 3, 3, 4];
    // Stride 2, padding (1, 0) on H = 7 and (0, 1) on W = 6: H_o = floor(5 / 2) + 1 = 3 = W_o.
    const dyShape: [number, number, number, number] = [2, 4, 3, 3]; // N, C_out, H_o, W_o
    const pad = [
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 1],
    ];
    const attrs = { strides: 2, pad, dataFormat: 'NCHW', filterShape } as unknown as tf.NamedAttrMap;
    const xv = values(31, tf.util.sizeFromShape(xShape));
    const dyv = values(32, tf.util.sizeFromShape(dyShape));
    const run = async (backend: 'cpu' | 'wasm', abs: boolean) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const f = (v: Float32Array) => (abs ? v.map(Math.abs) : v);
        const out = tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(f(xv), xShape), dy: tf.tensor4d(f(dyv), dyShape) }, attrs);
        return (out as tf.Tensor).dataSync() as Float32Array;
      });
    };
    const ref = await run('cpu', false);
    const sumAbs = await run('cpu', true);
    const got = await run('wasm', false);
    // K = N H_o W_o products per entry.
    expectWithinBound(got, ref, sumAbs, 2 * 3 * 3, { xShape, dyShape, pad });
  });

  test('tfjs/conv-gradients#fallback: without diffusion-ts kernels the stock wasm backend has no filter gradient', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    // dy = ones: the gradient of sum(conv2d(x, w)) (tfjs-core alone has no gradient for Sum).
    const dy = tf.ones([1, 4, 4, 1]);
    const gradW = () => tf.tidy(() => tf.grad((v: tf.Tensor) => tf.conv2d(x, v as tf.Tensor4D, 1, 'same'))(w, dy));
    unregisterWasmConvGradients();
    try {
      expect(wasmConvGradients()).toBe('stock');
      expect(gradW).toThrow(/Conv2DBackpropFilter/);
    } finally {
      registerWasmConvGradients();
    }
    expect(wasmConvGradients()).toBe('diffusion-ts');
    // With them: sum of conv2d('same') of ones over a 4 x 4 image, d/dw[a, b] = number of
    // output pixels whose tap (a, b) lands inside: 3 x 3 corners 9, edges 12, centre 16.
    const g = gradW();
    expect(Array.from(g.dataSync())).toEqual([9, 12, 9, 12, 16, 12, 9, 12, 9]);
    tf.dispose([x, w, dy, g]);
  });

  test('tfjs/conv-gradients#fallback: the registered Conv2D gradient runs the kernels; dilations > 1 throw rather than answer', async () => {
    await tf.setBackend('wasm');
    expect(ensureConv2DGradient()).toBe(false); // already registered by setBackend
    expect(tf.getGradient('Conv2D')).toBe(conv2DGradConfig);
    const x = tf.ones([1, 5, 5, 1]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
    const dy = tf.ones([1, 1, 1, 1]);
    expect(() => tf.grad((v: tf.Tensor) => tf.conv2d(v as tf.Tensor4D, w, 1, 'valid', 'NHWC', 2))(x, dy)).toThrow(/dilation/);
    tf.dispose([x, w, dy]);
  });
});

test('the wasm gradient kernels free every intermediate buffer', async () => {
  await tf.setBackend('wasm');
  const c: ConvCase = { batch: 3, h: 9, w: 8, cin: 4, cout: 5, k: 3, stride: 2, pad: 'same', seed: 41 };
  const t = inputsFor(c);
  const step = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(t.x, t.xShape);
      const w = tf.tensor4d(t.w, t.wShape);
      const dy = tf.tensor4d(t.dy, t.dyShape);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad))([x, w], dy);
      gx!.dataSync();
      gw!.dataSync();
    });
  step();
  const before = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
  for (let i = 0; i < 20; i++) step();
  const after = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
  expect(after.numTensors).toBe(before.numTensors);
  expect(after.numDataBuffers).toBe(before.numDataBuffers);
});
