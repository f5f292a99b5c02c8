/**
 * The gradient of the Conv2D kernel, for every backend.
 *
 * @tensorflow/tfjs-core registers its op gradients from an ES-module entry
 * (dist/register_all_gradients.js) that its CommonJS build for Node does not load and
 * that Node cannot import (extensionless relative imports); only the @tensorflow/tfjs
 * union package bundles them. With tfjs-core alone, tf.grads through a conv2d throws
 * "gradient function not found for Conv2D". This config fills that gap when no other
 * gradient for Conv2D is registered: each backend then runs its own Conv2DBackpropInput
 * and Conv2DBackpropFilter kernels (on wasm, diffusion-ts's; see register.ts).
 */
import {
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  engine,
  getGradient,
  registerGradient,
  type GradConfig,
  type NamedAttrMap,
  type Tensor,
} from '@tensorflow/tfjs-core';

/** The attributes of a Conv2D node on the tape. */
interface Conv2DAttrs {
  readonly strides: [number, number] | number;
  readonly pad: 'valid' | 'same' | number | number[][];
  readonly dataFormat: 'NHWC' | 'NCHW';
  readonly dilations: [number, number] | number;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function unitDilation(d: [number, number] | number): boolean {
  return typeof d === 'number' ? d === 1 : d[0] === 1 && d[1] === 1;
}

/**
 * The Conv2D gradient: for y = conv2d(x, w), dL/dx = Conv2DBackpropInput(dy, w) and
 * dL/dw = Conv2DBackpropFilter(x, dy), both with the forward attributes (strides, pad,
 * dataFormat and dimRoundingMode, so the geometry is exactly the forward one).
 *
 * Formula: dx[n, p, q, c] = sum_{i, j, o} dy[n, i, j, o] w[p + p_t - s_h i, q + p_l - s_w j, c, o];
 * dw[a, b, c, o] = sum_{n, i, j} x[n, s_h i + a - p_t, s_w j + b - p_l, c] dy[n, i, j, o].
 *
 * @example
 * registerGradient(conv2DGradConfig); // returns ~undefined
 * @see proofs/tfjs/conv-gradients.md (claims tfjs/conv-gradients#input-gradient, #filter-gradient)
 */
export const conv2DGradConfig: GradConfig = {
  kernelName: Conv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, w] = saved as [Tensor, Tensor];
    const dyT = dy as Tensor;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as Conv2DAttrs;
    if (!unitDilation(dilations)) {
      throw new Error(`diffusion-ts/tfjs: the gradient of conv2d with dilations ${String(dilations)} is not supported (dilation 1 only)`);
    }
    const common = { strides, pad, dataFormat, dimRoundingMode } as unknown as NamedAttrMap;
    return {
      x: () =>
        engine().runKernel(Conv2DBackpropInput, { dy: dyT, filter: w }, { ...common, inputShape: x.shape } as NamedAttrMap) as Tensor,
      filter: () =>
        engine().runKernel(Conv2DBackpropFilter, { x, dy: dyT }, { ...common, filterShape: w.shape } as NamedAttrMap) as Tensor,
    };
  },
};

/**
 * Registers `conv2DGradConfig` unless a gradient for Conv2D is already registered (by
 * @tensorflow/tfjs, whose gradient calls the same two kernels). Idempotent.
 *
 * @returns true when it registered ours, false when one was there
 * @example
 * ensureConv2DGradient(); // returns ~true with @tensorflow/tfjs-core alone
 * @see proofs/tfjs/conv-gradients.md
 */
export function ensureConv2DGradient(): boolean {
  if (getGradient(Conv2D) !== undefined) return false;
  registerGradient(conv2DGradConfig);
  return true;
}
