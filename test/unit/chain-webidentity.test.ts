/** Web identity (IRSA): the token's exp decoded without verification; bad tokens are clear findings. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveChain, tokenFiles } from '../../src/check/resolve.ts';
import type { ChainInput, TokenStatus } from '../../src/check/types.ts';
import { judge } from '../../src/check/verdict.ts';
import { decodeTokenExpiry, tokenReport } from '../../src/check/webidentity.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const PATH = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';
const ROLE = 'arn:aws:iam::111122223333:role/irsa-reader';
const SIGNATURE = 'c2lnbmF0dXJlLWNhbmFyeS1kby1ub3QtcHJpbnQ';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const jwt = (claims: unknown) => `${b64({ alg: 'RS256', kid: 'k1' })}.${b64(claims)}.${SIGNATURE}`;

function irsa(status: TokenStatus | undefined): ChainInput {
  return {
    env: { AWS_WEB_IDENTITY_TOKEN_FILE: PATH, AWS_ROLE_ARN: ROLE },
    now: NOW,
    credentials: { path: '/h/.aws/credentials', profiles: null },
    config: { path: '/h/.aws/config', profiles: null },
    tokens: new Map(status === undefined ? [] : [[PATH, status]]),
  };
}

test('exp is decoded from a projected service-account token without verifying it', () => {
  const exp = NOW / 1000 + 86_400;
  assert.deepEqual(
    decodeTokenExpiry(jwt({ aud: ['sts.amazonaws.com'], exp, sub: 'system:serviceaccount:a:b' })),
    {
      kind: 'ok',
      exp,
    },
  );
  // A trailing newline, as kubelet may write, is fine.
  assert.deepEqual(decodeTokenExpiry(`${jwt({ exp })}\n`), { kind: 'ok', exp });
});

test('unreadable, empty and malformed tokens are told apart', () => {
  assert.deepEqual(decodeTokenExpiry(null), { kind: 'unreadable' });
  assert.deepEqual(decodeTokenExpiry('  \n'), { kind: 'malformed', reason: 'the file is empty' });
  assert.equal(decodeTokenExpiry('abc.def').kind, 'malformed');
  assert.deepEqual(decodeTokenExpiry(`a.${Buffer.from('not json').toString('base64url')}.c`), {
    kind: 'malformed',
    reason: 'the payload is not JSON',
  });
  assert.deepEqual(decodeTokenExpiry('a.b*c.d'), {
    kind: 'malformed',
    reason: 'the payload is not base64url',
  });
  assert.deepEqual(decodeTokenExpiry(jwt([1, 2])), {
    kind: 'malformed',
    reason: 'the payload is not a JSON object',
  });
  assert.deepEqual(decodeTokenExpiry(jwt({ exp: '1790000000' })), {
    kind: 'malformed',
    reason: 'the exp claim is not a number',
  });
  assert.deepEqual(decodeTokenExpiry(jwt({ sub: 'x' })), { kind: 'ok', exp: null });
});

test('the report gives the expiry as ISO 8601 and says expired when it is', () => {
  const live = tokenReport(
    PATH,
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    { kind: 'ok', exp: NOW / 1000 + 600 },
    NOW,
  );
  assert.equal(live.status, 'ok');
  assert.equal(live.expiresAt, '2026-11-28T12:10:00.000Z');
  assert.match(live.message, /expires at 2026-11-28T12:10:00.000Z \(in 600s\)/);
  const dead = tokenReport(
    PATH,
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    { kind: 'ok', exp: NOW / 1000 - 30 },
    NOW,
  );
  assert.equal(dead.status, 'expired');
  assert.match(dead.message, /expired at 2026-11-28T11:59:30.000Z \(30s ago\)/);
  // Expiring exactly now is expired: the SDK's AssumeRoleWithWebIdentity would be refused.
  assert.equal(tokenReport(PATH, 'x', { kind: 'ok', exp: NOW / 1000 }, NOW).status, 'expired');
});

test('IRSA: role from AWS_ROLE_ARN, a good token is a usable winner for every SDK', () => {
  const report = resolveChain(irsa({ kind: 'ok', exp: NOW / 1000 + 3600 }));
  for (const s of report.sdks) {
    assert.equal(s.winner?.type, 'assume-role-with-web-identity');
    assert.equal(s.winner?.roleArn, ROLE);
    assert.deepEqual(s.winner?.problems, []);
  }
  assert.deepEqual(
    report.tokens.map((t) => [t.from, t.status, t.expiresAt]),
    [['AWS_WEB_IDENTITY_TOKEN_FILE', 'ok', '2026-11-28T13:00:00.000Z']],
  );
  assert.equal(judge(report, null, '*-reader').exitCode, 0);
});

for (const [name, status, pattern] of [
  ['expired', { kind: 'ok', exp: NOW / 1000 - 3600 }, /expired at 2026-11-28T11:00:00.000Z/],
  ['unreadable', undefined, /cannot be read/],
  [
    'malformed',
    { kind: 'malformed', reason: 'expected 3 dot-separated parts, found 1' },
    /is not a JWT/,
  ],
] as const) {
  test(`IRSA with a ${name} token: the SDKs still pick it, and check calls it unusable`, () => {
    const report = resolveChain(irsa(status));
    const boto = report.sdks[0]!;
    assert.equal(boto.winner?.type, 'assume-role-with-web-identity');
    assert.match(boto.winner?.problems[0] ?? '', pattern);
    const verdict = judge(report, null, null);
    assert.equal(verdict.exitCode, 1);
    assert.match(verdict.sdks[0]?.why ?? '', pattern);
  });
}

test('the token itself never reaches the report, whatever its state', () => {
  for (const text of [jwt({ exp: NOW / 1000 + 60 }), jwt({ exp: 1 }), `garbage-${SIGNATURE}`]) {
    const report = resolveChain(irsa(decodeTokenExpiry(text)));
    assert.ok(!JSON.stringify(report).includes(SIGNATURE));
  }
});

test('token files named by profiles are found too, through source_profile', () => {
  const files = tokenFiles({
    env: { AWS_PROFILE: 'app' },
    credentials: { path: '/c', profiles: {} },
    config: {
      path: '/f',
      profiles: {
        app: { role_arn: ROLE, source_profile: 'web' },
        web: { role_arn: ROLE, web_identity_token_file: '/t/web' },
        default: { role_arn: ROLE, web_identity_token_file: '/t/default' },
      },
    },
  });
  assert.deepEqual(files, [
    { path: '/t/default', from: 'profile default' },
    { path: '/t/web', from: 'profile web' },
  ]);
});
