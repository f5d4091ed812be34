/**
 * Shutdown of the built CLI (`dist/bin.js serve`) in under 2 s from any state, exit 0: SIGTERM
 * during start-up, SIGTERM and SIGINT with a poll in flight to an endpoint that never answers
 * (ROLECALL_POLL_TIMEOUT=30s), SIGTERM with a FIFO as the token file, SIGHUP like SIGTERM.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer, waitFor } from '../helpers.ts';
import { BIN, childEnv, startSidecarProcess, stopChild } from '../sidecar-process.ts';

const SLOW = { ROLECALL_POLL_TIMEOUT: '30s', ROLECALL_POLL_INTERVAL: '60s' };

function events(lines: readonly string[]): string[] {
  return lines.flatMap((l) => {
    try {
      const e = JSON.parse(l) as { event?: string };
      return e.event === undefined ? [] : [e.event];
    } catch {
      return [];
    }
  });
}

/**
 * Whether `pid` runs `dist/bin.js` (not the forked test runner before exec, whose handlers show
 * until then) and has a handler installed for signal number `n` (from /proc, SigCgt).
 */
function catches(pid: number, n: number): boolean {
  if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(BIN)) return false;
  const m = /^SigCgt:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] !== undefined && (BigInt(`0x${m[1]}`) & (1n << BigInt(n - 1))) !== 0n;
}

test('SIGTERM during start-up exits 0', async () => {
  for (let i = 0; i < 3; i++) {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: childEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout?.on('data', (c) => {
      stdout += c;
    });
    // As soon as rolecall's handlers exist, long before the listeners are bound. Node itself
    // catches SIGTERM and SIGINT from its first instant (to restore the terminal, then die), so
    // SIGHUP, which rolecall installs last of the three, is the one that tells.
    await waitFor(() => catches(child.pid ?? 0, 1), 5000, 'the stop signal handlers');
    const r = await stopChild(child, 'SIGTERM', 5000);
    assert.equal(r.signal, null, 'not killed by the signal');
    assert.equal(r.code, 0);
    assert.ok(r.ms < 2000, `${r.ms} ms`);
    assert.deepEqual(events(stdout.split('\n')).slice(-2), [
      'rolecall.stopping',
      'rolecall.stopped',
    ]);
  }
});

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  test(`${signal} with a poll in flight (30 s deadline, endpoint never answers): exit 0 < 2 s`, async (t) => {
    let asked = 0;
    const endpoint = await startServer(() => {
      asked++; // never answers
    });
    t.after(() => endpoint.close());
    const sc = await startSidecarProcess({
      ...SLOW,
      ROLECALL_CONTAINER_HOST: endpoint.url,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/shutdown',
    });
    t.after(() => sc.stop('SIGKILL'));
    await waitFor(() => asked > 0, 5000, 'the poll to be in flight');
    const r = await sc.stop(signal, 10_000);
    assert.equal(r.code, 0, sc.stderr());
    assert.ok(r.ms < 2000, `exit took ${r.ms.toFixed(0)} ms`);
    const seen = events(sc.lines);
    assert.deepEqual(seen.slice(-2), ['rolecall.stopping', 'rolecall.stopped']);
    assert.ok(!seen.includes('credentials.fetch_failed'), 'the cancelled poll is not a failure');
    assert.ok(sc.lines.some((l) => l.includes(`"signal":"${signal}"`)));
  });
}

test('SIGTERM with a FIFO as the token file: exit 0 < 2 s', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-shutdown-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'token');
  execFileSync('mkfifo', [fifo]);
  const endpoint = await startServer((_req, res) => res.writeHead(500).end());
  t.after(() => endpoint.close());
  const sc = await startSidecarProcess({
    ...SLOW,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/v1/credentials`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: fifo,
  });
  t.after(() => sc.stop('SIGKILL'));
  await waitFor(
    () => sc.lines.some((l) => l.includes('"reason":"token_file"')),
    5000,
    'the token file to be refused',
  );
  assert.ok(sc.lines.some((l) => l.includes('is a FIFO, not a regular file')));
  const r = await sc.stop('SIGTERM', 10_000);
  assert.equal(r.code, 0, sc.stderr());
  assert.ok(r.ms < 2000, `exit took ${r.ms.toFixed(0)} ms`);
  assert.equal(endpoint.hits(), 0);
});

test('shared AWS files that are /dev/zero or a FIFO: bounded memory, exit 0 < 2 s', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-shutdown-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'credentials');
  execFileSync('mkfifo', [fifo]);
  const endpoint = await startServer((_req, res) => res.writeHead(500).end());
  t.after(() => endpoint.close());
  // The sidecar diagnoses its own credential chain at start, reading these files.
  const sc = await startSidecarProcess({
    ...SLOW,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/v1/credentials`,
    AWS_CONFIG_FILE: '/dev/zero',
    AWS_SHARED_CREDENTIALS_FILE: fifo,
  });
  t.after(() => sc.stop('SIGKILL'));
  let peak = 0;
  for (let i = 0; i < 10; i++) {
    peak = Math.max(peak, sc.rssBytes());
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(peak < 200 * 1024 * 1024, `peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
  const r = await sc.stop('SIGTERM', 10_000);
  assert.equal(r.code, 0, sc.stderr());
  assert.ok(r.ms < 2000, `exit took ${r.ms.toFixed(0)} ms`);
});
