/**
 * Errors thrown by diffusion-ts at its public boundary.
 *
 * Every message has one form, so that a user can find the argument at fault at a glance:
 *
 *     ddpm.q: invalid argument `t`: expected an integer in 1..1000, got 0
 *
 * `api` is the exported function's path (`ddpm.q`), `argument` the parameter's name.
 * Internal kernels never throw these: they propagate NaN and trust their callers.
 */
export class DiffusionError extends Error {
  /** The public function that rejected its input, e.g. `ddpm.q`. */
  readonly api: string;
  /** The name of the argument at fault, e.g. `t`. */
  readonly argument: string;

  constructor(api: string, argument: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.api = api;
    this.argument = argument;
  }
}

/** A value outside its domain: a non-integer t, a beta outside (0, 1), a NaN, ... */
export class InvalidArgumentError extends DiffusionError {
  readonly expected: string;
  readonly got: string;

  constructor(api: string, argument: string, expected: string, got: unknown) {
    const shown = describeValue(got);
    super(api, argument, `${api}: invalid argument \`${argument}\`: expected ${expected}, got ${shown}`);
    this.expected = expected;
    this.got = shown;
  }
}

/** Two arrays whose shapes must agree do not; the message prints both shapes. */
export class ShapeError extends DiffusionError {
  readonly shape: readonly number[];
  readonly expectedShape: readonly number[];

  constructor(api: string, argument: string, shape: readonly number[], expectedShape: readonly number[], against: string) {
    super(
      api,
      argument,
      `${api}: invalid argument \`${argument}\`: expected shape [${expectedShape.join(', ')}] (the shape of \`${against}\`), got [${shape.join(', ')}]`,
    );
    this.shape = shape;
    this.expectedShape = expectedShape;
  }
}

/** An array whose element type is not the one required (the core is float64). */
export class DTypeError extends DiffusionError {
  constructor(api: string, argument: string, expected: string, got: string) {
    super(api, argument, `${api}: invalid argument \`${argument}\`: expected ${expected}, got ${got}`);
  }
}

/** A description of an offending value written by the library, printed as it is. */
export class Got {
  constructor(readonly text: string) {}
}

/**
 * Marks `text` as the library's own description of a value (`got('NaN at flat index 3')`),
 * printed verbatim; any other value passed as `got` is rendered by `describeValue`, which
 * quotes strings so that a user's string argument reads as one.
 */
export function got(text: string): Got {
  return new Got(text);
}

/** Short, safe rendering of an offending value for an error message. */
export function describeValue(value: unknown): string {
  if (value instanceof Got) return value.text;
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return '-0';
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return 'a function';
  if (ArrayBuffer.isView(value)) {
    return `a ${value.constructor.name} of length ${(value as unknown as { length: number }).length}`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape)) return `an array of shape [${shape.join(', ')}]`;
    return 'an object';
  }
  return typeof value;
}
