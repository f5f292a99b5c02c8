/**
 * Atomic file writes: the bytes go to a temporary file in the destination's folder, which
 * is then renamed over the destination. A reader sees the old file or the new one, never
 * a half-written one, even when the process is killed mid-write (rename within one file
 * system is atomic on POSIX).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import { DataError } from './errors.js';

/**
 * Writes `bytes` to `path` atomically, creating the parent folders if needed.
 *
 * @param path - destination file
 * @param bytes - the complete contents
 * @param api - API path for error messages (default `data.writeFileAtomic`)
 * @returns the absolute path written
 * @throws DataError (kind `unwritable`) when the folder cannot be created or the file cannot be written
 * @example
 * writeFileAtomic('out/hello.txt', new TextEncoder().encode('hi')); // returns ~'/abs/out/hello.txt'
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, api = 'data.writeFileAtomic'): string {
  if (typeof path !== 'string' || path === '') throw new InvalidArgumentError(api, 'path', 'a file path (a non-empty string)', path);
  if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(api, 'bytes', 'a Uint8Array', bytes);
  const target = resolve(path);
  const dir = dirname(target);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DataError(api, 'path', dir, 'unwritable', `cannot be created: ${(err as Error).message}`, { cause: err });
  }
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing: the original error is the one to report
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file may not exist
    }
    throw new DataError(api, 'path', target, 'unwritable', `cannot be written: ${(err as Error).message}`, { cause: err });
  }
  return target;
}
