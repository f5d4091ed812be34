/**
 * The SDK children's network guard refuses every host but loopback, in each form net and http
 * pass it. No socket is opened: the real `connect` is replaced by a recorder first, in a child.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const GUARD = new URL('../fixtures/loopback-guard.mjs', import.meta.url).href;

const SCRIPT = `
import net from 'node:net';
const passed = [];
net.Socket.prototype.connect = function (...args) { passed.push(args); return this; };
const { guardLoopback } = await import(${JSON.stringify(GUARD)});
const refused = [];
guardLoopback((host) => { refused.push(host); throw new Error('refused'); });
const calls = [
  [{ host: '127.0.0.1', port: 1 }],
  [{ hostname: '::1', port: 1 }],
  [1, 'localhost'],
  [{ path: '/tmp/x.sock' }],
  [{ host: '169.254.170.2', port: 80 }],
  [{ hostname: '169.254.169.254', host: 'x', port: 80, path: null }],
  [80, '192.0.2.7'],
  [[{ host: '[fd00:ec2::23]', port: 80 }]],
];
for (const args of calls) { try { new net.Socket().connect(...args); } catch {} }
process.stdout.write(JSON.stringify({ passed: passed.length, refused }));
`;

test('only loopback hosts and Unix sockets pass the guard', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true' },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    passed: 4,
    refused: ['169.254.170.2', '169.254.169.254', '192.0.2.7', '[fd00:ec2::23]'],
  });
});
