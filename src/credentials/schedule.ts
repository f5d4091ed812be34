/**
 * When to poll next. Pure: state, `now`, policy and a random number in [0, 1) in; milliseconds out.
 *
 * - Steady state: the poll interval ±10 %.
 * - Approaching expiry without rotation (within MIN_TTL + 5 min): a quarter of the interval or a
 *   tenth of the remaining lifetime, whichever is shorter (at least 1 s), so a late rotation is
 *   seen quickly while staying far below the endpoint's 40 req/s.
 * - After failures: exponential backoff from 1 s, capped at `maxBackoffMs`, with equal jitter;
 *   a server's `Retry-After` is honoured when longer (up to `maxRetryAfterMs`).
 */
import type { CredentialState } from './state.ts';

export interface SchedulePolicy {
  readonly intervalMs: number;
  readonly minTtlMs: number;
  readonly backoffBaseMs: number;
  readonly maxBackoffMs: number;
  readonly maxRetryAfterMs: number;
}

const APPROACH_WINDOW_MS = 5 * 60_000;

export function defaultSchedulePolicy(intervalMs: number, minTtlMs: number): SchedulePolicy {
  return {
    intervalMs,
    minTtlMs,
    backoffBaseMs: 1000,
    maxBackoffMs: Math.min(30_000, intervalMs),
    maxRetryAfterMs: 5 * 60_000,
  };
}

function jitter(ms: number, spread: number, random: number): number {
  return Math.round(ms * (1 - spread + 2 * spread * random));
}

/** Backoff for the n-th consecutive failure (n ≥ 1), before jitter. */
export function backoffMs(failures: number, policy: SchedulePolicy): number {
  const exp = policy.backoffBaseMs * 2 ** Math.min(30, Math.max(0, failures - 1));
  return Math.min(policy.maxBackoffMs, exp);
}

/** Backoff for the n-th consecutive failure with equal jitter: half fixed, half random. */
export function retryDelay(failures: number, policy: SchedulePolicy, random: number): number {
  const base = backoffMs(failures, policy);
  return Math.round(base / 2 + (base / 2) * random);
}

export function nextDelay(
  state: CredentialState,
  now: number,
  policy: SchedulePolicy,
  random: number,
  retryAfterMs?: number,
): number {
  if (state.consecutiveFailures > 0) {
    const jittered = retryDelay(state.consecutiveFailures, policy, random);
    const asked = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, policy.maxRetryAfterMs);
    return Math.max(jittered, asked);
  }
  if (state.phase === 'tracking') {
    const remaining = state.held.expiration - now;
    if (remaining <= policy.minTtlMs + APPROACH_WINDOW_MS) {
      const fast = Math.min(policy.intervalMs / 4, Math.max(0, remaining) / 10);
      return Math.max(1000, jitter(fast, 0.1, random));
    }
  }
  return jitter(policy.intervalMs, 0.1, random);
}
