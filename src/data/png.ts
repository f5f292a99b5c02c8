/**
 * Images as PNG files: grids of grayscale images given in DDPM coordinates [-1, 1], and
 * the raster type shared with the line plots of `plot.ts`. Files are written atomically.
 */
import { readFileSync } from 'node:fs';
import pngjs from 'pngjs';
import { InvalidArgumentError, got } from '../core/errors.js';
import { checkArray, checkInteger, checkNumber } from '../_internal/validate.js';
import { writeFileAtomic } from './atomic.js';
import { DataError } from './errors.js';
import { fsError } from './idx.js';

const { PNG } = pngjs;

/**
 * An 8-bit raster image: `channels` = 1 (gray) or 3 (RGB), pixel (x, y) channel c at
 * `data[(y * width + x) * channels + c]`, row 0 at the top.
 */
export interface Raster {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/**
 * The byte of a value on the scale [lo, hi]: k = round((clip(x, lo, hi) - lo) 255 / (hi - lo)).
 * With [lo, hi] = [-1, 1] it inverts x = 2k/255 - 1 exactly on the 8-bit grid.
 */
export function toByte(x: number, lo = -1, hi = 1): number {
  if (!(x > lo)) return 0; // also NaN
  if (x >= hi) return 255;
  return Math.round(((x - lo) * 255) / (hi - lo));
}

/** Options of `imageGrid`. */
export interface GridOptions {
  /** Images per row of the grid (default min(n, 8)). */
  readonly columns?: number;
  /** Pixels of padding between and around images (default 2). */
  readonly padding?: number;
  /** Integer upscaling factor, nearest neighbour (default 1). */
  readonly scale?: number;
  /** Gray level 0..255 of the padding (default 128). */
  readonly padValue?: number;
  /** The values drawn black and white (default [-1, 1]); values outside are clipped. */
  readonly range?: readonly [number, number];
}

/**
 * Lays out n grayscale images as a grid, row by row, mapping [lo, hi] to 0..255 with
 * clipping (k = round((x - lo) 255/(hi - lo))).
 *
 * @param images - float64 ndarray [n, h, w] (or [h, w] for one image), finite values
 * @param options - `columns`, `padding`, `scale`, `padValue`, `range`
 * @returns a gray Raster of width columns (w scale + padding) + padding
 * @throws InvalidArgumentError / DTypeError for a bad array or option
 * @example
 * imageGrid(ndarray(new Float64Array(4 * 28 * 28), [4, 28, 28]), { columns: 2 }).width; // returns 62
 */
export function imageGrid(images: unknown, options: GridOptions = {}): Raster {
  const api = 'data.imageGrid';
  const { data, shape } = checkArray(api, 'images', images);
  if (shape.length !== 2 && shape.length !== 3) {
    throw new InvalidArgumentError(api, 'images', 'an array of shape [n, h, w] or [h, w]', got(`shape [${shape.join(', ')}]`));
  }
  const [n, h, w] = shape.length === 3 ? (shape as [number, number, number]) : [1, shape[0]!, shape[1]!];
  if (n < 1 || h < 1 || w < 1) throw new InvalidArgumentError(api, 'images', 'at least one image of at least 1 x 1 pixels', got(`shape [${shape.join(', ')}]`));
  const columns = checkInteger(api, 'columns', options.columns ?? Math.min(n, 8), 1, 4096);
  const padding = checkInteger(api, 'padding', options.padding ?? 2, 0, 1024);
  const scale = checkInteger(api, 'scale', options.scale ?? 1, 1, 64);
  const padValue = checkInteger(api, 'padValue', options.padValue ?? 128, 0, 255);
  const range = options.range ?? [-1, 1];
  if (!Array.isArray(range) || range.length !== 2) throw new InvalidArgumentError(api, 'range', 'a pair [lo, hi]', range);
  const lo = checkNumber(api, 'range[0]', range[0]);
  const hi = checkNumber(api, 'range[1]', range[1], { min: lo });
  const rows = Math.ceil(n / columns);
  const cellW = w * scale;
  const cellH = h * scale;
  const width = columns * (cellW + padding) + padding;
  const height = rows * (cellH + padding) + padding;
  if (width * height > 1 << 28) throw new InvalidArgumentError(api, 'images', 'a grid of at most 2^28 pixels', got(`${width} x ${height}`));
  const out = new Uint8Array(width * height).fill(padValue);
  for (let i = 0; i < n; i++) {
    const x0 = padding + (i % columns) * (cellW + padding);
    const y0 = padding + Math.floor(i / columns) * (cellH + padding);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const k = toByte(data[(i * h + r) * w + c]!, lo, hi);
        for (let dy = 0; dy < scale; dy++) {
          const row = (y0 + r * scale + dy) * width + x0 + c * scale;
          for (let dx = 0; dx < scale; dx++) out[row + dx] = k;
        }
      }
    }
  }
  return { width, height, channels: 1, data: out };
}

function checkRaster(api: string, image: unknown): Raster {
  const r = image as Raster;
  if (typeof r !== 'object' || r === null || !(r.data instanceof Uint8Array)) {
    throw new InvalidArgumentError(api, 'image', 'a Raster { width, height, channels: 1 | 3, data: Uint8Array }', image);
  }
  checkInteger(api, 'image.width', r.width, 1, 1 << 20);
  checkInteger(api, 'image.height', r.height, 1, 1 << 20);
  if (r.channels !== 1 && r.channels !== 3) throw new InvalidArgumentError(api, 'image.channels', '1 (gray) or 3 (RGB)', r.channels);
  const need = r.width * r.height * r.channels;
  if (r.data.length !== need) throw new InvalidArgumentError(api, 'image.data', `a Uint8Array of length width * height * channels = ${need}`, r.data);
  return r;
}

/**
 * Encodes a raster as an 8-bit PNG (color type 0, gray, or 2, RGB).
 *
 * @param image - the Raster
 * @returns the PNG file's bytes
 * @throws InvalidArgumentError for a malformed Raster
 * @example
 * encodePng({ width: 1, height: 1, channels: 1, data: new Uint8Array([255]) }).length; // returns ~67
 */
export function encodePng(image: Raster): Uint8Array {
  const r = checkRaster('data.encodePng', image);
  const colorType = r.channels === 1 ? 0 : 2;
  const meta = { width: r.width, height: r.height, data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength) };
  // pngjs packs from `data` directly when the input and output color types agree.
  return PNG.sync.write(meta as unknown as InstanceType<typeof PNG>, { colorType, inputColorType: colorType, inputHasAlpha: false, bitDepth: 8 });
}

/**
 * Writes a raster as a PNG file, atomically (temporary file, then rename), creating the
 * folder if needed.
 *
 * @param path - destination, e.g. `out/forward.png`
 * @param image - the Raster
 * @returns the absolute path written
 * @throws InvalidArgumentError for a malformed Raster; DataError when the file cannot be written
 * @example
 * writePng('out/grid.png', imageGrid(x)); // returns ~'/abs/out/grid.png'
 */
export function writePng(path: string, image: Raster): string {
  return writeFileAtomic(path, encodePng(image), 'data.writePng');
}

/**
 * Decodes a PNG into a raster: gray images (color type 0, 8 bits) stay gray, any other is
 * returned as RGB (alpha dropped).
 *
 * @param bytes - a PNG file's bytes
 * @param file - a name for error messages
 * @returns the Raster
 * @throws DataError (kind `corrupted`) when the bytes are not a PNG pngjs can read
 * @example
 * decodePng(encodePng(img)).data; // returns ~img.data
 */
export function decodePng(bytes: Uint8Array, file = '<buffer>'): Raster {
  const api = 'data.decodePng';
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(api, 'bytes', 'a Uint8Array', bytes);
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new DataError(api, 'bytes', file, 'corrupted', `is not a readable PNG: ${(err as Error).message}`, { cause: err });
  }
  // pngjs always expands to RGBA; keep one channel for gray files, three otherwise.
  const { width, height, data } = png;
  const channels: 1 | 3 = png.colorType === 0 && png.depth === 8 ? 1 : 3;
  const out = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < channels; c++) out[p * channels + c] = data[p * 4 + c]!;
  }
  return { width, height, channels, data: out };
}

/**
 * Reads a PNG file into a raster (see `decodePng`).
 *
 * @param path - the file
 * @returns the Raster
 * @throws DataError when the file is missing, unreadable or not a PNG
 * @example
 * readPng('out/grid.png').width; // returns ~62
 */
export function readPng(path: string): Raster {
  const api = 'data.readPng';
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(api, 'path', 'a file path (a non-empty string)', path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw fsError(api, 'path', path, err);
  }
  return decodePng(bytes, path);
}
