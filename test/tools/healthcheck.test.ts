/**
 * Over 250 lines on purpose: one compiled client, exercised against every kind of server answer.
 *
 * The image's health check, tools/healthcheck/healthcheck.c, compiled here with the machine's `cc`
 * exactly as `npm run build:healthcheck` does, run against a real `rolecall serve` on loopback and
 * against fake servers that answer 503, drip bytes, close, or send garbage. Needs `cc` and
 * `/usr/bin/time`; fails if either is missing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { collect, exportedVariables, type Run, waitFor } from '../helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'dist', 'bin.js');
let dir = '';
let healthcheck = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rolecall-hc-'));
  healthcheck = join(dir, 'healthcheck');
  // The flags of package.json's build:healthcheck, plus warnings as errors.
  execFileSync('cc', [
    '-Os',
    '-static',
    '-s',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-o',
    healthcheck,
    join(ROOT, 'tools/healthcheck/healthcheck.c'),
  ]);
  assert.ok(existsSync(BIN), 'dist/bin.js is missing: run `npm run build`');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function check(listen: string | undefined, args: string[] = []): Promise<Run & { ms: number }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  if (listen !== undefined) env.ROLECALL_LISTEN = listen;
  const started = Date.now();
  const child = spawn(healthcheck, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child, 10_000).then((r) => ({ ...r, ms: Date.now() - started }));
}

/** A raw TCP server on loopback; `onConnection` decides what the "HTTP server" does. */
async function fake(
  onConnection: (socket: Socket, request: Promise<string>) => void,
  host = '127.0.0.1',
): Promise<{ listen: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const request = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (c) => {
        text += c;
        if (text.includes('\r\n\r\n')) {
          requests.push(text);
          resolve(text);
        }
      });
    });
    onConnection(socket, request);
  });
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    listen: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const answer = (status: string) => (socket: Socket, request: Promise<string>) =>
  void request.then(() => socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 2\r\n\r\nok`));

test('200 is healthy; it GETs /livez with a Host header and Connection: close', async (t) => {
  const srv = await fake(answer('200 OK'));
  t.after(() => srv.close());
  const r = await check(srv.listen);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, `rolecall healthcheck: ${srv.listen}/livez: 200\n`);
  const req = srv.requests[0] ?? '';
  assert.match(req, /^GET \/livez HTTP\/1\.1\r\n/);
  assert.ok(req.includes(`\r\nHost: ${srv.listen}\r\n`), req);
  assert.ok(req.includes('\r\nConnection: close\r\n'), req);
});

test('--healthz GETs /healthz instead', async (t) => {
  const srv = await fake(answer('200 OK'));
  t.after(() => srv.close());
  const r = await check(srv.listen, ['--healthz']);
  assert.equal(r.code, 0);
  assert.match(srv.requests[0] ?? '', /^GET \/healthz HTTP\/1\.1\r\n/);
});

test('any status but 200 is unhealthy, and so is a 200 in a reason phrase', async (t) => {
  for (const status of ['503 Service Unavailable', '204 No Content', '500 x', '301 Moved']) {
    const srv = await fake(answer(status));
    t.after(() => srv.close());
    const r = await check(srv.listen);
    assert.equal(r.code, 1, status);
    assert.match(r.stdout, new RegExp(`: ${status.slice(0, 3)}\\n$`));
  }
  const srv = await fake(answer('404 200'));
  t.after(() => srv.close());
  assert.equal((await check(srv.listen)).code, 1);
});

test('IPv6 loopback and the wildcard addresses are reached over loopback', async (t) => {
  const v6 = await fake(answer('200 OK'), '::1');
  t.after(() => v6.close());
  assert.equal((await check(v6.listen)).code, 0);
  const wildcardV6 = v6.listen.replace('::1', '::');
  assert.equal((await check(wildcardV6)).code, 0, 'a [::] bind is checked on ::1');
  const v4 = await fake(answer('200 OK'));
  t.after(() => v4.close());
  const port = v4.listen.split(':').at(-1);
  assert.equal((await check(`0.0.0.0:${port}`)).code, 0, 'a 0.0.0.0 bind is checked on 127.0.0.1');
  assert.equal((await check(`:${port}`)).code, 0, ':port is checked on 127.0.0.1');
});

test('a server that drips bytes slower than the deadline fails within the total 2 s', async (t) => {
  const srv = await fake((socket, request) => {
    void request.then(() => {
      const bytes = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
      let i = 0;
      const timer = setInterval(() => {
        if (i < bytes.length && !socket.destroyed) socket.write(bytes[i++]!);
        else clearInterval(timer);
      }, 150);
      socket.on('close', () => clearInterval(timer));
    });
  });
  t.after(() => srv.close());
  const r = await check(srv.listen);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /no answer within 2 s/);
  // Each byte arrives well inside a per-read timeout: only a total deadline ends this check.
  assert.ok(r.ms >= 1900 && r.ms < 4000, `ended after ${r.ms} ms`);
});

test('silence, an immediate close, garbage and an endless line are unhealthy', async (t) => {
  const cases: [string, (s: Socket, req: Promise<string>) => void, RegExp][] = [
    ['silence', () => {}, /no answer within 2 s/],
    ['close', (s) => void s.end(), /connection closed before a status line/],
    ['reset', (s) => void s.resetAndDestroy(), /connection closed|Connection reset/],
    ['garbage', (s, req) => void req.then(() => s.end('SSH-2.0-OpenSSH_9.2\r\n')), /not an HTTP/],
    ['HTTP/2 preface', (s, req) => void req.then(() => s.end('HTTP/2 200\r\n\r\n')), /not an HTTP/],
    ['no newline', (s, req) => void req.then(() => s.write('H'.repeat(100_000))), /first 4096/],
  ];
  for (const [name, behave, message] of cases) {
    const srv = await fake(behave);
    t.after(() => srv.close());
    const r = await check(srv.listen);
    assert.equal(r.code, 1, name);
    assert.match(r.stdout, message, `${name}: ${r.stdout}`);
  }
});

test('nothing listening, a host name, a bad address and a bad argument are unhealthy', async () => {
  const srv = await fake(() => {});
  const listen = srv.listen;
  await srv.close();
  const refused = await check(listen);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /Connection refused/);
  for (const bad of ['localhost:9477', 'example.com:9477', '127.0.0.1:0', '127.0.0.1:70000', 'x']) {
    const r = await check(bad);
    assert.equal(r.code, 1, bad);
    assert.match(r.stderr, /is not ip:port, \[ipv6\]:port or :port \(no host names/, bad);
  }
  const usage = await check(listen, ['--live']);
  assert.equal(usage.code, 1, 'exit 1, never 2 (reserved by Docker)');
  assert.match(usage.stderr, /^Usage: healthcheck \[--healthz\]/);
});

test('against a real `rolecall serve`: /livez is healthy while /healthz is still starting', async (t) => {
  // An endpoint that is never ready: credential health stays `starting` (503), liveness is 200.
  const endpoint = await fake(
    (s, req) =>
      void req.then(() =>
        s.end(
          'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
        ),
      ),
  );
  t.after(() => endpoint.close());
  const pub = await fake(() => {});
  const listen = pub.listen;
  await pub.close();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://${endpoint.listen}/v2/credentials/never`,
      ROLECALL_LISTEN: listen,
      ROLECALL_ADMIN_LISTEN: '127.0.0.1:0',
      ROLECALL_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = collect(child, 30_000);
  t.after(() => child.kill('SIGKILL'));
  await waitFor(async () => (await check(listen)).code === 0, 10_000, 'serve answers /livez');
  const live = await check(listen);
  assert.equal(live.stdout, `rolecall healthcheck: ${listen}/livez: 200\n`);
  const healthz = await check(listen, ['--healthz']);
  assert.equal(healthz.code, 1, 'credentials never obtained: /healthz is 503');
  assert.equal(healthz.stdout, `rolecall healthcheck: ${listen}/healthz: 503\n`);
  child.kill('SIGTERM');
  assert.equal((await done).code, 0);
});

test('against a real `rolecall serve` with credentials: both paths are healthy', async (t) => {
  const emulator = spawn(process.execPath, [BIN, 'emulate', '--scenario', 'steady'], {
    env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => emulator.kill('SIGKILL'));
  let printed = '';
  emulator.stdout.on('data', (c) => {
    printed += c;
  });
  await waitFor(() => /^export ROLECALL_CONTAINER_HOST=/m.test(printed), 10_000, 'emulator');
  const exported = exportedVariables(printed);
  delete exported.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  const pub = await fake(() => {}, '::1');
  const listen = pub.listen;
  await pub.close();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      ...exported,
      AWS_EC2_METADATA_DISABLED: 'true',
      ROLECALL_LISTEN: listen,
      ROLECALL_ADMIN_LISTEN: '127.0.0.1:0',
      ROLECALL_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = collect(child, 30_000);
  t.after(() => child.kill('SIGKILL'));
  await waitFor(
    async () => (await check(listen, ['--healthz'])).code === 0,
    10_000,
    '/healthz 200',
  );
  assert.equal((await check(listen)).code, 0);
  child.kill('SIGTERM');
  assert.equal((await done).code, 0);
});

test('one check stays within 2 MiB of peak RSS (GNU time)', async (t) => {
  assert.ok(existsSync('/usr/bin/time'), '/usr/bin/time is missing (Debian: apt-get install time)');
  const srv = await fake(answer('200 OK'));
  t.after(() => srv.close());
  // Async: the fake server answers from this process's event loop.
  const child = spawn('/usr/bin/time', ['-f', '%M %x', healthcheck], {
    env: { ROLECALL_LISTEN: srv.listen, AWS_EC2_METADATA_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = await collect(child, 10_000);
  const [kb, code] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  assert.equal(code, 0);
  assert.ok(kb! > 0 && kb! <= 2048, `peak RSS ${kb} kB`);
});
