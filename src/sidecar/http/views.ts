/**
 * State → what the endpoints answer. Pure: the clock and collaborators' answers come in as
 * arguments. Nothing here can see a secret: state holds none.
 */

import type { CredentialState } from '../../credentials/state.ts';
import type { HistoryEvent, Source } from '../../credentials/types.ts';
import { maskAccessKeyId } from '../../lib/aws-env.ts';
import { formatSeconds } from '../../lib/duration.ts';
import type { Health } from '../health.ts';
import type { TaskInfo } from '../task-metadata.ts';

export interface WhoamiInput {
  readonly state: CredentialState;
  readonly health: Health;
  readonly now: number;
  /** The source rolecall polls (known from configuration even before the first success). */
  readonly source: Source | null;
  /** Safe description of the endpoint (origin and variable name, never the path). */
  readonly endpoint: string | null;
  readonly expectedRole: string | null;
  readonly task: TaskInfo | null;
  /** The sidecar's own credential chain (see `chain/sidecar.ts`), once diagnosed. */
  readonly chain?: Record<string, unknown> | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function historyView(e: HistoryEvent): Record<string, unknown> {
  switch (e.type) {
    case 'rotated':
      return {
        type: e.type,
        at: iso(e.at),
        accessKeyId: maskAccessKeyId(e.accessKeyId),
        expiration: e.expiration,
      };
    case 'role_changed':
      return { type: e.type, at: iso(e.at), from: e.from, to: e.to };
    case 'fetch_failed':
      return {
        type: e.type,
        at: iso(e.at),
        reason: e.reason,
        message: e.message,
        count: e.count,
        lastAt: iso(e.lastAt),
      };
    case 'recovered':
      return { type: e.type, at: iso(e.at), afterFailures: e.afterFailures };
  }
}

export function whoamiView(input: WhoamiInput): Record<string, unknown> {
  const { state, now } = input;
  const held = state.phase === 'tracking' ? state.held : null;
  const id = held?.identity ?? null;
  const view: Record<string, unknown> = {
    source: id?.source ?? input.source,
    endpoint: input.endpoint,
    role: {
      arn: id?.roleArn ?? null,
      name: id?.roleName ?? null,
      account: id?.accountId ?? null,
    },
    accessKeyId: held === null ? null : maskAccessKeyId(held.accessKeyId),
    expiration: iso(held?.expiration ?? null),
    expiresInSeconds: held === null ? null : Math.floor((held.expiration - now) / 1000),
    firstSeen: iso(held?.firstSeen ?? null),
    ageSeconds: held === null ? null : Math.max(0, Math.floor((now - held.firstSeen) / 1000)),
    rotations: state.rotations,
    roleChanges: state.roleChanges,
    polls: state.polls,
    consecutiveFailures: state.consecutiveFailures,
    lastSuccess: iso(state.lastSuccess),
    lastError:
      state.lastError === null
        ? null
        : {
            reason: state.lastError.reason,
            message: state.lastError.message,
            at: iso(state.lastError.at),
          },
    clockSkewSeconds: state.clockSkewSeconds,
    history: state.history.map(historyView),
    health: input.health,
  };
  if (id !== null && id.roleArn === null)
    view.roleNote =
      'the endpoint does not name the role (EKS Pod Identity answers carry only AccountId)';
  if (held?.lastUpdated) view.lastUpdated = held.lastUpdated;
  if (input.expectedRole !== null) view.expectedRole = input.expectedRole;
  if (input.task !== null) view.task = input.task;
  if (input.chain) view.chain = input.chain;
  return view;
}

function row(label: string, value: string): string {
  return `${label.padEnd(16)}${value}`;
}

/** The aligned incident view for `Accept: text/plain` and `rolecall whoami`. */
export function whoamiText(v: Record<string, unknown>): string {
  const role = v.role as { arn: string | null; name: string | null; account: string | null };
  const health = v.health as Health;
  const lastError = v.lastError as { reason: string; message: string; at: string } | null;
  const expires = v.expiresInSeconds as number | null;
  const age = v.ageSeconds as number | null;
  const lines = [
    row('health', health.status),
    ...health.checks.map((c) => row(`  ${c.name}`, `${c.status.padEnd(9)}${c.detail}`)),
    row('source', String(v.source ?? 'unknown')),
    row('endpoint', String(v.endpoint ?? 'none configured')),
    row('role', role.arn ?? role.name ?? '(unknown)'),
    row('account', role.account ?? '(unknown)'),
    row('access key', String(v.accessKeyId ?? '(none yet)')),
    row(
      'expires',
      v.expiration === null
        ? '(unknown)'
        : `${v.expiration} (${expires !== null && expires < 0 ? 'expired' : `in ${formatSeconds(expires ?? 0)}`})`,
    ),
    row(
      'first seen',
      v.firstSeen === null ? '(never)' : `${v.firstSeen} (age ${formatSeconds(age ?? 0)})`,
    ),
    row('rotations', String(v.rotations)),
    row('role changes', String(v.roleChanges)),
    row('last success', String(v.lastSuccess ?? '(never)')),
    row(
      'last error',
      lastError === null ? 'none' : `${lastError.at} ${lastError.reason}: ${lastError.message}`,
    ),
  ];
  if (v.expectedRole !== undefined) lines.push(row('expected role', String(v.expectedRole)));
  const task = v.task as TaskInfo | undefined;
  if (task !== undefined) {
    lines.push(
      row('task', task.taskArn),
      row('  family', `${task.family}:${task.revision}`),
      row('  cluster', task.cluster),
      row('  launch/AZ', `${task.launchType} ${task.availabilityZone}`),
    );
  }
  const history = v.history as Record<string, unknown>[];
  if (history.length > 0) {
    lines.push('history');
    for (const e of history.slice(-10)) {
      const { type, at, ...rest } = e;
      const detail = Object.entries(rest)
        .map(([k, val]) => `${k}=${val}`)
        .join(' ');
      lines.push(`  ${String(at)}  ${String(type).padEnd(13)}${detail}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
