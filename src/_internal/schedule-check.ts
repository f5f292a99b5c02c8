import { InvalidArgumentError } from '../core/errors.js';
import { checkInteger } from './validate.js';
import { isSchedule, type Schedule } from '../core/schedule/from-betas.js';

/**
 * Throws unless `s` is a Schedule built by `fromBetas` (the only way to get arrays that
 * agree with each other); returns it typed.
 */
export function checkSchedule(api: string, name: string, s: unknown): Schedule {
  if (!isSchedule(s)) {
    throw new InvalidArgumentError(api, name, 'a Schedule built by schedule.fromBetas', s);
  }
  return s;
}

/** Throws unless `t` is an integer step in 1..T of schedule `s`. */
export function checkStep(api: string, name: string, t: unknown, s: Schedule): number {
  return checkInteger(api, name, t, 1, s.T);
}
