/**
 * What `schedule.fromBetas` and `binomial.fromBetas` share: the validation of a beta array
 * indexed by t (betas[0] = 0, length T + 1) and the compensated running sums of
 * log(1 - beta_s) behind alphaBar (Gaussian) and gamma (binomial).
 */
import { InvalidArgumentError, got } from '../core/errors.js';
import { MAX_STEPS } from '../core/schedule/betas.js';
import { checkFloat64Array } from './validate.js';

/**
 * Throws unless `betas` is a Float64Array of length T + 1 in 2..MAX_STEPS + 1 with
 * betas[0] = 0 and every beta_t (t = 1..T) accepted by `inDomain` (described by `domain`).
 */
export function checkBetaArray(api: string, betas: unknown, inDomain: (b: number) => boolean, domain: string): Float64Array {
  const b = checkFloat64Array(api, 'betas', betas);
  if (b.length < 2 || b.length > MAX_STEPS + 1) {
    throw new InvalidArgumentError(api, 'betas', `length T + 1 in 2..${MAX_STEPS + 1} (index 0 unused)`, got(`length ${b.length}`));
  }
  if (b[0] !== 0) {
    throw new InvalidArgumentError(api, 'betas', 'betas[0] = 0 (there is no step 0; the schedule is indexed by t = 1..T)', b[0]);
  }
  for (let t = 1; t < b.length; t++) {
    if (!inDomain(b[t]!)) throw new InvalidArgumentError(api, 'betas', `every beta_t in ${domain} for t = 1..T`, got(`${b[t]} at t = ${t}`));
  }
  return b;
}

/**
 * log(1 - beta_t) by log1p, and its running sums sum_{s<=t} log(1 - beta_s) by Neumaier's
 * compensated summation (sum + comp carries the rounding error; proofs/schedule/from-betas.md).
 * Once a beta_s = 1 the sum is -Infinity for good (the signal is erased) and the
 * compensation is no longer touched (it would read -inf - (-inf) = NaN). Index 0 holds 0.
 */
export function logCumulativeOneMinus(beta: Float64Array): { readonly logOneMinus: Float64Array; readonly logCumulative: Float64Array } {
  const n = beta.length;
  const logOneMinus = new Float64Array(n);
  const logCumulative = new Float64Array(n);
  let sum = 0;
  let comp = 0;
  for (let t = 1; t < n; t++) {
    const l = Math.log1p(-beta[t]!);
    logOneMinus[t] = l;
    if (sum === -Infinity || l === -Infinity) {
      sum = -Infinity;
    } else {
      const next = sum + l;
      comp += Math.abs(sum) >= Math.abs(l) ? sum - next + l : l - next + sum;
      sum = next;
    }
    logCumulative[t] = sum === -Infinity ? -Infinity : sum + comp;
  }
  return { logOneMinus, logCumulative };
}
