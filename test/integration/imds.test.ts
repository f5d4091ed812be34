/** The EC2 instance-role fallback over IMDSv2, against a faithful loopback IMDS. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { assertNoCanary, CANARY, startServer, waitFor } from '../helpers.ts';
import { startSidecar } from '../sidecar.ts';

/** IMDSv2 as EC2 serves it; `stallPut` simulates the hop-limit drop. */
async function fakeImds(opts: { stallPut?: boolean } = {}) {
  const tokens = new Set<string>();
  const calls: string[] = [];
  let n = 0;
  const server = await startServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    if (req.method === 'PUT' && req.url === '/latest/api/token') {
      if (opts.stallPut) return;
      const ttl = req.headers['x-aws-ec2-metadata-token-ttl-seconds'];
      if (typeof ttl !== 'string' || !/^\d+$/.test(ttl) || Number(ttl) < 1 || Number(ttl) > 21600)
        return void res.writeHead(400).end();
      const token = `imds-token-${++n}`;
      tokens.add(token);
      return void res
        .writeHead(200, {
          'x-aws-ec2-metadata-token-ttl-seconds': ttl,
          'content-type': 'text/plain',
        })
        .end(token);
    }
    const token = req.headers['x-aws-ec2-metadata-token'];
    if (typeof token !== 'string' || !tokens.has(token)) return void res.writeHead(401).end();
    const exp = new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    switch (req.url) {
      case '/latest/meta-data/iam/security-credentials/':
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ecsInstanceRole');
      case '/latest/meta-data/iam/security-credentials/ecsInstanceRole':
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end(
          JSON.stringify({
            Code: 'Success',
            LastUpdated: '2026-11-28T11:55:00Z',
            Type: 'AWS-HMAC',
            AccessKeyId: 'ASIAIMDSKEY000000042',
            SecretAccessKey: CANARY.secret,
            Token: CANARY.token,
            Expiration: exp,
          }),
        );
      case '/latest/meta-data/iam/info':
        return void res.writeHead(200).end(
          JSON.stringify({
            Code: 'Success',
            InstanceProfileArn: 'arn:aws:iam::444455556666:instance-profile/ecsInstanceProfile',
            InstanceProfileId: 'AIPAEXAMPLE',
          }),
        );
      default:
        res.writeHead(404).end();
    }
  });
  return { server, calls, revoke: () => tokens.clear() };
}

const imdsEnv = (url: string) => ({
  AWS_EC2_METADATA_DISABLED: 'false',
  ROLECALL_IMDS_HOST: url,
  ROLECALL_POLL_INTERVAL: '1s',
  ROLECALL_POLL_TIMEOUT: '300ms',
});

test('no container variables: the instance role is reported, degraded, with its name and built ARN', async (t) => {
  const imds = await fakeImds();
  const { service, publicUrl, adminUrl, logs } = await startSidecar(imdsEnv(imds.server.url));
  t.after(async () => {
    await service.close();
    await imds.server.close();
  });
  await waitFor(() => service.state().polls >= 2, 5000, 'two polls');
  const h = await request(publicUrl).get('/healthz').expect(200);
  assert.equal(h.body.status, 'degraded');
  assert.deepEqual(h.body.checks[1], {
    name: 'source',
    status: 'degraded',
    detail: 'no task role: SDKs in this task use the instance role ecsInstanceRole',
  });
  const w = await request(adminUrl).get('/whoami').expect(200);
  assert.equal(w.body.source, 'iam-role');
  assert.deepEqual(w.body.role, {
    arn: 'arn:aws:iam::444455556666:role/ecsInstanceRole',
    name: 'ecsInstanceRole',
    account: '444455556666',
  });
  assert.equal(w.body.lastUpdated, '2026-11-28T11:55:00Z');
  const m = await request(publicUrl).get('/metrics');
  assert.match(
    m.text,
    /^rolecall_identity_info\{source="iam-role",role_arn="arn:aws:iam::444455556666:role\/ecsInstanceRole",role_name="ecsInstanceRole",account_id="444455556666"\} 1$/m,
  );
  assert.equal(
    imds.calls.filter((c) => c.startsWith('PUT')).length,
    1,
    'the session token is reused across polls',
  );
  assert.equal(
    imds.calls.filter((c) => c.endsWith('/iam/info')).length,
    1,
    'the account is looked up once',
  );
  assert.equal(logs.named('credentials.instance_role_fallback').length, 1);
  imds.revoke();
  const polls = service.state().polls;
  await waitFor(() => service.state().polls >= polls + 2, 8000, 'polls after revocation');
  assert.ok(
    imds.calls.filter((c) => c.startsWith('PUT')).length >= 2,
    'a 401 drops the token and a new one is fetched',
  );
  assert.equal(service.state().phase, 'tracking');
  assertNoCanary([logs.text(), w.text, m.text].join('\n'), 'IMDS answers');
});

test('ROLECALL_ALLOW_INSTANCE_ROLE makes the instance role ok', async (t) => {
  const imds = await fakeImds();
  const { service, publicUrl } = await startSidecar({
    ...imdsEnv(imds.server.url),
    ROLECALL_ALLOW_INSTANCE_ROLE: 'true',
  });
  t.after(async () => {
    await service.close();
    await imds.server.close();
  });
  await waitFor(() => service.state().phase === 'tracking', 5000, 'first fetch');
  const h = await request(publicUrl).get('/healthz').expect(200);
  assert.equal(h.body.status, 'ok');
  assert.equal(
    h.body.checks[1].detail,
    'no task role: SDKs in this task use the instance role ecsInstanceRole (allowed by ROLECALL_ALLOW_INSTANCE_ROLE)',
  );
});

test('hop limit: the token PUT times out; the detail says so', async (t) => {
  const imds = await fakeImds({ stallPut: true });
  const { service, publicUrl } = await startSidecar(imdsEnv(imds.server.url));
  t.after(async () => {
    await service.close();
    await imds.server.close();
  });
  await waitFor(() => service.state().consecutiveFailures >= 3, 10_000, 'three failures');
  const h = await request(publicUrl).get('/healthz').expect(503);
  assert.equal(h.body.status, 'failing');
  assert.match(
    h.body.checks[0].detail,
    /last error timeout: the IMDSv2 token request timed out: from a container behind a bridge this is usually the hop limit/,
  );
  assert.match(
    h.body.checks[1].detail,
    /^no task role: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are unset/,
  );
});

test('no source at all: container variables unset and IMDS disabled', async (t) => {
  const { service, publicUrl } = await startSidecar({ AWS_EC2_METADATA_DISABLED: 'TRUE' });
  t.after(() => service.close());
  const h = await request(publicUrl).get('/healthz').expect(503);
  assert.match(
    h.body.checks[0].detail,
    /AWS_EC2_METADATA_DISABLED=true rules out the instance role/,
  );
});
