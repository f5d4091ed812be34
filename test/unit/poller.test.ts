import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SetTimer, startPoller } from '../../src/credentials/poller.ts';
import { defaultSchedulePolicy } from '../../src/credentials/schedule.ts';
import { Credentials, type Fetched } from '../../src/credentials/types.ts';
import { EndpointError } from '../../src/lib/errors.ts';

/** A virtual clock with a timer queue: the whole six-hour life runs in milliseconds. */
function virtualTime(start: number) {
  let now = start;
  const queue: { at: number; fn: () => void; id: number }[] = [];
  let seq = 0;
  const setTimer: SetTimer = (fn, ms) => {
    const id = seq++;
    queue.push({ at: now + ms, fn, id });
    return { cancel: () => queue.splice(queue.findIndex((q) => q.id === id) >>> 0, 1) };
  };
  return {
    now: () => now,
    setTimer,
    pending: () => queue.length,
    /** Runs timers until `until`, letting each poll's promise settle. */
    async runUntil(until: number) {
      for (;;) {
        await new Promise((r) => setImmediate(r));
        queue.sort((a, b) => a.at - b.at);
        const next = queue[0];
        if (next === undefined || next.at > until) break;
        queue.shift();
        now = next.at;
        next.fn();
      }
      now = until;
    },
  };
}

const T0 = Date.parse('2026-11-28T12:00:00Z');
const H = 3600_000;
const identity = {
  source: 'container-role' as const,
  roleArn: 'arn:aws:iam::111122223333:role/orders-task',
  roleName: 'orders-task',
  accountId: '111122223333',
};
const creds = (key: string, exp: number): Fetched => ({
  credentials: new Credentials({
    accessKeyId: key,
    secretAccessKey: 's',
    sessionToken: 't',
    expiration: new Date(exp),
  }),
  identity,
  endpointDate: null,
});

test('six-hour life: steady one poll a minute, rotation seen within a poll, never overlapping', async () => {
  const vt = virtualTime(T0);
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  // The endpoint rotates 15 minutes before each 6 h expiry.
  const fetch = async (): Promise<Fetched> => {
    calls++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await Promise.resolve();
    inFlight--;
    const gen = Math.floor((vt.now() - T0) / (5.75 * H));
    return creds(`KEY${gen}`, T0 + 6 * H + gen * 5.75 * H);
  };
  const states: number[] = [];
  const poller = startPoller({
    fetch,
    now: vt.now,
    random: () => 0.5,
    setTimer: vt.setTimer,
    statePolicy: { historyLimit: 50, minTtlMs: 10 * 60_000, failureLogIntervalMs: 300_000 },
    schedulePolicy: defaultSchedulePolicy(60_000, 10 * 60_000),
    onChange: (s) => states.push(s.rotations),
  });
  await vt.runUntil(T0 + 6 * H);
  const s = poller.state();
  assert.equal(s.rotations, 1);
  assert.equal(maxInFlight, 1);
  assert.ok(calls >= 355 && calls <= 365, `about one poll a minute, got ${calls}`);
  assert.equal(
    s.phase === 'tracking' && s.held.firstSeen - (T0 + 5.75 * H) < 60_000,
    true,
    'rotation seen within one interval',
  );
  await poller.close();
  assert.equal(vt.pending(), 0, 'close cancels the next poll');
});

test('late rotation: polls speed up as expiry nears and see the new key quickly', async () => {
  const vt = virtualTime(T0);
  const rotateAt = T0 + 6 * H - 3 * 60_000; // only 3 minutes before expiry
  const fetch = async () =>
    vt.now() < rotateAt ? creds('OLD', T0 + 6 * H) : creds('NEW', T0 + 12 * H);
  const seen: number[] = [];
  const poller = startPoller({
    fetch,
    now: vt.now,
    random: () => 0.5,
    setTimer: vt.setTimer,
    statePolicy: { historyLimit: 50, minTtlMs: 10 * 60_000, failureLogIntervalMs: 300_000 },
    schedulePolicy: defaultSchedulePolicy(60_000, 10 * 60_000),
    onChange: (s) => {
      if (s.phase === 'tracking' && s.held.accessKeyId === 'NEW' && seen.length === 0)
        seen.push(vt.now());
    },
  });
  await vt.runUntil(T0 + 6 * H);
  assert.ok(
    (seen[0] ?? Infinity) - rotateAt <= 20_000,
    `seen ${((seen[0] ?? 0) - rotateAt) / 1000}s after rotation`,
  );
  await poller.close();
});

test('failures back off exponentially and honour Retry-After; recovery resets', async () => {
  const vt = virtualTime(T0);
  const times: number[] = [];
  let mode: 'fail' | 'throttle' | 'ok' = 'fail';
  const fetch = async () => {
    times.push(vt.now() - T0);
    if (mode === 'fail') throw new EndpointError('connection', 'refused');
    if (mode === 'throttle')
      throw new EndpointError('throttled', 'HTTP 429', { status: 429, retryAfterMs: 20_000 });
    return creds('K', T0 + 6 * H);
  };
  const reasons: (string | null)[] = [];
  const poller = startPoller({
    fetch,
    now: vt.now,
    random: () => 0.999999,
    setTimer: vt.setTimer,
    statePolicy: { historyLimit: 50, minTtlMs: 10 * 60_000, failureLogIntervalMs: 300_000 },
    schedulePolicy: defaultSchedulePolicy(60_000, 10 * 60_000),
    onChange: (_s, _l, o) => reasons.push(o.reason),
  });
  await vt.runUntil(T0 + 15_500);
  assert.deepEqual(times, [0, 1000, 3000, 7000, 15000], '1, 2, 4, 8 s apart');
  mode = 'ok';
  await vt.runUntil(T0 + 31_001);
  assert.equal(times.at(-1), 31_000, 'after a 16 s backoff');
  assert.equal(poller.state().consecutiveFailures, 0, 'recovery resets the backoff');
  mode = 'throttle';
  await vt.runUntil(T0 + 97_001);
  assert.equal(times.at(-1), 97_000, 'steady interval (+10 % jitter) after recovery');
  mode = 'ok';
  await vt.runUntil(T0 + 120_000);
  assert.equal(times.at(-1), 117_000, 'waited the 20 s Retry-After, not the 1 s backoff');
  assert.deepEqual(reasons, [
    'connection',
    'connection',
    'connection',
    'connection',
    'connection',
    null,
    'throttled',
    null,
  ]);
  await poller.close();
});
