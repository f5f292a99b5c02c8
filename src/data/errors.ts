/**
 * The error thrown by the data loaders and image writers: a file that is missing,
 * truncated, corrupted or cannot be written. It extends DiffusionError, so a caller can
 * catch everything diffusion-ts throws with one class.
 */
import { DiffusionError } from '../core/errors.js';

/** What went wrong with a file, for programs that branch on it. */
export type DataErrorKind = 'missing' | 'truncated' | 'corrupted' | 'mismatch' | 'unreadable' | 'unwritable';

/**
 * A data file that cannot be used. The message names the file and what was wrong:
 *
 *     data.loadMnist: file `/x/t10k-images-idx3-ubyte` is truncated: the header declares
 *     10000 x 28 x 28 bytes of data (7840016 bytes in all), the file has 5000 bytes
 *
 * `api` is the function that failed (`data.loadMnist`), `argument` the option that named
 * the file (`dir`, `path`), `file` the path at fault and `kind` the class of failure.
 */
export class DataError extends DiffusionError {
  /** The file at fault. */
  readonly file: string;
  /** The class of failure. */
  readonly kind: DataErrorKind;

  constructor(api: string, argument: string, file: string, kind: DataErrorKind, what: string, options?: { cause?: unknown }) {
    super(api, argument, `${api}: file \`${file}\` ${what}`);
    this.file = file;
    this.kind = kind;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
