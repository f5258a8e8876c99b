// Duration flags of kubectl (--timeout, --since, --pod-running-timeout): Go's
// time.ParseDuration (api/duration.ts), with pflag's error around it.

import { parseGoDuration } from '../api/duration.js';

/** A commander argParser for a duration flag: the flag name goes into the error, as pflag does. */
export function durationFlag(flag: string): (value: string) => number {
  return (value: string) => {
    try {
      return parseGoDuration(value);
    } catch (err) {
      throw new Error(`invalid argument ${JSON.stringify(value)} for "--${flag}" flag: ${(err as Error).message}`);
    }
  };
}
