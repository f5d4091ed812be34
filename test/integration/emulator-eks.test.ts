/** EKS mode on real sockets (loopback only): the Pod Identity Agent's wire, byte for byte. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type TestContext, test } from 'node:test';
import { parseCredentialsBody } from '../../src/credentials/parse.ts';
import {
  DEFAULT_ROLE_ARN,
  EKS_RATE_LIMIT,
  type EmulatorOptions,
  parseScenario,
  SCENARIOS,
  startEmulator,
} from '../../src/emulator/index.ts';
import { rawRequest } from '../raw-request.ts';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
const TEXT = 'text/plain; charset=utf-8';
/** A well-formed JWT that the emulator did not issue. */
const FOREIGN_JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6eDp5In0.c2ln';

async function emulator(t: TestContext, extra: Partial<EmulatorOptions> = {}) {
  const clock = { ms: T0 };
  const emu = await startEmulator({
    scenario: SCENARIOS.steady,
    mode: 'eks',
    now: () => clock.ms,
    secretPrefix: 'CANARY-',
    ...extra,
  });
  t.after(() => emu.close());
  const token = () => readFileSync(emu.tokenFile ?? '', 'utf8');
  const call = (headers: Record<string, string> = {}, path = '/v1/credentials', method = 'GET') =>
    rawRequest(emu.url, path, { method, headers });
  const creds = () => call({ authorization: token() });
  return { emu, clock, token, call, creds };
}

test('env: full URI on loopback, the token in a 0600 file (never in env), removed on close', async (t) => {
  const { emu, token } = await emulator(t);
  assert.equal(emu.mode, 'eks');
  assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(emu.env, {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${emu.url}/v1/credentials`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: emu.tokenFile,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const file = emu.tokenFile ?? '';
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
  const jwt = token();
  assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'three base64url segments, no newline');
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString());
  assert.equal(claims.sub, 'system:serviceaccount:default:orders');
  assert.deepEqual(claims.aud, ['pods.eks.amazonaws.com']);
  assert.ok(!JSON.stringify(emu.env).includes(jwt));
  await emu.close();
  assert.equal(existsSync(dirname(file)), false, 'the token directory is removed on close');
});

test('success: AccountId and no RoleArn, agent key order, any method, accepted Host forms', async (t) => {
  const { emu, call, token } = await emulator(t);
  const r = await call({ authorization: token() });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.match(
    r.body,
    /^\{"AccessKeyId":"ASIA[A-Z2-7]{16}","SecretAccessKey":"CANARY-0-[0-9a-f]+","Token":"CANARY-token-0-[\w-]+","AccountId":"111122223333","Expiration":"2026-11-28T18:00:00Z"\}$/,
  );
  const parsed = parseCredentialsBody(JSON.parse(r.body), 'container-role', T0);
  assert.deepEqual(parsed.identity, {
    source: 'container-role',
    roleArn: null,
    roleName: null,
    accountId: '111122223333',
  });
  for (const host of [
    `127.0.0.1:${emu.port}`,
    `localhost:${emu.port}`,
    '169.254.170.23',
    '169.254.170.23:80',
    '[fd00:ec2::23]:80',
    'fd00:ec2::23',
  ]) {
    const ok = await call({ authorization: token(), host });
    assert.deepEqual([ok.status, ok.body], [200, r.body], host);
  }
  assert.equal((await call({ authorization: token() }, '/v1/credentials', 'POST')).body, r.body);
  assert.equal(emu.requests(), 8);
});

test('errors: plain text with a newline, Host checked before the token, nothing echoed', async (t) => {
  const { emu, call, token } = await emulator(t);
  const cases: [string, Record<string, string>, number, RegExp][] = [
    ['no Authorization', {}, 400, /^Service account token cannot be empty\n$/],
    [
      'empty Authorization',
      { authorization: '' },
      400,
      /^Service account token cannot be empty\n$/,
    ],
    [
      'not a JWT',
      { authorization: 'CANARYnotajwt' },
      400,
      /^Service account token cannot be parsed: token is malformed: token contains an invalid number of segments\n$/,
    ],
    [
      'a JWT the emulator did not issue',
      { authorization: FOREIGN_JWT },
      400,
      /^\[[0-9a-f-]{36}\]: \(InvalidTokenException\): The specified Kubernetes service account token is invalid\., fault: client\n$/,
    ],
    [
      'Host not an agent or loopback address',
      { authorization: token(), host: 'metadata.example:80' },
      403,
      /^Access Denied\. Called agent through invalid address, please use either \[169\.254\.170\.23 fd00:ec2::23 127\.0\.0\.1 localhost ::1\] address not metadata\.example\n$/,
    ],
    ['bad Host and no token: Host first', { host: '10.1.2.3' }, 403, /^Access Denied\./],
  ];
  for (const [name, headers, status, body] of cases) {
    const r = await call(headers);
    assert.equal(r.status, status, name);
    assert.match(r.body, body, name);
    assert.equal(r.headers['content-type'], TEXT, name);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', name);
    assert.ok(!r.body.includes('CANARY') && !r.body.includes(token()), `${name} echoed a token`);
  }
  assert.equal(emu.requests(), cases.length);
});

test('routing: Go ServeMux 404 elsewhere, 301 to the cleaned path with an HTML body for GET', async (t) => {
  const { emu, call } = await emulator(t);
  for (const path of ['/v1/credentials/', '/v2/credentials/x', '/', '/v1/credentialsx']) {
    const r = await call({}, path);
    assert.deepEqual(
      [r.status, r.body, r.headers['content-type']],
      [404, '404 page not found\n', TEXT],
      path,
    );
  }
  const r = await call({}, '//v1/./credentials?x=1');
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, '/v1/credentials?x=1');
  assert.equal(r.body, '<a href="/v1/credentials?x=1">Moved Permanently</a>.\n\n');
  const post = await call({}, '//v1/credentials', 'POST');
  assert.deepEqual([post.status, post.body, post.headers.location], [301, '', '/v1/credentials']);
  assert.equal(emu.requests(), 0, 'only /v1/credentials counts');
});

test('scenario timeline: rotation, a role change in another account, outages as EKS Auth relays', async (t) => {
  const scenario = parseScenario({
    lifetimeSeconds: 3600,
    rotationLeadSeconds: 900,
    roles: [
      { at: 0, roleArn: DEFAULT_ROLE_ARN },
      { at: 6000, roleArn: 'arn:aws:iam::444455556666:role/orders-task' },
    ],
    outages: [
      { at: 100, durationSeconds: 10, status: 503 },
      { at: 200, durationSeconds: 10, status: 400 },
      { at: 300, durationSeconds: 10, status: 429 },
      { at: 400, durationSeconds: 10, status: 404 },
      { at: 500, durationSeconds: 10, status: 500, code: 'ThrottlingException' },
    ],
  });
  const { clock, creds } = await emulator(t, { scenario });
  const first = JSON.parse((await creds()).body);
  assert.equal(first.Expiration, '2026-11-28T13:00:00Z');
  const relayed = (code: string, fault: string) =>
    new RegExp(`^\\[[0-9a-f-]{36}\\]: \\(${code}\\): .+, fault: ${fault}\\n$`);
  const outages: [number, number, RegExp][] = [
    [105, 503, relayed('ServiceUnavailableException', 'server')],
    [205, 400, relayed('ExpiredTokenException', 'client')],
    [305, 429, /^Too Many Requests\n$/],
    [405, 404, relayed('ResourceNotFoundException', 'client')],
    [505, 500, relayed('ThrottlingException', 'server')],
  ];
  for (const [at, status, body] of outages) {
    clock.ms = T0 + at * 1000;
    const r = await creds();
    assert.equal(r.status, status, `at ${at} s`);
    assert.match(r.body, body, `at ${at} s`);
    assert.equal(r.headers['content-type'], TEXT);
  }
  clock.ms = T0 + 2700_000; // lifetime − lead: the next generation
  const rotated = JSON.parse((await creds()).body);
  assert.notEqual(rotated.AccessKeyId, first.AccessKeyId);
  assert.equal(rotated.Expiration, '2026-11-28T13:45:00Z');
  assert.equal(rotated.AccountId, '111122223333');
  clock.ms = T0 + 6000_000;
  const moved = JSON.parse((await creds()).body);
  assert.equal(moved.AccountId, '444455556666');
  assert.equal(moved.RoleArn, undefined);
});

test('setOutage and rotateToken: the old token is refused, the file holds the new one', async (t) => {
  const { emu, call, creds, token } = await emulator(t);
  const old = token();
  emu.setOutage({ status: 403, code: 'AccessDeniedException' });
  const denied = await creds();
  assert.equal(denied.status, 403);
  assert.match(
    denied.body,
    /\(AccessDeniedException\): AccessDeniedException \(scripted\), fault: client\n$/,
  );
  emu.setOutage(null);
  emu.rotateToken();
  assert.notEqual(token(), old);
  assert.equal(statSync(emu.tokenFile ?? '').mode & 0o777, 0o600);
  const refused = await call({ authorization: old });
  assert.equal(refused.status, 400);
  assert.match(refused.body, /\(InvalidTokenException\)/);
  assert.ok(!refused.body.includes(old));
  assert.equal((await creds()).status, 200);
});

test('authToken: a given token is required verbatim, JWT-shaped or not', async (t) => {
  const { call, token } = await emulator(t, { authToken: 'CANARYAUTHTOKENhh88ii99jj00' });
  assert.equal(token(), 'CANARYAUTHTOKENhh88ii99jj00');
  assert.equal((await call({ authorization: 'CANARYAUTHTOKENhh88ii99jj00' })).status, 200);
  assert.equal((await call({ authorization: 'CANARYAUTHTOKENhh88ii99jj0' })).status, 400);
});

test('throttling: one bucket for every client, 500 at once then 429 Too Many Requests', async (t) => {
  assert.deepEqual(EKS_RATE_LIMIT, { rate: 1000, burst: 500 });
  // Frozen clock: nothing refills, so the count is exact. A small bucket keeps the test quick;
  // the default is checked above.
  const { emu, clock, creds, call } = await emulator(t, { rateLimit: { rate: 10, burst: 3 } });
  for (let i = 1; i <= 3; i++) assert.equal((await creds()).status, 200, `request ${i}`);
  const throttled = await call({}); // before the Host and token checks
  assert.deepEqual(
    [throttled.status, throttled.body, throttled.headers['content-type']],
    [429, 'Too Many Requests\n', TEXT],
  );
  assert.equal(throttled.headers['x-rate-limit-limit'], undefined, 'no ECS limiter headers');
  clock.ms += 100; // one token at 10/s
  assert.equal((await creds()).status, 200);
  assert.equal((await creds()).status, 429);
  assert.equal(emu.requests(), 6);
});

test('the default bucket lets 500 through at one instant', async (t) => {
  const { creds } = await emulator(t);
  const statuses = new Map<number, number>();
  for (let i = 0; i < 501; i++) {
    const s = (await creds()).status;
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  assert.deepEqual(
    [...statuses],
    [
      [200, 500],
      [429, 1],
    ],
  );
});

test('IPv6 loopback: --host ::1 gives http://[::1]:PORT and the Host [::1]:PORT is accepted', async (t) => {
  const { emu, creds, call, token } = await emulator(t, { host: '::1' });
  assert.match(emu.url, /^http:\/\/\[::1\]:\d+$/);
  assert.equal(emu.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, `${emu.url}/v1/credentials`);
  const r = await creds();
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).AccountId, '111122223333');
  assert.equal((await call({ authorization: token(), host: `[::1]:${emu.port}` })).status, 200);
  const viaFetch = await fetch(emu.env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? '', {
    headers: { authorization: token() },
  });
  assert.equal(viaFetch.status, 200);
  await viaFetch.arrayBuffer();
});
