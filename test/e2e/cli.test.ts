/** The built CLI (`dist/bin.js`, what the image runs) as a real process. Run `npm run build` first. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { test } from 'node:test';
import {
  assertNoCanary,
  CANARY,
  collect,
  ecsBody,
  type Run,
  startServer,
  waitFor,
} from '../helpers.ts';

const BIN = new URL('../../dist/bin.js', import.meta.url).pathname;

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    // Never reach 169.254.169.254 from a test: IMDS off and pointed at loopback.
    AWS_EC2_METADATA_DISABLED: 'true',
    ROLECALL_IMDS_HOST: 'http://127.0.0.1:9',
  };
  return { ...base, ...extra };
}

async function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, timeoutMs);
}

test('--version and --help', async () => {
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const h = await runCli(['--help']);
  assert.equal(h.code, 0);
  for (const c of ['serve', 'healthcheck', 'whoami', 'check', 'emulate', 'demo'])
    assert.match(h.stdout, new RegExp(`\\n  ${c}`));
  for (const c of ['serve', 'healthcheck', 'whoami', 'emulate', 'demo']) {
    const r = await runCli([c, '--help']);
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, new RegExp(`^Usage: rolecall ${c}`), c);
  }
  assert.equal((await runCli(['bogus'])).code, 2);
  assert.equal((await runCli(['healthcheck', '--nope'])).code, 2);
});

test('bad configuration: exit 2 with every problem listed, before binding anything', async () => {
  const port = await freePort();
  const r = await runCli(['serve'], {
    ROLECALL_LISTEN: `127.0.0.1:${port}`,
    ROLECALL_POLL_INTERVAL: 'often',
    ROLECALL_MIN_TTL: '10',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.credentialsId}`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: `${CANARY.authToken}\n`,
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ROLECALL_POLL_INTERVAL="often" is not a duration/);
  assert.match(r.stderr, /ROLECALL_MIN_TTL="10" is not a duration/);
  assert.match(
    r.stderr,
    /AWS_CONTAINER_AUTHORIZATION_TOKEN contains a carriage return or line feed/,
  );
  assert.equal(r.stdout, '');
  assertNoCanary(r.stderr, 'config errors');
  assert.equal(await freePort(port), port, 'nothing was bound');
});

test('serve → healthcheck, whoami; SIGTERM exits 0 promptly; no secret in any output', async (t) => {
  const endpoint = await startServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(ecsBody({ key: 'ASIAE2EKEY0000009999' }));
  });
  t.after(() => endpoint.close());
  const [pub, admin] = [await freePort(), await freePort()];
  const env = {
    ROLECALL_LISTEN: `127.0.0.1:${pub}`,
    ROLECALL_ADMIN_LISTEN: `127.0.0.1:${admin}`,
    ROLECALL_CONTAINER_HOST: endpoint.url,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.credentialsId}`,
  };
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = collect(child, 20_000);
  t.after(() => child.kill('SIGKILL'));
  await waitFor(async () => (await runCli(['healthcheck'], env)).code === 0, 8000, 'healthy');
  const live = await runCli(['healthcheck', '--live'], env);
  assert.equal(live.code, 0);
  assert.equal(live.stdout, '200 ok\n');
  const w = await runCli(['whoami'], env);
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stdout, /^access key {6}\*{16}9999$/m);
  const j = await runCli(['whoami', '--json'], env);
  assert.equal(JSON.parse(j.stdout).role.name, 'orders-task');
  const started = Date.now();
  child.kill('SIGTERM');
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - started < 2500, `exit took ${Date.now() - started}ms`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event?: string });
  assert.ok(lines.some((l) => l.event === 'credentials.first_seen'));
  assert.equal(lines.at(-1)?.event, 'rolecall.stopped');
  assertNoCanary([r.stdout, r.stderr, w.stdout, j.stdout].join('\n'), 'CLI output');
  assert.ok(!r.stdout.includes('/v2/credentials/'), 'the relative URI is never logged');
});

test('healthcheck and whoami fail with exit 1 when nothing listens', async () => {
  const port = await freePort();
  const h = await runCli(['healthcheck', '--url', `http://127.0.0.1:${port}/healthz`]);
  assert.equal(h.code, 1);
  assert.match(h.stderr, /ECONNREFUSED/);
  const w = await runCli(['whoami'], { ROLECALL_ADMIN_LISTEN: `127.0.0.1:${port}` });
  assert.equal(w.code, 1);
  assert.match(
    w.stderr,
    /^rolecall whoami: sidecar unreachable at http:\/\/127\.0\.0\.1:\d+\/whoami/,
  );
});

/** A currently free loopback port (or checks that `want` is free). */
async function freePort(want = 0): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(want, '127.0.0.1', resolve);
  });
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
