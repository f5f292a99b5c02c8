/**
 * The diagonal Gaussian density, its score and its entropy, elementwise.
 *
 * @see proofs/gaussian/density.md
 * @see docs/gaussian/density.md
 */
import type { Float64NdArray } from '../../_internal/validate.js';
import { entropyInto, logPdfInto, scoreInto } from '../../_internal/gaussian-kernels.js';
import { commonShape, LOG_VAR_DOMAIN, operand, result, sizeOf, VALUE_DOMAIN } from './operands.js';

/**
 * Log-density of a diagonal Gaussian, elementwise:
 * log N(x; mu, sigma^2) = -1/2 (log 2 pi + log sigma^2 + (x - mu)^2 / sigma^2).
 *
 * @param x - the point x; entries in [-1e100, 1e100]
 * @param mean - the mean mu: an array of x's shape or a number; entries in [-1e100, 1e100]
 * @param logVar - the log-variance log sigma^2: an array of x's shape or a number; entries in [-200, 200]
 * @returns log N(x; mu, sigma^2) in nats, of x's shape (a number when every argument is one)
 * @throws {InvalidArgumentError} an argument that is not a finite number or float64 ndarray in its domain
 * @throws {ShapeError} array arguments of different shapes
 * @throws {DTypeError} an ndarray not over a Float64Array
 * @example
 * import ndarray from 'ndarray';
 * import { gaussian } from 'diffusion-ts';
 * gaussian.logPdf(ndarray(new Float64Array([0, 1]), [2]), 0, 0).data;
 * // returns ~Float64Array [-0.9189385332046727, -1.4189385332046727]
 * @see proofs/gaussian/density.md (claim gaussian/density#log-pdf)
 * Ho et al. (2020), Eq. 1-4 (the Gaussian transitions whose densities these are).
 */
export function logPdf(x: number, mean: number, logVar: number): number;
export function logPdf(x: Float64NdArray, mean: Float64NdArray | number, logVar: Float64NdArray | number): Float64NdArray;
export function logPdf(
  x: Float64NdArray | number,
  mean: Float64NdArray | number,
  logVar: Float64NdArray | number,
): Float64NdArray | number;
export function logPdf(
  x: Float64NdArray | number,
  mean: Float64NdArray | number,
  logVar: Float64NdArray | number,
): Float64NdArray | number {
  const api = 'gaussian.logPdf';
  const ops = [operand(api, 'x', x, VALUE_DOMAIN), operand(api, 'mean', mean, VALUE_DOMAIN), operand(api, 'logVar', logVar, LOG_VAR_DOMAIN)];
  const shape = commonShape(api, ['x', 'mean', 'logVar'], ops);
  const out = new Float64Array(shape === null ? 1 : sizeOf(shape));
  logPdfInto(out, ops[0]!.data, ops[1]!.data, ops[2]!.data);
  return result(out, shape);
}

/**
 * Score (gradient in x of the log-density) of a diagonal Gaussian, elementwise:
 * grad_x log N(x; mu, sigma^2) = -(x - mu) / sigma^2.
 *
 * @param x - the point x; entries in [-1e100, 1e100]
 * @param mean - the mean mu: an array of x's shape or a number; entries in [-1e100, 1e100]
 * @param logVar - the log-variance log sigma^2: an array of x's shape or a number; entries in [-200, 200]
 * @returns -(x - mu) e^{-log sigma^2}, of x's shape (a number when every argument is one)
 * @throws {InvalidArgumentError} an argument that is not a finite number or float64 ndarray in its domain
 * @throws {ShapeError} array arguments of different shapes
 * @throws {DTypeError} an ndarray not over a Float64Array
 * @example
 * import ndarray from 'ndarray';
 * import { gaussian } from 'diffusion-ts';
 * gaussian.score(ndarray(new Float64Array([1, -2]), [2]), 0, Math.log(4)).data;
 * // returns ~Float64Array [-0.25, 0.5]
 * @see proofs/gaussian/density.md (claim gaussian/density#score)
 * Vincent (2011), Eq. 11: grad log q_sigma(x~ | x) = -(x~ - x)/sigma^2, the denoising score-matching target.
 */
export function score(x: number, mean: number, logVar: number): number;
export function score(x: Float64NdArray, mean: Float64NdArray | number, logVar: Float64NdArray | number): Float64NdArray;
export function score(
  x: Float64NdArray | number,
  mean: Float64NdArray | number,
  logVar: Float64NdArray | number,
): Float64NdArray | number;
export function score(
  x: Float64NdArray | number,
  mean: Float64NdArray | number,
  logVar: Float64NdArray | number,
): Float64NdArray | number {
  const api = 'gaussian.score';
  const ops = [operand(api, 'x', x, VALUE_DOMAIN), operand(api, 'mean', mean, VALUE_DOMAIN), operand(api, 'logVar', logVar, LOG_VAR_DOMAIN)];
  const shape = commonShape(api, ['x', 'mean', 'logVar'], ops);
  const out = new Float64Array(shape === null ? 1 : sizeOf(shape));
  scoreInto(out, ops[0]!.data, ops[1]!.data, ops[2]!.data);
  return result(out, shape);
}

/**
 * Differential entropy of a Gaussian coordinate, elementwise:
 * H(N(mu, sigma^2)) = 1/2 (1 + log 2 pi + log sigma^2) nats (independent of mu).
 *
 * @param logVar - the log-variance log sigma^2: a number or a float64 ndarray; entries in [-200, 200]
 * @returns 1/2 (1 + log 2 pi + log sigma^2), a number for a number, else an ndarray of logVar's shape
 * @throws {InvalidArgumentError} logVar not a finite number or float64 ndarray in [-200, 200]
 * @throws {DTypeError} an ndarray not over a Float64Array
 * @example
 * import { gaussian } from 'diffusion-ts';
 * gaussian.entropy(0);
 * // returns ~1.4189385332046727
 * @see proofs/gaussian/density.md (claim gaussian/density#entropy)
 * Sohl-Dickstein et al. (2015), Appendix A / Eq. 14 (entropy bounds of the Gaussian reverse steps).
 */
export function entropy(logVar: number): number;
export function entropy(logVar: Float64NdArray): Float64NdArray;
export function entropy(logVar: Float64NdArray | number): Float64NdArray | number;
export function entropy(logVar: Float64NdArray | number): Float64NdArray | number {
  const api = 'gaussian.entropy';
  const op = operand(api, 'logVar', logVar, LOG_VAR_DOMAIN);
  const out = new Float64Array(op.data.length);
  entropyInto(out, op.data);
  return result(out, op.shape);
}
