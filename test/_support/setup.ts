/**
 * Fixes fast-check's seed for every property, so that a CI run is reproducible: a failure
 * seen once is seen again, with the same counterexample. To explore other inputs, run
 * `FC_SEED=<integer> npm test` (a failure prints its seed and path; keep it as a regression
 * case, STYLE rule 23).
 */
import fc from 'fast-check';

const seed = Number(process.env.FC_SEED ?? 20261122);
fc.configureGlobal({ seed: Number.isInteger(seed) ? seed : 20261122 });
