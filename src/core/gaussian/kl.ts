/**
 * The KL divergence between diagonal Gaussians, elementwise.
 *
 * @see proofs/gaussian/kl.md
 * @see docs/gaussian/kl.md
 */
import type { Float64NdArray } from '../../_internal/validate.js';
import { normalKLInto } from '../../_internal/gaussian-kernels.js';
import { commonShape, LOG_VAR_DOMAIN, operand, result, sizeOf, VALUE_DOMAIN } from './operands.js';

/**
 * KL divergence between two Gaussians, elementwise, in nats:
 * KL(N(mu1, sigma1^2) || N(mu2, sigma2^2))
 *   = 1/2 (-1 + log sigma2^2 - log sigma1^2 + sigma1^2/sigma2^2 + (mu1 - mu2)^2 / sigma2^2),
 * evaluated as 1/2 (e^D - 1 - D + (mu1 - mu2)^2 e^{-log sigma2^2}) with
 * D = log sigma1^2 - log sigma2^2 and e^D - 1 - D formed without cancellation, so the
 * result is >= 0 and accurate to a few EPS relative even for nearly equal variances.
 * Sum over coordinates for the KL of diagonal Gaussians.
 *
 * @param mean1 - mu1: a float64 ndarray or a number; entries in [-1e100, 1e100]
 * @param logVar1 - log sigma1^2: an ndarray or a number; entries in [-200, 200]
 * @param mean2 - mu2: an ndarray or a number; entries in [-1e100, 1e100]
 * @param logVar2 - log sigma2^2: an ndarray or a number; entries in [-200, 200]
 * @returns the KL per coordinate (>= 0), of the array arguments' common shape, or a number when all four are numbers
 * @throws {InvalidArgumentError} an argument that is not a finite number or float64 ndarray in its domain
 * @throws {ShapeError} array arguments of different shapes
 * @throws {DTypeError} an ndarray not over a Float64Array
 * @example
 * import { gaussian } from 'diffusion-ts';
 * gaussian.normalKL(1, 0, 0, 0);
 * // returns ~0.5
 * @see proofs/gaussian/kl.md (claims gaussian/kl#closed-form, gaussian/kl#nonnegative)
 * Ho et al. (2020), Eq. 5 (L_{t-1} is a KL between Gaussians); improved-diffusion's normal_kl.
 */
export function normalKL(mean1: number, logVar1: number, mean2: number, logVar2: number): number;
export function normalKL(
  mean1: Float64NdArray,
  logVar1: Float64NdArray | number,
  mean2: Float64NdArray | number,
  logVar2: Float64NdArray | number,
): Float64NdArray;
export function normalKL(
  mean1: Float64NdArray | number,
  logVar1: Float64NdArray | number,
  mean2: Float64NdArray | number,
  logVar2: Float64NdArray | number,
): Float64NdArray | number;
export function normalKL(
  mean1: Float64NdArray | number,
  logVar1: Float64NdArray | number,
  mean2: Float64NdArray | number,
  logVar2: Float64NdArray | number,
): Float64NdArray | number {
  const api = 'gaussian.normalKL';
  const names = ['mean1', 'logVar1', 'mean2', 'logVar2'];
  const ops = [
    operand(api, 'mean1', mean1, VALUE_DOMAIN),
    operand(api, 'logVar1', logVar1, LOG_VAR_DOMAIN),
    operand(api, 'mean2', mean2, VALUE_DOMAIN),
    operand(api, 'logVar2', logVar2, LOG_VAR_DOMAIN),
  ];
  const shape = commonShape(api, names, ops);
  const out = new Float64Array(shape === null ? 1 : sizeOf(shape));
  normalKLInto(out, ops[0]!.data, ops[1]!.data, ops[2]!.data, ops[3]!.data);
  return result(out, shape);
}
