/** The emulator's pure core with plain numbers: generations, roles, outages, formats, validation. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accessKeyIdFor,
  answerAt,
  DEFAULT_ROLE_ARN,
  DEMO_SECOND_ROLE_ARN,
  formatExpiration,
  generationAt,
  parseScenario,
  SCENARIOS,
  type Scenario,
  ScenarioError,
} from '../../src/emulator/index.ts';
import { outageAt, roleAt } from '../../src/emulator/timeline.ts';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
const S = 1000;
const H = 3600 * S;
const at = (scenario: Scenario, ms: number, extra: Partial<Parameters<typeof answerAt>[0]> = {}) =>
  answerAt({ scenario, startMs: T0, nowMs: T0 + ms, secretPrefix: 'CANARY-', ...extra });
const creds = (a: ReturnType<typeof answerAt>) => {
  assert.equal(a.kind, 'credentials');
  return a.kind === 'credentials' ? a.body : assert.fail('unreachable');
};

test('steady: a new generation every 5 h 45 min, each valid 6 h, so 15 min of overlap', () => {
  const s = SCENARIOS.steady;
  assert.deepEqual(generationAt(s, T0, T0), { index: 0, issuedMs: T0, expiresMs: T0 + 6 * H });
  assert.equal(generationAt(s, T0, T0 + 5.75 * H - 1).index, 0);
  const g1 = generationAt(s, T0, T0 + 5.75 * H);
  assert.deepEqual(g1, { index: 1, issuedMs: T0 + 5.75 * H, expiresMs: T0 + 11.75 * H });
  // When generation 1 appears, generation 0 has exactly the rotation lead left.
  assert.equal(generationAt(s, T0, T0).expiresMs - g1.issuedMs, 15 * 60 * S);
  // A clock before the start is generation 0, not a negative index.
  assert.equal(generationAt(s, T0, T0 - H).index, 0);
});

test('over 24 h the served credentials never have less than the lead time left', () => {
  const keys = new Set<string>();
  for (let ms = 0; ms <= 24 * H; ms += 60 * S) {
    const body = creds(at(SCENARIOS.steady, ms));
    keys.add(body.AccessKeyId);
    const left = Date.parse(body.Expiration) - (T0 + ms);
    assert.ok(left >= 15 * 60 * S && left <= 6 * H, `at +${ms / S}s: ${left}ms left`);
  }
  assert.equal(keys.size, 5); // generations issued at 0, 5.75, 11.5, 17.25 and 23 h
});

test('demo: rotation at 60 s, role change at 100 s (same expiry, new key), replay at 240 s', () => {
  const d = SCENARIOS.demo;
  const first = creds(at(d, 59_999));
  const rotated = creds(at(d, 60_000));
  assert.notEqual(rotated.AccessKeyId, first.AccessKeyId);
  assert.equal(first.Expiration, '2026-11-28T12:01:30Z');
  assert.equal(rotated.Expiration, '2026-11-28T12:02:30Z');
  const before = creds(at(d, 99_999));
  const after = creds(at(d, 100_000));
  assert.equal(before.RoleArn, DEFAULT_ROLE_ARN);
  assert.equal(after.RoleArn, DEMO_SECOND_ROLE_ARN);
  assert.equal(after.Expiration, before.Expiration);
  assert.notEqual(after.AccessKeyId, before.AccessKeyId);
  assert.equal(roleAt(d, 239.9), DEMO_SECOND_ROLE_ARN);
  assert.equal(creds(at(d, 240_000)).RoleArn, DEFAULT_ROLE_ARN);
  assert.equal(creds(at(d, 340_000)).RoleArn, DEMO_SECOND_ROLE_ARN);
});

test('demo: a 503 outage covers [150 s, 170 s) and replays every 240 s', () => {
  const d = SCENARIOS.demo;
  assert.equal(at(d, 149_999).kind, 'credentials');
  for (const ms of [150_000, 169_999, 390_000, 409_999]) {
    assert.deepEqual(at(d, ms), {
      kind: 'outage',
      outage: { at: 150, durationSeconds: 20, status: 503 },
    });
  }
  assert.equal(at(d, 170_000).kind, 'credentials');
  assert.equal(outageAt(d, 410), null);
});

test('AccessKeyId: ASIA + 16 base32 characters, deterministic, distinct per generation and role', () => {
  const seen = new Set<string>();
  for (let n = 0; n < 2000; n++) {
    const k = accessKeyIdFor(n, DEFAULT_ROLE_ARN);
    assert.match(k, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(k.length, 20);
    seen.add(k);
  }
  assert.equal(seen.size, 2000);
  assert.equal(accessKeyIdFor(7, DEFAULT_ROLE_ARN), accessKeyIdFor(7, DEFAULT_ROLE_ARN));
  assert.notEqual(accessKeyIdFor(7, DEFAULT_ROLE_ARN), accessKeyIdFor(7, DEMO_SECOND_ROLE_ARN));
});

test('Expiration is YYYY-MM-DDTHH:MM:SSZ, milliseconds dropped', () => {
  assert.equal(formatExpiration(Date.UTC(2026, 10, 28, 18, 0, 0, 999)), '2026-11-28T18:00:00Z');
  assert.match(creds(at(SCENARIOS.fast, 12_345)).Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('secrets start with the prefix; keys in the agent order; manual role and anchor apply', () => {
  const body = creds(at(SCENARIOS.fast, 0, { roleArn: 'arn:aws:iam::111122223333:role/x' }));
  assert.deepEqual(Object.keys(body), [
    'RoleArn',
    'AccessKeyId',
    'SecretAccessKey',
    'Token',
    'Expiration',
  ]);
  assert.ok(body.SecretAccessKey.startsWith('CANARY-0-'));
  assert.ok(body.Token.startsWith('CANARY-token-0-'));
  assert.equal(body.RoleArn, 'arn:aws:iam::111122223333:role/x');
  // A forced rotation at +1.5 s: generation 1 from there, then every 3 s on the fast cadence.
  const anchor = { atMs: T0 + 1500, index: 1 };
  assert.deepEqual(generationAt(SCENARIOS.fast, T0, T0 + 1500, anchor), {
    index: 1,
    issuedMs: T0 + 1500,
    expiresMs: T0 + 7000,
  });
  assert.equal(generationAt(SCENARIOS.fast, T0, T0 + 4500, anchor).index, 2);
});

test('parseScenario accepts the built-ins as JSON and returns a frozen copy', () => {
  for (const s of Object.values(SCENARIOS)) {
    const parsed = parseScenario(JSON.parse(JSON.stringify(s)));
    assert.deepEqual(parsed, s);
    assert.ok(Object.isFrozen(parsed) && Object.isFrozen(parsed.roles));
  }
  assert.ok(Object.isFrozen(SCENARIOS) && Object.isFrozen(SCENARIOS.demo.outages[0]));
});

test('parseScenario lists every problem with its path and the expected form', () => {
  const bad = {
    lifetimeSeconds: 60,
    rotationLeadSeconds: 60,
    roles: [{ at: 5, roleArn: 'orders-task' }, 'x'],
    outages: [{ at: -1, durationSeconds: 0, status: 418, code: 'no spaces' }],
    latencyMs: 'slow',
    extra: true,
  };
  assert.throws(
    () => parseScenario(bad),
    (err: unknown) => {
      assert.ok(err instanceof ScenarioError);
      assert.equal(err.code, 'scenario_invalid');
      assert.deepEqual(err.problems, [
        'extra: unknown field (expected one of lifetimeSeconds, rotationLeadSeconds, roles, outages, latencyMs, repeatSeconds)',
        'rotationLeadSeconds: expected less than lifetimeSeconds (60), got 60',
        'latencyMs: expected a number >= 0, got "slow"',
        'roles[0].at: expected 0 (the first role applies from the start), got 5',
        'roles[0].roleArn: expected an IAM role ARN like arn:aws:iam::111122223333:role/name, got "orders-task"',
        'roles[1]: expected an object { at, roleArn }, got "x"',
        'outages[0].at: expected a number >= 0, got -1',
        'outages[0].durationSeconds: expected a number > 0, got 0',
        'outages[0].status: expected one of 500, 503, 429, 400, 404, got 418',
        'outages[0].code: expected an error code of letters only, like CredentialsUninitialized, got "no spaces"',
      ]);
      assert.match(err.message, /^invalid scenario:\n {2}- extra: unknown field/);
      return true;
    },
  );
  assert.throws(() => parseScenario([]), /\(root\): expected a JSON object, got \[\]/);
  assert.throws(
    () =>
      parseScenario({
        lifetimeSeconds: 10,
        rotationLeadSeconds: 2,
        roles: [
          { at: 0, roleArn: DEFAULT_ROLE_ARN },
          { at: 0, roleArn: DEFAULT_ROLE_ARN },
        ],
        repeatSeconds: 30,
        outages: [{ at: 30, durationSeconds: 1, status: 500 }],
      }),
    (err: unknown) =>
      err instanceof ScenarioError &&
      err.problems.join('|') ===
        'roles[1].at: expected a number greater than roles[0].at (0), got 0|' +
          'outages[0].at: expected less than repeatSeconds (30), got 30',
  );
});
