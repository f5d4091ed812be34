/**
 * rolecall's own sidecar against the emulator in EKS and IMDS mode, configured from the emulator's
 * env as a user would. The emulator runs on the real clock plus an offset the test moves, so its
 * scenario advances hours in a step while the sidecar keeps real time.
 */
import assert from 'node:assert/strict';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import request from 'supertest';
import type { EmulatorMode } from '../../src/emulator/handler.ts';
import {
  parseScenario,
  SCENARIOS,
  type Scenario,
  startEmulator,
} from '../../src/emulator/index.ts';
import { waitFor } from '../helpers.ts';
import { startSidecar } from '../sidecar.ts';

const SECRET_PREFIX = 'CANARYEMU-';
const FOREIGN_JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6eDp5In0.c2ln';
const INSTANCE_ROLE = 'arn:aws:iam::111122223333:role/ecsInstanceRole';

async function wired(
  t: TestContext,
  mode: EmulatorMode,
  scenario: Scenario,
  env: Record<string, string> = {},
) {
  const clock = { offsetMs: 0 };
  const emu = await startEmulator({
    scenario,
    mode,
    now: () => Date.now() + clock.offsetMs,
    secretPrefix: SECRET_PREFIX,
  });
  const sidecar = await startSidecar(
    { ...emu.env, ROLECALL_POLL_INTERVAL: '1s', ROLECALL_POLL_TIMEOUT: '500ms', ...env },
    { random: () => 0 },
  );
  t.after(async () => {
    await sidecar.service.close();
    await emu.close();
  });
  const state = () => sidecar.service.state();
  /** Waits until `n` more polls have completed. */
  const polls = async (n: number, what: string) => {
    const from = state().polls;
    await waitFor(() => state().polls >= from + n, 10_000, what);
  };
  return { emu, clock, state, polls, ...sidecar };
}

/** No secret, session token or authorization token anywhere a user can see. */
function assertNothingSecret(text: string, tokens: readonly string[]): void {
  assert.ok(!text.includes(SECRET_PREFIX), 'a synthetic secret or session token leaked');
  for (const tok of tokens) assert.ok(!text.includes(tok), 'the authorization token leaked');
}

test('EKS: container-role, account from AccountId, no role ARN; the token file is re-read', async (t) => {
  const { emu, clock, state, polls, publicUrl, adminUrl, logs } = await wired(
    t,
    'eks',
    SCENARIOS.steady,
  );
  const tokenNow = () => readFileSync(emu.tokenFile ?? '', 'utf8');
  const tokens = [tokenNow()];
  await waitFor(() => state().phase === 'tracking', 5000, 'first fetch');
  const w = await request(adminUrl).get('/whoami').expect(200);
  assert.equal(w.body.source, 'container-role');
  assert.deepEqual(w.body.role, { arn: null, name: null, account: '111122223333' });
  assert.match(w.body.roleNote, /EKS Pod Identity answers carry only AccountId/);
  assert.match(
    w.body.endpoint,
    /^http:\/\/127\.0\.0\.1:\d+ \(AWS_CONTAINER_CREDENTIALS_FULL_URI\)$/,
  );
  assert.equal((await request(publicUrl).get('/healthz').expect(200)).body.status, 'ok');
  const m = await request(publicUrl).get('/metrics').expect(200);
  assert.match(
    m.text,
    /^rolecall_identity_info\{source="container-role",role_arn="",role_name="",account_id="111122223333"\} 1$/m,
  );

  // The token rotates (as kubelet's projected token does); the emulator refuses the old one, so
  // polls keep succeeding only because the sidecar reads the file on every request.
  const served = emu.requests();
  emu.rotateToken();
  tokens.push(tokenNow());
  await polls(2, 'polls after the token rotated');
  assert.ok(emu.requests() >= served + 2);
  assert.equal(state().consecutiveFailures, 0);

  // The scenario's rotation, 5 h 45 min later on the emulator's clock.
  clock.offsetMs = 5.75 * 3600_000;
  await waitFor(() => state().rotations === 1, 5000, 'rotation');
  assert.equal(state().roleChanges, 0);
  assert.ok(!state().history.some((e) => e.type === 'fetch_failed'), 'no poll failed so far');

  // Token file problems: reason token_file, and nothing is sent while the file is missing.
  unlinkSync(emu.tokenFile ?? '');
  await waitFor(() => state().lastError?.reason === 'token_file', 5000, 'token_file');
  assert.equal(
    state().lastError?.message,
    'cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (ENOENT)',
  );
  const h = await request(publicUrl).get('/healthz').expect(200);
  assert.equal(h.body.status, 'degraded');
  emu.rotateToken(); // writes the file again
  tokens.push(tokenNow());
  await waitFor(() => state().lastPollFailed === false, 8000, 'recovery');

  // A token the agent does not accept: EKS Auth's InvalidTokenException, counted as unauthorized.
  writeFileSync(emu.tokenFile ?? '', FOREIGN_JWT);
  await waitFor(() => state().lastError?.reason === 'unauthorized', 8000, 'unauthorized');
  assert.equal(state().lastError?.message, 'endpoint answered HTTP 400 InvalidTokenException');
  emu.rotateToken();
  tokens.push(tokenNow());
  await waitFor(() => state().lastPollFailed === false, 8000, 'recovery');

  const reasons = state().history.flatMap((e) => (e.type === 'fetch_failed' ? [e.reason] : []));
  assert.deepEqual(reasons, ['token_file', 'unauthorized']);
  const all = [
    logs.text(),
    (await request(adminUrl).get('/whoami').expect(200)).text,
    (await request(adminUrl).get('/whoami?format=text').expect(200)).text,
    (await request(publicUrl).get('/metrics').expect(200)).text,
  ].join('\n');
  assertNothingSecret(all, [...tokens, FOREIGN_JWT]);
});

test('EKS on IPv6 loopback: the sidecar polls http://[::1]:PORT/v1/credentials', async (t) => {
  const emu = await startEmulator({ scenario: SCENARIOS.steady, mode: 'eks', host: '::1' });
  const { service, adminUrl } = await startSidecar({
    ...emu.env,
    ROLECALL_POLL_INTERVAL: '1s',
    ROLECALL_POLL_TIMEOUT: '500ms',
  });
  t.after(async () => {
    await service.close();
    await emu.close();
  });
  await waitFor(() => service.state().phase === 'tracking', 5000, 'first fetch');
  const w = await request(adminUrl).get('/whoami').expect(200);
  assert.equal(w.body.role.account, '111122223333');
  assert.match(w.body.endpoint, /^http:\/\/\[::1\]:\d+ /);
});

test('IMDS: iam-role, degraded naming the instance role; token expiry, rotation, role change', async (t) => {
  const scenario = parseScenario({
    lifetimeSeconds: 6 * 3600,
    rotationLeadSeconds: 15 * 60,
    roles: [
      { at: 0, roleArn: INSTANCE_ROLE },
      { at: 8 * 3600, roleArn: 'arn:aws:iam::111122223333:role/ecsInstanceRole-v2' },
    ],
  });
  const { emu, clock, state, polls, publicUrl, adminUrl, logs } = await wired(t, 'imds', scenario);
  assert.equal(emu.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, undefined);
  await waitFor(() => state().phase === 'tracking', 5000, 'first fetch');
  const h = await request(publicUrl).get('/healthz').expect(200);
  assert.equal(h.body.status, 'degraded');
  assert.deepEqual(h.body.checks[1], {
    name: 'source',
    status: 'degraded',
    detail: 'no task role: SDKs in this task use the instance role ecsInstanceRole',
  });
  const w = await request(adminUrl).get('/whoami').expect(200);
  assert.equal(w.body.source, 'iam-role');
  assert.deepEqual(w.body.role, {
    arn: INSTANCE_ROLE,
    name: 'ecsInstanceRole',
    account: '111122223333',
  });
  assert.match(w.body.lastUpdated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  // 6 h 1 min later on the emulator's clock: its session token (TTL 21600 s) has expired, though
  // the sidecar's clock says it is fresh. The 401 is retried with a new token within the poll,
  // and the new generation (issued at 5 h 45 min) is a rotation.
  clock.offsetMs = (6 * 3600 + 60) * 1000;
  await waitFor(() => state().rotations === 1, 5000, 'rotation after the token expired');
  await polls(1, 'one more poll');
  assert.equal(state().consecutiveFailures, 0);
  assert.ok(!state().history.some((e) => e.type === 'fetch_failed'), 'the expiry cost no poll');

  clock.offsetMs = 8 * 3600 * 1000;
  await waitFor(() => state().roleChanges === 1, 5000, 'role change');
  assert.equal(logs.named('credentials.role_changed').length, 1);
  const after = await request(publicUrl).get('/healthz').expect(200);
  assert.equal(
    after.body.checks[1].detail,
    'no task role: SDKs in this task use the instance role ecsInstanceRole-v2',
  );
  const w2 = await request(adminUrl).get('/whoami').expect(200);
  assert.equal(w2.body.role.arn, 'arn:aws:iam::111122223333:role/ecsInstanceRole-v2');
  const m = await request(publicUrl).get('/metrics').expect(200);
  assertNothingSecret([logs.text(), w2.text, m.text].join('\n'), []);
});

test('IMDS with ROLECALL_ALLOW_INSTANCE_ROLE: ok, the detail says it is allowed', async (t) => {
  const scenario = parseScenario({
    lifetimeSeconds: 6 * 3600,
    rotationLeadSeconds: 15 * 60,
    roles: [{ at: 0, roleArn: INSTANCE_ROLE }],
  });
  const { state, publicUrl } = await wired(t, 'imds', scenario, {
    ROLECALL_ALLOW_INSTANCE_ROLE: 'true',
  });
  await waitFor(() => state().phase === 'tracking', 5000, 'first fetch');
  const h = await request(publicUrl).get('/healthz').expect(200);
  assert.equal(h.body.status, 'ok');
  assert.equal(
    h.body.checks[1].detail,
    'no task role: SDKs in this task use the instance role ecsInstanceRole (allowed by ROLECALL_ALLOW_INSTANCE_ROLE)',
  );
});
