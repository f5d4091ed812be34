/**
 * A scenario is the emulator's script: a timeline, in seconds from emulator start, of what the
 * credentials endpoint does. Built-in scenarios live here; JSON files go through `parseScenario`
 * (scenario-parse.ts).
 */

/** Statuses a scripted outage may answer with; each maps to the agent's own error form. */
export const OUTAGE_STATUSES = [500, 503, 429, 400, 404] as const;
export type OutageStatus = (typeof OUTAGE_STATUSES)[number];

/** From second `at` on (until the next entry), credentials are for `roleArn`. */
export interface RoleChange {
  readonly at: number;
  readonly roleArn: string;
}

/**
 * For `durationSeconds` from `at`, the endpoint answers `status` instead of credentials.
 * `code` replaces the default JSON error code (503 ⇒ CredentialsUninitialized, 500 ⇒
 * InternalServerError, 400 ⇒ InvalidIdInRequest); 429 and 404 are plain text and ignore it.
 */
export interface Outage {
  readonly at: number;
  readonly durationSeconds: number;
  readonly status: OutageStatus;
  readonly code?: string;
}

export interface Scenario {
  /** How long each credential generation is valid. */
  readonly lifetimeSeconds: number;
  /** How long before expiry the next generation appears: one starts every lifetime − lead. */
  readonly rotationLeadSeconds: number;
  /** Sorted by `at`; the first is at 0. */
  readonly roles: readonly RoleChange[];
  readonly outages: readonly Outage[];
  /** Delay before every answer (the whole agent is slow), in milliseconds. */
  readonly latencyMs?: number;
  /**
   * When set, roles and outages replay every `repeatSeconds` (the schedule is read at
   * elapsed mod repeatSeconds). Generations never repeat: they keep counting up.
   */
  readonly repeatSeconds?: number;
}

/** Synthetic account and roles: the documentation account from AWS's own examples. */
export const DEMO_ACCOUNT = '111122223333';
export const DEFAULT_ROLE_ARN = `arn:aws:iam::${DEMO_ACCOUNT}:role/orders-task`;
/** Deliberately not `*-task`, so a sidecar expecting `*-task` reports the mismatch. */
export const DEMO_SECOND_ROLE_ARN = `arn:aws:iam::${DEMO_ACCOUNT}:role/orders-admin`;

/** A deep-frozen copy, so a shared built-in cannot be edited by one test for the next. */
export function freezeScenario(s: Scenario): Scenario {
  return Object.freeze({
    ...s,
    roles: Object.freeze(s.roles.map((r) => Object.freeze({ ...r }))),
    outages: Object.freeze(s.outages.map((o) => Object.freeze({ ...o }))),
  });
}

/**
 * - `steady`: what ECS documents: 6 h credentials, a new set 15 min before expiry, no faults.
 * - `demo`: 90 s credentials, a new set every 60 s (30 s lead); role changes to `orders-admin` at
 *   100 s; a 20 s 503 `CredentialsUninitialized` from 150 s; at 240 s the script replays (back to
 *   `orders-task`, which is a second role change, outage again at 390 s, ...).
 * - `fast`: 6 s credentials, a new set every 3 s, one role, no faults; for soak and timing tests.
 */
export const SCENARIOS = Object.freeze({
  steady: freezeScenario({
    lifetimeSeconds: 6 * 3600,
    rotationLeadSeconds: 15 * 60,
    roles: [{ at: 0, roleArn: DEFAULT_ROLE_ARN }],
    outages: [],
  }),
  demo: freezeScenario({
    lifetimeSeconds: 90,
    rotationLeadSeconds: 30,
    roles: [
      { at: 0, roleArn: DEFAULT_ROLE_ARN },
      { at: 100, roleArn: DEMO_SECOND_ROLE_ARN },
    ],
    outages: [{ at: 150, durationSeconds: 20, status: 503 }],
    repeatSeconds: 240,
  }),
  fast: freezeScenario({
    lifetimeSeconds: 6,
    rotationLeadSeconds: 3,
    roles: [{ at: 0, roleArn: DEFAULT_ROLE_ARN }],
    outages: [],
  }),
});

export type ScenarioName = keyof typeof SCENARIOS;
