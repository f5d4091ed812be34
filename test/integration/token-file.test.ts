/**
 * The authorization token file is someone else's: a FIFO, /dev/zero, an oversized file, a
 * directory, or a symlink to any of them is reason `token_file` with a message naming the problem,
 * decided without blocking and without sending anything; a regular file up to 16 KiB (and a
 * symlink to one, as projected volumes use) works. The read counts against the poll deadline.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent } from 'undici';
import { resolveContainerEndpoint } from '../../src/credentials/endpoint.ts';
import { fetchContainerCredentials, MAX_TOKEN_FILE_BYTES } from '../../src/credentials/fetcher.ts';
import { readBoundedFile } from '../../src/lib/bounded-file.ts';
import { EndpointError } from '../../src/lib/errors.ts';
import { ecsBody, startServer } from '../helpers.ts';

const TIMEOUT_MS = 1000;

async function setup(t: import('node:test').TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-token-'));
  const seen: (string | undefined)[] = [];
  const server = await startServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' }).end(ecsBody());
  });
  const dispatcher = new Agent();
  t.after(async () => {
    await dispatcher.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const fetchWith = (path: string) => {
    const endpoint = resolveContainerEndpoint({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/v1/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: path,
    });
    assert.ok(endpoint);
    return fetchContainerCredentials(endpoint, {
      dispatcher,
      timeoutMs: TIMEOUT_MS,
      now: Date.now,
    });
  };
  return { dir, seen, fetchWith };
}

test('FIFO, /dev/zero, oversized, directory and symlinks to each: token_file, nothing sent', async (t) => {
  const { dir, seen, fetchWith } = await setup(t);
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const big = join(dir, 'big');
  writeFileSync(big, 'x'.repeat(MAX_TOKEN_FILE_BYTES + 1));
  const sub = join(dir, 'dir');
  mkdirSync(sub);
  const targets: [string, RegExp][] = [
    [fifo, /is a FIFO, not a regular file/],
    ['/dev/zero', /is a character device, not a regular file/],
    [big, /is 16385 bytes; the limit is 16384/],
    [sub, /is a directory, not a regular file/],
  ];
  for (const [target, message] of [...targets]) {
    const link = join(dir, `link-${targets.length}`);
    symlinkSync(target, link);
    targets.push([link, message]);
  }
  for (const [path, message] of targets) {
    const started = performance.now();
    const err = await fetchWith(path).then(
      () => assert.fail(`${path} was accepted`),
      (e: unknown) => e,
    );
    const ms = performance.now() - started;
    assert.ok(err instanceof EndpointError, String(err));
    assert.equal(err.reason, 'token_file', `${path}: ${err.message}`);
    assert.match(err.message, /^AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE /);
    assert.match(err.message, message, path);
    assert.ok(ms < TIMEOUT_MS, `${path} took ${ms.toFixed(0)} ms`);
  }
  assert.equal(seen.length, 0, 'no request was sent');
});

test('a regular file, directly or through a symlink, is sent; 16 KiB exactly is accepted', async (t) => {
  const { dir, seen, fetchWith } = await setup(t);
  const file = join(dir, 'token');
  const full = join(dir, 'full');
  writeFileSync(full, 'f'.repeat(MAX_TOKEN_FILE_BYTES));
  const read = await readBoundedFile(full, MAX_TOKEN_FILE_BYTES, new AbortController().signal);
  assert.equal(read.length, MAX_TOKEN_FILE_BYTES);
  // The test server's own header limit is 16 KiB, so the one sent is a little smaller.
  const token = 't'.repeat(MAX_TOKEN_FILE_BYTES - 1024);
  writeFileSync(file, token);
  symlinkSync(file, join(dir, 'link'));
  await fetchWith(file);
  await fetchWith(join(dir, 'link'));
  assert.deepEqual(seen, [token, token]);
});

test('the read is bounded by the deadline signal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-token-'));
  try {
    writeFileSync(join(dir, 'token'), 'token');
    const done = new AbortController();
    done.abort();
    await assert.rejects(readBoundedFile(join(dir, 'token'), 1024, done.signal), {
      code: 'timeout',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a token read that never finishes: token_file at the poll deadline, at once on cancel', async (t) => {
  const { seen } = await setup(t);
  const endpoint = resolveContainerEndpoint({
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/v1/credentials',
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/hung/nfs/token',
  });
  assert.ok(endpoint);
  const hung = () => new Promise<string>(() => {});
  const dispatcher = new Agent();
  t.after(() => dispatcher.close());
  let started = performance.now();
  await assert.rejects(
    fetchContainerCredentials(endpoint, {
      dispatcher,
      timeoutMs: 200,
      now: Date.now,
      readFile: hung,
    }),
    {
      reason: 'token_file',
      message: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE was not read within the 200ms poll deadline',
    },
  );
  assert.ok(performance.now() - started < 1000);
  const cancel = new AbortController();
  started = performance.now();
  const pending = fetchContainerCredentials(endpoint, {
    dispatcher,
    timeoutMs: 30_000,
    now: Date.now,
    readFile: hung,
    signal: cancel.signal,
  });
  setTimeout(() => cancel.abort(), 50);
  await assert.rejects(pending, { reason: 'token_file' });
  assert.ok(performance.now() - started < 1000, 'cancelled promptly');
  assert.equal(seen.length, 0);
});
