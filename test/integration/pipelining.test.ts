/**
 * Pipelining limits on a real listener: a client that pipelines within the limit gets every
 * answer in order; one more request in flight, or answers piling up unread, closes the connection
 * without running the route again; the server stops parsing the rest of that read.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { listen, SERVER_LIMITS } from '../../src/sidecar/http/listen.ts';

const line = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

async function server(t: import('node:test').TestContext, bodyBytes: number, delayMs = 0) {
  let routed = 0;
  const l = await listen({ host: '127.0.0.1', port: 0 }, (_req, res) => {
    routed++;
    setTimeout(
      () => res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(bodyBytes)),
      delayMs,
    );
  });
  t.after(() => l.close());
  const sockets: Socket[] = [];
  l.server.on('connection', (sock: Socket) => sockets.push(sock));
  return { port: l.port, routed: () => routed, sockets };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Reads until the peer closes or `ms` pass; how many answers came back. */
async function answers(s: Socket, ms: number): Promise<{ count: number; closed: boolean }> {
  let text = '';
  s.on('error', () => {});
  s.on('data', (c) => {
    text += c;
  });
  const closed = await Promise.race([
    new Promise<boolean>((r) => s.once('close', () => r(true))),
    new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
  ]);
  s.destroy();
  return { count: text.split('HTTP/1.1 200 OK').length - 1, closed };
}

test('within the limit every pipelined request is answered, in order, on an open connection', async (t) => {
  const { port, routed } = await server(t, 100, 20);
  const s = await open(port);
  s.write(line('/a').repeat(SERVER_LIMITS.maxPipelined));
  const r = await answers(s, 500);
  assert.equal(r.count, SERVER_LIMITS.maxPipelined);
  assert.equal(r.closed, false);
  assert.equal(routed(), SERVER_LIMITS.maxPipelined);
});

test('one request past the limit closes the connection; the rest of the read is not parsed', async (t) => {
  const { port, routed } = await server(t, 100, 50);
  const s = await open(port);
  s.write(line('/a').repeat(2000));
  s.on('error', () => {});
  const r = await answers(s, 2000);
  assert.equal(r.closed, true);
  assert.equal(routed(), SERVER_LIMITS.maxPipelined, 'the route ran only for the allowed requests');
});

test('answers piling up unread: the server stops reading, its backlog stays bounded', async (t) => {
  // Each answer alone is allowed; the client sends one request at a time and never reads.
  const body = 64 * 1024;
  const { port, routed, sockets } = await server(t, body);
  const s = await open(port);
  s.pause();
  s.on('error', () => {});
  const send = async (n: number) => {
    for (let i = 0; i < n; i++) {
      s.write(line('/big'));
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await send(150);
  const first = routed();
  await send(50);
  const backlog = sockets[0]?.writableLength ?? 0;
  t.diagnostic(`${first} answers rendered, then ${routed() - first} more; ${backlog} bytes queued`);
  assert.equal(routed(), first, 'no request is read while answers wait');
  assert.ok(
    backlog <= SERVER_LIMITS.maxBufferedBytes + SERVER_LIMITS.maxPipelined * body,
    `${backlog} bytes queued in the server`,
  );
  s.destroy();
});
