/**
 * The only timers in the credential path: one chained timeout, never two requests at once,
 * stopped by `close()`, which also aborts a fetch in flight. The fetch, clock, randomness and timer are injected, so a six-hour
 * credential life is a unit test that takes milliseconds.
 */
import { EndpointError, type PollErrorReason } from '../lib/errors.ts';
import { nextDelay, type SchedulePolicy } from './schedule.ts';
import {
  apply,
  type CredentialState,
  INITIAL_STATE,
  type LogEvent,
  type StatePolicy,
} from './state.ts';
import type { Fetched } from './types.ts';

interface Timer {
  cancel(): void;
}

/** Schedules `fn` after `ms`; the default is an `unref()`ed `setTimeout`. */
export type SetTimer = (fn: () => void, ms: number) => Timer;

export const realTimer: SetTimer = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
};

interface PollOutcome {
  readonly durationSeconds: number;
  /** null on success */
  readonly reason: PollErrorReason | null;
}

export interface PollerDeps {
  /** One fetch; `signal` aborts when the poller closes, so shutdown never waits on the endpoint. */
  readonly fetch: (signal: AbortSignal) => Promise<Fetched>;
  readonly now: () => number;
  readonly random: () => number;
  readonly setTimer: SetTimer;
  readonly statePolicy: StatePolicy;
  readonly schedulePolicy: SchedulePolicy;
  /** Called after every poll with the new state and what to log. */
  readonly onChange: (
    state: CredentialState,
    logs: readonly LogEvent[],
    outcome: PollOutcome,
  ) => void;
  /** Monotonic clock in ms for durations; defaults to `performance.now`. */
  readonly monotonic?: () => number;
}

export interface Poller {
  state(): CredentialState;
  close(): Promise<void>;
}

function toReason(err: unknown): {
  reason: PollErrorReason;
  message: string;
  retryAfterMs?: number;
} {
  if (err instanceof EndpointError) {
    return err.retryAfterMs === undefined
      ? { reason: err.reason, message: err.message }
      : { reason: err.reason, message: err.message, retryAfterMs: err.retryAfterMs };
  }
  return { reason: 'invalid_response', message: `unexpected ${(err as Error)?.name ?? 'error'}` };
}

/** Starts polling at once and keeps going until `close()`. */
export function startPoller(deps: PollerDeps): Poller {
  const monotonic = deps.monotonic ?? (() => performance.now());
  let state: CredentialState = INITIAL_STATE;
  let timer: Timer | null = null;
  let inFlight: Promise<void> | null = null;
  const stop = new AbortController();
  let closed = false;

  async function pollOnce(): Promise<void> {
    const started = monotonic();
    let retryAfterMs: number | undefined;
    let reason: PollErrorReason | null = null;
    let result: ReturnType<typeof apply>;
    try {
      const f = await deps.fetch(stop.signal);
      if (closed) return;
      result = apply(
        state,
        {
          type: 'fetched',
          at: deps.now(),
          identity: f.identity,
          accessKeyId: f.credentials.accessKeyId,
          expiration: f.credentials.expiration.getTime(),
          endpointDate: f.endpointDate?.getTime() ?? null,
          lastUpdated: f.lastUpdated ?? null,
        },
        deps.statePolicy,
      );
    } catch (err) {
      // Cancelled by close(): not a failure of the endpoint, so not counted or logged.
      if (closed) return;
      const failure = toReason(err);
      reason = failure.reason;
      retryAfterMs = failure.retryAfterMs;
      result = apply(
        state,
        { type: 'failed', at: deps.now(), reason, message: failure.message },
        deps.statePolicy,
      );
    }
    state = result.state;
    deps.onChange(state, result.logs, { durationSeconds: (monotonic() - started) / 1000, reason });
    if (closed) return;
    const delay = nextDelay(state, deps.now(), deps.schedulePolicy, deps.random(), retryAfterMs);
    timer = deps.setTimer(tick, delay);
  }

  function tick(): void {
    timer = null;
    if (closed) return;
    inFlight = pollOnce().finally(() => {
      inFlight = null;
    });
  }

  tick();
  return {
    state: () => state,
    async close() {
      closed = true;
      timer?.cancel();
      timer = null;
      stop.abort();
      if (inFlight) await inFlight;
    },
  };
}
