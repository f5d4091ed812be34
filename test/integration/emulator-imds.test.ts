/** IMDS mode on real sockets (loopback only): IMDSv2 required, token TTLs, the instance role. */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { parseCredentialsBody } from '../../src/credentials/parse.ts';
import {
  DEFAULT_ROLE_ARN,
  DEMO_SECOND_ROLE_ARN,
  type EmulatorOptions,
  parseScenario,
  SCENARIOS,
  startEmulator,
} from '../../src/emulator/index.ts';
import { rawRequest } from '../raw-request.ts';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
const CREDS = '/latest/meta-data/iam/security-credentials/';
const TTL = 'x-aws-ec2-metadata-token-ttl-seconds';

async function emulator(t: TestContext, extra: Partial<EmulatorOptions> = {}) {
  const clock = { ms: T0 };
  const emu = await startEmulator({
    scenario: SCENARIOS.steady,
    mode: 'imds',
    now: () => clock.ms,
    secretPrefix: 'CANARY-',
    ...extra,
  });
  t.after(() => emu.close());
  const put = (ttl: string | null = '21600', headers: Record<string, string> = {}) =>
    rawRequest(emu.url, '/latest/api/token', {
      method: 'PUT',
      headers: ttl === null ? headers : { [TTL]: ttl, ...headers },
    });
  const token = async (ttl = '21600') => {
    const r = await put(ttl);
    assert.equal(r.status, 200);
    return r.body;
  };
  const get = (path: string, tok?: string, method = 'GET') =>
    rawRequest(emu.url, path, {
      method,
      headers: tok === undefined ? {} : { 'x-aws-ec2-metadata-token': tok },
    });
  return { emu, clock, put, token, get };
}

const page = (status: number, reason: string) =>
  new RegExp(`<title>${status} - ${reason}</title>[\\s\\S]*<h1>${status} - ${reason}</h1>`);

test('env: the SDK and rolecall variables, IMDS enabled, no container variables', async (t) => {
  const { emu } = await emulator(t);
  assert.equal(emu.mode, 'imds');
  assert.deepEqual(emu.env, {
    AWS_EC2_METADATA_SERVICE_ENDPOINT: emu.url,
    ROLECALL_IMDS_HOST: emu.url,
    AWS_EC2_METADATA_DISABLED: 'false',
  });
  assert.equal(emu.tokenFile, null);
});

test('token PUT: 200 text token, the TTL echoed; 1..21600 only, else 400; proxied or GET refused', async (t) => {
  const { put, get } = await emulator(t);
  for (const ttl of ['1', '21600', '300']) {
    const r = await put(ttl);
    assert.equal(r.status, 200, ttl);
    assert.equal(r.headers[TTL], ttl);
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.match(r.body, /^AQAEA[\w-]+==$/);
  }
  for (const ttl of [null, '0', '21601', 'abc', '-5', '1.5', '']) {
    const r = await put(ttl);
    assert.equal(r.status, 400, `ttl ${ttl}`);
    assert.equal(r.headers['content-type'], 'text/html');
    assert.match(r.body, page(400, 'Bad Request'));
  }
  const proxied = await put('60', { 'x-forwarded-for': '198.51.100.7' });
  assert.equal(proxied.status, 403);
  const wrongMethod = await get('/latest/api/token');
  assert.deepEqual([wrongMethod.status, wrongMethod.headers.allow], [405, 'PUT']);
});

test('v2 required: no token (IMDSv1), an unknown token or an expired one is 401', async (t) => {
  const { emu, clock, token, get } = await emulator(t);
  const v1 = await get(CREDS);
  assert.equal(v1.status, 401);
  assert.match(v1.body, page(401, 'Unauthorized'));
  assert.equal((await get(CREDS, 'AQAEAnot-a-real-token==')).status, 401);
  const short = await token('1');
  const long = await token('21600');
  assert.equal((await get(CREDS, short)).status, 200);
  clock.ms += 999;
  assert.equal((await get(CREDS, short)).status, 200);
  clock.ms += 1;
  assert.equal((await get(CREDS, short)).status, 401, 'expired after its TTL');
  assert.equal((await get(CREDS, long)).status, 200);
  clock.ms = T0 + 21_600_000;
  assert.equal((await get(CREDS, long)).status, 401);
  assert.equal((await get('/latest/meta-data/iam/info', long)).status, 401);
  assert.equal(emu.requests(), 7, 'listing requests count, answered or refused');
});

test('role name, then credentials in IMDS JSON style; a wrong role name is 404', async (t) => {
  const { token, get } = await emulator(t);
  const tok = await token();
  const list = await get(CREDS, tok);
  assert.deepEqual(
    [list.status, list.body, list.headers['content-type']],
    [200, 'orders-task', 'text/plain'],
  );
  assert.equal((await get(CREDS.slice(0, -1), tok)).body, 'orders-task');
  const doc = await get(`${CREDS}orders-task`, tok);
  assert.equal(doc.status, 200);
  assert.match(
    doc.body,
    /^\{\n {2}"Code" : "Success",\n {2}"LastUpdated" : "2026-11-28T12:00:00Z",\n {2}"Type" : "AWS-HMAC",\n {2}"AccessKeyId" : "ASIA[A-Z2-7]{16}",\n {2}"SecretAccessKey" : "CANARY-0-[0-9a-f]+",\n {2}"Token" : "CANARY-token-0-[\w-]+",\n {2}"Expiration" : "2026-11-28T18:00:00Z"\n\}$/,
  );
  const parsed = parseCredentialsBody(JSON.parse(doc.body), 'iam-role', T0);
  assert.equal(parsed.identity.source, 'iam-role');
  for (const wrong of ['orders-admin', 'orders-task/x', 'ORDERS-TASK']) {
    const r = await get(`${CREDS}${wrong}`, tok);
    assert.equal(r.status, 404, wrong);
    assert.match(r.body, page(404, 'Not Found'));
  }
  assert.equal((await get(`${CREDS}orders-task`, tok, 'POST')).status, 405);
});

test('what rolecall and the SDKs also read: iam/info, region, instance id, identity document', async (t) => {
  const { token, get } = await emulator(t);
  const tok = await token();
  const info = JSON.parse((await get('/latest/meta-data/iam/info', tok)).body);
  assert.equal(info.Code, 'Success');
  assert.equal(info.InstanceProfileArn, 'arn:aws:iam::111122223333:instance-profile/orders-task');
  assert.match(info.InstanceProfileId, /^AIPA[0-9A-F]{16}$/);
  assert.equal((await get('/latest/meta-data/placement/region', tok)).body, 'us-west-2');
  assert.equal(
    (await get('/latest/meta-data/placement/availability-zone', tok)).body,
    'us-west-2a',
  );
  const id = (await get('/latest/meta-data/instance-id', tok)).body;
  assert.match(id, /^i-[0-9a-f]{17}$/);
  const doc = JSON.parse((await get('/latest/dynamic/instance-identity/document', tok)).body);
  assert.deepEqual(
    [doc.accountId, doc.region, doc.instanceId, doc.availabilityZone],
    ['111122223333', 'us-west-2', id, 'us-west-2a'],
  );
  const missing = await get('/latest/meta-data/nope', tok);
  assert.deepEqual([missing.status, missing.headers['content-type']], [404, 'text/html']);
});

test('scenario timeline: rotation, a role change renames the role, outages on the credentials paths', async (t) => {
  const scenario = parseScenario({
    lifetimeSeconds: 3600,
    rotationLeadSeconds: 600,
    roles: [
      { at: 0, roleArn: DEFAULT_ROLE_ARN },
      { at: 4000, roleArn: DEMO_SECOND_ROLE_ARN },
    ],
    outages: [
      { at: 100, durationSeconds: 10, status: 503 },
      { at: 200, durationSeconds: 10, status: 404 },
      { at: 300, durationSeconds: 10, status: 500, code: 'Ignored' },
    ],
  });
  const { clock, token, get } = await emulator(t, { scenario });
  const tok = await token();
  const first = JSON.parse((await get(`${CREDS}orders-task`, tok)).body);
  for (const [at, status, reason] of [
    [105, 503, 'Service Unavailable'],
    [205, 404, 'Not Found'],
    [305, 500, 'Internal Server Error'],
  ] as const) {
    clock.ms = T0 + at * 1000;
    for (const path of [CREDS, `${CREDS}orders-task`]) {
      const r = await get(path, tok);
      assert.equal(r.status, status, `${path} at ${at} s`);
      assert.match(r.body, page(status, reason));
    }
    assert.equal((await get('/latest/meta-data/iam/info', tok)).status, 200, 'info stays up');
  }
  clock.ms = T0 + 3000_000; // lifetime − lead
  const rotated = JSON.parse((await get(`${CREDS}orders-task`, tok)).body);
  assert.notEqual(rotated.AccessKeyId, first.AccessKeyId);
  assert.equal(rotated.LastUpdated, '2026-11-28T12:50:00Z');
  assert.equal(rotated.Expiration, '2026-11-28T13:50:00Z');
  clock.ms = T0 + 4000_000;
  const fresh = await token();
  assert.equal((await get(CREDS, fresh)).body, 'orders-admin');
  assert.equal((await get(`${CREDS}orders-task`, fresh)).status, 404, 'the old role is gone');
  assert.equal((await get(`${CREDS}orders-admin`, fresh)).status, 200);
  const info = JSON.parse((await get('/latest/meta-data/iam/info', fresh)).body);
  assert.equal(info.InstanceProfileArn, 'arn:aws:iam::111122223333:instance-profile/orders-admin');
});

test('setRole and setOutage act on IMDS too; role names with IAM paths list only the name', async (t) => {
  const { emu, token, get } = await emulator(t);
  const tok = await token();
  emu.setRole('arn:aws:iam::444455556666:role/service-role/nightly@batch');
  assert.equal((await get(CREDS, tok)).body, 'nightly@batch');
  // rolecall asks for encodeURIComponent(name); the SDKs send it as listed.
  assert.equal((await get(`${CREDS}nightly%40batch`, tok)).status, 200);
  assert.equal((await get(`${CREDS}nightly@batch`, tok)).status, 200);
  const info = JSON.parse((await get('/latest/meta-data/iam/info', tok)).body);
  assert.equal(info.InstanceProfileArn, 'arn:aws:iam::444455556666:instance-profile/nightly@batch');
  emu.setOutage({ status: 429 });
  assert.equal((await get(CREDS, tok)).status, 429);
  emu.setOutage(null);
  assert.equal((await get(CREDS, tok)).status, 200);
});

test('IPv6 loopback: --host ::1', async (t) => {
  const { emu, token, get } = await emulator(t, { host: '::1' });
  assert.match(emu.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? '', /^http:\/\/\[::1\]:\d+$/);
  assert.equal((await get(CREDS, await token())).body, 'orders-task');
});
