/** Every poll-error reason, produced by a real loopback server misbehaving in one specific way. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent } from 'undici';
import { resolveContainerEndpoint } from '../../src/credentials/endpoint.ts';
import { fetchContainerCredentials } from '../../src/credentials/fetcher.ts';
import { EndpointError } from '../../src/lib/errors.ts';
import { assertNoCanary, CANARY, ecsBody, startServer } from '../helpers.ts';

type Behaviour = (res: ServerResponse, socket: import('node:net').Socket) => void;

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const text =
  (status: number, body: string, headers: Record<string, string> = {}) =>
  (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
  };

const cases: {
  name: string;
  behaviour: Behaviour;
  reason: string;
  status?: number;
  retryAfterMs?: number;
  message?: string;
}[] = [
  { name: 'stalls before headers', behaviour: () => {}, reason: 'timeout' },
  {
    name: 'stalls after headers',
    behaviour: (res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).write('{"RoleArn":'),
    reason: 'timeout',
  },
  {
    name: 'resets the connection',
    behaviour: (_res, socket) => socket.destroy(),
    reason: 'connection',
  },
  {
    name: 'closes mid-body (truncated, content-length larger)',
    behaviour: (res, socket) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"RoleArn":"arn:aws:iam::1');
      setTimeout(() => socket.destroy(), 20);
    },
    reason: 'connection',
  },
  {
    name: '429 with Retry-After',
    behaviour: text(429, 'You have reached maximum request limit.', { 'retry-after': '7' }),
    reason: 'throttled',
    status: 429,
    retryAfterMs: 7000,
  },
  {
    name: '503 CredentialsUninitialized',
    behaviour: json(503, {
      code: 'CredentialsUninitialized',
      message: 'CredentialsV2Request: Credentials uninitialized for ID',
      HTTPErrorCode: 503,
    }),
    reason: 'uninitialized',
    status: 503,
  },
  {
    name: '503 other',
    behaviour: text(503, 'Service Unavailable'),
    reason: 'server_error',
    status: 503,
  },
  {
    name: '500 InternalServerError',
    behaviour: json(500, { code: 'InternalServerError', message: 'x', HTTPErrorCode: 500 }),
    reason: 'server_error',
    status: 500,
  },
  {
    name: '400 InvalidIdInRequest',
    behaviour: json(400, {
      code: 'InvalidIdInRequest',
      message: 'CredentialsV2Request: Credentials not found',
      HTTPErrorCode: 400,
    }),
    reason: 'not_found',
    status: 400,
  },
  {
    name: '404 plain',
    behaviour: text(404, '404 page not found\n'),
    reason: 'not_found',
    status: 404,
  },
  { name: '401', behaviour: text(401, 'no'), reason: 'unauthorized', status: 401 },
  {
    name: '403 EKS Host check',
    behaviour: text(403, 'forbidden\n'),
    reason: 'unauthorized',
    status: 403,
  },
  {
    name: '400 other',
    behaviour: text(400, `Service account token cannot be parsed: ${CANARY.authToken}\n`),
    reason: 'http_error',
    status: 400,
  },
  {
    name: '400 EKS Auth ExpiredTokenException relayed by the Pod Identity Agent',
    behaviour: text(
      400,
      `[0f5a7f4e-6c1b-4d0e-9a57-3f1e2d4c5b6a]: (ExpiredTokenException): token ${CANARY.authToken} expired, fault: client\n`,
    ),
    reason: 'unauthorized',
    status: 400,
    message: 'endpoint answered HTTP 400 ExpiredTokenException',
  },
  {
    name: '400 EKS Auth InvalidTokenException relayed',
    behaviour: text(400, '[r-1]: (InvalidTokenException): invalid, fault: client\n'),
    reason: 'unauthorized',
    status: 400,
    message: 'endpoint answered HTTP 400 InvalidTokenException',
  },
  {
    name: '404 EKS Auth ResourceNotFoundException relayed (no association)',
    behaviour: text(404, '[r-2]: (ResourceNotFoundException): none, fault: client\n'),
    reason: 'not_found',
    status: 404,
    message: 'endpoint answered HTTP 404 ResourceNotFoundException',
  },
  {
    name: '500 EKS Auth InternalServerException relayed',
    behaviour: text(500, '[r-3]: (InternalServerException): oops, fault: server\n'),
    reason: 'server_error',
    status: 500,
    message: 'endpoint answered HTTP 500 InternalServerException',
  },
  {
    name: '301 redirect',
    behaviour: (res) => res.writeHead(301, { location: '/v2/credentials/elsewhere' }).end(),
    reason: 'redirect',
    status: 301,
  },
  {
    name: 'HTML',
    behaviour: text(200, '<html><body>Proxy login</body></html>'),
    reason: 'invalid_json',
  },
  {
    name: 'truncated JSON with honest length',
    behaviour: text(200, ecsBody().slice(0, 60)),
    reason: 'invalid_json',
  },
  {
    name: 'wrong types',
    behaviour: json(200, {
      RoleArn: 1,
      AccessKeyId: [],
      SecretAccessKey: CANARY.secret,
      Token: CANARY.token,
      Expiration: 5,
    }),
    reason: 'invalid_response',
  },
  {
    name: 'expired',
    behaviour: text(200, ecsBody({ expiration: new Date(Date.now() - 60_000) })),
    reason: 'expired',
  },
  {
    name: 'huge, declared',
    behaviour: (res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(8 * 1024 * 1024),
      });
      res.write(Buffer.alloc(1024, 0x20));
    },
    reason: 'too_large',
  },
  {
    name: 'huge, chunked',
    behaviour: (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 1024 && res.write(chunk)) sent++;
        if (sent < 1024 && !res.destroyed) res.once('drain', pump);
        else res.end();
      };
      pump();
    },
    reason: 'too_large',
  },
];

for (const c of cases) {
  test(`fetch: ${c.name} → ${c.reason}`, async (t) => {
    const server = await startServer((_req, res, socket) => c.behaviour(res, socket));
    const dispatcher = new Agent();
    t.after(async () => {
      await dispatcher.close().catch(() => {});
      await server.close();
    });
    const endpoint = resolveContainerEndpoint(
      { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.credentialsId}` },
      server.url,
    );
    assert.ok(endpoint);
    const err = await fetchContainerCredentials(endpoint, {
      dispatcher,
      timeoutMs: 300,
      now: Date.now,
      readFile: (p) => readFile(p, 'utf8'),
    }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof EndpointError, String(err));
    assert.equal(err.reason, c.reason, err.message);
    if (c.status !== undefined) assert.equal(err.status, c.status);
    if (c.retryAfterMs !== undefined) assert.equal(err.retryAfterMs, c.retryAfterMs);
    if (c.message !== undefined) assert.equal(err.message, c.message);
    assertNoCanary(`${err.message} ${err.stack} ${JSON.stringify(err)}`, 'error');
  });
}

test('connection refused → connection', async () => {
  const server = await startServer(() => {});
  await server.close();
  const endpoint = resolveContainerEndpoint(
    { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' },
    server.url,
  );
  assert.ok(endpoint);
  await assert.rejects(
    fetchContainerCredentials(endpoint, {
      dispatcher: new Agent(),
      timeoutMs: 500,
      now: Date.now,
      readFile: async () => '',
    }),
    {
      reason: 'connection',
      message: 'connection failed (ECONNREFUSED)',
    },
  );
});

test('success: Date header kept for skew; token file re-read per request and sent as Authorization', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'first-token');
  const seen: (string | undefined)[] = [];
  const server = await startServer((req, res) => {
    seen.push(req.headers.authorization);
    res
      .writeHead(200, {
        'content-type': 'application/json',
        date: new Date(Date.now() + 120_000).toUTCString(),
      })
      .end(ecsBody());
  });
  const dispatcher = new Agent();
  t.after(async () => {
    await dispatcher.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const endpoint = resolveContainerEndpoint({
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/v1/credentials`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
  });
  assert.ok(endpoint);
  const deps = {
    dispatcher,
    timeoutMs: 1000,
    now: Date.now,
    readFile: (p: string) => readFile(p, 'utf8'),
  };
  const f = await fetchContainerCredentials(endpoint, deps);
  assert.equal(f.identity.roleName, 'orders-task');
  assert.ok(
    f.endpointDate !== null && Math.abs(f.endpointDate.getTime() - Date.now() - 120_000) < 3000,
  );
  writeFileSync(tokenFile, 'second-token');
  await fetchContainerCredentials(endpoint, deps);
  assert.deepEqual(seen, ['first-token', 'second-token']);

  writeFileSync(tokenFile, `${CANARY.authToken}\n`);
  await assert.rejects(fetchContainerCredentials(endpoint, deps), (e: unknown) => {
    assert.ok(e instanceof EndpointError);
    assert.equal(e.reason, 'token_file');
    assertNoCanary(e.message, 'token_file error');
    return true;
  });
  await assert.rejects(
    fetchContainerCredentials(
      { ...endpoint, authorization: { kind: 'file', path: join(dir, 'missing') } },
      deps,
    ),
    {
      reason: 'token_file',
      message: 'cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (ENOENT)',
    },
  );
  assert.equal(seen.length, 2, 'a bad token file never reaches the network');
});
