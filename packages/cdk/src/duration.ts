import type { Duration } from 'aws-cdk-lib';

const UNITS = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
] as const;

/**
 * A CDK `Duration` in rolecall's duration syntax (`500ms`, `30s`, `5m`, `1h`), using the largest
 * unit that divides it exactly, so `Duration.minutes(10)` reads `10m` in the console.
 */
export function formatDuration(duration: Duration, what: string): string {
  const ms = duration.toMilliseconds();
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new Error(`${what} must be a positive whole number of milliseconds, got ${ms}ms`);
  }
  for (const [unit, size] of UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
