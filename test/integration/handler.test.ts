/**
 * The plain handler answers health checks and scrapes byte for byte as the Express app does (status
 * line, header names, values and order, body; only `Date` differs), and hands everything else to
 * that app, which it imports only then. Both sit behind `listen()` on 127.0.0.1:0, and each request
 * goes over its own raw socket.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { type TestContext, test } from 'node:test';
import { Gauge, Registry } from 'prom-client';
import { Secret } from '../../src/lib/secret.ts';
import type { Health } from '../../src/sidecar/health.ts';
import { type AppDeps, createApp } from '../../src/sidecar/http/app.ts';
import { createHandler } from '../../src/sidecar/http/handler.ts';
import { listen } from '../../src/sidecar/http/listen.ts';
import { createLogger } from '../../src/sidecar/logger.ts';
import { captureLogs } from '../helpers.ts';

const TOKEN = 'handler-test-token-0123456789';
const OK: Health = {
  status: 'ok',
  checks: [{ name: 'credentials', status: 'ok', detail: 'valid for 5h (until …Z) — ü' }],
};

/**
 * Sends `raw` to 127.0.0.1:port and returns everything until the server closes, minus `Date`. The
 * socket is not half-closed: Node's server drops an answer not yet written when the client's FIN
 * arrives (as it did before for a slow /metrics in Express).
 */
function exchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(raw));
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      text += d;
    });
    s.setTimeout(3000, () => s.destroy(new Error('no answer within 3 s')));
    s.on('error', reject);
    s.on('close', () => resolve(text.replace(/^Date: .*\r\n/gim, '')));
  });
}

interface Pair {
  readonly plain: number;
  readonly express: number;
  readonly loads: () => number;
  readonly logs: ReturnType<typeof captureLogs>;
  set(next: { health?: () => Health; failMetrics?: boolean }): void;
}

async function pair(t: TestContext, opts: { level?: string; token?: string } = {}): Promise<Pair> {
  const logs = captureLogs();
  let health: () => Health = () => OK;
  let failMetrics = false;
  const registry = new Registry();
  new Gauge({
    name: 'rolecall_test_value',
    help: 'A fixed value.',
    labelNames: ['role_arn'],
    registers: [registry],
    collect() {
      if (failMetrics) throw new Error('collect failed');
      this.set({ role_arn: 'arn:aws:iam::111122223333:role/orders-task' }, 1);
    },
  });
  const deps: AppDeps = {
    logger: createLogger(opts.level ?? 'info', logs.stream),
    registry,
    health: () => health(),
    whoami: () => ({ source: 'container-role', role: { name: 'orders-task' } }),
  };
  const admin = opts.token === undefined ? null : { token: new Secret(opts.token) };
  let loads = 0;
  const plain = await listen(
    { host: '127.0.0.1', port: 0 },
    createHandler(deps, admin, () => {
      loads++;
      return import('../../src/sidecar/http/app.ts');
    }),
  );
  const express = await listen({ host: '127.0.0.1', port: 0 }, createApp(deps, admin));
  t.after(() => Promise.all([plain.close(), express.close()]));
  return {
    plain: plain.port,
    express: express.port,
    loads: () => loads,
    logs,
    set(next) {
      if (next.health) health = next.health;
      if (next.failMetrics !== undefined) failMetrics = next.failMetrics;
    },
  };
}

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): string {
  const lines = Object.entries({ host: '127.0.0.1', connection: 'close', ...headers }).map(
    ([k, v]) => `${k}: ${v}\r\n`,
  );
  return `${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

async function same(p: Pair, raw: string): Promise<string> {
  const [a, b] = await Promise.all([exchange(p.plain, raw), exchange(p.express, raw)]);
  assert.equal(a, b, `same answer to ${JSON.stringify(raw)}`);
  return a;
}

const HOT = ['/livez', '/healthz', '/metrics'];

test('health checks and scrapes: the same bytes as Express, without loading it', async (t) => {
  const p = await pair(t);
  for (const path of HOT) {
    for (const method of ['GET', 'HEAD']) await same(p, get(path, {}, method));
    // A kept-alive request, then one that closes, on the same socket.
    await same(p, get(path, { connection: 'keep-alive' }) + get(path));
  }
  const healthz = await same(p, get('/healthz'));
  assert.match(
    healthz,
    /^HTTP\/1\.1 200 OK\r\ncache-control: no-store\r\nContent-Type: application\/json; charset=utf-8\r\nContent-Length: \d+\r\n/,
  );
  assert.match(
    await same(p, get('/metrics')),
    /Content-Type: text\/plain; version=0\.0\.4; charset=utf-8\r\n/,
  );

  p.set({ health: () => ({ status: 'starting', checks: [] }) });
  assert.match(await same(p, get('/healthz')), /^HTTP\/1\.1 503 /);
  p.set({ health: () => ({ status: 'failing', checks: [] }) });
  assert.match(await same(p, get('/healthz', {}, 'HEAD')), /^HTTP\/1\.1 503 /);
  assert.equal(p.loads(), 0, 'Express was not imported for health checks and scrapes');
  assert.equal(p.logs.lines.length, 0, 'no request logs below debug');
});

test('failures: a throwing health read and a failing scrape answer as in Express', async (t) => {
  const p = await pair(t);
  p.set({ failMetrics: true });
  assert.match(
    await same(p, get('/metrics')),
    /^HTTP\/1\.1 500 [\s\S]*\r\n\r\nmetrics rendering failed\n$/,
  );
  const failures = p.logs.events().filter((e) => e.msg === 'metrics rendering failed');
  assert.equal(failures.length, 2, 'both log the failure once');
  p.set({
    health: () => {
      throw new Error('health bug');
    },
  });
  assert.match(
    await same(p, get('/healthz')),
    /^HTTP\/1\.1 500 [\s\S]*\r\n\r\n\{"error":"internal error"\}$/,
  );
  assert.equal(p.loads(), 1, 'the throwing health read was left to Express');
  const logged = p.logs.events().filter((e) => e.msg === 'request failed');
  assert.equal(logged.length, 2, 'one structured line per failed request');
  assert.match(String((logged[0]?.err as { message?: string })?.message), /health bug/);
});

test('everything else goes to Express, imported once on first use', async (t) => {
  const p = await pair(t);
  const others = [
    get('/nope'),
    get('/whoami'),
    get('/healthz?verbose=1'),
    get('/HEALTHZ'),
    get('/healthz/'),
    get('/healthz', { 'if-none-match': '*' }),
    get('/livez', { 'if-modified-since': new Date().toUTCString() }),
    get('/metrics', { 'if-none-match': 'W/"x"' }),
  ];
  for (const raw of others) await same(p, raw);
  assert.match(await same(p, get('/healthz', { 'if-none-match': '*' })), /^HTTP\/1\.1 304 /);
  assert.equal(p.loads(), 1);
});

test('admin listener: the token check answers as in Express, on every route', async (t) => {
  const p = await pair(t, { token: TOKEN });
  for (const path of [...HOT, '/whoami']) {
    for (const auth of [undefined, 'Bearer wrong', `Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
      const answer = await same(p, get(path, auth === undefined ? {} : { authorization: auth }));
      assert.equal(answer.startsWith('HTTP/1.1 401 '), !auth?.endsWith(TOKEN), `${path} ${auth}`);
    }
  }
  const h = await same(p, get('/healthz'));
  assert.match(h, /cache-control: no-store\r\nwww-authenticate: Bearer realm="rolecall"\r\n/);
});

test('debug logging on: every request goes through Express and pino-http', async (t) => {
  const p = await pair(t, { level: 'debug' });
  for (const path of HOT) await same(p, get(path));
  assert.equal(p.loads(), 1);
  const logged = p.logs.events().filter((e) => e.msg === 'request completed');
  assert.deepEqual(
    logged.map((e) => [(e.req as { url: string }).url, e.level]),
    HOT.flatMap((path) => [
      [path, 'debug'],
      [path, 'debug'],
    ]),
  );
});
