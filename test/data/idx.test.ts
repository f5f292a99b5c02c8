/**
 * The IDX reader on small synthetic files written to a temporary folder: a valid file
 * round-trips, and each way a file can be broken (missing, bad magic, truncated header or
 * data, trailing bytes, gzip, count mismatch between images and labels, bad label) fails
 * with a DataError (a DiffusionError) whose message names the file and the fault.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DiffusionError } from '../../src/core/errors.js';
import { DataError, type DataErrorKind } from '../../src/data/errors.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, readIdx } from '../../src/data/idx.js';
import { loadMnist } from '../../src/data/mnist.js';

/** An IDX file: 4-byte magic (type 0x08 unless given), big-endian uint32 sizes, then the bytes. */
function idx(dims: number[], data: ArrayLike<number>, magic?: number): Uint8Array {
  const head = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  head.setUint32(0, magic ?? ((0x08 << 8) | dims.length), false);
  dims.forEach((n, d) => head.setUint32(4 + 4 * d, n, false));
  const out = new Uint8Array(head.byteLength + data.length);
  out.set(new Uint8Array(head.buffer), 0);
  out.set(Array.from(data), head.byteLength);
  return out;
}

/** n images of 2 x 3 pixels with pixel values (i * 6 + p) mod 256, and labels i mod 10. */
function images(n: number): Uint8Array {
  return idx([n, 2, 3], Array.from({ length: n * 6 }, (_, j) => j % 256));
}
function labels(n: number): Uint8Array {
  return idx([n], Array.from({ length: n }, (_, i) => i % 10));
}

let root: string;
let counter = 0;
/** A fresh folder holding the given test-split files. */
function folder(files: Record<string, Uint8Array>): string {
  const dir = join(root, `case-${counter++}`);
  mkdirSync(dir);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

function caught(call: () => unknown): DataError {
  try {
    call();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    expect(e).toBeInstanceOf(DiffusionError);
    return e as DataError;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

function expectDataError(call: () => unknown, kind: DataErrorKind, file: string, ...phrases: string[]): void {
  const e = caught(call);
  expect(e.kind).toBe(kind);
  expect(e.file).toBe(file);
  expect(e.message).toContain(file);
  for (const p of phrases) expect(e.message).toContain(p);
}

const IMG = 't10k-images-idx3-ubyte';
const LAB = 't10k-labels-idx1-ubyte';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'diffusion-ts-idx-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('valid IDX files', () => {
  test('a synthetic test split loads with its sizes, bytes and labels', () => {
    const dir = folder({ [IMG]: images(5), [LAB]: labels(5) });
    const m = loadMnist({ split: 'test', dir });
    expect([m.n, m.rows, m.cols]).toEqual([5, 2, 3]);
    expect(Array.from(m.images)).toEqual(Array.from({ length: 30 }, (_, j) => j));
    expect(Array.from(m.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(m.imagesFile).toBe(join(dir, IMG));
  });

  test('the dotted file names of some mirrors (t10k-images.idx3-ubyte) are found too', () => {
    const dir = folder({ 't10k-images.idx3-ubyte': images(2), 't10k-labels.idx1-ubyte': labels(2) });
    expect(loadMnist({ split: 'test', dir }).n).toBe(2);
  });

  test('readIdx with a limit reads only the first rows; parseIdx reads a buffer', () => {
    const dir = folder({ [IMG]: images(5) });
    const a = readIdx(join(dir, IMG), { magic: IDX_IMAGES_MAGIC, limit: 2 });
    expect(a.dims).toEqual([2, 2, 3]);
    expect(a.declaredCount).toBe(5);
    expect(Array.from(a.data)).toEqual(Array.from({ length: 12 }, (_, j) => j));
    const b = parseIdx(labels(3), 'mem', { magic: IDX_LABELS_MAGIC });
    expect(b.magic).toBe(2049);
    expect(Array.from(b.data)).toEqual([0, 1, 2]);
  });
});

describe('broken IDX files fail with a DataError naming the file', () => {
  test('missing folder', () => {
    const dir = join(root, 'no-such-folder');
    expectDataError(() => loadMnist({ split: 'test', dir }), 'missing', dir, 'does not exist');
  });

  test('missing image file', () => {
    const dir = folder({ [LAB]: labels(3) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'missing', join(dir, IMG), 'does not exist');
  });

  test('missing label file', () => {
    const dir = folder({ [IMG]: images(3) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'missing', join(dir, LAB), 'does not exist');
  });

  test('bad magic: a label file where the images should be', () => {
    const dir = folder({ [IMG]: labels(3), [LAB]: labels(3) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'corrupted', join(dir, IMG), 'magic number 2049', 'expected 2051');
  });

  test('bad magic: not an IDX file at all', () => {
    const bytes = new TextEncoder().encode('<html>404 Not Found</html>');
    const dir = folder({ [IMG]: bytes, [LAB]: labels(3) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'corrupted', join(dir, IMG), 'bad magic number', 'not an IDX file');
  });

  test('bad magic: an IDX file of another element type (int32)', () => {
    const dir = folder({ [IMG]: idx([1, 1, 1], [0, 0, 0, 0], (0x0c << 8) | 3), [LAB]: labels(1) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'corrupted', join(dir, IMG), 'int32');
  });

  test('gzip-compressed file (the .gz as downloaded, renamed)', () => {
    const dir = folder({ [IMG]: new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), [LAB]: labels(1) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'corrupted', join(dir, IMG), 'gzip');
  });

  test('truncated: shorter than the magic number', () => {
    const dir = folder({ [IMG]: new Uint8Array([0, 0]), [LAB]: labels(1) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'truncated', join(dir, IMG), '2 bytes');
  });

  test('truncated: inside the header', () => {
    const dir = folder({ [IMG]: images(3).subarray(0, 10), [LAB]: labels(3) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'truncated', join(dir, IMG), 'header');
  });

  test('truncated: data shorter than the header declares', () => {
    const full = images(4); // 16-byte header + 24 bytes
    const dir = folder({ [IMG]: full.subarray(0, full.length - 5), [LAB]: labels(4) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'truncated', join(dir, IMG), '4 x 2 x 3', '40 bytes in all', 'has 35 bytes');
  });

  test('truncated even when a limit would need only the first rows (the length is checked first)', () => {
    const full = images(4);
    const dir = folder({ [IMG]: full.subarray(0, full.length - 1), [LAB]: labels(4) });
    expectDataError(() => loadMnist({ split: 'test', dir, limit: 1 }), 'truncated', join(dir, IMG));
  });

  test('trailing bytes after the declared data', () => {
    const full = images(2);
    const dir = folder({ [IMG]: Uint8Array.from([...full, 0, 0, 0]), [LAB]: labels(2) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'corrupted', join(dir, IMG), '3 extra');
  });

  test('count mismatch between the image and label files', () => {
    const dir = folder({ [IMG]: images(5), [LAB]: labels(4) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'mismatch', join(dir, LAB), 'declares 4 labels', '5 images');
  });

  test('a label outside 0..9', () => {
    const dir = folder({ [IMG]: images(2), [LAB]: idx([2], [3, 12]) });
    expectDataError(() => loadMnist({ split: 'test', dir }), 'corrupted', join(dir, LAB), 'label 12 at index 1');
  });

  test('a folder where the file should be', () => {
    const dir = folder({ [LAB]: labels(1) });
    mkdirSync(join(dir, IMG));
    expectDataError(() => loadMnist({ split: 'test', dir }), 'unreadable', join(dir, IMG));
  });

  test('parseIdx of a truncated buffer names the buffer', () => {
    expectDataError(() => parseIdx(images(2).subarray(0, 20), 'upload.idx'), 'truncated', 'upload.idx');
  });
});
