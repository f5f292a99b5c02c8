/**
 * Philox4x32-10 draw blocks in bulk, the hot path of every draw (uniform, normal,
 * Rademacher). Block b of a draw under key (k0, k1) is philox4x32(b, 0, 0, DOMAIN_DRAW).
 *
 * The blocks are computed by a 254-byte WebAssembly module (philox.wat), where the exact
 * 32x32 -> 64-bit products of the Philox rounds are single i64 multiplications; it runs
 * about 4x faster than the same rounds in JavaScript. Where WebAssembly is unavailable
 * the TypeScript `philox4x32` computes the same words (a test checks that the two agree
 * bit for bit on random keys and counters). Private to the random area.
 *
 * @see proofs/random/philox.md (claim random/philox#wasm)
 */
import { DOMAIN_DRAW, philox4x32 } from './philox.js';
import { PHILOX_WASM_BASE64 } from './philox-wasm.js';

/** Blocks per chunk: 4096 blocks of 16 bytes fill the module's one 64 KiB memory page. */
export const CHUNK_BLOCKS = 4096;

interface Engine {
  readonly words: Uint32Array;
  readonly fill: (k0: number, k1: number, first: number, n: number) => void;
  readonly kind: 'wasm' | 'js';
}

function decodeBase64(text: string): Uint8Array {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** The JavaScript engine: the reference Philox, into a private buffer. */
export function jsEngine(): Engine {
  const words = new Uint32Array(4 * CHUNK_BLOCKS);
  return {
    words,
    kind: 'js',
    fill(k0, k1, first, n) {
      for (let b = 0; b < n; b++) philox4x32((first + b) >>> 0, 0, 0, DOMAIN_DRAW, k0, k1, words, 4 * b);
    },
  };
}

/** The part of the WebAssembly API used here (the core compiles without DOM typings). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** The WebAssembly engine, or undefined where WebAssembly cannot run. */
export function wasmEngine(): Engine | undefined {
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm === undefined) return undefined;
    const instance = new wasm.Instance(new wasm.Module(decodeBase64(PHILOX_WASM_BASE64)), {});
    const memory = instance.exports.memory as { buffer: ArrayBuffer };
    type Draw = (k0: number, k1: number, first: number, c3: number, n: number, ptr?: number) => void;
    const draw = instance.exports.drawBlocks as Draw;
    const drawQuads = instance.exports.drawBlockQuads as Draw;
    const words = new Uint32Array(memory.buffer, 0, 4 * CHUNK_BLOCKS);
    return {
      words,
      kind: 'wasm',
      fill(k0, k1, first, n) {
        // Four blocks at a time in 128-bit SIMD, then the 0..3 left one by one, each at its
        // own place (block b lives at byte 16 b).
        const quads = n & ~3;
        drawQuads(k0 | 0, k1 | 0, first | 0, DOMAIN_DRAW, quads);
        if (quads < n) draw(k0 | 0, k1 | 0, (first + quads) | 0, DOMAIN_DRAW, n - quads, 16 * quads);
      },
    };
  } catch {
    return undefined;
  }
}

const engine: Engine = wasmEngine() ?? jsEngine();

/** Which engine computes the blocks here ('wasm' or 'js'). */
export const blockEngine: 'wasm' | 'js' = engine.kind;

/**
 * Computes draw blocks first..first+n-1 (n <= CHUNK_BLOCKS) under key (k0, k1) and returns
 * their 4n words. The returned view is shared and valid only until the next call: read
 * it before drawing again (everything here is synchronous, so nothing can interleave).
 */
export function drawBlocks(k0: number, k1: number, first: number, n: number): Uint32Array {
  engine.fill(k0, k1, first, n);
  return engine.words;
}
