/**
 * The standard normal CDF Phi and its logarithm, to float64 precision everywhere.
 *
 * @see proofs/gaussian/cdf.md
 * @see docs/gaussian/cdf.md
 */
import { checkArray, checkNumber, type Float64NdArray, type Interval, wrap } from '../../_internal/validate.js';
import { logNdtr, ndtr } from '../../_internal/gaussian-kernels.js';

/** log Phi(x) ~ -x^2/2 stays finite for x >= -1e150 (it overflows below about -1.9e154). */
const LOG_CDF_DOMAIN: Interval = { min: -1e150, minClosed: true };

function mapCdf(api: string, x: unknown, iv: Interval | undefined, f: (v: number) => number): Float64NdArray | number {
  if (typeof x === 'number') return f(checkNumber(api, 'x', x, iv));
  const dense = checkArray(api, 'x', x, iv);
  const out = new Float64Array(dense.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(dense.data[i]!);
  return wrap(out, dense.shape);
}

/**
 * The standard normal CDF, elementwise: Phi(x) = 1/2 erfc(-x / sqrt 2), to a few EPS
 * relative for every finite x (W. J. Cody's rational Chebyshev approximations of erf and
 * erfcx, with exp(-x^2/2) formed from x itself; no tanh approximation). Phi(x) is 0 in
 * float64 below x = -38.5 and 1 above x = 8.3.
 *
 * @param x - the argument x: a finite number or a float64 ndarray of finite entries
 * @returns Phi(x) in [0, 1], a number for a number, else an ndarray of x's shape
 * @throws {InvalidArgumentError} x not a finite number or float64 ndarray of finite entries
 * @throws {DTypeError} an ndarray not over a Float64Array
 * @example
 * import { gaussian } from 'diffusion-ts';
 * gaussian.normalCdf(-5);
 * // returns ~2.8665157187919396e-7
 * @see proofs/gaussian/cdf.md (claims gaussian/cdf#phi, gaussian/cdf#symmetry)
 * Cody (1969), Math. Comp. 23, 631-638; Ho et al. (2020), Eq. 13 (the decoder's CDF differences).
 */
export function normalCdf(x: number): number;
export function normalCdf(x: Float64NdArray): Float64NdArray;
export function normalCdf(x: Float64NdArray | number): Float64NdArray | number;
export function normalCdf(x: Float64NdArray | number): Float64NdArray | number {
  return mapCdf('gaussian.normalCdf', x, undefined, ndtr);
}

/**
 * The log of the standard normal CDF, elementwise: log Phi(x), to a few EPS relative for
 * every x >= -1e150: log of the erf form near 0, -x^2/2 + log(erfcx(-x / sqrt 2) / 2) for
 * x < -0.66 (log Phi(-40) = -804.608..., no underflow), log1p(-Phi(-x)) for x > 0 (so
 * log Phi(x) ~ -Phi(-x) for large x, not 0).
 *
 * @param x - the argument x: a number or float64 ndarray with entries in [-1e150, +inf) (finite)
 * @returns log Phi(x) <= 0, a number for a number, else an ndarray of x's shape
 * @throws {InvalidArgumentError} x not finite or below -1e150 (log Phi(x) would overflow float64 below about -1.9e154)
 * @throws {DTypeError} an ndarray not over a Float64Array
 * @example
 * import { gaussian } from 'diffusion-ts';
 * gaussian.logNormalCdf(-40);
 * // returns ~-804.6084420137538
 * @see proofs/gaussian/cdf.md (claims gaussian/cdf#log-phi, gaussian/cdf#log-phi-upper-tail)
 * Cody (1969), Math. Comp. 23, 631-638; Ho et al. (2020), Eq. 13.
 */
export function logNormalCdf(x: number): number;
export function logNormalCdf(x: Float64NdArray): Float64NdArray;
export function logNormalCdf(x: Float64NdArray | number): Float64NdArray | number;
export function logNormalCdf(x: Float64NdArray | number): Float64NdArray | number {
  return mapCdf('gaussian.logNormalCdf', x, LOG_CDF_DOMAIN, logNdtr);
}
