/**
 * Credential health (CONTRACT.md `/healthz`), derived from state and `now` alone. Pure.
 * Worst check wins: failing > starting > degraded > ok.
 */

import type { CredentialState } from '../credentials/state.ts';
import { formatSeconds as duration } from '../lib/duration.ts';

export type HealthStatus = 'ok' | 'degraded' | 'failing' | 'starting';

export interface HealthCheck {
  readonly name: string;
  readonly status: HealthStatus;
  readonly detail: string;
}

export interface Health {
  readonly status: HealthStatus;
  readonly checks: readonly HealthCheck[];
}

export interface HealthPolicy {
  readonly minTtlMs: number;
  /** Failures before the first success after which `starting` becomes `failing`. */
  readonly startupFailures: number;
  /** Result of matching the held role against `ROLECALL_EXPECTED_ROLE`; absent when unset. */
  readonly expectedRole?: {
    readonly pattern: string;
    readonly matches: (arn: string | null, name: string | null) => boolean;
  };
  /** Extra checks computed elsewhere (endpoint configuration, shadowing sources). */
  readonly extraChecks?: readonly HealthCheck[];
}

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, starting: 2, failing: 3 };

export function worst(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

/** 200 for ok/degraded, 503 for starting/failing. */
export function httpStatusFor(status: HealthStatus): 200 | 503 {
  return status === 'ok' || status === 'degraded' ? 200 : 503;
}

export function credentialsCheck(
  state: CredentialState,
  now: number,
  policy: HealthPolicy,
): HealthCheck {
  const name = 'credentials';
  if (state.phase === 'starting') {
    const err = state.lastError;
    if (err === null)
      return { name, status: 'starting', detail: 'waiting for the first successful fetch' };
    const status = state.consecutiveFailures >= policy.startupFailures ? 'failing' : 'starting';
    return {
      name,
      status,
      detail: `no credentials obtained yet after ${state.consecutiveFailures} attempt(s); last error ${err.reason}: ${err.message}`,
    };
  }
  const remaining = (state.held.expiration - now) / 1000;
  const expiry = new Date(state.held.expiration).toISOString();
  if (remaining <= 0) {
    return {
      name,
      status: 'failing',
      detail: `held credentials expired at ${expiry} and were not rotated`,
    };
  }
  if (remaining * 1000 < policy.minTtlMs) {
    return {
      name,
      status: 'failing',
      detail: `held credentials expire in ${duration(remaining)} (${expiry}) and have not rotated; minimum TTL is ${duration(policy.minTtlMs / 1000)}`,
    };
  }
  if (state.lastPollFailed && state.lastError !== null) {
    return {
      name,
      status: 'degraded',
      detail: `last poll failed (${state.lastError.reason}: ${state.lastError.message}); held credentials valid for ${duration(remaining)}`,
    };
  }
  return { name, status: 'ok', detail: `valid for ${duration(remaining)} (until ${expiry})` };
}

export function expectedRoleCheck(
  state: CredentialState,
  policy: HealthPolicy,
): HealthCheck | null {
  const expected = policy.expectedRole;
  if (expected === undefined) return null;
  const name = 'expected_role';
  if (state.phase === 'starting')
    return { name, status: 'starting', detail: `expecting ${expected.pattern}; no role seen yet` };
  const { roleArn, roleName } = state.held.identity;
  if (expected.matches(roleArn, roleName)) {
    return {
      name,
      status: 'ok',
      detail: `${roleArn ?? roleName ?? 'role'} matches ${expected.pattern}`,
    };
  }
  return {
    name,
    status: 'failing',
    detail: `role ${roleArn ?? roleName ?? '(unknown: the endpoint did not name it)'} does not match expected ${expected.pattern}`,
  };
}

export function health(state: CredentialState, now: number, policy: HealthPolicy): Health {
  const checks: HealthCheck[] = [credentialsCheck(state, now, policy)];
  const role = expectedRoleCheck(state, policy);
  if (role !== null) checks.push(role);
  checks.push(...(policy.extraChecks ?? []));
  return { status: worst(checks.map((c) => c.status)), checks };
}

/** Which source the credentials come from, and whether that is a likely mistake. */
export function sourceCheck(
  endpointKind: 'container' | 'imds',
  state: CredentialState,
  allowInstanceRole: boolean,
): HealthCheck | null {
  if (endpointKind === 'container') return null;
  const status = allowInstanceRole ? 'ok' : 'degraded';
  const allowed = allowInstanceRole ? ' (allowed by ROLECALL_ALLOW_INSTANCE_ROLE)' : '';
  const role = state.phase === 'tracking' ? state.held.identity.roleName : null;
  return {
    name: 'source',
    status,
    detail:
      role === null
        ? `no task role: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are unset, so SDKs fall back to the EC2 instance role${allowed}`
        : `no task role: SDKs in this task use the instance role ${role}${allowed}`,
  };
}
