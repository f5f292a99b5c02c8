/**
 * Choosing the TensorFlow.js backend that diffusion-ts/tfjs runs on.
 *
 * 'auto' takes the fastest one that starts here: @tensorflow/tfjs-node (native
 * libtensorflow; an optional peer, used only when the user installed it), else the wasm
 * backend (XNNPACK, SIMD, with diffusion-ts's conv2d gradient kernels), else the plain-JS
 * cpu backend. The choice is reported once, in one line, and returned.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../core/errors.js';
import { BackendUnavailableError, type BackendName } from './errors.js';
import { ensureConv2DGradient } from './kernels/conv2d-grad.js';
import { registerWasmConvGradients, wasmConvGradients } from './kernels/register.js';

export type { BackendName } from './errors.js';

/** What `setBackend` may be asked for. */
export type BackendChoice = 'auto' | BackendName;

/** Options of `setBackend`. */
export interface SetBackendOptions {
  /**
   * The folder (or URL prefix, ending in '/') holding the wasm binaries
   * (tfjs-backend-wasm-simd.wasm, tfjs-backend-wasm.wasm). Default in Node: the installed
   * @tensorflow/tfjs-backend-wasm package's dist/ folder, read from disk (no network).
   * Used by the first start of the wasm backend in this process; later calls keep it.
   */
  readonly wasmPaths?: string;
  /** Where the one-line report goes: a function, or false for none. Default: console.error. */
  readonly report?: ((line: string) => void) | false;
}

/** The backend in use, as `setBackend` started it. */
export interface BackendInfo {
  /** diffusion-ts's name for it. */
  readonly name: BackendName;
  /** TensorFlow.js's name for it ('tensorflow' for tfjs-node). */
  readonly tfjsName: string;
  /** Threads the backend computes on (null: libtensorflow's own pool, not known here). */
  readonly threads: number | null;
  /** wasm only: whether the SIMD binary is in use. */
  readonly simd: boolean | null;
  /** wasm only: the binary loaded, with its folder. */
  readonly wasmBinary: string | null;
  /** Where conv2d gradients come from: diffusion-ts's wasm kernels, the backend's own. */
  readonly convGradients: 'diffusion-ts' | 'stock';
  /** The line that was reported. */
  readonly summary: string;
}

const API = 'tfjs.setBackend';
const CHOICES: readonly BackendChoice[] = ['auto', 'node', 'wasm', 'cpu'];
const ORDER: readonly BackendName[] = ['node', 'wasm', 'cpu'];
const PACKAGES: Readonly<Record<BackendName, string>> = {
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};
const TFJS_NAMES: Readonly<Record<BackendName, string>> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };
const HINTS: Readonly<Record<BackendChoice, string>> = {
  node:
    "Install it with `npm install @tensorflow/tfjs-node` (its install downloads libtensorflow, so it needs network access and a supported platform), or choose 'auto', 'wasm' or 'cpu'",
  wasm:
    "Install it with `npm install @tensorflow/tfjs-backend-wasm@4.22.0`, pass `wasmPaths` (the folder holding its .wasm files), or choose 'auto' or 'cpu'",
  cpu: "Install it with `npm install @tensorflow/tfjs-backend-cpu@4.22.0`, or choose 'auto'",
  auto: 'Install @tensorflow/tfjs-backend-wasm (fast, offline) or @tensorflow/tfjs-backend-cpu',
};

type Attempt = { readonly ok: true; readonly info: Omit<BackendInfo, 'summary'> } | { readonly ok: false; readonly reason: string; readonly cause?: unknown };

let current: BackendInfo | null = null;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Selects the TensorFlow.js backend, starts it, reports it in one line and returns its
 * name. 'auto' tries @tensorflow/tfjs-node (when installed), then wasm, then cpu; a named
 * choice that cannot start throws. Starting wasm registers diffusion-ts's conv2d gradient
 * kernels on it (fast input gradient, and the filter gradient the wasm backend lacks);
 * in Node the wasm backend runs its single-threaded SIMD binary (the threaded build cannot
 * start its workers there), loaded from the installed package's folder, not the network.
 * Calls are serialized; calling again switches backend (tensors move on first use).
 *
 * Formula: backend = first of (node, wasm, cpu) that starts, for choice = 'auto'.
 *
 * @param choice - 'auto' (default), 'node', 'wasm' or 'cpu'
 * @param options - `wasmPaths` (folder of the .wasm files), `report` (a function, or false)
 * @returns the backend in use: 'node', 'wasm' or 'cpu'
 * @throws (as a rejected promise) InvalidArgumentError for a choice or option of the wrong
 *   kind; BackendUnavailableError (a DiffusionError) naming the choice, why, and what is installed
 * @example
 * import { setBackend } from 'diffusion-ts/tfjs';
 * await setBackend(); // returns ~'wasm' where tfjs-node is not installed
 * @see docs/tfjs/backends.md
 */
export async function setBackend(choice: BackendChoice = 'auto', options: SetBackendOptions = {}): Promise<BackendName> {
  if (typeof choice !== 'string' || !CHOICES.includes(choice)) {
    throw new InvalidArgumentError(API, 'choice', "one of 'auto', 'node', 'wasm', 'cpu'", choice);
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(API, 'options', 'an object { wasmPaths?, report? }', options);
  }
  if (options.wasmPaths !== undefined && (typeof options.wasmPaths !== 'string' || options.wasmPaths === '')) {
    throw new InvalidArgumentError(API, 'options.wasmPaths', 'a non-empty string (a folder or URL prefix)', options.wasmPaths);
  }
  if (options.report !== undefined && options.report !== false && typeof options.report !== 'function') {
    throw new InvalidArgumentError(API, 'options.report', 'a function or false', options.report);
  }
  const run = queue.then(() => select(choice, options));
  queue = run.catch(() => undefined);
  return run;
}

/**
 * The backend that the last successful `setBackend` started, or null before any.
 *
 * @returns its name, TensorFlow.js name, threads, wasm binary and conv-gradient source
 * @example
 * (await setBackend('wasm'), backendInfo()!.wasmBinary); // returns ~'.../tfjs-backend-wasm-simd.wasm'
 * @see docs/tfjs/backends.md
 */
export function backendInfo(): BackendInfo | null {
  return current;
}

async function select(choice: BackendChoice, options: SetBackendOptions): Promise<BackendName> {
  const failures: string[] = [];
  let started: Omit<BackendInfo, 'summary'> | null = null;
  let lastCause: unknown;
  for (const name of choice === 'auto' ? ORDER : [choice]) {
    const attempt = await start(name, options);
    if (attempt.ok) {
      started = attempt.info;
      break;
    }
    failures.push(choice === 'auto' ? `${name}: ${attempt.reason}` : attempt.reason);
    lastCause = attempt.cause;
  }
  if (started === null) {
    throw new BackendUnavailableError(API, choice, failures.join('; '), await installedPackages(), HINTS[choice], {
      cause: lastCause,
    });
  }
  // tfjs-core alone registers no op gradients in Node: give conv2d one on every backend.
  ensureConv2DGradient();
  // A backend that is installed but failed to start is worth a word in the report.
  const skipped = failures.filter((f) => !f.endsWith('is not installed'));
  const summary = summarize(started) + (skipped.length > 0 ? `; skipped ${skipped.join('; ')}` : '');
  const info: BackendInfo = { ...started, summary };
  current = info;
  const report = options.report ?? ((line: string) => console.error(line));
  if (report !== false) report(info.summary);
  return info.name;
}

function summarize(info: Omit<BackendInfo, 'summary'>): string {
  switch (info.name) {
    case 'node':
      return 'diffusion-ts/tfjs: backend node (@tensorflow/tfjs-node, native libtensorflow)';
    case 'wasm':
      return (
        `diffusion-ts/tfjs: backend wasm (${info.wasmBinary}, XNNPACK${info.simd ? ' SIMD' : ', no SIMD'}, ` +
        `${info.threads} thread${info.threads === 1 ? '' : 's'}; conv2d gradients: ${info.convGradients})`
      );
    case 'cpu':
      return 'diffusion-ts/tfjs: backend cpu (@tensorflow/tfjs-backend-cpu, plain JavaScript, 1 thread; slow for image training)';
  }
}

async function start(name: BackendName, options: SetBackendOptions): Promise<Attempt> {
  switch (name) {
    case 'node':
      return startNode();
    case 'wasm':
      return startWasm(options);
    case 'cpu':
      return startCpu();
  }
}

/** Imports an optional package by a computed name, so that TypeScript and bundlers need neither its types nor its presence. */
async function importOptional(specifier: string): Promise<unknown> {
  return (await import(/* @vite-ignore */ specifier)) as unknown;
}

function notFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /Cannot find (package|module)|Failed to resolve|Could not resolve/.test(message)
  );
}

function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]!.slice(0, 200);
}

async function startNode(): Promise<Attempt> {
  const pkg = PACKAGES.node;
  // In Node, ask the resolver first: a failed import of an installed package (a missing
  // native binding) must not read as "not installed".
  const require = await nodeRequire();
  if (require !== null && !resolves(require, pkg)) return { ok: false, reason: `${pkg} is not installed` };
  try {
    await importOptional(pkg);
  } catch (e) {
    return { ok: false, reason: notFound(e) ? `${pkg} is not installed` : `${pkg} failed to load (${firstLine(e)})`, cause: e };
  }
  if (tf.findBackendFactory(TFJS_NAMES.node) === null) {
    return {
      ok: false,
      reason: `${pkg} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs-core ${tf.version_core} (install matching versions)`,
    };
  }
  if (!(await tf.setBackend(TFJS_NAMES.node))) return { ok: false, reason: `${pkg} failed to initialize libtensorflow` };
  return { ok: true, info: { name: 'node', tfjsName: TFJS_NAMES.node, threads: null, simd: null, wasmBinary: null, convGradients: 'stock' } };
}

interface WasmModule {
  setWasmPaths(prefix: string): void;
  getThreadsCount(): number;
}

let wasmFolder: string | null = null;

async function startWasm(options: SetBackendOptions): Promise<Attempt> {
  const pkg = PACKAGES.wasm;
  let mod: WasmModule;
  try {
    mod = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmModule;
  } catch (e) {
    return { ok: false, reason: notFound(e) ? `${pkg} is not installed` : `${pkg} failed to load (${firstLine(e)})`, cause: e };
  }
  const isNode = tf.env().getBool('IS_NODE');
  // The threaded binary cannot start its workers in Node (they load from a blob: URL);
  // the flag's own test already answers false there, and this makes the choice explicit.
  if (isNode) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (wasmFolder === null) {
    const folder = options.wasmPaths ?? (await installedWasmFolder());
    if (folder === null) {
      return { ok: false, reason: `the .wasm binaries of ${pkg} could not be located (pass \`wasmPaths\`)` };
    }
    try {
      mod.setWasmPaths(folder);
    } catch (e) {
      return { ok: false, reason: `${pkg} could not take its binaries' folder (${firstLine(e)})`, cause: e };
    }
    wasmFolder = folder;
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
  } catch (e) {
    return { ok: false, reason: `${pkg} failed to initialize from ${wasmFolder} (${firstLine(e)})`, cause: e };
  }
  if (!ok) return { ok: false, reason: `${pkg} failed to initialize from ${wasmFolder}` };
  registerWasmConvGradients();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threaded = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  // The same rule as the backend's own choice of binary (getPathToWasmBinary).
  const binary = simd && threaded ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  return {
    ok: true,
    info: {
      name: 'wasm',
      tfjsName: 'wasm',
      threads: mod.getThreadsCount(),
      simd,
      wasmBinary: `${wasmFolder}${binary}`,
      convGradients: wasmConvGradients(),
    },
  };
}

async function startCpu(): Promise<Attempt> {
  const pkg = PACKAGES.cpu;
  try {
    await import('@tensorflow/tfjs-backend-cpu');
  } catch (e) {
    return { ok: false, reason: notFound(e) ? `${pkg} is not installed` : `${pkg} failed to load (${firstLine(e)})`, cause: e };
  }
  if (!(await tf.setBackend('cpu'))) return { ok: false, reason: `${pkg} failed to initialize` };
  return { ok: true, info: { name: 'cpu', tfjsName: 'cpu', threads: 1, simd: null, wasmBinary: null, convGradients: 'stock' } };
}

/** Node's resolver from this file, or null outside Node. */
async function nodeRequire(): Promise<NodeJS.Require | null> {
  if (!tf.env().getBool('IS_NODE')) return null;
  try {
    const { createRequire } = await import('node:module');
    return createRequire(import.meta.url);
  } catch {
    return null;
  }
}

/**
 * The installed wasm package's folder of binaries, with a trailing separator: in Node its
 * main file's folder (dist/, which holds the .wasm files), checked on disk; elsewhere the
 * folder of import.meta.resolve's answer where the runtime has it.
 */
async function installedWasmFolder(): Promise<string | null> {
  const require = await nodeRequire();
  if (require !== null) {
    try {
      const { dirname, join, sep } = await import('node:path');
      const { existsSync } = await import('node:fs');
      const folder = dirname(require.resolve(PACKAGES.wasm));
      if (existsSync(join(folder, 'tfjs-backend-wasm-simd.wasm')) && existsSync(join(folder, 'tfjs-backend-wasm.wasm'))) return folder + sep;
    } catch {
      // fall through
    }
    return null;
  }
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (typeof resolve !== 'function') return null;
  try {
    return new URL('.', resolve(PACKAGES.wasm)).href;
  } catch {
    return null;
  }
}

function resolves(require: NodeJS.Require, pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** The backend packages that resolve from here (Node only; an empty list elsewhere). */
async function installedPackages(): Promise<string[]> {
  const require = await nodeRequire();
  if (require === null) return [];
  return ORDER.map((name) => PACKAGES[name]).filter((pkg) => resolves(require, pkg));
}
