/**
 * Installs (and removes) diffusion-ts's conv2d gradient kernels on the wasm backend.
 * Kernels are looked up by (name, backend) at every call, so registering after the
 * backend has started takes effect at once, and other backends are untouched.
 */
import {
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  getKernel,
  registerKernel,
  unregisterKernel,
  type KernelConfig,
} from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { ensureConv2DGradient } from './conv2d-grad.js';
import { makeConv2DBackpropInputConfig } from './conv2d-backprop-input.js';

/** The wasm backend's own Conv2DBackpropInput, kept while ours is installed. */
let stockInput: KernelConfig | null = null;
let ourInput: KernelConfig | null = null;

/** Which conv2d gradient kernels the wasm backend is using now. */
export type WasmConvGradients = 'diffusion-ts' | 'stock';

/**
 * Registers diffusion-ts's Conv2DBackpropInput (replacing the wasm backend's, ~10x faster
 * at stride 1) and Conv2DBackpropFilter (which the wasm backend lacks) for 'wasm', and the
 * Conv2D gradient itself when none is registered (tfjs-core alone has none in Node).
 * Idempotent. `setBackend('wasm' | 'auto')` calls it; call it yourself only when you
 * start the wasm backend without `setBackend`.
 *
 * Formula: dx = conv2d(dilate_s(dy), rot180(w)^T, 1, k - 1 - p); dw = conv2d(x^T, dy^T, 1, dilation s)^T.
 *
 * @returns nothing; throws an Error when '@tensorflow/tfjs-backend-wasm' was never imported
 *   (its kernels, which ours call, are then not registered)
 * @example
 * await import('@tensorflow/tfjs-backend-wasm');
 * registerWasmConvGradients();
 * wasmConvGradients(); // returns ~'diffusion-ts'
 * @see proofs/tfjs/conv-gradients.md (Dumoulin & Visin 2016, Relationship 14)
 */
export function registerWasmConvGradients(): void {
  if (getKernel(Conv2D, 'wasm') === undefined) {
    throw new Error("diffusion-ts/tfjs: registerWasmConvGradients: import '@tensorflow/tfjs-backend-wasm' first (its Conv2D kernel is not registered)");
  }
  const current = getKernel(Conv2DBackpropInput, 'wasm');
  if (current === undefined) throw new Error('diffusion-ts/tfjs: the wasm backend has no Conv2DBackpropInput kernel to fall back on');
  if (ourInput === null || current !== ourInput) {
    stockInput = current;
    ourInput = makeConv2DBackpropInputConfig(current);
    unregisterKernel(Conv2DBackpropInput, 'wasm');
    registerKernel(ourInput);
  }
  const filter = getKernel(Conv2DBackpropFilter, 'wasm');
  if (filter !== conv2DBackpropFilterConfig) {
    if (filter !== undefined) unregisterKernel(Conv2DBackpropFilter, 'wasm');
    registerKernel(conv2DBackpropFilterConfig);
  }
  // tfjs-core alone registers no op gradients in Node; conv2d's is needed to reach the kernels.
  ensureConv2DGradient();
}

/**
 * Restores the wasm backend's stock conv2d gradients: its own Conv2DBackpropInput, and no
 * Conv2DBackpropFilter (so conv filter gradients throw again). For benchmarks and tests
 * that compare against the stock path.
 *
 * @returns nothing
 * @example
 * unregisterWasmConvGradients();
 * wasmConvGradients(); // returns ~'stock'
 * @see proofs/tfjs/conv-gradients.md
 */
export function unregisterWasmConvGradients(): void {
  if (ourInput !== null && getKernel(Conv2DBackpropInput, 'wasm') === ourInput && stockInput !== null) {
    unregisterKernel(Conv2DBackpropInput, 'wasm');
    registerKernel(stockInput);
  }
  ourInput = null;
  stockInput = null;
  if (getKernel(Conv2DBackpropFilter, 'wasm') === conv2DBackpropFilterConfig) unregisterKernel(Conv2DBackpropFilter, 'wasm');
}

/**
 * Which conv2d gradient kernels are registered for 'wasm' now.
 *
 * @returns 'diffusion-ts' when ours are installed, 'stock' otherwise
 * @example
 * wasmConvGradients(); // returns ~'stock'
 * @see proofs/tfjs/conv-gradients.md
 */
export function wasmConvGradients(): WasmConvGradients {
  return ourInput !== null &&
    getKernel(Conv2DBackpropInput, 'wasm') === ourInput &&
    getKernel(Conv2DBackpropFilter, 'wasm') === conv2DBackpropFilterConfig
    ? 'diffusion-ts'
    : 'stock';
}
