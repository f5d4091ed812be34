import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { parseCredentialsBody, parseExpiration } from '../../src/credentials/parse.ts';
import { EndpointError } from '../../src/lib/errors.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const SECRET = 'CANARY-SECRET-parse-1';
const TOKEN = 'CANARY-TOKEN-parse-1';
const ecs = {
  RoleArn: 'arn:aws:iam::111122223333:role/orders-task',
  AccessKeyId: 'ASIAEXAMPLEKEY0001',
  SecretAccessKey: SECRET,
  Token: TOKEN,
  Expiration: '2026-11-28T18:00:00Z',
};

test('ECS body: identity from RoleArn, secrets hidden from JSON, inspect and toString', () => {
  const { credentials, identity } = parseCredentialsBody(ecs, 'container-role', NOW);
  assert.deepEqual(identity, {
    source: 'container-role',
    roleArn: ecs.RoleArn,
    roleName: 'orders-task',
    accountId: '111122223333',
  });
  assert.equal(credentials.expiration.toISOString(), '2026-11-28T18:00:00.000Z');
  for (const rendered of [
    JSON.stringify(credentials),
    inspect(credentials, { showHidden: true, depth: 5 }),
    `${credentials}`,
  ]) {
    assert.ok(!rendered.includes(SECRET) && !rendered.includes(TOKEN), rendered);
  }
  assert.equal(credentials.hasSecrets(), true);
});

test('EKS body: AccountId without RoleArn keeps roleArn null rather than inventing one', () => {
  const { RoleArn: _, ...rest } = ecs;
  const { identity } = parseCredentialsBody(
    { ...rest, AccountId: '444455556666' },
    'container-role',
    NOW,
  );
  assert.deepEqual(identity, {
    source: 'container-role',
    roleArn: null,
    roleName: null,
    accountId: '444455556666',
  });
});

test('Expiration is parsed leniently: Z, offsets, fractions; junk refused', () => {
  assert.equal(parseExpiration('2026-11-28T18:00:00Z')?.toISOString(), '2026-11-28T18:00:00.000Z');
  assert.equal(
    parseExpiration('2026-11-28T19:00:00+01:00')?.toISOString(),
    '2026-11-28T18:00:00.000Z',
  );
  assert.equal(
    parseExpiration('2026-11-28T18:00:00.123456Z')?.toISOString(),
    '2026-11-28T18:00:00.123Z',
  );
  assert.equal(
    parseExpiration('2026-11-28T18:00:00+0000')?.toISOString(),
    '2026-11-28T18:00:00.000Z',
  );
  for (const bad of ['tomorrow', '2026-11-28', '1764352800', '', '2026-13-45T99:00:00Z'])
    assert.equal(parseExpiration(bad), null, bad);
});

function reasonOf(body: unknown): { reason: string; message: string } {
  try {
    parseCredentialsBody(body, 'container-role', NOW);
  } catch (err) {
    assert.ok(err instanceof EndpointError);
    return { reason: err.reason, message: err.message };
  }
  assert.fail('expected an EndpointError');
}

test('invalid bodies name the fields and the expected shape, never the values', () => {
  const missing = reasonOf({ ...ecs, Token: undefined, AccessKeyId: 42 });
  assert.equal(missing.reason, 'invalid_response');
  assert.match(
    missing.message,
    /^AccessKeyId is not a non-empty string; Token is missing: expected a JSON object/,
  );
  assert.equal(reasonOf([1, 2]).reason, 'invalid_response');
  assert.equal(reasonOf(null).reason, 'invalid_response');
  assert.equal(reasonOf('string').reason, 'invalid_response');
  const badDate = reasonOf({ ...ecs, Expiration: SECRET });
  assert.equal(badDate.message.includes(SECRET), false);
  assert.match(badDate.message, /Expiration is not an ISO 8601 timestamp/);
  const noRole = reasonOf({ ...ecs, RoleArn: undefined });
  assert.match(noRole.message, /neither RoleArn nor AccountId is present/);
});

test('credentials already expired are classified as expired', () => {
  const r = reasonOf({ ...ecs, Expiration: '2026-11-28T11:59:59Z' });
  assert.deepEqual(r, {
    reason: 'expired',
    message: 'endpoint served credentials that expired at 2026-11-28T11:59:59.000Z',
  });
});

test('identifying fields are bounded: longer or misshapen is invalid_response, at any length', () => {
  const arnOf = (n: number) => {
    const base = 'arn:aws:iam::111122223333:role/';
    return base + 'r'.repeat(n - base.length);
  };
  assert.equal(
    parseCredentialsBody({ ...ecs, RoleArn: arnOf(2048) }, 'container-role', NOW).identity.roleArn
      ?.length,
    2048,
  );
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ ...ecs, RoleArn: arnOf(2049) }, /RoleArn is longer than 2048 characters/],
    [{ ...ecs, RoleArn: arnOf(60_000) }, /RoleArn is longer than 2048/],
    [{ ...ecs, AccessKeyId: 'ASIA' }, /AccessKeyId is not 16 to 128/],
    [{ ...ecs, AccessKeyId: 'A'.repeat(129) }, /AccessKeyId is not 16 to 128/],
    [{ ...ecs, AccessKeyId: 'ASIAEXAMPLEKEY0001\u001b[2J' }, /AccessKeyId is not/],
    [{ ...ecs, AccountId: '1234' }, /AccountId is not 12 digits/],
    [{ ...ecs, AccountId: '1'.repeat(60_000) }, /AccountId is not 12 digits/],
    [{ ...ecs, Expiration: `2026-11-28T18:00:00${'0'.repeat(100)}Z` }, /Expiration is longer/],
  ];
  for (const [body, message] of refused) {
    assert.throws(
      () => parseCredentialsBody(body, 'container-role', NOW),
      (err: unknown) =>
        err instanceof EndpointError &&
        err.reason === 'invalid_response' &&
        message.test(err.message),
    );
  }
});
