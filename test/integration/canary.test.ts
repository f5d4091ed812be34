/**
 * Canary values for the secret key, session token, authorization token and credentials id go
 * through success and failure paths; none may appear in any answer or log line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import request from 'supertest';
import { assertNoCanary, CANARY, ecsBody, startServer, waitFor } from '../helpers.ts';
import { startSidecar } from '../sidecar.ts';

type Answer = { status: number; body: string; type?: string };

/** Every phase a poll can go through, each echoing canaries where a careless client would log them. */
const PHASES: Answer[] = [
  { status: 200, body: ecsBody({ key: 'ASIACANARY0000000001' }) },
  {
    status: 200,
    body: JSON.stringify({
      AccessKeyId: 'ASIACANARY0000000002',
      SecretAccessKey: CANARY.secret,
      Token: CANARY.token,
      Expiration: CANARY.secret,
    }),
  },
  { status: 200, body: `{"SecretAccessKey":"${CANARY.secret}","Token":"${CANARY.token}"` },
  {
    status: 400,
    body: `Service account token cannot be parsed: ${CANARY.authToken}\n`,
    type: 'text/plain',
  },
  {
    status: 500,
    body: JSON.stringify({
      code: 'InternalServerError',
      message: `${CANARY.credentialsId} ${CANARY.secret}`,
      HTTPErrorCode: 500,
    }),
  },
  {
    status: 200,
    body: ecsBody({ key: 'ASIACANARY0000000003', expiration: new Date(Date.now() - 1000) }),
  },
  { status: 200, body: ecsBody({ key: 'ASIACANARY0000000004' }) },
];

async function collectAll(
  publicUrl: string,
  adminUrl: string,
  token: string | null,
): Promise<string> {
  const auth = token === null ? {} : { authorization: `Bearer ${token}` };
  const parts = await Promise.all([
    request(publicUrl).get('/healthz'),
    request(publicUrl).get('/metrics'),
    request(adminUrl).get('/whoami').set(auth),
    request(adminUrl).get('/whoami?format=text').set(auth),
    request(adminUrl).get('/metrics').set(auth),
  ]);
  return parts.map((p) => p.text).join('\n');
}

for (const mode of ['relative URI', 'full URI with token file'] as const) {
  test(`no canary leaks through any phase (${mode})`, async (t) => {
    let phase = 0;
    const authSeen: string[] = [];
    const server = await startServer((req, res) => {
      if (req.headers.authorization) authSeen.push(req.headers.authorization);
      const a = PHASES[Math.min(phase, PHASES.length - 1)] as Answer;
      res.writeHead(a.status, { 'content-type': a.type ?? 'application/json' }).end(a.body);
    });
    const dir = mkdtempSync(join(tmpdir(), 'rolecall-canary-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, CANARY.authToken);
    const env: Record<string, string> =
      mode === 'relative URI'
        ? {
            AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.credentialsId}`,
            ROLECALL_CONTAINER_HOST: server.url,
          }
        : {
            AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.url}/v1/credentials?id=${CANARY.credentialsId}`,
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
          };
    const { service, logs, publicUrl, adminUrl } = await startSidecar({
      ...env,
      ROLECALL_POLL_INTERVAL: '1s',
      ROLECALL_POLL_TIMEOUT: '500ms',
    });
    t.after(async () => {
      await service.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const seen: string[] = [];
    for (phase = 0; phase < PHASES.length; phase++) {
      const polls = service.state().polls;
      await waitFor(() => service.state().polls > polls, 10_000, `phase ${phase}`);
      seen.push(await collectAll(publicUrl, adminUrl, null));
    }
    if (mode === 'full URI with token file') {
      writeFileSync(tokenFile, `${CANARY.authToken}\n`);
      const polls = service.state().polls;
      await waitFor(() => service.state().polls > polls, 10_000, 'token file with newline');
      assert.equal(service.state().lastError?.reason, 'token_file');
      seen.push(await collectAll(publicUrl, adminUrl, null));
      assert.ok(
        authSeen.every((a) => a === CANARY.authToken),
        'the token was sent, verbatim',
      );
    }
    const reasons = new Set(
      service.state().history.flatMap((e) => (e.type === 'fetch_failed' ? [e.reason] : [])),
    );
    for (const r of ['invalid_response', 'invalid_json', 'http_error', 'server_error', 'expired'])
      assert.ok(reasons.has(r), `phase ${r} happened`);
    assertNoCanary(seen.join('\n'), 'HTTP answers');
    assertNoCanary(logs.text(), 'logs');
    assert.ok(logs.lines.length > 10, 'logs were captured');
  });
}
