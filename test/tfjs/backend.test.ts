/**
 * Backend selection: 'auto' takes tfjs-node when installed, else wasm (single-threaded
 * SIMD binary from the installed package, with diffusion-ts's conv gradients), else cpu;
 * a named backend that cannot start throws a typed error naming it and what is installed.
 *
 * This file runs in its own process (vitest pool 'forks'), so the backend it starts is
 * not shared with other test files.
 */
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import { DiffusionError, InvalidArgumentError } from '../../src/core/errors.js';
import { backendInfo, BackendUnavailableError, setBackend, wasmConvGradients } from '../../src/tfjs/index.js';

const require = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const nodeInstalled = installed('@tensorflow/tfjs-node');

describe('setBackend', () => {
  test.skipIf(nodeInstalled)("'auto' picks wasm where tfjs-node is absent, reports it in one line, and installs the conv gradients", async () => {
    const lines: string[] = [];
    const name = await setBackend('auto', { report: (line) => lines.push(line) });
    expect(name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^diffusion-ts\/tfjs: backend wasm \(.*tfjs-backend-wasm-simd\.wasm, XNNPACK SIMD, 1 thread; conv2d gradients: diffusion-ts\)$/);
    const info = backendInfo()!;
    expect(info).toMatchObject({ name: 'wasm', tfjsName: 'wasm', threads: 1, simd: true, convGradients: 'diffusion-ts' });
    expect(info.summary).toBe(lines[0]);
    // The non-threaded SIMD binary, loaded from the installed package's folder (no network).
    const pkgDir = require.resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/\\]+$/, '');
    expect(info.wasmBinary).toBe(`${pkgDir}tfjs-backend-wasm-simd.wasm`);
    expect(basename(info.wasmBinary!)).not.toMatch(/threaded/);
    expect(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
    expect(wasmConvGradients()).toBe('diffusion-ts');
  });

  test.skipIf(nodeInstalled)("'node' rejects with BackendUnavailableError naming the option and what is installed", async () => {
    await setBackend('wasm', { report: false });
    const err = await setBackend('node', { report: false }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect(err).toBeInstanceOf(DiffusionError);
    const e = err as BackendUnavailableError;
    expect(e.api).toBe('tfjs.setBackend');
    expect(e.argument).toBe('choice');
    expect(e.choice).toBe('node');
    expect(e.reason).toBe('@tensorflow/tfjs-node is not installed');
    expect(e.installed).toEqual(['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu']);
    expect(e.message).toMatch(/^tfjs\.setBackend: backend `node` is unavailable: @tensorflow\/tfjs-node is not installed; installed: @tensorflow\/tfjs-backend-wasm, @tensorflow\/tfjs-backend-cpu\. Install it with `npm install @tensorflow\/tfjs-node`/);
    // The backend in use is unchanged.
    expect(tf.getBackend()).toBe('wasm');
    expect(backendInfo()!.name).toBe('wasm');
  });

  test("'cpu' and 'wasm' by name, and back", async () => {
    const lines: string[] = [];
    expect(await setBackend('cpu', { report: (l) => lines.push(l) })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(backendInfo()).toMatchObject({ name: 'cpu', threads: 1, convGradients: 'stock' });
    expect(await setBackend('wasm', { report: (l) => lines.push(l) })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(lines.map((l) => l.split(' ')[2])).toEqual(['cpu', 'wasm']);
    // A conv trained through tf.grads works on both (the Conv2D gradient is registered).
    for (const b of ['cpu', 'wasm'] as const) {
      await setBackend(b, { report: false });
      const dw = tf.tidy(() =>
        Array.from(
          tf
            .grad((w: tf.Tensor) => tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'))(tf.ones([3, 3, 1, 1]), tf.ones([1, 1, 1, 1]))
            .dataSync(),
        ),
      );
      expect(dw).toEqual(new Array(9).fill(1));
    }
  });

  test('calls are serialized: concurrent calls settle in order', async () => {
    const order: string[] = [];
    const a = setBackend('cpu', { report: (l) => order.push(l.split(' ')[2]!) });
    const b = setBackend('wasm', { report: (l) => order.push(l.split(' ')[2]!) });
    expect(await Promise.all([a, b])).toEqual(['cpu', 'wasm']);
    expect(order).toEqual(['cpu', 'wasm']);
    expect(tf.getBackend()).toBe('wasm');
  });

  test('bad arguments reject with InvalidArgumentError naming the argument', async () => {
    const cases: [unknown, unknown, string][] = [
      ['gpu', undefined, 'choice'],
      [42, undefined, 'choice'],
      [null, undefined, 'choice'],
      ['wasm', 'fast', 'options'],
      ['wasm', null, 'options'],
      ['wasm', { wasmPaths: '' }, 'options.wasmPaths'],
      ['wasm', { wasmPaths: 3 }, 'options.wasmPaths'],
      ['wasm', { report: 'yes' }, 'options.report'],
    ];
    for (const [choice, options, argument] of cases) {
      const err = await (setBackend as (c: unknown, o?: unknown) => Promise<string>)(choice, options).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, `${String(choice)} ${JSON.stringify(options)}`).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).argument).toBe(argument);
      expect((err as Error).message).toMatch(new RegExp(`^tfjs\\.setBackend: invalid argument \`${argument.replace('.', '\\.')}\``));
    }
    expect(tf.getBackend()).toBe('wasm');
  });
});
