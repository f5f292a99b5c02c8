/**
 * Conv2DBackpropFilter for the wasm backend, which has none (so conv training throws
 * there): the filter gradient of a strided, padded cross-correlation is a forward
 * cross-correlation with batch and channels swapped, dilated by the stride
 * (proofs/tfjs/conv-gradients.md, claim tfjs/conv-gradients#filter-gradient).
 *
 * Cost: two transposes (x and dy, one pass each) and one XNNPACK conv whose "filter" is
 * dy^T (H_o x W_o x N x C_out, packed once per call) and whose output is the small
 * [C_in, k_h, k_w, C_out]; the final [1, 2, 0, 3] reorder and any crop run in JS over
 * k_h k_w C_in C_out values.
 */
import { Conv2DBackpropFilter, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry, planFilterGradient, type ConvAttrs, type ConvGeometry } from './conv-geometry.js';
import { heapF32, release, runWasm, type WasmBackend } from './wasm-ops.js';

/** The attributes TensorFlow.js passes to Conv2DBackpropFilter. */
interface FilterGradientAttrs extends ConvAttrs {
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly filterShape: [number, number, number, number];
}

/**
 * The Conv2DBackpropFilter kernel for 'wasm':
 * dw = conv2d(x^T, dy^T, stride 1, dilation (s_h, s_w), pad (p_t, k_h + s_h (H_o - 1) - H - p_t))
 * reordered [1, 2, 0, 3], with x^T = transpose(x, [3, 1, 2, 0]), dy^T = transpose(dy, [1, 2, 0, 3]).
 * NCHW inputs are transposed to NHWC first (correct, one extra pass each).
 *
 * Formula: dw[a, b, c, o] = sum_{n, i, j} x[n, s_h i + a - p_t, s_w j + b - p_l, c] dy[n, i, j, o].
 *
 * @example
 * registerKernel(conv2DBackpropFilterConfig); // returns ~undefined
 * @see proofs/tfjs/conv-gradients.md (claim tfjs/conv-gradients#filter-gradient)
 */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ((args) => {
    const backend = args.backend as WasmBackend;
    const attrs = args.attrs as unknown as FilterGradientAttrs;
    let x = args.inputs.x as TensorInfo;
    let dy = args.inputs.dy as TensorInfo;
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
      throw new Error(`diffusion-ts/tfjs: Conv2DBackpropFilter on wasm needs float32 inputs, got ${x.dtype} and ${dy.dtype}`);
    }
    const nchw = attrs.dataFormat === 'NCHW';
    if (nchw) {
      // [N, C, H, W] -> [N, H, W, C]; the fast path below is NHWC.
      x = runWasm('Transpose', backend, { x }, { perm: [0, 2, 3, 1] });
      dy = runWasm('Transpose', backend, { x: dy }, { perm: [0, 2, 3, 1] });
    }
    // Explicit NCHW padding [[0, 0], [0, 0], [t, b], [l, r]] becomes NHWC's [[0, 0], [t, b], [l, r], [0, 0]].
    const pad = nchw && Array.isArray(attrs.pad) ? [[0, 0], attrs.pad[2], attrs.pad[3], [0, 0]] : attrs.pad;
    try {
      const g = convGeometry(x.shape, attrs.filterShape, dy.shape, { ...attrs, pad } as ConvAttrs);
      if (g === null) {
        throw new Error(
          `diffusion-ts/tfjs: Conv2DBackpropFilter: dy of shape [${dy.shape.join(', ')}] does not fit x [${x.shape.join(', ')}] and filter [${attrs.filterShape.join(', ')}]`,
        );
      }
      return filterGradient(backend, x, dy, g);
    } finally {
      if (nchw) release(backend, x, dy);
    }
  }) as KernelFunc,
};

function filterGradient(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, g: ConvGeometry): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: Ci, outChannels: Co } = g;
  const plan = planFilterGradient(g);
  const { batch: N, inHeight: H, inWidth: W, outHeight: Ho, outWidth: Wo } = g;
  // x^T[c, r, q, n] = x[n, r, q, c]: channels become the batch, the batch the channels.
  // Transposed as [N, H W, C] -> [C, H W, N] (a reshape is free; the 3-D transpose is
  // faster than the 4-D one on wasm), then read as [C, H, W, N].
  const xT3 = runWasm('Transpose', backend, { x: { ...x, shape: [N, H * W, Ci] } }, { perm: [2, 1, 0] });
  const xT: TensorInfo = { ...xT3, shape: [Ci, H, W, N] };
  // dy^T[i, j, n, o] = dy[n, i, j, o]: dy becomes an H_o x W_o filter from N to C_out
  // channels ([N, H_o W_o, C_out] -> [H_o W_o, N, C_out], read as [H_o, W_o, N, C_out]).
  const dyT3 = runWasm('Transpose', backend, { x: { ...dy, shape: [N, Ho * Wo, Co] } }, { perm: [1, 0, 2] });
  const dyT: TensorInfo = { ...dyT3, shape: [Ho, Wo, N, Co] };
  // r[c, a, b, o] = sum_{i, j, n} x^T[c, a + s_h i - p_t, b + s_w j - p_l, n] dy^T[i, j, n, o]:
  // the taps of dy^T sit s apart on x, a dilation by the stride.
  const r = runWasm('Conv2D', backend, { x: xT, filter: dyT }, {
    strides: [1, 1],
    dilations: [g.strideHeight, g.strideWidth],
    pad: plan.pad,
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
  });
  release(backend, xT, dyT);
  const dw = backend.makeOutput([kh, kw, Ci, Co], 'float32');
  const rV = heapF32(backend, r);
  const dwV = heapF32(backend, dw);
  const Hr = plan.outHeight;
  const Wr = plan.outWidth;
  // dw[a, b, c, o] = r[c, a, b, o] for a < k_h, b < k_w (rows and columns beyond are cropped).
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      for (let c = 0; c < Ci; c++) {
        const src = ((c * Hr + a) * Wr + b) * Co;
        const dst = ((a * kw + b) * Ci + c) * Co;
        for (let o = 0; o < Co; o++) dwV[dst + o] = rV[src + o]!;
      }
    }
  }
  release(backend, r);
  return dw;
}
