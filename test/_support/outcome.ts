/**
 * The bad-input contract shared by every area's suite: a call either returns finite
 * numbers or throws a DiffusionError of its own API, in the one message form.
 */
import { expect } from 'vitest';
import { DiffusionError } from '../../src/core/errors.js';

/**
 * Every number in a result is finite: numbers, Float64Arrays, ndarrays, records and arrays
 * of them. Booleans, strings, functions (an SDE record's methods) and absent optional
 * fields hold no numbers; a record reached twice (a reverse SDE's `sde`) is checked once.
 */
export function checkFinite(api: string, result: unknown, path = 'result', seen = new Set<unknown>()): void {
  if (typeof result === 'boolean' || typeof result === 'string' || typeof result === 'function' || result === undefined) return;
  if (typeof result === 'number') {
    expect(Number.isFinite(result), `${api}: ${path} = ${result}`).toBe(true);
  } else if (result instanceof Float64Array) {
    for (let i = 0; i < result.length; i++) expect(Number.isFinite(result[i]!), `${api}: ${path}[${i}] = ${result[i]}`).toBe(true);
  } else if (typeof result === 'object' && result !== null) {
    if (seen.has(result)) return;
    seen.add(result);
    if ('data' in result && 'shape' in result) checkFinite(api, (result as { data: unknown }).data, `${path}.data`, seen);
    else for (const [k, v] of Object.entries(result)) checkFinite(api, v, `${path}.${k}`, seen);
  } else {
    throw new Error(`${api}: unexpected result ${String(result)} at ${path}`);
  }
}

/**
 * Runs `call`: 'ok' for a result that passes `check` (by default: every number finite),
 * 'error' for a DiffusionError of `api` in the one message form; anything else fails.
 */
export function outcome(api: string, call: () => unknown, check: (api: string, result: unknown) => void = checkFinite): 'ok' | 'error' {
  let result: unknown;
  try {
    result = call();
  } catch (e) {
    expect(e, `${api} threw ${String(e)}`).toBeInstanceOf(DiffusionError);
    expect((e as DiffusionError).message.startsWith(`${api}: invalid argument \``), (e as Error).message).toBe(true);
    expect((e as DiffusionError).api).toBe(api);
    return 'error';
  }
  check(api, result);
  return 'ok';
}
