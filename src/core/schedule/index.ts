export { linearBetas, cosineBetas, erasureBetas, geometricSigmas, MAX_STEPS } from './betas.js';
export { fromBetas, isSchedule, MIN_LOG_ALPHA_BAR, type Schedule } from './from-betas.js';
