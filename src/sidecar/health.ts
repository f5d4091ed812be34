/**
 * Every health check of the sidecar, derived from its inputs alone (pure): the credentials, the
 * expected role, the source (no task role: the instance role, or nothing at all) and any source
 * in the sidecar's own environment that shadows the container role. Worst check wins:
 * failing > starting > degraded > ok.
 */

import { type ChainReport, SDK_LABELS } from '../check/types.ts';
import type { CredentialEndpoint } from '../credentials/endpoint.ts';
import type { CredentialState } from '../credentials/state.ts';
import { SDK_FAMILIES, type SdkFamily } from '../lib/aws-env.ts';
import { formatSeconds as duration } from '../lib/duration.ts';
import { shadowedSeries } from './chain.ts';

export type HealthStatus = 'ok' | 'degraded' | 'failing' | 'starting';

interface HealthCheck {
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
}

export interface HealthInput {
  readonly state: CredentialState;
  readonly now: number;
  readonly policy: HealthPolicy;
  /**
   * The endpoint polled (the container's, or IMDS with the SDKs that would use it); null when
   * there is no source at all. Omitted: a container endpoint.
   */
  readonly endpoint?:
    | Pick<Extract<CredentialEndpoint, { kind: 'container' }>, 'kind'>
    | Pick<Extract<CredentialEndpoint, { kind: 'imds' }>, 'kind' | 'sdks' | 'disabledValue'>
    | null;
  /** `ROLECALL_ALLOW_INSTANCE_ROLE`: the instance role is intended. */
  readonly allowInstanceRole?: boolean;
  /**
   * `ROLECALL_EXPECTED_ROLE`, and whether the held role matches it (null before any role is
   * held). The caller matches once per credentials change, not once per request.
   */
  readonly expectedRole?: { readonly pattern: string; readonly matches: boolean | null } | null;
  /** The sidecar's own credential chain, once diagnosed. */
  readonly chain?: ChainReport | null;
}

const RANK: Record<HealthStatus, number> = { ok: 0, degraded: 1, starting: 2, failing: 3 };

function worst(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

/** 200 for ok/degraded, 503 for starting/failing. */
export function httpStatusFor(status: HealthStatus): 200 | 503 {
  return status === 'ok' || status === 'degraded' ? 200 : 503;
}

function credentialsCheck(state: CredentialState, now: number, policy: HealthPolicy): HealthCheck {
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

function expectedRoleCheck(
  state: CredentialState,
  expected: NonNullable<HealthInput['expectedRole']>,
): HealthCheck {
  const name = 'expected_role';
  if (state.phase === 'starting')
    return { name, status: 'starting', detail: `expecting ${expected.pattern}; no role seen yet` };
  const { roleArn, roleName, accountId } = state.held.identity;
  // EKS Pod Identity answers with AccountId and no RoleArn: the role cannot be matched, which is
  // worth seeing (degraded) but is no failure of the credentials.
  if (roleArn === null && roleName === null)
    return {
      name,
      status: 'degraded',
      detail: `${expected.pattern} cannot be checked: the endpoint does not name the role (EKS Pod Identity answers carry only the account${accountId === null ? '' : `, ${accountId}`}); see the pod's role with \`aws eks list-pod-identity-associations\`, or unset ROLECALL_EXPECTED_ROLE here`,
    };
  if (expected.matches === null)
    return { name, status: 'starting', detail: `expecting ${expected.pattern}; no role seen yet` };
  if (expected.matches) {
    return {
      name,
      status: 'ok',
      detail: `${roleArn ?? roleName ?? 'role'} matches ${expected.pattern}`,
    };
  }
  return {
    name,
    status: 'failing',
    detail: `role ${roleArn ?? roleName} does not match expected ${expected.pattern}`,
  };
}

const NO_SOURCE: HealthCheck = {
  name: 'credentials',
  status: 'failing',
  detail:
    'no credentials source: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are unset ' +
    '(the task has no task role, or the variables were dropped) and AWS_EC2_METADATA_DISABLED=true rules out the instance role',
};

export function health(input: HealthInput): Health {
  const { state, now, policy } = input;
  const endpoint = input.endpoint;
  if (endpoint === null) return { status: 'failing', checks: [NO_SOURCE] };
  const checks: HealthCheck[] = [credentialsCheck(state, now, policy)];
  if (input.expectedRole) checks.push(expectedRoleCheck(state, input.expectedRole));
  if (endpoint?.kind === 'imds')
    checks.push(instanceRoleCheck(state, input.allowInstanceRole ?? false, endpoint));
  const shadowing = shadowingCheck(input.chain ?? null);
  if (shadowing !== null) checks.push(shadowing);
  return { status: worst(checks.map((c) => c.status)), checks };
}

/** Logged once at start when there is no source at all. */
export const NO_SOURCE_DETAIL = NO_SOURCE.detail;

/** Which source the credentials come from, and whether that is a likely mistake. */
function instanceRoleCheck(
  state: CredentialState,
  allowInstanceRole: boolean,
  imds: { readonly sdks: readonly SdkFamily[]; readonly disabledValue: string | null },
): HealthCheck {
  const status = allowInstanceRole ? 'ok' : 'degraded';
  const allowed = allowInstanceRole ? ' (allowed by ROLECALL_ALLOW_INSTANCE_ROLE)' : '';
  const role = state.phase === 'tracking' ? state.held.identity.roleName : null;
  // A value only some SDKs read as "disabled" (`=1`) splits them: name both groups.
  const sdks =
    imds.disabledValue === null ? 'SDKs' : imds.sdks.map((s) => SDK_LABELS[s]).join(', ');
  const split =
    imds.disabledValue === null
      ? ''
      : `; ${SDK_FAMILIES.filter((s) => !imds.sdks.includes(s))
          .map((s) => SDK_LABELS[s])
          .join(', ')} read AWS_EC2_METADATA_DISABLED=${imds.disabledValue} as disabled`;
  return {
    name: 'source',
    status,
    detail:
      role === null
        ? `no task role: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are unset, so ${sdks} fall back to the EC2 instance role${split}${allowed}`
        : `no task role: ${sdks} in this task use the instance role ${role}${split}${allowed}`,
  };
}

/** `degraded` when any SDK would prefer another source over the container role. */
function shadowingCheck(report: ChainReport | null): HealthCheck | null {
  const series = shadowedSeries(report);
  if (report === null || series.length === 0) return null;
  const bySource = new Map<string, string[]>();
  for (const s of series) bySource.set(s.source, [...(bySource.get(s.source) ?? []), s.sdk]);
  const parts = [...bySource].map(([source, sdks]) => {
    const evidence = report.sdks.find((r) => r.winner?.type === source)?.winner?.evidence;
    return `${source}${evidence ? ` (${evidence})` : ''} shadows the container role for ${sdks.join(', ')}`;
  });
  return {
    name: 'shadowing',
    status: 'degraded',
    detail: `${parts.join('; ')} in the sidecar's environment`,
  };
}
