/**
 * diffusion-ts/tfjs: the TensorFlow.js layer. This first part chooses the backend and
 * gives the wasm backend fast, verified conv2d gradients; the tensor twins of the core,
 * the UNet and the training loops build on it.
 *
 * @example
 * import { setBackend } from 'diffusion-ts/tfjs';
 * await setBackend(); // returns ~'wasm' where @tensorflow/tfjs-node is not installed
 */
export { setBackend, backendInfo } from './backend.js';
export type { BackendChoice, BackendName, BackendInfo, SetBackendOptions } from './backend.js';
export { BackendUnavailableError } from './errors.js';
export { registerWasmConvGradients, unregisterWasmConvGradients, wasmConvGradients } from './kernels/register.js';
export type { WasmConvGradients } from './kernels/register.js';
export { conv2DGradConfig, ensureConv2DGradient } from './kernels/conv2d-grad.js';
