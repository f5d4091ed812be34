/**
 * Client commands have a deadline for the whole answer, not an idle timeout: against a server
 * that drips one byte per second (headers, then body), `healthcheck`, `whoami` and `check` give
 * up at their deadline and exit 1 instead of following the drip.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { collect, startServer } from '../helpers.ts';
import { BIN, childEnv } from '../sidecar-process.ts';

async function dripServer(t: import('node:test').TestContext) {
  const timers = new Set<NodeJS.Timeout>();
  const server = await startServer((_req, res) => {
    const text =
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"status":"ok"}';
    let i = 0;
    const socket = res.socket;
    const drip = setInterval(() => {
      if (i >= text.length || socket === null || socket.destroyed) return clearInterval(drip);
      socket.write(text[i++] ?? '');
    }, 1000);
    timers.add(drip);
  });
  t.after(async () => {
    for (const d of timers) clearInterval(d);
    await server.close();
  });
  return server;
}

async function timed(args: string[], env: Record<string, string> = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r = await collect(child, 20_000);
  return { ...r, ms: performance.now() - started };
}

test('healthcheck: 2 s for the whole answer from a dripping server', async (t) => {
  const drip = await dripServer(t);
  const r = await timed(['healthcheck', '--url', `${drip.url}/healthz`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no complete answer within 2000ms/);
  assert.ok(r.ms < 4000, `took ${r.ms.toFixed(0)} ms`);
});

test('whoami: 3 s for the whole answer from a dripping server', async (t) => {
  const drip = await dripServer(t);
  const r = await timed(['whoami', '--url', `${drip.url}/whoami`]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no complete answer within 3000ms/);
  assert.ok(r.ms < 5000, `took ${r.ms.toFixed(0)} ms`);
});

test('check: its identity fetch gives up at 2 s against a dripping endpoint', async (t) => {
  const drip = await dripServer(t);
  const r = await timed(['check'], {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${drip.url}/v1/credentials`,
  });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /identity {2}container endpoint failed \(timeout\)/);
  assert.ok(r.ms < 5000, `took ${r.ms.toFixed(0)} ms`);
});
