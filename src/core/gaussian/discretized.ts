/**
 * DDPM's discretized Gaussian decoder over 8-bit pixel bins (Ho et al. 2020, Eq. 13).
 *
 * @see proofs/gaussian/discretized.md
 * @see docs/gaussian/discretized.md
 */
import { InvalidArgumentError, got } from '../errors.js';
import type { Float64NdArray } from '../../_internal/validate.js';
import { discretizedLogLikelihoodInto } from '../../_internal/gaussian-kernels.js';
import { commonShape, LOG_SCALE_DOMAIN, operand, result, sizeOf, VALUE_DOMAIN } from './operands.js';

/** How far x may lie from its grid point 2k/255 - 1 (rounding from a uint8 image). */
const GRID_TOLERANCE = 1e-6;

/** Throws unless every entry of x is within 1e-6 of a grid point 2k/255 - 1, k in 0..255. */
function checkGrid(api: string, x: Float64Array, scalar: boolean): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const k = Math.round((v + 1) * 127.5);
    if (!(k >= 0 && k <= 255 && Math.abs(v - ((2 * k) / 255 - 1)) <= GRID_TOLERANCE)) {
      throw new InvalidArgumentError(
        api,
        'x',
        'values on the 8-bit grid 2k/255 - 1, k in 0..255 (within 1e-6)',
        scalar ? v : got(`${v} at flat index ${i}`),
      );
    }
  }
}

/**
 * Log-likelihood of 8-bit data under DDPM's discretized Gaussian decoder, elementwise
 * (Ho et al. 2020, Eq. 13): for x = 2k/255 - 1 on the pixel grid in [-1, 1] and
 * s = e^{logScale},
 *   k = 0:        log Phi((x + 1/255 - mu) / s)                 (the bin is open to -inf)
 *   k = 255:      log(1 - Phi((x - 1/255 - mu) / s))            (the bin is open to +inf)
 *   0 < k < 255:  log(Phi((x + 1/255 - mu) / s) - Phi((x - 1/255 - mu) / s)),
 * so the 256 bin probabilities sum to 1. Evaluated in log space on the side where the
 * CDFs do not cancel (an exact series for narrow bins, tail differences via erfcx for
 * bins deep in a tail): finite and accurate to a few EPS of the input rounding for every
 * input in the domain, never -Infinity or NaN.
 *
 * @param x - pixels x on the grid 2k/255 - 1 (k in 0..255, within 1e-6; snapped to it)
 * @param mean - the decoder mean mu: an array of x's shape or a number; entries in [-1e100, 1e100]
 * @param logScale - log s, the log standard deviation (1/2 the log-variance): an array of x's shape or a number; entries in [-100, 100]
 * @returns log P(x | mu, s) in nats per pixel (<= 0), of x's shape (a number when every argument is one)
 * @throws {InvalidArgumentError} x off the grid or outside [-1, 1], or an argument not finite / outside its domain
 * @throws {ShapeError} array arguments of different shapes
 * @throws {DTypeError} an ndarray not over a Float64Array
 * @example
 * import ndarray from 'ndarray';
 * import { gaussian } from 'diffusion-ts';
 * gaussian.discretizedLogLikelihood(ndarray(new Float64Array([-1, 1]), [2]), 0, Math.log(0.5)).data;
 * // returns ~Float64Array [-3.7645981162164, -3.7645981162164] (log Phi(-1.992...), twice by symmetry)
 * @see proofs/gaussian/discretized.md (claims gaussian/discretized#normalization, gaussian/discretized#bins)
 * Ho et al. (2020), Eq. 13 and Section 3.3; improved-diffusion's discretized_gaussian_log_likelihood.
 */
export function discretizedLogLikelihood(x: number, mean: number, logScale: number): number;
export function discretizedLogLikelihood(
  x: Float64NdArray,
  mean: Float64NdArray | number,
  logScale: Float64NdArray | number,
): Float64NdArray;
export function discretizedLogLikelihood(
  x: Float64NdArray | number,
  mean: Float64NdArray | number,
  logScale: Float64NdArray | number,
): Float64NdArray | number;
export function discretizedLogLikelihood(
  x: Float64NdArray | number,
  mean: Float64NdArray | number,
  logScale: Float64NdArray | number,
): Float64NdArray | number {
  const api = 'gaussian.discretizedLogLikelihood';
  const ops = [
    operand(api, 'x', x, { min: -1 - GRID_TOLERANCE, minClosed: true, max: 1 + GRID_TOLERANCE, maxClosed: true }),
    operand(api, 'mean', mean, VALUE_DOMAIN),
    operand(api, 'logScale', logScale, LOG_SCALE_DOMAIN),
  ];
  checkGrid(api, ops[0]!.data, ops[0]!.shape === null);
  const shape = commonShape(api, ['x', 'mean', 'logScale'], ops);
  const out = new Float64Array(shape === null ? 1 : sizeOf(shape));
  discretizedLogLikelihoodInto(out, ops[0]!.data, ops[1]!.data, ops[2]!.data);
  return result(out, shape);
}
