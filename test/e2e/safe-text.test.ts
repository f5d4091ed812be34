/**
 * An endpoint serving terminal escapes in RoleArn: every text view shows them written out
 * (`\x1b`, `\x0d`, `\u202e`) and cannot forge a line; JSON carries the value as it came.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { test } from 'node:test';
import { collect, ecsBody, startServer, waitFor } from '../helpers.ts';
import { BIN, childEnv, startSidecarProcess } from '../sidecar-process.ts';

const HOSTILE =
  'arn:aws:iam::111122223333:role/orders-task\u001b]0;pwned\u0007\r\u001b[2Khealth          ok\u202e\u0085';
// biome-ignore lint/complexity/useRegexLiterals: a literal would hold raw control characters
const RAW = new RegExp(
  '[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]',
);

function get(url: string, accept: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { accept } }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

async function cli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, 10_000);
}

test('hostile RoleArn: whoami text, /whoami?format=text and check escape it; JSON keeps it', async (t) => {
  const endpoint = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(ecsBody({ roleArn: HOSTILE }));
  });
  t.after(() => endpoint.close());
  const sidecar = await startSidecarProcess({
    ROLECALL_CONTAINER_HOST: endpoint.url,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/safe-text',
  });
  t.after(() => sidecar.stop('SIGKILL'));
  await waitFor(
    async () =>
      JSON.parse(await get(`${sidecar.adminUrl}/whoami`, 'application/json')).role.arn !== null,
    5000,
    'first fetch',
  );
  const json = JSON.parse(await get(`${sidecar.adminUrl}/whoami`, 'application/json'));
  assert.equal(json.role.arn, HOSTILE, 'JSON carries the value unchanged (JSON-escaped)');

  const views = {
    http: await get(`${sidecar.adminUrl}/whoami?format=text`, 'text/plain'),
    whoami: (await cli(['whoami', '--url', `${sidecar.adminUrl}/whoami`], {})).stdout,
    check: (
      await cli(['check'], {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint.url}/v2/credentials/safe-text`,
      })
    ).stdout,
  };
  for (const [name, text] of Object.entries(views)) {
    assert.ok(
      text.includes('orders-task\\x1b]0;pwned\\x07\\x0d\\x1b[2Khealth'),
      `${name}:\n${text}`,
    );
    assert.ok(text.includes('\\u202e\\x85'), name);
    assert.ok(!RAW.test(text), `${name} holds a raw control character`);
    assert.equal(text.match(/^health {10}/gm)?.length ?? 0, name === 'check' ? 0 : 1, name);
  }
});
