/** The emulator over time and under faults: injected clock, manual controls, throttling, latency. */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import {
  DEFAULT_ROLE_ARN,
  DEMO_SECOND_ROLE_ARN,
  parseScenario,
  SCENARIOS,
  type Scenario,
  startEmulator,
} from '../../src/emulator/index.ts';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

async function emulator(t: TestContext, scenario: Scenario, extra: { rateLimit?: null } = {}) {
  const clock = { ms: T0 };
  const emu = await startEmulator({ scenario, now: () => clock.ms, ...extra });
  t.after(() => emu.close());
  const path = emu.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? '';
  const poll = async () => {
    const res = await fetch(`${emu.url}${path}`);
    const body = await res.text();
    return {
      status: res.status,
      body,
      type: res.headers.get('content-type'),
      json: () => JSON.parse(body),
    };
  };
  return { emu, clock, poll };
}

test('injected clock: rotation at 60 s, role change at 100 s, 503 outage 150–170 s (demo)', async (t) => {
  const { emu, clock, poll } = await emulator(t, SCENARIOS.demo);
  const first = (await poll()).json();
  assert.deepEqual([first.RoleArn, first.Expiration], [DEFAULT_ROLE_ARN, '2026-11-28T12:01:30Z']);
  clock.ms = T0 + 59_000;
  assert.equal((await poll()).json().AccessKeyId, first.AccessKeyId);
  clock.ms = T0 + 60_000;
  const rotated = (await poll()).json();
  assert.notEqual(rotated.AccessKeyId, first.AccessKeyId);
  assert.equal(rotated.Expiration, '2026-11-28T12:02:30Z');
  clock.ms = T0 + 100_000;
  const changed = (await poll()).json();
  assert.equal(changed.RoleArn, DEMO_SECOND_ROLE_ARN);
  assert.notEqual(changed.AccessKeyId, rotated.AccessKeyId);
  clock.ms = T0 + 155_000;
  const down = await poll();
  assert.equal(down.status, 503);
  assert.equal(
    down.body,
    '{"code":"CredentialsUninitialized","message":"CredentialsV2Request: Credentials uninitialized for ID","HTTPErrorCode":503}',
  );
  clock.ms = T0 + 170_000;
  assert.equal((await poll()).status, 200);
  assert.equal(emu.requests(), 6);
});

test('setOutage overrides the timeline until cleared; rotate() and setRole() act now', async (t) => {
  const { emu, poll } = await emulator(t, SCENARIOS.steady);
  const before = (await poll()).json();
  emu.setOutage({ status: 500 });
  assert.equal(
    (await poll()).body,
    '{"code":"InternalServerError","message":"Internal server error","HTTPErrorCode":500}',
  );
  emu.setOutage({ status: 400, code: 'NoCredentialsAssociated' });
  assert.equal(
    (await poll()).body,
    '{"code":"NoCredentialsAssociated","message":"CredentialsV2Request: NoCredentialsAssociated","HTTPErrorCode":400}',
  );
  emu.setOutage({ status: 429 });
  const throttled = await poll();
  assert.deepEqual(
    [throttled.status, throttled.body],
    [429, 'You have reached maximum request limit.'],
  );
  emu.setOutage(null);
  assert.deepEqual((await poll()).json(), before);
  emu.rotate();
  const rotated = (await poll()).json();
  assert.notEqual(rotated.AccessKeyId, before.AccessKeyId);
  assert.equal(rotated.Expiration, '2026-11-28T18:00:00Z'); // a fresh 6 h from the (frozen) clock
  emu.setRole('arn:aws:iam::111122223333:role/other-task');
  const other = (await poll()).json();
  assert.equal(other.RoleArn, 'arn:aws:iam::111122223333:role/other-task');
  assert.notEqual(other.AccessKeyId, rotated.AccessKeyId);
});

test('scripted 429 and 404 outages answer in plain text, like the agent', async (t) => {
  const scenario = parseScenario({
    lifetimeSeconds: 3600,
    rotationLeadSeconds: 600,
    roles: [{ at: 0, roleArn: DEFAULT_ROLE_ARN }],
    outages: [
      { at: 10, durationSeconds: 5, status: 429 },
      { at: 20, durationSeconds: 5, status: 404 },
    ],
  });
  const { clock, poll } = await emulator(t, scenario);
  clock.ms = T0 + 12_000;
  const a = await poll();
  assert.deepEqual(
    [a.status, a.body, a.type],
    [429, 'You have reached maximum request limit.', 'text/plain; charset=utf-8'],
  );
  clock.ms = T0 + 21_000;
  const b = await poll();
  assert.deepEqual(
    [b.status, b.body, b.type],
    [404, '404 page not found\n', 'text/plain; charset=utf-8'],
  );
});

test('token bucket: 60 quick requests pass, the 61st gets 429; refill 40/s; per (IP, path)', async (t) => {
  // The bucket runs on the injected clock: frozen, nothing refills, so the count is exact.
  const { emu, clock, poll } = await emulator(t, SCENARIOS.steady);
  for (let i = 1; i <= 60; i++) assert.equal((await poll()).status, 200, `request ${i}`);
  const throttled = await poll();
  assert.deepEqual(
    [throttled.status, throttled.body, throttled.type],
    [429, 'You have reached maximum request limit.', 'text/plain; charset=utf-8'],
  );
  const meta = await fetch(`${emu.env.ECS_CONTAINER_METADATA_URI_V4}/task`);
  assert.equal(meta.status, 200, 'another path has its own bucket');
  assert.equal(meta.headers.get('x-rate-limit-limit'), '40.00');
  await meta.arrayBuffer();
  clock.ms += 25; // one token at 40/s
  assert.equal((await poll()).status, 200);
  assert.equal((await poll()).status, 429);
  assert.equal(emu.requests(), 63);
});

test('rateLimit: null turns throttling off (for load tests)', async (t) => {
  const { poll } = await emulator(t, SCENARIOS.steady, { rateLimit: null });
  for (let i = 0; i < 70; i++) assert.equal((await poll()).status, 200);
});

test('latencyMs delays answers; close() does not wait for a delayed one', async (t) => {
  const slow = await emulator(t, { ...SCENARIOS.fast, latencyMs: 150 });
  const started = performance.now();
  assert.equal((await slow.poll()).status, 200);
  assert.ok(performance.now() - started >= 140, 'answered before the latency');
  const stuck = await emulator(t, { ...SCENARIOS.fast, latencyMs: 10_000 });
  const pending = stuck.poll().catch(() => 'aborted');
  await new Promise((r) => setTimeout(r, 50));
  const closing = performance.now();
  await stuck.emu.close();
  assert.ok(performance.now() - closing < 2000, 'close waited for the delayed answer');
  assert.equal(await pending, 'aborted');
});
