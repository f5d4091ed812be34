import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Credentials } from '../../src/credentials/types.ts';
import { Secret } from '../../src/lib/secret.ts';
import { createLogger, logEvent } from '../../src/sidecar/logger.ts';
import { assertNoCanary, CANARY, captureLogs } from '../helpers.ts';

test('redaction: credential-shaped fields, auth headers, Credentials and Secret objects', () => {
  const logs = captureLogs();
  const logger = createLogger('trace', logs.stream);
  const credentials = new Credentials({
    accessKeyId: 'ASIAREDACTTEST000001',
    secretAccessKey: CANARY.secret,
    sessionToken: CANARY.token,
    expiration: new Date(0),
  });
  logger.info({ body: { SecretAccessKey: CANARY.secret, Token: CANARY.token } }, 'nested');
  logger.info(
    { SecretAccessKey: CANARY.secret, token: CANARY.token, authorization: CANARY.authToken },
    'top level',
  );
  logger.info(
    { req: { headers: { authorization: `Bearer ${CANARY.authToken}`, cookie: CANARY.authToken } } },
    'headers',
  );
  logger.info({ credentials, secret: new Secret(CANARY.authToken) }, 'objects');
  logger.error({ err: new Error('boom') }, 'error');
  assert.equal(logs.lines.length, 5);
  assertNoCanary(logs.text(), 'log lines');
  assert.match(logs.lines[0] ?? '', /"SecretAccessKey":"\[redacted\]"/);
  assert.match(logs.lines[3] ?? '', /"credentials":\{"accessKeyId":"\*{16}0001"/);
});

test('state events map to the documented names and levels, keys masked', () => {
  const logs = captureLogs();
  const logger = createLogger('info', logs.stream);
  const held = {
    identity: {
      source: 'container-role' as const,
      roleArn: 'arn:aws:iam::111122223333:role/a',
      roleName: 'a',
      accountId: '111122223333',
    },
    accessKeyId: 'ASIAEVENTKEY00000042',
    expiration: Date.parse('2026-11-28T18:00:00Z'),
    firstSeen: 0,
    lastUpdated: null,
  };
  logEvent(logger, { event: 'credentials.first_seen', held });
  logEvent(logger, {
    event: 'credentials.rotated',
    held,
    previousAccessKeyId: 'ASIAOLDKEY0000000041',
  });
  logEvent(logger, { event: 'credentials.role_changed', from: 'arn:a', to: 'arn:b' });
  logEvent(logger, {
    event: 'credentials.fetch_failed',
    reason: 'timeout',
    message: 'no complete answer within 2000ms',
    consecutive: 1,
  });
  logEvent(logger, { event: 'credentials.recovered', afterFailures: 3 });
  logEvent(logger, {
    event: 'credentials.expiring',
    accessKeyId: 'ASIAEVENTKEY00000042',
    expiresInSeconds: 300,
  });
  const events = logs.events().map((e) => [e.event, e.level]);
  assert.deepEqual(events, [
    ['credentials.first_seen', 'info'],
    ['credentials.rotated', 'info'],
    ['credentials.role_changed', 'warn'],
    ['credentials.fetch_failed', 'warn'],
    ['credentials.recovered', 'info'],
    ['credentials.expiring', 'warn'],
  ]);
  assert.ok(!logs.text().includes('ASIAEVENTKEY00000042'), 'access key ids are masked in logs');
  assert.equal(logs.events()[1]?.previousAccessKeyId, '****************0041');
});
