/**
 * The `gaussian` area: elementwise diagonal Gaussians (log-density, score, entropy, KL),
 * the standard normal CDF and its log to float64 precision, and DDPM's discretized
 * decoder over 8-bit pixel bins. Means and log-variances are float64 ndarrays of x's
 * shape or plain numbers (broadcast scalars).
 *
 * @see docs/api.md (section gaussian)
 * @see proofs/gaussian/density.md
 */
export { logPdf, score, entropy } from './density.js';
export { normalKL } from './kl.js';
export { normalCdf, logNormalCdf } from './cdf.js';
export { discretizedLogLikelihood } from './discretized.js';
