/** The whole sidecar over real sockets against a controllable loopback endpoint. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { assertNoCanary, CANARY, ecsBody, startServer, waitFor } from '../helpers.ts';
import { startSidecar } from '../sidecar.ts';

const ROLE = 'arn:aws:iam::111122223333:role/orders-task';
const OTHER = 'arn:aws:iam::111122223333:role/payments-task';

/** An endpoint whose answer the test sets: a body, or a status with an ECS error. */
async function controllableEndpoint() {
  let answer: { status: number; body: string; headers?: Record<string, string> } = {
    status: 200,
    body: ecsBody({ key: 'ASIAKEYAAAAAAAAA0001' }),
  };
  const paths: string[] = [];
  const server = await startServer((req, res) => {
    paths.push(req.url ?? '');
    res
      .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      .end(answer.body);
  });
  return {
    server,
    paths,
    set(a: typeof answer) {
      answer = a;
    },
    env: {
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.credentialsId}`,
      ROLECALL_CONTAINER_HOST: server.url,
      ROLECALL_POLL_INTERVAL: '1s',
      ROLECALL_POLL_TIMEOUT: '500ms',
    },
  };
}

async function metric(url: string, name: string): Promise<number | null> {
  const res = await request(url).get('/metrics');
  const line = res.text
    .split('\n')
    .find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('healthy path: /healthz, /whoami (JSON and text), /metrics, listeners split, nothing leaked', async (t) => {
  const ep = await controllableEndpoint();
  const { service, logs, publicUrl, adminUrl } = await startSidecar({
    ...ep.env,
    ROLECALL_EXPECTED_ROLE: '*-task',
  });
  t.after(async () => {
    await service.close();
    await ep.server.close();
  });
  await waitFor(() => service.state().phase === 'tracking', 3000, 'first fetch');
  assert.equal(
    ep.paths[0],
    `/v2/credentials/${CANARY.credentialsId}`,
    'relative URI appended with no extra slash',
  );

  const h = await request(publicUrl).get('/healthz').expect(200);
  assert.equal(h.body.status, 'ok');
  assert.deepEqual(
    h.body.checks.map((c: { name: string }) => c.name),
    ['credentials', 'expected_role'],
  );
  await request(publicUrl).get('/livez').expect(200, { status: 'ok' });
  await request(publicUrl).get('/whoami').expect(404);

  const w = await request(adminUrl).get('/whoami').expect(200).expect('content-type', /json/);
  assert.equal(w.body.source, 'container-role');
  assert.deepEqual(w.body.role, { arn: ROLE, name: 'orders-task', account: '111122223333' });
  assert.equal(w.body.accessKeyId, '****************0001');
  assert.equal(w.body.expectedRole, '*-task');
  assert.ok(w.body.expiresInSeconds > 6 * 3600 - 30);
  assert.equal(w.body.lastError, null);
  assert.equal(w.body.health.status, 'ok');
  assert.match(
    w.body.endpoint,
    /^http:\/\/127\.0\.0\.1:\d+ \(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI\)$/,
  );

  const text = await request(adminUrl)
    .get('/whoami')
    .set('accept', 'text/plain')
    .expect(200)
    .expect('content-type', /text\/plain/);
  assert.match(text.text, /^health {10}ok\n/);
  assert.match(text.text, /\nrole {12}arn:aws:iam::111122223333:role\/orders-task\n/);
  const q = await request(adminUrl).get('/whoami?format=text').expect(200);
  assert.equal(q.text.split('\n')[0], 'health          ok');

  const m = await request(publicUrl).get('/metrics').expect(200);
  assert.equal(m.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(
    m.text,
    /^rolecall_identity_info\{source="container-role",role_arn="arn:aws:iam::111122223333:role\/orders-task",role_name="orders-task",account_id="111122223333"\} 1$/m,
  );
  assert.match(m.text, /^rolecall_credentials_up 1$/m);
  assert.match(m.text, /^rolecall_expected_role_match 1$/m);
  assert.match(m.text, /^rolecall_poll_errors_total\{reason="token_file"\} 0$/m);
  assert.match(m.text, /^rolecall_build_info\{version="0\.0\.0-test",node_version="v\d+/m);
  // prom-client's default process and Node.js metrics, on the sidecar's private registry.
  for (const name of [
    'process_resident_memory_bytes',
    'process_cpu_seconds_total',
    'nodejs_heap_size_used_bytes',
    'nodejs_eventloop_lag_seconds',
  ])
    assert.match(m.text, new RegExp(`^${name} [\\d.e+-]+$`, 'm'), name);
  assert.ok(
    ((await metric(publicUrl, 'rolecall_credentials_expiration_timestamp_seconds')) ?? 0) >
      Date.now() / 1000 + 5 * 3600,
  );
  assert.equal(m.text.match(/role_arn=/g)?.length, 1, 'only the identity series carries the role');

  const all = [h.text, w.text, text.text, m.text, logs.text()].join('\n');
  assertNoCanary(all, 'healthy answers and logs');
  assert.equal(logs.named('credentials.first_seen').length, 1);
  assert.equal(
    logs
      .events()
      .filter(
        (e) => (e.req as { url?: string } | undefined)?.url === '/healthz' && e.level !== 'debug',
      ).length,
    0,
    'health checks log below info',
  );
});

test('outage with good credentials held: degraded, reason counted, one log line, recovery', async (t) => {
  const ep = await controllableEndpoint();
  const { service, logs, publicUrl } = await startSidecar(ep.env);
  t.after(async () => {
    await service.close();
    await ep.server.close();
  });
  await waitFor(() => service.state().phase === 'tracking', 3000, 'first fetch');
  ep.set({
    status: 503,
    body: JSON.stringify({
      code: 'CredentialsUninitialized',
      message: 'CredentialsV2Request: Credentials uninitialized for ID',
      HTTPErrorCode: 503,
    }),
  });
  await waitFor(() => service.state().consecutiveFailures >= 3, 10_000, 'three failures');
  const h = await request(publicUrl).get('/healthz').expect(200);
  assert.equal(h.body.status, 'degraded');
  assert.match(
    h.body.checks[0].detail,
    /^last poll failed \(uninitialized: endpoint answered HTTP 503 CredentialsUninitialized\)/,
  );
  assert.ok(
    ((await metric(publicUrl, 'rolecall_poll_errors_total{reason="uninitialized"}')) ?? 0) >= 3,
  );
  assert.equal(
    await metric(publicUrl, 'rolecall_credentials_up'),
    1,
    'held credentials are still valid',
  );
  assert.equal(logs.named('credentials.fetch_failed').length, 1, 'logged once, not every poll');
  ep.set({ status: 200, body: ecsBody({ key: 'ASIAKEYAAAAAAAAA0002', roleArn: OTHER }) });
  await waitFor(() => service.state().consecutiveFailures === 0, 20_000, 'recovery');
  assert.equal((await request(publicUrl).get('/healthz').expect(200)).body.status, 'ok');
  assert.equal(await metric(publicUrl, 'rolecall_credentials_rotations_total'), 1);
  assert.equal(await metric(publicUrl, 'rolecall_role_changes_total'), 1);
  assert.equal(logs.named('credentials.recovered').length, 1);
  const changed = logs.named('credentials.role_changed');
  assert.equal(changed.length, 1);
  assert.equal(changed[0]?.level, 'warn');
  assert.equal(changed[0]?.oldRoleArn, ROLE);
  assert.equal(changed[0]?.newRoleArn, OTHER);
  assertNoCanary(logs.text(), 'logs');
});

test('never any credentials: starting, then failing; metrics still 200', async (t) => {
  const ep = await controllableEndpoint();
  ep.set({ status: 200, body: '<html>captive portal</html>' });
  const { service, publicUrl, adminUrl } = await startSidecar(ep.env);
  t.after(async () => {
    await service.close();
    await ep.server.close();
  });
  await waitFor(() => service.state().consecutiveFailures >= 3, 10_000, 'three failures');
  const h = await request(publicUrl).get('/healthz').expect(503);
  assert.equal(h.body.status, 'failing');
  await request(publicUrl).get('/metrics').expect(200);
  assert.equal(await metric(publicUrl, 'rolecall_credentials_up'), 0);
  assert.equal(
    await metric(publicUrl, 'rolecall_credentials_expiration_timestamp_seconds'),
    null,
    'absent until known',
  );
  const w = await request(adminUrl).get('/whoami').expect(200);
  assert.equal(w.body.lastError.reason, 'invalid_json');
  assert.equal(w.body.accessKeyId, null);
});

test('no container variables: failing with a detail naming them', async (t) => {
  const { service, publicUrl } = await startSidecar({});
  t.after(() => service.close());
  const h = await request(publicUrl).get('/healthz').expect(503);
  assert.equal(h.body.status, 'failing');
  assert.match(
    h.body.checks[0].detail,
    /AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are unset/,
  );
});

test('expected role mismatch is failing and the match gauge is 0', async (t) => {
  const ep = await controllableEndpoint();
  const { service, publicUrl } = await startSidecar({
    ...ep.env,
    ROLECALL_EXPECTED_ROLE: 'arn:aws:iam::111122223333:role/payments-*',
  });
  t.after(async () => {
    await service.close();
    await ep.server.close();
  });
  await waitFor(() => service.state().phase === 'tracking', 3000, 'first fetch');
  const h = await request(publicUrl).get('/healthz').expect(503);
  assert.equal(h.body.checks[1].status, 'failing');
  assert.equal(await metric(publicUrl, 'rolecall_expected_role_match'), 0);
});

test('admin token: required bearer on the admin listener, compared in constant time', async (t) => {
  const ep = await controllableEndpoint();
  const token = 'admin-token-0123456789abcdef';
  const { service, adminUrl, publicUrl, logs } = await startSidecar({
    ...ep.env,
    ROLECALL_ADMIN_TOKEN: token,
  });
  t.after(async () => {
    await service.close();
    await ep.server.close();
  });
  await request(adminUrl).get('/whoami').expect(401);
  await request(adminUrl).get('/whoami').set('authorization', 'Bearer wrong').expect(401);
  await request(adminUrl).get('/whoami').set('authorization', `Bearer ${token}`).expect(200);
  await request(publicUrl).get('/healthz').set('authorization', `Bearer ${token}`);
  await request(publicUrl).post('/healthz').expect(405);
  assert.ok(!logs.text().includes(token), 'the admin token is redacted from request logs');
});

test('task metadata: retried while down, then in /whoami and rolecall_task_info; never blocks health', async (t) => {
  const ep = await controllableEndpoint();
  let metadataUp = false;
  const meta = await startServer((req, res) => {
    if (!metadataUp) return void res.writeHead(500).end();
    assert.equal(req.url, '/v4/meta-id/task');
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        Cluster: 'default',
        TaskARN: 'arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c',
        Family: 'orders',
        Revision: '26',
        AvailabilityZone: 'us-west-2d',
        LaunchType: 'FARGATE',
        Containers: [],
      }),
    );
  });
  const { service, publicUrl, adminUrl } = await startSidecar({
    ...ep.env,
    ECS_CONTAINER_METADATA_URI_V4: `${meta.url}/v4/meta-id`,
  });
  t.after(async () => {
    await service.close();
    await ep.server.close();
    await meta.close();
  });
  await waitFor(() => service.state().phase === 'tracking', 3000, 'first fetch');
  assert.equal(
    (await request(publicUrl).get('/healthz').expect(200)).body.status,
    'ok',
    'metadata down does not affect health',
  );
  assert.equal((await request(adminUrl).get('/whoami')).body.task, undefined);
  metadataUp = true;
  await waitFor(
    async () => (await request(adminUrl).get('/whoami')).body.task !== undefined,
    10_000,
    'task metadata',
  );
  const w = await request(adminUrl).get('/whoami');
  assert.deepEqual(w.body.task, {
    cluster: 'default',
    taskArn: 'arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c',
    family: 'orders',
    revision: '26',
    availabilityZone: 'us-west-2d',
    launchType: 'FARGATE',
  });
  const m = await request(publicUrl).get('/metrics');
  assert.match(
    m.text,
    /^rolecall_task_info\{cluster="default",task_arn="arn:aws:ecs:us-west-2:111122223333:task\/default\/158d1c8083dd49d6b527399fd6414f5c",family="orders",revision="26",launch_type="FARGATE",availability_zone="us-west-2d"\} 1$/m,
  );
});

test('a static AWS_ACCESS_KEY_ID in the sidecar environment shadows the container role: degraded, metric, /whoami chain', async (t) => {
  const ep = await controllableEndpoint();
  const chainEnv = {
    ...ep.env,
    HOME: '/nonexistent-rolecall-home',
    AWS_ACCESS_KEY_ID: 'AKIASHADOWEXAMPLE001',
    AWS_SECRET_ACCESS_KEY: CANARY.secret,
  };
  const { service, publicUrl, adminUrl, logs } = await startSidecar(ep.env, { chainEnv });
  t.after(async () => {
    await service.close();
    await ep.server.close();
  });
  await waitFor(
    async () => (await request(publicUrl).get('/healthz')).body.status === 'degraded',
    5000,
    'degraded',
  );
  const h = await request(publicUrl).get('/healthz').expect(200);
  const shadowing = h.body.checks.find((c: { name: string }) => c.name === 'shadowing');
  assert.equal(shadowing.status, 'degraded');
  assert.match(
    shadowing.detail,
    /^env \(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY\) shadows the container role for botocore, js-v3, go-v2, java-v2 in the sidecar's environment$/,
  );
  const m = await request(publicUrl).get('/metrics');
  for (const sdk of ['botocore', 'js-v3', 'go-v2', 'java-v2']) {
    assert.match(
      m.text,
      new RegExp(`^rolecall_credentials_shadowed\\{sdk="${sdk}",source="env"\\} 1$`, 'm'),
    );
  }
  const w = await request(adminUrl).get('/whoami').expect(200);
  assert.equal(w.body.chain.sdks.length, 4);
  assert.deepEqual(w.body.chain.sdks[0].shadowed, ['container-role']);
  assert.equal(logs.named('credentials.shadowed').length, 1);
  assertNoCanary([h.text, m.text, w.text, logs.text()].join('\n'), 'shadowing answers');
  assert.ok(!w.text.includes('AKIASHADOWEXAMPLE001'), 'the static key id is masked');
});

test('no shadowing: no shadowing check and no shadowed series', async (t) => {
  const ep = await controllableEndpoint();
  const { service, publicUrl, adminUrl } = await startSidecar(ep.env, {
    chainEnv: { ...ep.env, HOME: '/nonexistent-rolecall-home' },
  });
  t.after(async () => {
    await service.close();
    await ep.server.close();
  });
  await waitFor(
    async () => (await request(adminUrl).get('/whoami')).body.chain !== undefined,
    5000,
    'chain diagnosed',
  );
  const h = await request(publicUrl).get('/healthz');
  assert.deepEqual(
    h.body.checks.map((c: { name: string }) => c.name),
    ['credentials'],
  );
  const m = await request(publicUrl).get('/metrics');
  assert.doesNotMatch(m.text, /^rolecall_credentials_shadowed\{/m);
  const w = await request(adminUrl).get('/whoami');
  assert.equal(
    w.body.chain.sdks.every((s: { source: string }) => s.source === 'container-role'),
    true,
  );
});
