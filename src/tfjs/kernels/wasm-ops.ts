/**
 * The wasm backend's own kernels, called directly on TensorInfos from inside our kernels
 * (as the backend's kernels call one another), and the bookkeeping of the intermediate
 * buffers they allocate on the WebAssembly heap. Private to src/tfjs/kernels.
 */
import { getKernel, type DataType, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';

/** The part of the wasm backend (BackendWasm) that our kernels use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The stock wasm kernel `name`; throws when the wasm backend module was never loaded. */
export function wasmKernel(name: string): KernelFunc {
  const config = getKernel(name, 'wasm');
  if (config === undefined) {
    throw new Error(`diffusion-ts/tfjs: the wasm backend has no '${name}' kernel; import '@tensorflow/tfjs-backend-wasm' first`);
  }
  return config.kernelFunc;
}

/** Runs the wasm kernel `name` on `inputs` (a single output). */
export function runWasm(name: string, backend: WasmBackend, inputs: Record<string, TensorInfo>, attrs: object): TensorInfo {
  return wasmKernel(name)({ inputs, backend, attrs: attrs as NamedAttrMap }) as TensorInfo;
}

/** A float32 view of a tensor's heap buffer. Take views after the last allocation: a
 * malloc may grow the WebAssembly memory and detach every earlier view. */
export function heapF32(backend: WasmBackend, t: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

/** Frees intermediate buffers made by `makeOutput` or by a kernel called directly. */
export function release(backend: WasmBackend, ...ts: (TensorInfo | null)[]): void {
  for (const t of ts) if (t !== null) backend.disposeData(t.dataId);
}
