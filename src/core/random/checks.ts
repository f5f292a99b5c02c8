/**
 * Boundary validation shared by the `random` area (private: not re-exported). Builds on
 * `src/_internal/validate.ts` and throws the same `DiffusionError` subclasses, with
 * messages of the one form ``random.normal: invalid argument `shape`: expected ..., got ...``.
 *
 * @see proofs/random/philox.md (claim random/philox#validation)
 */
import { InvalidArgumentError, got } from '../errors.js';
import type { Key } from './keys.js';

/** Largest number of values one draw may produce: 2^31. */
export const MAX_DRAW_SIZE = 2 ** 31;

const UINT32_MAX = 0xffffffff;

function isUint32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= UINT32_MAX;
}

/**
 * Throws unless `key` is a Key record: an object whose `k0` and `k1` are integers in
 * 0..2^32-1. Frozen or not (a key read back from JSON is accepted). Returns its words.
 */
export function checkKey(api: string, name: string, key: unknown): Key {
  if (typeof key !== 'object' || key === null || Array.isArray(key) || ArrayBuffer.isView(key)) {
    throw new InvalidArgumentError(api, name, 'a Key record { k0, k1 } of uint32 words (from random.key)', key);
  }
  let k0: unknown;
  let k1: unknown;
  try {
    k0 = (key as { k0?: unknown }).k0;
    k1 = (key as { k1?: unknown }).k1;
  } catch {
    // A getter that throws (a Proxy, a hostile object) is bad input like any other.
    k0 = undefined;
    k1 = undefined;
  }
  if (!isUint32(k0) || !isUint32(k1)) {
    const shown = got(`{ k0: ${show(k0)}, k1: ${show(k1)} }`);
    throw new InvalidArgumentError(api, name, 'a Key record { k0, k1 } of uint32 words (integers in 0..4294967295)', shown);
  }
  return { k0, k1 };
}

function show(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || v === undefined || typeof v === 'boolean') return String(v);
  return typeof v;
}

/**
 * Throws unless `shape` is an array of integers >= 0 whose product is at most 2^31.
 * Returns a copy of the shape and its total size.
 */
export function checkShape(api: string, name: string, shape: unknown): { shape: number[]; size: number } {
  const expected = `an array of integers >= 0 with at most ${MAX_DRAW_SIZE} elements in total`;
  if (!Array.isArray(shape)) throw new InvalidArgumentError(api, name, expected, shape);
  if (shape.length > 64) {
    throw new InvalidArgumentError(api, name, `${expected} (and at most 64 dimensions)`, shape);
  }
  const copy: number[] = [];
  let size = 1;
  for (let d = 0; d < shape.length; d++) {
    const n: unknown = shape[d];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new InvalidArgumentError(api, name, expected, got(`[${shape.map((s) => show(s)).join(', ')}] (entry ${d} is ${show(n)})`));
    }
    copy.push(n);
    size *= n;
  }
  if (size > MAX_DRAW_SIZE) {
    throw new InvalidArgumentError(api, name, expected, got(`[${copy.join(', ')}] (${size} elements)`));
  }
  return { shape: copy, size };
}

/** Throws unless `n` is an integer in 0..2^31 (the length of a Float64Array draw). */
export function checkLength(api: string, name: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_DRAW_SIZE) {
    throw new InvalidArgumentError(api, name, `an integer in 0..${MAX_DRAW_SIZE}`, n);
  }
  return n;
}

/**
 * A new Float64Array of length n. An allocation the engine refuses (a RangeError for a
 * size that is valid but does not fit in memory) becomes an InvalidArgumentError naming
 * the argument that asked for it, so that no other kind of error escapes the boundary.
 */
export function allocate(api: string, name: string, n: number, given: unknown): Float64Array {
  try {
    return new Float64Array(n);
  } catch {
    throw new InvalidArgumentError(api, name, `a size whose Float64Array (${n} elements) can be allocated`, given);
  }
}
