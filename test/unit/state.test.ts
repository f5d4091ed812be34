import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apply,
  type CredentialState,
  INITIAL_STATE,
  type StateEvent,
  type StatePolicy,
} from '../../src/credentials/state.ts';
import type { Identity } from '../../src/credentials/types.ts';
import { createRoleMatcher } from '../../src/lib/role-match.ts';
import { type HealthPolicy, health } from '../../src/sidecar/health.ts';

const T0 = Date.parse('2026-11-28T12:00:00Z');
const MIN = 60_000;
const H = 60 * MIN;
const policy: StatePolicy = { historyLimit: 5, minTtlMs: 10 * MIN, failureLogIntervalMs: 5 * MIN };
const hp: HealthPolicy = { minTtlMs: 10 * MIN, startupFailures: 3 };
const role = (name: string): Identity => ({
  source: 'container-role',
  roleArn: `arn:aws:iam::111122223333:role/${name}`,
  roleName: name,
  accountId: '111122223333',
});

const fetched = (
  at: number,
  key: string,
  expiration: number,
  name = 'orders-task',
): StateEvent => ({
  type: 'fetched',
  at,
  identity: role(name),
  accessKeyId: key,
  expiration,
  endpointDate: at + 2000,
});
const failed = (at: number, reason: 'timeout' | 'uninitialized' = 'timeout'): StateEvent => ({
  type: 'failed',
  at,
  reason,
  message: `m-${reason}`,
});

function run(events: StateEvent[], from: CredentialState = INITIAL_STATE) {
  let state = from;
  const logs: string[] = [];
  for (const e of events) {
    const r = apply(state, e, policy);
    state = r.state;
    logs.push(...r.logs.map((l) => l.event));
  }
  return { state, logs };
}

test('first fetch: tracking, first_seen logged, skew from the Date header', () => {
  const { state, logs } = run([fetched(T0, 'ASIAKEY1', T0 + 6 * H)]);
  assert.equal(state.phase, 'tracking');
  assert.deepEqual(logs, ['credentials.first_seen']);
  assert.equal(state.clockSkewSeconds, 2);
  assert.equal(state.rotations, 0);
  assert.equal(health({ state: state, now: T0, policy: hp }).status, 'ok');
});

test('same key again keeps firstSeen; a new key is a rotation with a new firstSeen', () => {
  const { state, logs } = run([
    fetched(T0, 'K1', T0 + 6 * H),
    fetched(T0 + H, 'K1', T0 + 6 * H),
    fetched(T0 + 5 * H, 'K2', T0 + 11 * H),
  ]);
  assert.equal(state.phase === 'tracking' && state.held.firstSeen, T0 + 5 * H);
  assert.equal(state.rotations, 1);
  assert.deepEqual(logs, ['credentials.first_seen', 'credentials.rotated']);
  assert.equal(state.history.at(-1)?.type, 'rotated');
});

test('role change counts and logs old and new ARN', () => {
  const r = apply(
    run([fetched(T0, 'K1', T0 + 6 * H)]).state,
    fetched(T0 + MIN, 'K2', T0 + 6 * H, 'payments-task'),
    policy,
  );
  assert.equal(r.state.roleChanges, 1);
  assert.equal(r.state.rotations, 1);
  const change = r.logs.find((l) => l.event === 'credentials.role_changed');
  assert.deepEqual(change, {
    event: 'credentials.role_changed',
    from: role('orders-task').roleArn,
    to: role('payments-task').roleArn,
  });
});

test('every health state over a simulated six-hour credential life', () => {
  const exp = T0 + 6 * H;
  let s = INITIAL_STATE;
  assert.equal(health({ state: s, now: T0, policy: hp }).status, 'starting');
  s = run([failed(T0)], s).state;
  assert.equal(
    health({ state: s, now: T0, policy: hp }).status,
    'starting',
    'one failure during start-up is still starting',
  );
  s = run([failed(T0 + 1000, 'uninitialized'), failed(T0 + 3000, 'uninitialized')], s).state;
  const never = health({ state: s, now: T0 + 3000, policy: hp });
  assert.equal(never.status, 'failing');
  assert.match(
    never.checks[0]?.detail ?? '',
    /no credentials obtained yet after 3 attempt\(s\); last error uninitialized/,
  );
  s = run([fetched(T0 + 5000, 'K1', exp)], s).state;
  assert.equal(health({ state: s, now: T0 + 5000, policy: hp }).status, 'ok');
  s = run([failed(T0 + 3 * H)], s).state;
  const degraded = health({ state: s, now: T0 + 3 * H, policy: hp });
  assert.equal(degraded.status, 'degraded');
  assert.match(
    degraded.checks[0]?.detail ?? '',
    /^last poll failed \(timeout: m-timeout\); held credentials valid for 3\.0h$/,
  );
  s = run([fetched(T0 + 3 * H + 1000, 'K1', exp)], s).state;
  assert.equal(health({ state: s, now: T0 + 3 * H + 1000, policy: hp }).status, 'ok');
  assert.equal(
    health({ state: s, now: exp - 10 * MIN + 1000, policy: hp }).status,
    'failing',
    'inside MIN_TTL without rotation',
  );
  assert.equal(
    health({ state: s, now: exp - 10 * MIN - 1000, policy: hp }).status,
    'ok',
    'just outside MIN_TTL',
  );
  const expired = health({ state: s, now: exp + 1, policy: hp });
  assert.equal(expired.status, 'failing');
  assert.match(expired.checks[0]?.detail ?? '', /expired at/);
  s = run([fetched(exp - 12 * MIN, 'K2', exp + 6 * H)], s).state;
  assert.equal(
    health({ state: s, now: exp + 1, policy: hp }).status,
    'ok',
    'rotation clears the expiry',
  );
});

test('expected role: match ok, mismatch failing', () => {
  const s = run([fetched(T0, 'K1', T0 + 6 * H)]).state;
  const check = (pattern: string) => {
    const matches = createRoleMatcher(pattern);
    const id = s.phase === 'tracking' ? s.held.identity : null;
    return health({
      state: s,
      now: T0,
      policy: hp,
      expectedRole: { pattern, matches: id && matches(id.roleArn, id.roleName) },
    });
  };
  assert.equal(check('orders-task').status, 'ok');
  const bad = check('other');
  assert.equal(bad.status, 'failing');
  assert.equal(
    bad.checks[1]?.detail,
    'role arn:aws:iam::111122223333:role/orders-task does not match expected other',
  );
});

test('failures: logged once per reason, again after the interval; history folds repeats and stays capped', () => {
  const start = run([fetched(T0, 'K1', T0 + 6 * H)]).state;
  const events: StateEvent[] = [];
  for (let i = 1; i <= 40; i++) events.push(failed(T0 + i * 10_000));
  const { state, logs } = run(events, start);
  assert.deepEqual(
    logs,
    ['credentials.fetch_failed', 'credentials.fetch_failed'],
    'first, then once after 5 minutes',
  );
  const last = state.history.at(-1);
  assert.equal(last?.type === 'fetch_failed' && last.count, 40);
  const mixed = run(
    [failed(T0 + 410_000, 'uninitialized'), fetched(T0 + 411_000, 'K1', T0 + 6 * H)],
    state,
  );
  assert.deepEqual(
    mixed.logs,
    ['credentials.fetch_failed', 'credentials.recovered'],
    'a new reason logs at once',
  );
  let capped = mixed.state;
  // Rotations further apart than the folding window each get an entry, up to the cap.
  for (let i = 0; i < 20; i++)
    capped = run([fetched(T0 + H + i * 6 * MIN, `R${i}`, T0 + 7 * H)], capped).state;
  assert.equal(capped.history.length, 5);
  assert.equal(capped.rotations, 20);
});

test('expiring is logged once per access key', () => {
  const s = run([fetched(T0, 'K1', T0 + 15 * MIN)]).state;
  const { logs } = run(
    [
      fetched(T0 + 6 * MIN, 'K1', T0 + 15 * MIN),
      fetched(T0 + 7 * MIN, 'K1', T0 + 15 * MIN),
      failed(T0 + 8 * MIN),
    ],
    s,
  );
  assert.deepEqual(logs, ['credentials.expiring', 'credentials.fetch_failed']);
});

test('a key and role changing on every poll: logged once per window, folded into one entry each', () => {
  const start = run([fetched(T0, 'K0', T0 + 6 * H, 'role-0')]).state;
  const events: StateEvent[] = [];
  // Every 10 s for 10 minutes: a new key and a new role each time.
  for (let i = 1; i <= 60; i++)
    events.push(fetched(T0 + i * 10_000, `K${i}`, T0 + 6 * H, `role-${i}`));
  const { state, logs } = run(events, start);
  assert.equal(state.rotations, 60);
  assert.equal(state.roleChanges, 60);
  // The first change (at 10 s), then one once 5 minutes have passed (at 310 s).
  assert.deepEqual(
    logs.filter((l) => l === 'credentials.rotated' || l === 'credentials.role_changed'),
    [
      'credentials.rotated',
      'credentials.role_changed',
      'credentials.rotated',
      'credentials.role_changed',
    ],
  );
  const r = apply(state, fetched(T0 + 20 * MIN, 'K99', T0 + 6 * H, 'role-99'), policy);
  const line = r.logs.find((l) => l.event === 'credentials.role_changed');
  assert.ok(
    line?.event === 'credentials.role_changed' && (line.repeated ?? 0) > 0,
    'counts what it folded',
  );
  // One entry per kind while the changes keep coming less than 5 minutes apart.
  assert.deepEqual(
    state.history.map((e) => [e.type, 'count' in e ? e.count : 1]),
    [
      ['rotated', 60],
      ['role_changed', 60],
    ],
  );
  const roleEntry = state.history[1];
  assert.ok(roleEntry?.type === 'role_changed');
  assert.match(roleEntry.from ?? '', /role-0$/, 'from: the role before the first change');
  assert.match(roleEntry.to ?? '', /role-60$/, 'to: the latest role');
});

test('history strings are bounded', () => {
  const long = 'x'.repeat(10_000);
  const s = run([
    fetched(T0, 'K1', T0 + 6 * H),
    { type: 'failed', at: T0 + MIN, reason: 'server_error', message: long },
  ]).state;
  const last = s.history.at(-1);
  assert.ok(last?.type === 'fetch_failed' && last.message.length < 600);
  assert.ok(s.lastError !== null && s.lastError.message.length < 600);
});
