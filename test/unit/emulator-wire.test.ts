/** The agent's wire rules as pure functions: Go-style path cleaning, routing, the token bucket. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLimiter } from '../../src/emulator/ratelimit.ts';
import { cleanPath, credentialsErrorReply, outageReply, route } from '../../src/emulator/wire.ts';

test('cleanPath matches Go path.Clean, keeping a trailing slash like gorilla/mux', () => {
  const cases: [string, string][] = [
    ['/v2/credentials/x', '/v2/credentials/x'],
    ['//v2/credentials/x', '/v2/credentials/x'],
    ['/v2//credentials/./x', '/v2/credentials/x'],
    ['/v2/credentials/', '/v2/credentials/'],
    ['/v2/x/../credentials/y', '/v2/credentials/y'],
    ['/../..', '/'],
    ['/a/.', '/a'],
    ['', '/'],
  ];
  for (const [input, want] of cases) assert.equal(cleanPath(input), want, input);
});

test('route: v1 takes ?id=, v2 takes the rest of the path, v4 three documents', () => {
  assert.deepEqual(route('/v1/credentials', 'id=abc&x=1'), {
    kind: 'credentials',
    version: 1,
    id: 'abc',
  });
  assert.deepEqual(route('/v1/credentials', ''), { kind: 'credentials', version: 1, id: '' });
  assert.deepEqual(route('/v2/credentials/a/b', ''), {
    kind: 'credentials',
    version: 2,
    id: 'a/b',
  });
  assert.deepEqual(route('/v2/credentials', ''), { kind: 'not_found' });
  assert.deepEqual(route('/v4/m-1', ''), { kind: 'metadata', metaId: 'm-1', doc: 'container' });
  assert.deepEqual(route('/v4/m-1/taskWithTags', ''), {
    kind: 'metadata',
    metaId: 'm-1',
    doc: 'taskWithTags',
  });
  assert.deepEqual(route('/v4/m-1/stats', ''), { kind: 'not_found' });
});

test('error bodies: lower-case keys, untagged HTTPErrorCode, per-version prefix', () => {
  assert.equal(
    credentialsErrorReply(400, 'NoIdInRequest', 1).body,
    '{"code":"NoIdInRequest","message":"CredentialsV1Request: No Credential ID in the request","HTTPErrorCode":400}',
  );
  assert.equal(
    outageReply({ status: 500 }, 2).body,
    '{"code":"InternalServerError","message":"Internal server error","HTTPErrorCode":500}',
  );
  assert.equal(
    outageReply({ status: 503, code: 'NoCredentialsAssociated' }, 2).body,
    '{"code":"NoCredentialsAssociated","message":"CredentialsV2Request: NoCredentialsAssociated","HTTPErrorCode":503}',
  );
  assert.equal(
    outageReply({ status: 429, code: 'ignored' }, 2).body,
    'You have reached maximum request limit.',
  );
});

test('token bucket: burst 60, then 40 a second, one bucket per key', () => {
  const l = createLimiter({ rate: 40, burst: 60 });
  for (let i = 0; i < 60; i++) assert.equal(l.take('a', 0), true, `request ${i + 1}`);
  assert.equal(l.take('a', 0), false);
  assert.equal(l.take('b', 0), true);
  assert.equal(l.take('a', 24), false); // 0.96 of a token
  assert.equal(l.take('a', 49), true); // 0.96 + 1 token by 49 ms
  assert.equal(l.take('a', 49), false);
  for (let i = 0; i < 60; i++) assert.equal(l.take('a', 10_000), true); // refilled, capped at 60
  assert.equal(l.take('a', 10_000), false);
});
