/** The emulator on a real socket (127.0.0.1, port 0): every route, byte-exact bodies and headers. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, get as httpGet } from 'node:http';
import type { Socket } from 'node:net';
import { type TestContext, test } from 'node:test';
import { parseCredentialsBody } from '../../src/credentials/parse.ts';
import { DEFAULT_ROLE_ARN, SCENARIOS, startEmulator } from '../../src/emulator/index.ts';
import type { EmulatorOptions } from '../../src/emulator/server.ts';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
const ID = 'e0e1e2e3e4e5e6e7e8e9eaebecedeeef';

async function emulator(t: TestContext, extra: Partial<EmulatorOptions> = {}) {
  const emu = await startEmulator({
    scenario: SCENARIOS.steady,
    credentialsId: ID,
    now: () => T0,
    ...extra,
  });
  t.after(() => emu.close());
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${emu.url}${path}`, { redirect: 'manual', ...init });
    return { status: res.status, headers: res.headers, body: await res.text() };
  };
  return { emu, call };
}

const creds = (version: 1 | 2, code: string, message: string, status: number) =>
  `{"code":"${code}","message":"CredentialsV${version}Request: ${message}","HTTPErrorCode":${status}}`;

test('env points an SDK or rolecall at the emulator; url is loopback', async (t) => {
  const { emu } = await emulator(t);
  assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(emu.url, `http://127.0.0.1:${emu.port}`);
  assert.deepEqual(Object.keys(emu.env), [
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'ROLECALL_CONTAINER_HOST',
    'ECS_CONTAINER_METADATA_URI_V4',
  ]);
  assert.equal(emu.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, `/v2/credentials/${ID}`);
  assert.equal(emu.env.ROLECALL_CONTAINER_HOST, emu.url);
  assert.match(
    emu.env.ECS_CONTAINER_METADATA_URI_V4 ?? '',
    /^http:\/\/127\.0\.0\.1:\d+\/v4\/[0-9a-f]{32}-\d+$/,
  );
  assert.ok(Object.isFrozen(emu.env));
});

test('v2 and v1 credentials: 200, compact JSON in the agent key order, no newline, any method', async (t) => {
  const { emu, call } = await emulator(t, { secretPrefix: 'CANARY-' });
  const v2 = await call(`/v2/credentials/${ID}`);
  assert.equal(v2.status, 200);
  assert.equal(v2.headers.get('content-type'), 'application/json');
  assert.match(
    v2.body,
    /^\{"RoleArn":"arn:aws:iam::111122223333:role\/orders-task","AccessKeyId":"ASIA[A-Z2-7]{16}","SecretAccessKey":"CANARY-0-[0-9a-f]+","Token":"CANARY-token-0-[\w-]+","Expiration":"2026-11-28T18:00:00Z"\}$/,
  );
  assert.equal((await call(`/v1/credentials?id=${ID}`)).body, v2.body);
  assert.equal((await call(`/v2/credentials/${ID}`, { method: 'POST', body: 'x' })).body, v2.body);
  assert.equal(emu.requests(), 3);
  // The sidecar's own parser accepts the emulator's answer.
  const parsed = parseCredentialsBody(JSON.parse(v2.body), 'container-role', T0);
  assert.equal(parsed.identity.roleArn, DEFAULT_ROLE_ARN);
});

test('credentials errors: byte-exact agent bodies with application/json', async (t) => {
  const { call } = await emulator(t);
  const cases: [string, number, string][] = [
    ['/v2/credentials/', 400, creds(2, 'NoIdInRequest', 'No Credential ID in the request', 400)],
    ['/v1/credentials', 400, creds(1, 'NoIdInRequest', 'No Credential ID in the request', 400)],
    ['/v1/credentials?id=', 400, creds(1, 'NoIdInRequest', 'No Credential ID in the request', 400)],
    ['/v2/credentials/nope', 400, creds(2, 'InvalidIdInRequest', 'Credentials not found', 400)],
    ['/v1/credentials?id=nope', 400, creds(1, 'InvalidIdInRequest', 'Credentials not found', 400)],
  ];
  for (const [path, status, body] of cases) {
    const r = await call(path);
    assert.deepEqual([r.status, r.body], [status, body], path);
    assert.equal(r.headers.get('content-type'), 'application/json', path);
  }
});

test('unknown path: Go http.NotFound; unclean path: 301 to the cleaned path, query kept', async (t) => {
  const { emu, call } = await emulator(t);
  for (const path of ['/nope', '/v2/credentials', '/v4/x/stats']) {
    const r = await call(path);
    assert.deepEqual([r.status, r.body], [404, '404 page not found\n'], path);
    assert.equal(r.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  }
  const r = await call(`//v2/credentials/${ID}?a=1`);
  assert.deepEqual([r.status, r.body], [301, '']);
  assert.equal(r.headers.get('location'), `/v2/credentials/${ID}?a=1`);
  // fetch and URL strings resolve dot segments client-side; an options path is sent as written.
  const dotted = await new Promise<string | undefined>((resolve, reject) => {
    const path = '/v2/./credentials/../credentials/x';
    httpGet({ host: '127.0.0.1', port: emu.port, path }, (res) => {
      res.resume();
      resolve(res.headers.location);
    }).on('error', reject);
  });
  assert.equal(dotted, '/v2/credentials/x');
  // The agent's router redirects before its rate limiter, so a 301 carries no limiter headers.
  assert.equal(r.headers.get('x-rate-limit-limit'), null);
  assert.equal(emu.requests(), 0);
});

test('rate-limit headers and a Date from the injected clock on every routed answer', async (t) => {
  const { call } = await emulator(t);
  for (const path of [`/v2/credentials/${ID}`, '/v2/credentials/x', '/nope']) {
    const r = await call(path, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(r.headers.get('x-rate-limit-limit'), '40.00', path);
    assert.equal(r.headers.get('x-rate-limit-duration'), '1');
    assert.equal(r.headers.get('x-rate-limit-request-forwarded-for'), '203.0.113.9');
    assert.match(r.headers.get('x-rate-limit-request-remote-addr') ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(r.headers.get('date'), 'Sat, 28 Nov 2026 12:00:00 GMT');
  }
  const plain = await call('/nope');
  assert.equal(plain.headers.get('x-rate-limit-request-forwarded-for'), '');
});

test('task metadata v4: container, task, taskWithTags; unknown id is a 404 JSON string', async (t) => {
  const { emu, call } = await emulator(t, { task: { Cluster: 'prod', Revision: '42' } });
  const base = new URL(emu.env.ECS_CONTAINER_METADATA_URI_V4 ?? '').pathname;
  const task = JSON.parse((await call(`${base}/task`)).body);
  assert.equal(task.Cluster, 'prod');
  assert.match(task.TaskARN, /^arn:aws:ecs:us-west-2:111122223333:task\/prod\/[0-9a-f]{32}$/);
  assert.deepEqual(
    [task.Family, task.Revision, task.AvailabilityZone, task.LaunchType, task.ServiceName],
    ['orders', '42', 'us-west-2a', 'EC2', 'orders'],
  );
  assert.deepEqual(
    task.Containers.map((c: { Name: string; Type: string }) => `${c.Name}:${c.Type}`),
    ['app:NORMAL', 'rolecall:NORMAL'],
  );
  assert.equal(task.TaskTags, undefined);
  const tagged = JSON.parse((await call(`${base}/taskWithTags`)).body);
  assert.deepEqual(tagged.TaskTags, { 'aws:ecs:serviceName': 'orders' });
  const self = await call(base);
  assert.equal(self.headers.get('content-type'), 'application/json');
  assert.equal(JSON.parse(self.body).Name, 'rolecall');
  const missing = await call('/v4/wrong/task');
  assert.deepEqual(
    [missing.status, missing.body],
    [
      404,
      '"V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: wrong"',
    ],
  );
  assert.equal(
    (await call('/v4/')).body,
    '"V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: "',
  );
});

test('close() drops idle keep-alive sockets and resolves promptly', async (t) => {
  const emu = await startEmulator({ scenario: SCENARIOS.fast });
  t.after(() => emu.close()); // only matters if an assertion fails first; a second close is a no-op
  const agent = new Agent({ keepAlive: true });
  // Wait for the whole answer, so the socket is idle in the agent's pool, not mid-response.
  const socket = await new Promise<Socket>((resolve, reject) => {
    httpGet(`${emu.url}/nope`, { agent }, (res) => {
      const s = res.socket; // null after 'end', once the agent has pooled it
      res.on('end', () => resolve(s)).resume();
    }).on('error', reject);
  });
  assert.equal(socket.destroyed, false);
  socket.ref(); // the agent unrefs pooled sockets; keep the loop alive until the server drops it
  const socketClosed = once(socket, 'close');
  const started = performance.now();
  await emu.close();
  await socketClosed;
  assert.ok(performance.now() - started < 2000, 'close waited for the keep-alive timeout (5 s)');
  agent.destroy();
  await assert.rejects(fetch(`${emu.url}/nope`));
});
