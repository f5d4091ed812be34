/**
 * Listener hardening over real sockets: idle and slowloris clients beyond the connection cap do not
 * stop /healthz from answering promptly; slow clients are cut off; bodies and unknown methods are
 * refused before routing; the admin token check does not depend on the presented length.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { Secret } from '../../src/lib/secret.ts';
import { tokenMatches } from '../../src/sidecar/http/auth.ts';
import { SERVER_LIMITS } from '../../src/sidecar/http/listen.ts';
import { CANARY, ecsBody, startServer, waitFor } from '../helpers.ts';
import { startSidecar } from '../sidecar.ts';

async function sidecar(t: import('node:test').TestContext) {
  const endpoint = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(ecsBody());
  });
  const sc = await startSidecar({
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.credentialsId}`,
    ROLECALL_CONTAINER_HOST: endpoint.url,
    ROLECALL_POLL_INTERVAL: '1s',
    ROLECALL_POLL_TIMEOUT: '500ms',
  });
  t.after(async () => {
    await sc.service.close();
    await endpoint.close();
  });
  await waitFor(() => sc.service.state().phase === 'tracking', 3000, 'first fetch');
  return sc;
}

/** Opens a raw TCP connection to 127.0.0.1:port; resolves once connected. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends `raw` and collects the answer until the server closes or `timeoutMs` passes. */
async function exchange(
  port: number,
  raw: string,
  timeoutMs = 2000,
): Promise<{ text: string; ms: number; closed: boolean }> {
  const started = performance.now();
  const s = await open(port);
  let text = '';
  s.on('data', (d) => {
    text += String(d);
  });
  s.on('error', () => {});
  s.write(raw);
  const closed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  s.destroy();
  return { text, ms: performance.now() - started, closed };
}

/** One GET over a fresh connection; the status and the time to the full answer. */
async function timedGet(port: number, path: string): Promise<{ status: number; ms: number }> {
  const r = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  return { status: Number(r.text.slice(9, 12)), ms: r.ms };
}

test('600 idle and slowloris connections (past the cap) do not stop /healthz answering promptly', async (t) => {
  const { service } = await sidecar(t);
  const port = service.public.port;
  const sockets: Socket[] = [];
  const drips: NodeJS.Timeout[] = [];
  t.after(() => {
    for (const d of drips) clearInterval(d);
    for (const s of sockets) s.destroy();
  });
  const COUNT = 600;
  assert.ok(COUNT > SERVER_LIMITS.maxConnections, 'the attack exceeds the connection cap');
  for (let i = 0; i < COUNT; i++) {
    const s = await open(port).catch(() => null);
    if (s === null) continue;
    s.on('error', () => {});
    sockets.push(s);
    if (i % 2 === 1) {
      // slowloris: a request line, then one header line every 300 ms, never the blank line
      s.write('GET /healthz HTTP/1.1\r\n');
      let n = 0;
      const d = setInterval(() => {
        if (n++ > 40 || s.destroyed) clearInterval(d);
        else s.write(`x-slow-${n}: 1\r\n`);
      }, 300);
      drips.push(d);
    }
  }
  for (let i = 0; i < 10; i++) {
    const { status, ms } = await timedGet(port, '/healthz');
    assert.equal(status, 200, `attempt ${i}`);
    assert.ok(ms < 500, `attempt ${i}: /healthz took ${Math.round(ms)} ms under attack`);
  }
  const count = await new Promise<number>((r, j) =>
    service.public.server.getConnections((e, n) => (e ? j(e) : r(n))),
  );
  assert.ok(
    count <= SERVER_LIMITS.maxConnections + 1,
    `${count} connections held; cap ${SERVER_LIMITS.maxConnections}`,
  );
});

test('a slowloris client is answered 408 and closed within the header deadline', async (t) => {
  const { service } = await sidecar(t);
  const s = await open(service.public.port);
  t.after(() => s.destroy());
  let text = '';
  s.on('data', (d) => {
    text += String(d);
  });
  s.on('error', () => {});
  const started = performance.now();
  s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const drip = setInterval(() => s.writable && s.write('x-a: b\r\n'), 200);
  t.after(() => clearInterval(drip));
  await new Promise<void>((r) => s.once('close', () => r()));
  const ms = performance.now() - started;
  assert.match(text, /^HTTP\/1\.1 408 /);
  assert.ok(
    ms < SERVER_LIMITS.headersTimeout + 1500,
    `closed after ${Math.round(ms)} ms, headersTimeout ${SERVER_LIMITS.headersTimeout}`,
  );
});

test('an idle connection that never sends a byte is closed', async (t) => {
  const { service } = await sidecar(t);
  const r = await exchange(service.public.port, '', SERVER_LIMITS.headersTimeout + 2000);
  assert.ok(r.closed, 'closed by the server');
});

test('request bodies are refused with 413 at once, without reading them', async (t) => {
  const { service, logs } = await sidecar(t);
  const declared = await exchange(
    service.public.port,
    'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n',
  );
  assert.match(declared.text, /^HTTP\/1\.1 413 /);
  assert.match(declared.text, /\r\nconnection: close\r\n/i);
  assert.ok(declared.closed && declared.ms < 500, `took ${Math.round(declared.ms)} ms`);
  const chunked = await exchange(
    service.admin.port,
    'GET /whoami HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
  );
  assert.match(chunked.text, /^HTTP\/1\.1 413 /);
  assert.ok(chunked.closed);
  assert.ok(!chunked.text.includes('arn:aws'), 'the route never ran');
  assert.equal(logs.lines.filter((l) => l.includes('"statusCode":413')).length, 0);
});

test('unknown methods are 405 with Allow, unknown paths 404, both cheap and closed', async (t) => {
  const { service } = await sidecar(t);
  for (const method of ['POST', 'PUT', 'DELETE', 'PROPFIND', 'OPTIONS']) {
    const r = await exchange(
      service.public.port,
      `${method} /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`,
    );
    assert.match(r.text, /^HTTP\/1\.1 405 /, method);
    assert.match(r.text, /\r\nallow: GET, HEAD\r\n/i, method);
    assert.ok(r.closed, `${method} closes the connection`);
  }
  assert.equal((await timedGet(service.public.port, '/nope')).status, 404);
  assert.equal((await timedGet(service.public.port, '/whoami')).status, 404);
  assert.equal((await timedGet(service.admin.port, '/whoami')).status, 200);
  const head = await exchange(
    service.public.port,
    'HEAD /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  assert.match(head.text, /^HTTP\/1\.1 200 /);
});

test('admin token: only an exact bearer matches, whatever the presented length', () => {
  const token = new Secret('admin-token-0123456789abcdef');
  assert.equal(tokenMatches('Bearer admin-token-0123456789abcdef', token), true);
  assert.equal(tokenMatches('bearer admin-token-0123456789abcdef', token), true);
  for (const bad of [
    undefined,
    '',
    'Bearer ',
    'Bearer admin-token-0123456789abcde',
    'Bearer admin-token-0123456789abcdefg',
    'Basic admin-token-0123456789abcdef',
    `Bearer ${'x'.repeat(10_000)}`,
    'admin-token-0123456789abcdef',
  ]) {
    assert.equal(tokenMatches(bad, token), false, String(bad).slice(0, 40));
  }
});
