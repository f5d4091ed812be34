/**
 * Folding of repeated `rotated` and `role_changed` events, as `fetch_failed` is folded: an endpoint
 * that changes key or role on every poll must not flood the log or grow `/whoami`. Within the
 * interval, a change is logged once and later ones are counted into the next line (`repeated`);
 * in history, a change close to the previous one of its type becomes part of that entry (`count`,
 * `lastAt`, the latest values). Changes further apart (hourly rotations) stay separate. Pure.
 */
import type { HistoryEvent } from './types.ts';

export type ChangeKind = 'rotated' | 'role_changed';

/** When a line of this kind was last logged, and how many changes were folded since. */
export type ChangeLogs = Readonly<
  Record<ChangeKind, { readonly at: number; readonly folded: number } | null>
>;

export const NO_CHANGE_LOGS: ChangeLogs = Object.freeze({ rotated: null, role_changed: null });

/** History strings are bounded: an ARN by IAM's 2,048, a message by 512. */
export const HISTORY_STRING_LIMITS = { arn: 2048, message: 512 } as const;

export function bounded(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…(${s.length - max} more)`;
}

/** Whether a change of `kind` at `at` gets a log line, and how many it stands for besides itself. */
export function logChange(
  logs: ChangeLogs,
  kind: ChangeKind,
  at: number,
  intervalMs: number,
): { log: boolean; repeated: number; next: ChangeLogs } {
  const last = logs[kind];
  if (last === null || at - last.at >= intervalMs)
    return { log: true, repeated: last?.folded ?? 0, next: { ...logs, [kind]: { at, folded: 0 } } };
  return {
    log: false,
    repeated: 0,
    next: { ...logs, [kind]: { ...last, folded: last.folded + 1 } },
  };
}

type Change = Extract<HistoryEvent, { type: ChangeKind }>;

/**
 * `history` with `e` appended, or folded into the latest entry of its kind when that is recent and
 * nothing but changes came since (a new key and a new role on the same poll alternate).
 */
export function pushChange(
  history: readonly HistoryEvent[],
  e: Change,
  limit: number,
  intervalMs: number,
): readonly HistoryEvent[] {
  for (let i = history.length - 1; i >= 0 && i >= history.length - 2; i--) {
    const last = history[i];
    if (last === undefined || (last.type !== 'rotated' && last.type !== 'role_changed')) break;
    if (last.type !== e.type) continue;
    if (e.at - (last.lastAt ?? last.at) >= intervalMs) break;
    const count = (last.count ?? 1) + 1;
    const folded: Change =
      last.type === 'role_changed' && e.type === 'role_changed'
        ? { ...e, at: last.at, from: last.from, count, lastAt: e.at }
        : { ...e, at: last.at, count, lastAt: e.at };
    return history.map((h, j) => (j === i ? folded : h));
  }
  const next = [...history, e];
  return next.length > limit ? next.slice(next.length - limit) : next;
}
