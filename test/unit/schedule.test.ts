import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, defaultSchedulePolicy, nextDelay } from '../../src/credentials/schedule.ts';
import { apply, type CredentialState, INITIAL_STATE } from '../../src/credentials/state.ts';

const T0 = Date.parse('2026-11-28T12:00:00Z');
const policy = defaultSchedulePolicy(60_000, 10 * 60_000);
const sp = { historyLimit: 10, minTtlMs: 600_000, failureLogIntervalMs: 300_000 };
const identity = {
  source: 'container-role' as const,
  roleArn: 'arn:aws:iam::111122223333:role/r',
  roleName: 'r',
  accountId: '111122223333',
};

function tracking(expiresInMs: number): CredentialState {
  return apply(
    INITIAL_STATE,
    {
      type: 'fetched',
      at: T0,
      identity,
      accessKeyId: 'K',
      expiration: T0 + expiresInMs,
      endpointDate: null,
    },
    sp,
  ).state;
}
function failing(n: number): CredentialState {
  let s = tracking(6 * 3600_000);
  for (let i = 0; i < n; i++)
    s = apply(s, { type: 'failed', at: T0 + i, reason: 'timeout', message: 'x' }, sp).state;
  return s;
}

test('steady state: interval ±10 %', () => {
  const s = tracking(6 * 3600_000);
  assert.equal(nextDelay(s, T0, policy, 0), 54_000);
  assert.equal(nextDelay(s, T0, policy, 0.5), 60_000);
  assert.equal(nextDelay(s, T0, policy, 0.999999), 66_000);
  for (let r = 0; r < 1; r += 0.01) {
    const d = nextDelay(s, T0, policy, r);
    assert.ok(d >= 54_000 && d <= 66_000, String(d));
  }
});

test('approaching expiry without rotation polls faster, never below 1 s', () => {
  assert.equal(
    nextDelay(tracking(16 * 60_000), T0, policy, 0.5),
    60_000,
    'outside MIN_TTL + 5 min',
  );
  assert.equal(
    nextDelay(tracking(14 * 60_000), T0, policy, 0.5),
    15_000,
    'a quarter of the interval',
  );
  assert.equal(nextDelay(tracking(60_000), T0, policy, 0.5), 6_000, 'a tenth of what is left');
  assert.equal(nextDelay(tracking(1000), T0, policy, 0.5), 1000);
  assert.equal(
    nextDelay(tracking(6 * 3600_000), T0 + 7 * 3600_000, policy, 0.5),
    1000,
    'already expired',
  );
});

test('backoff doubles from 1 s, capped at 30 s, with equal jitter', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 40].map((n) => backoffMs(n, policy)),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  );
  for (const n of [1, 3, 6, 12]) {
    const cap = backoffMs(n, policy);
    assert.equal(nextDelay(failing(n), T0, policy, 0), cap / 2);
    assert.equal(
      nextDelay(failing(n), T0, policy, 0.999999),
      Math.round(cap / 2 + (cap / 2) * 0.999999),
    );
  }
  assert.equal(
    backoffMs(5, defaultSchedulePolicy(5000, 0)),
    5000,
    'never longer than the poll interval',
  );
});

test('Retry-After is honoured when longer than the backoff, capped at 5 minutes', () => {
  assert.equal(nextDelay(failing(1), T0, policy, 0.5, 7_000), 7_000);
  assert.equal(nextDelay(failing(4), T0, policy, 1 - 1e-9, 100), 8_000);
  assert.equal(nextDelay(failing(1), T0, policy, 0.5, 3_600_000), 300_000);
});

test('with defaults, steady polling stays about one request a minute', () => {
  const s = tracking(6 * 3600_000);
  let total = 0;
  for (let i = 0; i < 1000; i++) total += nextDelay(s, T0, policy, i / 1000);
  assert.ok(Math.abs(total / 1000 - 60_000) < 100);
});
