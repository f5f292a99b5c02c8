/**
 * Errors thrown by the TensorFlow.js layer (`diffusion-ts/tfjs`). They extend the core's
 * DiffusionError, so one `catch (e) { if (e instanceof DiffusionError) ... }` covers
 * everything diffusion-ts throws.
 */
import { DiffusionError } from '../core/errors.js';

/** The backends `setBackend` can choose, by the names diffusion-ts uses for them. */
export type BackendName = 'node' | 'wasm' | 'cpu';

/**
 * A TensorFlow.js backend that was asked for by name and cannot be used here: its package
 * is not installed, fails to load, or fails to initialize. The message names the option,
 * why it is unavailable, and what is installed:
 *
 *     tfjs.setBackend: backend `node` is unavailable: @tensorflow/tfjs-node is not
 *     installed; installed: @tensorflow/tfjs-backend-wasm, @tensorflow/tfjs-backend-cpu.
 *     Install it with `npm install @tensorflow/tfjs-node`, or choose 'auto', 'wasm' or 'cpu'
 *
 * `api` is `tfjs.setBackend`, `argument` is `choice`.
 *
 * @example
 * try { await setBackend('node'); } catch (e) { (e as BackendUnavailableError).reason; } // returns ~'@tensorflow/tfjs-node is not installed'
 * @see docs/tfjs/backends.md
 */
export class BackendUnavailableError extends DiffusionError {
  /** The backend that was asked for (`'auto'` when none of the three could start). */
  readonly choice: BackendName | 'auto';
  /** Why it is unavailable, one line. */
  readonly reason: string;
  /** The TensorFlow.js backend packages found installed, by package name. */
  readonly installed: readonly string[];

  constructor(
    api: string,
    choice: BackendName | 'auto',
    reason: string,
    installed: readonly string[],
    hint: string,
    options?: { cause?: unknown },
  ) {
    const have = installed.length === 0 ? 'none' : installed.join(', ');
    super(api, 'choice', `${api}: backend \`${choice}\` is unavailable: ${reason}; installed: ${have}. ${hint}`);
    this.choice = choice;
    this.reason = reason;
    this.installed = installed;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}
