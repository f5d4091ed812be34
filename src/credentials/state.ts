/**
 * The credential state machine: `apply(state, event, policy) → { state, logs }`. Pure: the clock
 * arrives with each event, and what should be logged is returned, not written. Secrets never enter
 * the state: only the access key id, expiry and identity are kept.
 *
 * Over 250 lines on purpose: the state, its events and every transition read best in one place.
 */
import type { PollErrorReason } from '../lib/errors.ts';
import {
  bounded,
  type ChangeLogs,
  HISTORY_STRING_LIMITS,
  logChange,
  NO_CHANGE_LOGS,
  pushChange,
} from './fold.ts';
import type { HistoryEvent, Identity } from './types.ts';

/** The credentials currently held, without their secrets. */
interface Held {
  readonly identity: Identity;
  readonly accessKeyId: string;
  /** epoch ms */
  readonly expiration: number;
  /** epoch ms when this access key was first observed */
  readonly firstSeen: number;
  /** IMDS `LastUpdated`, when the source reports it. */
  readonly lastUpdated: string | null;
}

interface LastError {
  readonly reason: PollErrorReason;
  readonly message: string;
  readonly at: number;
}

interface Common {
  readonly polls: number;
  readonly rotations: number;
  readonly roleChanges: number;
  readonly consecutiveFailures: number;
  readonly lastSuccess: number | null;
  readonly lastError: LastError | null;
  /** Whether the most recent poll failed (`lastError` stays for the incident view after recovery). */
  readonly lastPollFailed: boolean;
  readonly history: readonly HistoryEvent[];
  /** Endpoint `Date` minus local time at the last success, in seconds. */
  readonly clockSkewSeconds: number | null;
  /** When a `fetch_failed` log line was last emitted, for rate limiting. */
  readonly failureLoggedAt: number | null;
  /** Access key id for which `credentials.expiring` was already logged. */
  readonly expiringWarnedFor: string | null;
  /** Rate limiting of `credentials.rotated` / `role_changed` lines (see `fold.ts`). */
  readonly changeLogs: ChangeLogs;
}

export type CredentialState =
  | (Common & { readonly phase: 'starting' })
  | (Common & { readonly phase: 'tracking'; readonly held: Held });

export type StateEvent =
  | {
      readonly type: 'fetched';
      readonly at: number;
      readonly identity: Identity;
      readonly accessKeyId: string;
      readonly expiration: number;
      readonly endpointDate: number | null;
      readonly lastUpdated?: string | null;
    }
  | {
      readonly type: 'failed';
      readonly at: number;
      readonly reason: PollErrorReason;
      readonly message: string;
    };

/** What the shell should log; mapped to the public event names by the logger. */
export type LogEvent =
  | { readonly event: 'credentials.first_seen'; readonly held: Held }
  | {
      readonly event: 'credentials.rotated';
      readonly held: Held;
      readonly previousAccessKeyId: string;
      /** Rotations since the last line that were folded instead of logged (absent when none). */
      readonly repeated?: number;
    }
  | {
      readonly event: 'credentials.role_changed';
      readonly from: string | null;
      readonly to: string | null;
      readonly repeated?: number;
    }
  | {
      readonly event: 'credentials.fetch_failed';
      readonly reason: PollErrorReason;
      readonly message: string;
      readonly consecutive: number;
    }
  | { readonly event: 'credentials.recovered'; readonly afterFailures: number }
  | {
      readonly event: 'credentials.expiring';
      readonly accessKeyId: string;
      readonly expiresInSeconds: number;
    };

export interface StatePolicy {
  readonly historyLimit: number;
  /** `ROLECALL_MIN_TTL` in ms. */
  readonly minTtlMs: number;
  /**
   * While failing, repeat the `fetch_failed` log at most this often (a new reason logs at once);
   * also the window in which repeated rotations and role changes are folded.
   */
  readonly failureLogIntervalMs: number;
}

export const INITIAL_STATE: CredentialState = Object.freeze({
  phase: 'starting',
  polls: 0,
  rotations: 0,
  roleChanges: 0,
  consecutiveFailures: 0,
  lastSuccess: null,
  lastError: null,
  lastPollFailed: false,
  history: [],
  clockSkewSeconds: null,
  failureLoggedAt: null,
  expiringWarnedFor: null,
  changeLogs: NO_CHANGE_LOGS,
});

function push(
  history: readonly HistoryEvent[],
  e: HistoryEvent,
  limit: number,
): readonly HistoryEvent[] {
  const next = [...history, e];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

/** Applies one poll outcome. */
export function apply(
  state: CredentialState,
  event: StateEvent,
  policy: StatePolicy,
): { state: CredentialState; logs: LogEvent[] } {
  return event.type === 'fetched'
    ? applyFetched(state, event, policy)
    : applyFailed(state, event, policy);
}

function applyFetched(
  state: CredentialState,
  e: Extract<StateEvent, { type: 'fetched' }>,
  policy: StatePolicy,
): { state: CredentialState; logs: LogEvent[] } {
  const logs: LogEvent[] = [];
  let history = state.history;
  let { rotations, roleChanges, changeLogs } = state;
  const interval = policy.failureLogIntervalMs;
  const prev = state.phase === 'tracking' ? state.held : null;
  if (state.consecutiveFailures > 0 && state.lastSuccess !== null) {
    logs.push({ event: 'credentials.recovered', afterFailures: state.consecutiveFailures });
    history = push(
      history,
      { type: 'recovered', at: e.at, afterFailures: state.consecutiveFailures },
      policy.historyLimit,
    );
  }
  const sameKey = prev !== null && prev.accessKeyId === e.accessKeyId;
  const held: Held = {
    identity: e.identity,
    accessKeyId: e.accessKeyId,
    expiration: e.expiration,
    firstSeen: sameKey ? prev.firstSeen : e.at,
    lastUpdated: e.lastUpdated ?? null,
  };
  if (prev === null) {
    logs.push({ event: 'credentials.first_seen', held });
  } else if (!sameKey) {
    rotations += 1;
    const l = logChange(changeLogs, 'rotated', e.at, interval);
    changeLogs = l.next;
    if (l.log)
      logs.push({
        event: 'credentials.rotated',
        held,
        previousAccessKeyId: prev.accessKeyId,
        ...(l.repeated > 0 ? { repeated: l.repeated } : {}),
      });
    history = pushChange(
      history,
      {
        type: 'rotated',
        at: e.at,
        accessKeyId: e.accessKeyId,
        expiration: new Date(e.expiration).toISOString(),
      },
      policy.historyLimit,
      interval,
    );
  }
  if (prev !== null && prev.identity.roleArn !== e.identity.roleArn) {
    roleChanges += 1;
    const from = prev.identity.roleArn;
    const to = e.identity.roleArn;
    const l = logChange(changeLogs, 'role_changed', e.at, interval);
    changeLogs = l.next;
    if (l.log)
      logs.push({
        event: 'credentials.role_changed',
        from,
        to,
        ...(l.repeated > 0 ? { repeated: l.repeated } : {}),
      });
    const arn = (a: string | null) => (a === null ? null : bounded(a, HISTORY_STRING_LIMITS.arn));
    history = pushChange(
      history,
      { type: 'role_changed', at: e.at, from: arn(from), to: arn(to) },
      policy.historyLimit,
      interval,
    );
  }
  const expiringWarnedFor = warnExpiring(state.expiringWarnedFor, held, e.at, policy, logs);
  return {
    state: {
      ...state,
      phase: 'tracking',
      held,
      polls: state.polls + 1,
      rotations,
      roleChanges,
      consecutiveFailures: 0,
      lastSuccess: e.at,
      lastPollFailed: false,
      history,
      clockSkewSeconds: e.endpointDate === null ? null : Math.round((e.endpointDate - e.at) / 1000),
      failureLoggedAt: null,
      expiringWarnedFor,
      changeLogs,
    },
    logs,
  };
}

function applyFailed(
  state: CredentialState,
  e: Extract<StateEvent, { type: 'failed' }>,
  policy: StatePolicy,
): { state: CredentialState; logs: LogEvent[] } {
  const logs: LogEvent[] = [];
  const consecutive = state.consecutiveFailures + 1;
  const sameReason = state.lastPollFailed && state.lastError?.reason === e.reason;
  const due =
    !sameReason ||
    state.failureLoggedAt === null ||
    e.at - state.failureLoggedAt >= policy.failureLogIntervalMs;
  if (due)
    logs.push({
      event: 'credentials.fetch_failed',
      reason: e.reason,
      message: e.message,
      consecutive,
    });
  const last = state.history[state.history.length - 1];
  const message = bounded(e.message, HISTORY_STRING_LIMITS.message);
  const history =
    sameReason && last?.type === 'fetch_failed' && last.reason === e.reason
      ? [...state.history.slice(0, -1), { ...last, message, count: last.count + 1, lastAt: e.at }]
      : push(
          state.history,
          {
            type: 'fetch_failed',
            at: e.at,
            reason: e.reason,
            message,
            count: 1,
            lastAt: e.at,
          },
          policy.historyLimit,
        );
  const expiringWarnedFor =
    state.phase === 'tracking'
      ? warnExpiring(state.expiringWarnedFor, state.held, e.at, policy, logs)
      : state.expiringWarnedFor;
  return {
    state: {
      ...state,
      polls: state.polls + 1,
      consecutiveFailures: consecutive,
      lastError: { reason: e.reason, message, at: e.at },
      lastPollFailed: true,
      history,
      failureLoggedAt: due ? e.at : state.failureLoggedAt,
      expiringWarnedFor,
    },
    logs,
  };
}

/** Logs `credentials.expiring` once per access key when it comes within MIN_TTL of expiry. */
function warnExpiring(
  warnedFor: string | null,
  held: Held,
  now: number,
  policy: StatePolicy,
  logs: LogEvent[],
): string | null {
  const remaining = held.expiration - now;
  if (remaining > policy.minTtlMs || warnedFor === held.accessKeyId) return warnedFor;
  logs.push({
    event: 'credentials.expiring',
    accessKeyId: held.accessKeyId,
    expiresInSeconds: Math.max(0, Math.floor(remaining / 1000)),
  });
  return held.accessKeyId;
}
