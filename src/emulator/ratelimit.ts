/**
 * The agent's throttle: one token bucket per (client IP, URL path), `rate` tokens a second up to
 * `burst` (golang.org/x/time/rate under tollbooth; ECS_TASK_METADATA_RPS_LIMIT defaults 40,60).
 * Time is an argument, so the bucket is testable without sleeping.
 */

export interface RateLimit {
  /** Steady tokens per second. */
  readonly rate: number;
  /** Bucket size: how many requests may arrive at once. */
  readonly burst: number;
}

export const ECS_RATE_LIMIT: RateLimit = Object.freeze({ rate: 40, burst: 60 });

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Above this many keys, full buckets are dropped (a full bucket is the same as no bucket). */
const PRUNE_ABOVE = 1024;

export interface Limiter {
  /** Takes one token for `key` at `nowMs`; false when the bucket is empty. */
  take(key: string, nowMs: number): boolean;
}

export function createLimiter(limit: RateLimit): Limiter {
  const buckets = new Map<string, Bucket>();
  const level = (b: Bucket, nowMs: number) =>
    Math.min(limit.burst, b.tokens + (Math.max(0, nowMs - b.atMs) / 1000) * limit.rate);
  return {
    take(key, nowMs) {
      if (buckets.size > PRUNE_ABOVE) {
        for (const [k, b] of buckets) if (level(b, nowMs) >= limit.burst) buckets.delete(k);
      }
      const b = buckets.get(key) ?? { tokens: limit.burst, atMs: nowMs };
      const tokens = level(b, nowMs);
      const allowed = tokens >= 1;
      buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, atMs: nowMs });
      return allowed;
    },
  };
}

/**
 * tollbooth (unversioned, as the agent vendors it) adds these to every answer it lets through or
 * throttles: max as `%.2f`, duration `1`, the raw X-Forwarded-For (empty when absent), and Go's
 * RemoteAddr (`ip:port`, IPv6 in brackets).
 */
export function rateLimitHeaders(
  rate: number,
  forwardedFor: string,
  remoteAddr: string,
): Record<string, string> {
  return {
    'x-rate-limit-limit': rate.toFixed(2),
    'x-rate-limit-duration': '1',
    'x-rate-limit-request-forwarded-for': forwardedFor,
    'x-rate-limit-request-remote-addr': remoteAddr,
  };
}
