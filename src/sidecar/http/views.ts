/**
 * State → what the endpoints answer. Pure: the clock and collaborators' answers come in as
 * arguments. Nothing here can see a secret: state holds none.
 */

import type { CredentialState } from '../../credentials/state.ts';
import type { HistoryEvent, Source } from '../../credentials/types.ts';
import { maskAccessKeyId } from '../../lib/aws-env.ts';
import { formatSeconds } from '../../lib/duration.ts';
import { safeLines } from '../../lib/safe-text.ts';
import type { ChainView } from '../chain.ts';
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
  /** The sidecar's own credential chain (see `sidecar/chain.ts`), once diagnosed. */
  readonly chain?: ChainView | null;
}

type HistoryView =
  | {
      type: 'rotated';
      at: string;
      accessKeyId: string;
      expiration: string;
      count?: number;
      lastAt?: string;
    }
  | {
      type: 'role_changed';
      at: string;
      from: string | null;
      to: string | null;
      count?: number;
      lastAt?: string;
    }
  | {
      type: 'fetch_failed';
      at: string;
      reason: string;
      message: string;
      count: number;
      lastAt: string;
    }
  | { type: 'recovered'; at: string; afterFailures: number };

/** The `/whoami` JSON, field order as served. `rolecall whoami` reads the same shape back. */
export interface WhoamiView {
  source: Source | null;
  endpoint: string | null;
  role: { arn: string | null; name: string | null; account: string | null };
  accessKeyId: string | null;
  expiration: string | null;
  expiresInSeconds: number | null;
  firstSeen: string | null;
  ageSeconds: number | null;
  rotations: number;
  roleChanges: number;
  polls: number;
  consecutiveFailures: number;
  lastSuccess: string | null;
  lastError: { reason: string; message: string; at: string } | null;
  clockSkewSeconds: number | null;
  history: HistoryView[];
  health: Health;
  roleNote?: string;
  lastUpdated?: string;
  expectedRole?: string;
  task?: TaskInfo;
  chain?: ChainView;
}

const isoOf = (ms: number): string => new Date(ms).toISOString();
const iso = (ms: number | null): string | null => (ms === null ? null : isoOf(ms));

/** `count` and `lastAt` of an entry that folds several changes; nothing for a single one. */
const folded = (e: { count?: number; lastAt?: number }) =>
  e.count === undefined || e.lastAt === undefined
    ? {}
    : { count: e.count, lastAt: isoOf(e.lastAt) };

function historyView(e: HistoryEvent): HistoryView {
  switch (e.type) {
    case 'rotated':
      return {
        type: e.type,
        at: isoOf(e.at),
        accessKeyId: maskAccessKeyId(e.accessKeyId),
        expiration: e.expiration,
        ...folded(e),
      };
    case 'role_changed':
      return { type: e.type, at: isoOf(e.at), from: e.from, to: e.to, ...folded(e) };
    case 'fetch_failed':
      return {
        type: e.type,
        at: isoOf(e.at),
        reason: e.reason,
        message: e.message,
        count: e.count,
        lastAt: isoOf(e.lastAt),
      };
    case 'recovered':
      return { type: e.type, at: isoOf(e.at), afterFailures: e.afterFailures };
  }
}

export function whoamiView(input: WhoamiInput): WhoamiView {
  const { state, now } = input;
  const held = state.phase === 'tracking' ? state.held : null;
  const id = held?.identity ?? null;
  const view: WhoamiView = {
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
            at: isoOf(state.lastError.at),
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

/**
 * The shape check `rolecall whoami` applies to what a sidecar answered, before rendering it: the
 * fields the text view reads must be there with their types.
 */
export function isWhoamiView(v: unknown): v is WhoamiView {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Partial<Record<keyof WhoamiView, unknown>>;
  const health = o.health as { status?: unknown; checks?: unknown } | undefined;
  return (
    typeof o.role === 'object' &&
    o.role !== null &&
    Array.isArray(o.history) &&
    typeof health?.status === 'string' &&
    Array.isArray(health.checks)
  );
}

/** Pads to the longest of `values` plus `gap` spaces (at least `min`): no entry runs into the next column. */
function padder(values: readonly string[], gap: number, min = 0): (s: string) => string {
  const width = Math.max(min, Math.max(...values.map((s) => s.length)) + gap);
  return (s) => s.padEnd(width);
}

/**
 * The aligned incident view for `Accept: text/plain` and `rolecall whoami`. Values come from the
 * endpoint, so each line is escaped: no value can forge a line or drive the terminal.
 */
export function whoamiText(v: WhoamiView): string {
  const { role, health, lastError } = v;
  const expires = v.expiresInSeconds;
  const age = v.ageSeconds;
  const label = padder(['expected role', ...health.checks.map((c) => `  ${c.name}`)], 1, 16);
  const row = (name: string, value: string) => `${label(name)}${value}`;
  const status = padder(
    health.checks.map((c) => c.status),
    2,
  );
  const lines = [
    row('health', health.status),
    ...health.checks.map((c) => row(`  ${c.name}`, `${status(c.status)}${c.detail}`)),
    row('source', v.source ?? 'unknown'),
    row('endpoint', v.endpoint ?? 'none configured'),
    row('role', role.arn ?? role.name ?? '(unknown)'),
    row('account', role.account ?? '(unknown)'),
    row('access key', v.accessKeyId ?? '(none yet)'),
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
    row('last success', v.lastSuccess ?? '(never)'),
    row(
      'last error',
      lastError === null ? 'none' : `${lastError.at} ${lastError.reason}: ${lastError.message}`,
    ),
  ];
  if (v.expectedRole !== undefined) lines.push(row('expected role', v.expectedRole));
  const task = v.task;
  if (task !== undefined) {
    lines.push(
      row('task', task.taskArn),
      row('  family', `${task.family}:${task.revision}`),
      row('  cluster', task.cluster),
      row('  launch/AZ', `${task.launchType} ${task.availabilityZone}`),
    );
  }
  const history = v.history;
  if (history.length > 0) {
    lines.push('history');
    const type = padder(
      history.slice(-10).map((e) => e.type),
      2,
    );
    for (const e of history.slice(-10)) {
      const { type: kind, at, ...rest } = e;
      const detail = Object.entries(rest)
        .map(([k, val]) => `${k}=${val}`)
        .join(' ');
      lines.push(`  ${at}  ${type(kind)}${detail}`);
    }
  }
  return safeLines(lines);
}
