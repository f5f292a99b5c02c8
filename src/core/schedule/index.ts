export { linearBetas, cosineBetas, erasureBetas, geometricSigmas, MAX_STEPS } from './betas.js';
export { fromBetas, isSchedule, type Schedule } from './from-betas.js';
