/**
 * Nats to bits per dimension, the unit in which image likelihoods are reported.
 *
 * @see proofs/elbo/bits.md
 * @see docs/elbo/bits.md
 */
import { InvalidArgumentError } from '../errors.js';
import { checkFloat64Array, checkInteger } from '../../_internal/validate.js';

/**
 * A negative log-likelihood (or its bound) in bits per dimension (Ho et al. 2020,
 * Table 2; the unit of every image-likelihood table):
 *
 *     bits/dim = nats / (D ln 2).
 *
 * @param nats - the value in nats per example: a finite number, or a Float64Array of them
 * @param D - the number of dimensions of an example (3072 for a CIFAR-10 image, 784 for MNIST), an integer >= 1
 * @returns bits per dimension, of the kind of `nats` (a number, or a new Float64Array)
 * @throws InvalidArgumentError for a non-finite value, a D that is not a positive integer, or a
 *   quotient that overflows (|nats| near the largest double with D = 1)
 * @example
 * import { elbo } from 'diffusion-ts';
 * elbo.bitsPerDim(3072 * Math.LN2 * 3.7, 3072); // returns ~3.7
 * @see proofs/elbo/bits.md (claim elbo/bits#definition)
 */
export function bitsPerDim(nats: number, D: number): number;
export function bitsPerDim(nats: Float64Array, D: number): Float64Array;
export function bitsPerDim(nats: number | Float64Array, D: number): number | Float64Array;
export function bitsPerDim(nats: number | Float64Array, D: number): number | Float64Array {
  const api = 'elbo.bitsPerDim';
  const dims = checkInteger(api, 'D', D, 1);
  const denominator = dims * Math.LN2;
  // D ln 2 < 1 for D = 1: the quotient of a finite value near the largest double can overflow.
  const overflow = (v: unknown) => new InvalidArgumentError(api, 'nats', `values whose quotient by ${dims} ln 2 is finite in float64`, v);
  if (typeof nats === 'number') {
    if (!Number.isFinite(nats)) throw new InvalidArgumentError(api, 'nats', 'a finite number or a Float64Array of them', nats);
    const bits = nats / denominator;
    if (!Number.isFinite(bits)) throw overflow(nats);
    return bits;
  }
  const values = checkFloat64Array(api, 'nats', nats);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const bits = values[i]! / denominator;
    if (!Number.isFinite(bits)) throw overflow(`${values[i]} at index ${i}`);
    out[i] = bits;
  }
  return out;
}
