/**
 * The one Express app behind both listeners, through supertest: routes per listener, the token
 * check on every admin route, request logs (quiet paths only at debug), and failures answered as
 * structured JSON or text, never Express's HTML page.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Gauge, Registry } from 'prom-client';
import request from 'supertest';
import { INITIAL_STATE } from '../../src/credentials/state.ts';
import { Secret } from '../../src/lib/secret.ts';
import type { Health } from '../../src/sidecar/health.ts';
import { type AppDeps, createApp } from '../../src/sidecar/http/app.ts';
import { whoamiView } from '../../src/sidecar/http/views.ts';
import { createLogger } from '../../src/sidecar/logger.ts';
import { captureLogs } from '../helpers.ts';

const TOKEN = 'app-test-token-0123456789';
const OK: Health = {
  status: 'ok',
  checks: [{ name: 'credentials', status: 'ok', detail: 'valid for 5h — ü' }],
};

function setup(opts: { level?: string; health?: () => Health; failMetrics?: boolean } = {}) {
  const logs = captureLogs();
  const registry = new Registry();
  new Gauge({
    name: 'rolecall_test_value',
    help: 'A fixed value.',
    registers: [registry],
    collect() {
      if (opts.failMetrics) throw new Error('collect failed');
      this.set(1);
    },
  });
  const health = opts.health ?? (() => OK);
  const deps: AppDeps = {
    logger: createLogger(opts.level ?? 'info', logs.stream),
    registry,
    health,
    whoami: () =>
      whoamiView({
        state: INITIAL_STATE,
        health: health(),
        now: Date.parse('2026-11-30T12:00:00Z'),
        source: 'container-role',
        endpoint: 'http://127.0.0.1:1 (AWS_CONTAINER_CREDENTIALS_FULL_URI)',
        expectedRole: null,
        task: null,
      }),
  };
  return { logs, deps };
}

test('public listener: /livez, /healthz, /metrics; no /whoami; 404 as JSON; no-store', async () => {
  const { deps } = setup();
  const app = createApp(deps, null);
  const livez = await request(app).get('/livez').expect(200);
  assert.deepEqual(livez.body, { status: 'ok' });
  assert.equal(livez.headers['cache-control'], 'no-store');
  const healthz = await request(app).get('/healthz').expect(200);
  assert.deepEqual(healthz.body, OK);
  assert.equal(healthz.headers['content-type'], 'application/json; charset=utf-8');
  const metrics = await request(app).get('/metrics').expect(200);
  assert.equal(metrics.headers['content-type'], deps.registry.contentType);
  assert.match(metrics.text, /^rolecall_test_value 1$/m);
  for (const path of ['/nope', '/HEALTHZ/x']) {
    const r = await request(app).get(path).expect(404);
    assert.deepEqual(r.body, { error: 'not found' });
  }
  // /whoami is where people look first: the 404 says where it is.
  const whoami = await request(app).get('/whoami?format=text').expect(404);
  assert.equal(whoami.body.error, 'not found');
  assert.match(
    whoami.body.hint,
    /admin listener \(ROLECALL_ADMIN_LISTEN, default 127\.0\.0\.1:9478\)/,
  );
});

test('/healthz answers 503 for starting and failing, 200 for degraded', async () => {
  for (const [status, code] of [
    ['starting', 503],
    ['failing', 503],
    ['degraded', 200],
  ] as const) {
    const { deps } = setup({ health: () => ({ status, checks: [] }) });
    await request(createApp(deps, null)).get('/healthz').expect(code);
    await request(createApp(deps, null)).head('/healthz').expect(code);
  }
});

test('admin listener: the bearer token guards every route, /whoami in JSON and text', async () => {
  const { deps } = setup();
  const app = createApp(deps, { token: new Secret(TOKEN) });
  for (const path of ['/livez', '/healthz', '/metrics', '/whoami']) {
    const denied = await request(app).get(path).expect(401);
    assert.equal(denied.headers['www-authenticate'], 'Bearer realm="rolecall"');
    await request(app).get(path).set('authorization', 'Bearer wrong').expect(401);
    await request(app).get(path).set('authorization', `Bearer ${TOKEN}`).expect(200);
  }
  const json = await request(app).get('/whoami').set('authorization', `Bearer ${TOKEN}`);
  assert.equal(json.body.source, 'container-role');
  assert.deepEqual(json.body.health, OK);
  const text = await request(app)
    .get('/whoami?format=text')
    .set('authorization', `Bearer ${TOKEN}`)
    .expect('content-type', 'text/plain; charset=utf-8');
  assert.match(text.text, /^health {10}ok$/m);
  const accepted = await request(app)
    .get('/whoami')
    .set('accept', 'text/plain')
    .set('authorization', `Bearer ${TOKEN}`);
  assert.equal(accepted.text, text.text);
  const open = createApp(deps, { token: null });
  await request(open).get('/whoami').expect(200);
});

test('request logs: health checks and scrapes only at debug, everything else at info', async () => {
  const quiet = setup();
  const app = createApp(quiet.deps, { token: null });
  for (const path of ['/livez', '/healthz', '/metrics']) await request(app).get(path);
  assert.equal(quiet.logs.lines.length, 0, 'no request log below debug');
  await request(app).get('/whoami?format=text');
  const info = quiet.logs.events().filter((e) => e.msg === 'request completed');
  assert.deepEqual(
    info.map((e) => [e.level, (e.req as { url: string }).url]),
    [['info', '/whoami']],
  );

  const debug = setup({ level: 'debug' });
  const verbose = createApp(debug.deps, null);
  for (const path of ['/livez', '/healthz?x=1', '/metrics']) await request(verbose).get(path);
  const logged = debug.logs.events().filter((e) => e.msg === 'request completed');
  assert.deepEqual(
    logged.map((e) => e.level),
    ['debug', 'debug', 'debug'],
  );
});

test('failures: a throwing health read is a JSON 500, a failing scrape a text 500, each logged', async () => {
  const throwing = setup({
    health: () => {
      throw new Error('health bug');
    },
  });
  const r = await request(createApp(throwing.deps, null)).get('/healthz').expect(500);
  assert.deepEqual(r.body, { error: 'internal error' });
  const failed = throwing.logs.events().filter((e) => e.msg === 'request failed');
  assert.equal(failed.length, 1);
  assert.match(String((failed[0]?.err as { message?: string })?.message), /health bug/);

  const scrape = setup({ failMetrics: true });
  const m = await request(createApp(scrape.deps, null)).get('/metrics').expect(500);
  assert.equal(m.text, 'metrics rendering failed\n');
  assert.equal(scrape.logs.events().filter((e) => e.msg === 'metrics rendering failed').length, 1);
});
