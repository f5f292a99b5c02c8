/**
 * Conv2DBackpropInput for the wasm backend, from its fast forward Conv2D (XNNPACK):
 * the input gradient of a strided, padded cross-correlation is a stride-1 cross-correlation
 * of dy dilated by the stride with the kernel rotated by 180 degrees and its in/out
 * channels swapped (proofs/tfjs/conv-gradients.md, claim tfjs/conv-gradients#input-gradient).
 *
 * The stock wasm kernel (a direct loop) is ~10x slower than the forward conv; this one
 * costs about one forward conv at stride 1 (about s^2 strided forward convs at stride s:
 * the dilated dy carries zeros) and covers every padding (where a padding of the
 * derivation is negative, the dilated dy is cropped). NCHW is transposed to NHWC and back.
 */
import { Conv2DBackpropInput, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry, planInputGradient, type ConvAttrs, type ConvGeometry, type InputGradientPlan } from './conv-geometry.js';
import { heapF32, release, runWasm, type WasmBackend } from './wasm-ops.js';

/** The attributes TensorFlow.js passes to Conv2DBackpropInput. */
interface InputGradientAttrs extends ConvAttrs {
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly inputShape: [number, number, number, number];
}

/**
 * Makes the Conv2DBackpropInput kernel for 'wasm' that computes
 * dx = conv2d(dilate_s(dy), rot180(w)^T, stride 1, pad (k - 1 - p_t, H + p_t - (H_o - 1) s - 1)),
 * cropping the dilated dy where a padding is negative. Calls `stock` (the kernel it
 * replaces) only for non-float32 inputs, which TensorFlow.js's ops never pass.
 *
 * Formula: dx[n, p, q, c] = sum_{i, j, o, a, b : s_h i + a - p_t = p, s_w j + b - p_l = q} dy[n, i, j, o] w[a, b, c, o].
 *
 * @param stock - the wasm backend's own Conv2DBackpropInput kernel config (its setupFunc
 *   is kept, so the stock kernel stays usable whether we register before or after the
 *   backend starts)
 * @returns a KernelConfig for `registerKernel`
 * @example
 * registerKernel(makeConv2DBackpropInputConfig(getKernel('Conv2DBackpropInput', 'wasm')!)); // returns ~undefined
 * @see proofs/tfjs/conv-gradients.md (Dumoulin & Visin 2016, "A guide to convolution arithmetic", Relationship 14)
 */
export function makeConv2DBackpropInputConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const backend = args.backend as WasmBackend;
    const attrs = args.attrs as unknown as InputGradientAttrs;
    let dy = args.inputs.dy as TensorInfo;
    const w = args.inputs.filter as TensorInfo;
    if (dy.dtype !== 'float32' || w.dtype !== 'float32') return stock.kernelFunc(args);
    const nchw = attrs.dataFormat === 'NCHW';
    let inputShape = attrs.inputShape;
    let pad = attrs.pad;
    if (nchw) {
      // [N, C, H, W] -> [N, H, W, C], explicit padding [[0, 0], [0, 0], [t, b], [l, r]] likewise.
      dy = runWasm('Transpose', backend, { x: dy }, { perm: [0, 2, 3, 1] });
      const [n, c, h, wd] = inputShape;
      inputShape = [n, h, wd, c];
      if (Array.isArray(pad)) pad = [[0, 0], pad[2], pad[3], [0, 0]];
    }
    try {
      const g = convGeometry(inputShape, w.shape, dy.shape, { ...attrs, pad } as ConvAttrs);
      if (g === null) {
        throw new Error(
          `diffusion-ts/tfjs: Conv2DBackpropInput: dy of shape [${dy.shape.join(', ')}] does not fit the input [${inputShape.join(', ')}] and filter [${w.shape.join(', ')}]`,
        );
      }
      const dx = inputGradient(backend, dy, w, g, planInputGradient(g));
      if (!nchw) return dx;
      const dxNchw = runWasm('Transpose', backend, { x: dx }, { perm: [0, 3, 1, 2] });
      release(backend, dx);
      return dxNchw;
    } finally {
      if (nchw) release(backend, dy);
    }
  };
  return {
    kernelName: Conv2DBackpropInput,
    backendName: 'wasm',
    ...(stock.setupFunc === undefined ? {} : { setupFunc: stock.setupFunc }),
    kernelFunc,
  };
}

function inputGradient(backend: WasmBackend, dy: TensorInfo, w: TensorInfo, g: ConvGeometry, plan: InputGradientPlan): TensorInfo {
  const { batch: N, outHeight: Ho, outWidth: Wo, outChannels: Co, inChannels: Ci } = g;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = g;
  const { bufferHeight: Hb, bufferWidth: Wb, cropTop, cropLeft } = plan;
  if (Hb <= 0 || Wb <= 0) {
    // Every window lies wholly in the padding: no entry of x reaches y, dx = 0.
    const zero = backend.makeOutput([N, g.inHeight, g.inWidth, Ci], 'float32');
    heapF32(backend, zero).fill(0);
    return zero;
  }
  // Allocate first, view after: a malloc may grow the heap and detach earlier views.
  const dyd = plan.copy ? backend.makeOutput([N, Hb, Wb, Co], 'float32') : null;
  const wRot = backend.makeOutput([kh, kw, Co, Ci], 'float32');
  const wV = heapF32(backend, w);
  const wRotV = heapF32(backend, wRot);
  // wRot[a', b', o, c] = w[k_h - 1 - a', k_w - 1 - b', c, o]: rotated by 180 degrees, channels swapped.
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const src = ((kh - 1 - a) * kw + (kw - 1 - b)) * Ci * Co;
      const dst = (a * kw + b) * Co * Ci;
      for (let o = 0; o < Co; o++) {
        for (let c = 0; c < Ci; c++) wRotV[dst + o * Ci + c] = wV[src + c * Co + o]!;
      }
    }
  }
  if (dyd !== null) {
    // dyd[n, s_h i - cropTop, s_w j - cropLeft, o] = dy[n, i, j, o], zero between (and rows
    // or columns falling outside the buffer are windows lying wholly in the padding).
    const dyV = heapF32(backend, dy);
    const dydV = heapF32(backend, dyd);
    dydV.fill(0);
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < Ho; i++) {
        const r = i * sh - cropTop;
        if (r < 0 || r >= Hb) continue;
        for (let j = 0; j < Wo; j++) {
          const q = j * sw - cropLeft;
          if (q < 0 || q >= Wb) continue;
          const src = ((n * Ho + i) * Wo + j) * Co;
          const dst = ((n * Hb + r) * Wb + q) * Co;
          for (let o = 0; o < Co; o++) dydV[dst + o] = dyV[src + o]!;
        }
      }
    }
  }
  const dx = runWasm('Conv2D', backend, { x: dyd ?? dy, filter: wRot }, {
    strides: [1, 1],
    dilations: [1, 1],
    pad: plan.pad,
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
  });
  release(backend, dyd, wRot);
  return dx;
}
