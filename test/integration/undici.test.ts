/**
 * `src/undici.ts` loads undici's `Agent` and `request` from their own files: they must be the very
 * class the package index exports, and `request` must send what the index's `request` sends (method,
 * path with its query, headers) and read the same answer, through any dispatcher.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as undici from 'undici';
import { Agent, request } from '../../src/lib/undici.ts';
import { startServer } from '../helpers.ts';

test("Agent is the index's Agent (an upgrade that moves the file fails here)", () => {
  assert.equal(Agent, undici.Agent);
  assert.equal(new Agent().constructor, undici.Agent);
});

test("request sends and reads what the index's request does, through any dispatcher", async (t) => {
  const seen: string[] = [];
  const server = await startServer((req, res) => {
    seen.push(
      `${req.method} ${req.url} ${req.headers.accept} ${req.headers['x-aws-ec2-metadata-token']}`,
    );
    res.writeHead(201, { 'content-type': 'application/json', 'x-answer': 'yes' }).end('{"ok":1}');
  });
  const ours = new Agent({ connections: 2 });
  const theirs = new undici.Agent();
  t.after(() => Promise.all([ours.close(), theirs.close(), server.close()]));

  const url = new URL(`${server.url}/v2/credentials/x?query=1`);
  const opts = { headers: { accept: 'application/json', 'x-aws-ec2-metadata-token': 't' } };
  const answers = [];
  for (const dispatcher of [ours, theirs]) {
    const a = await request(url, { ...opts, dispatcher, method: 'PUT' });
    const b = await undici.request(url, { ...opts, dispatcher, method: 'PUT' });
    for (const r of [a, b])
      answers.push([
        r.statusCode,
        r.headers['x-answer'],
        r.headers['content-type'],
        await r.body.text(),
      ]);
    assert.deepEqual((await request(new URL(server.url), { dispatcher })).statusCode, 201);
  }
  for (const a of answers) assert.deepEqual(a, [201, 'yes', 'application/json', '{"ok":1}']);
  assert.deepEqual(seen, [
    'PUT /v2/credentials/x?query=1 application/json t',
    'PUT /v2/credentials/x?query=1 application/json t',
    'GET / undefined undefined',
    'PUT /v2/credentials/x?query=1 application/json t',
    'PUT /v2/credentials/x?query=1 application/json t',
    'GET / undefined undefined',
  ]);
});
