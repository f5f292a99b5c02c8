import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { blockEngine, CHUNK_BLOCKS, jsEngine, wasmEngine } from '../../../src/core/random/blocks.js';
import { PHILOX_WASM_BASE64 } from '../../../src/core/random/philox-wasm.js';
// @ts-expect-error: a plain .mjs helper of the build script, without typings
import { compileWat } from '../../../scripts/wat.mjs';

const uint32 = fc.integer({ min: 0, max: 0xffffffff });

test('random/philox#wasm: this runtime computes draw blocks in WebAssembly', () => {
  expect(blockEngine).toBe('wasm');
});

test.prop([uint32, uint32, uint32, fc.integer({ min: 1, max: CHUNK_BLOCKS })], { numRuns: 200 })(
  'random/philox#wasm: the WebAssembly blocks equal the TypeScript Philox bit for bit',
  (k0, k1, first, n) => {
    const wasm = wasmEngine()!;
    const js = jsEngine();
    wasm.fill(k0, k1, first, n);
    js.fill(k0, k1, first, n);
    // Counters wrap mod 2^32 in both (first + b is taken mod 2^32).
    expect(Array.from(wasm.words.subarray(0, 4 * n))).toEqual(Array.from(js.words.subarray(0, 4 * n)));
  },
);

test('random/philox#wasm: the committed module is the compile of philox.wat', async () => {
  const wat = readFileSync(fileURLToPath(new URL('../../../src/core/random/philox.wat', import.meta.url)), 'utf8');
  const bytes: Uint8Array = await compileWat(wat);
  expect(Buffer.from(bytes).toString('base64')).toBe(PHILOX_WASM_BASE64);
});
