import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAllowedUrl, resolveContainerEndpoint } from '../../src/credentials/endpoint.ts';
import { EndpointConfigError } from '../../src/lib/errors.ts';

test('relative URI beats full URI and is appended to the container host with no extra slash', () => {
  const e = resolveContainerEndpoint({
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/other',
  });
  assert.equal(e?.via, 'relative');
  assert.equal(e?.url.href, 'http://169.254.170.2/v2/credentials/abc');
  assert.ok(!e?.description.includes('abc'), 'description never carries the credentials id');
});

test('ROLECALL_CONTAINER_HOST replaces the base, trailing slash tolerated', () => {
  const e = resolveContainerEndpoint(
    { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' },
    'http://127.0.0.1:8080/',
  );
  assert.equal(e?.url.href, 'http://127.0.0.1:8080/v2/credentials/x');
});

test('no container variables (or empty ones) resolve to null', () => {
  assert.equal(resolveContainerEndpoint({}), null);
  assert.equal(
    resolveContainerEndpoint({
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
    }),
    null,
  );
});

test('token file beats token; token file is named, not read', () => {
  const e = resolveContainerEndpoint({
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/var/run/token',
    AWS_CONTAINER_AUTHORIZATION_TOKEN: 'literal',
  });
  assert.deepEqual(e?.authorization, { kind: 'file', path: '/var/run/token' });
  const t = resolveContainerEndpoint({
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1/x',
    AWS_CONTAINER_AUTHORIZATION_TOKEN: 'literal',
  });
  assert.deepEqual(t?.authorization, { kind: 'token', value: 'literal' });
});

test('a token with CR or LF is refused, naming the variable and not echoing the token', () => {
  assert.throws(
    () =>
      resolveContainerEndpoint({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1/x',
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'CANARYTOKEN\n',
      }),
    (err: unknown) =>
      err instanceof EndpointConfigError &&
      err.variable === 'AWS_CONTAINER_AUTHORIZATION_TOKEN' &&
      err.message ===
        'AWS_CONTAINER_AUTHORIZATION_TOKEN contains a carriage return or line feed, which no SDK sends as a header',
  );
});

const allowed = [
  'http://127.0.0.1/x',
  'http://127.1.2.3:8080/x',
  'http://localhost/x',
  'http://[::1]:9/x',
  'http://169.254.170.2/x',
  'http://169.254.170.23/v1/credentials',
  'http://[fd00:ec2::23]/v1/credentials',
  'https://example.com/creds',
];
const refused = [
  'http://example.com/x',
  'http://10.0.0.1/x',
  'http://169.254.169.254/x',
  'http://128.0.0.1/x',
  'ftp://127.0.0.1/x',
  'http://localhost.evil.com/x',
];

test('http host allow-list: loopback and agent addresses only; https anywhere', () => {
  for (const u of allowed) assert.equal(isAllowedUrl(new URL(u)), true, u);
  for (const u of refused) assert.equal(isAllowedUrl(new URL(u)), false, u);
});

test('a full URI on a disallowed host is refused with the variable and the rule', () => {
  assert.throws(
    () => resolveContainerEndpoint({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://10.1.2.3/creds' }),
    {
      name: 'EndpointConfigError',
      message:
        'AWS_CONTAINER_CREDENTIALS_FULL_URI host 10.1.2.3 is not allowed: plain http is only accepted for loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23; use https for any other host',
    },
  );
  assert.throws(
    () => resolveContainerEndpoint({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'not a url' }),
    {
      message:
        'AWS_CONTAINER_CREDENTIALS_FULL_URI is not an absolute URL (expected http://host[:port]/path)',
    },
  );
  assert.throws(
    () => resolveContainerEndpoint({ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: 'v2/credentials/x' }),
    {
      message:
        'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with "/" (expected /v2/credentials/<id>)',
    },
  );
});

test('ftp:// and file:// full URIs are named as unsupported schemes, not refused hosts', () => {
  for (const [uri, scheme] of [
    ['ftp://127.0.0.1/creds', 'ftp:'],
    ['file:///etc/passwd', 'file:'],
    ['gopher://169.254.170.2/x', 'gopher:'],
  ] as const) {
    assert.throws(
      () => resolveContainerEndpoint({ AWS_CONTAINER_CREDENTIALS_FULL_URI: uri }),
      (err: unknown) =>
        err instanceof Error &&
        err.message ===
          `AWS_CONTAINER_CREDENTIALS_FULL_URI scheme ${scheme} is not supported: SDKs fetch credentials over http (loopback and the ECS/EKS agent addresses only) or https`,
    );
  }
});
