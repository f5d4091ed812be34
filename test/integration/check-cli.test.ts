/**
 * `rolecall check` end to end through `runCheck`: canary secrets in the environment and in real
 * shared files under os.tmpdir(); none may appear in text or JSON. Exit codes 0/1/3/2, globs.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Identity } from '../../src/check/verdict.ts';
import { runCheck } from '../../src/cli/commands/check.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const CANARY = {
  envSecret: 'CANARYenvSECRETwJalrXUtnFEMIK7MDENGbPxRfiCY',
  envSession: 'CANARYenvSESSIONtokenIQoJb3JpZ2luX2VjEJr',
  fileSecret: 'CANARYfileSECRETxK7MDENGbPxRfiCYEXAMPLEKEY',
  fileSession: 'CANARYfileSESSIONtokenFwoGZXIvYXdzEJr',
  relativeId: 'CANARYrelative-0b5a1f1e-uri-id',
  authToken: 'CANARYauthorizationTOKENvalue',
  process: 'CANARYprocessARGUMENT',
  jwtSignature: 'CANARYjwtSIGNATUREc2lnbmF0dXJl',
};
const ROLE = 'arn:aws:iam::111122223333:role/orders-task';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-check-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const realReadFile = async (path: string) => {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
};

const identityOk = (roleArn: string | null = ROLE): Identity => ({
  ok: true,
  source: 'container-role',
  roleArn,
  accountId: '111122223333',
  expiration: '2026-11-28T18:00:00Z',
  accessKeyIdMasked: '****************WXYZ',
});

async function check(
  argv: string[],
  env: Record<string, string | undefined>,
  fetchIdentity?: () => Promise<Identity>,
) {
  let stdout = '';
  let stderr = '';
  let fetches = 0;
  const code = await runCheck(argv, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env: { HOME: dir, ...env },
    now: () => NOW,
    readFile: realReadFile,
    ...(fetchIdentity === undefined
      ? {}
      : {
          fetchIdentity: () => {
            fetches++;
            return fetchIdentity();
          },
        }),
  });
  const all = stdout + stderr;
  for (const [name, value] of Object.entries(CANARY)) {
    assert.ok(!all.includes(value), `canary ${name} leaked into the output:\n${all}`);
  }
  return { code, stdout, stderr, fetches };
}

const INCIDENT = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: CANARY.envSecret,
  AWS_SESSION_TOKEN: CANARY.envSession,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.relativeId}`,
  AWS_REGION: 'eu-west-1',
};

test('classic incident, text: env keys shadow the container role for every SDK: exit 1', async () => {
  const r = await check([], INCIDENT, async () => identityOk());
  assert.equal(r.code, 1);
  assert.equal(r.fetches, 1);
  assert.match(r.stdout, /^NAME {7}: VALUE {20}: TYPE {13}: LOCATION$/m);
  assert.match(r.stdout, /^access_key : \*{16}MPLE {5}: env {14}: AWS_ACCESS_KEY_ID$/m);
  assert.match(r.stdout, /^secret_key : \*{20} {5}: env/m);
  assert.match(r.stdout, /^botocore \(boto3, AWS CLI\) +env +container-role +AWS_ACCESS_KEY_ID/m);
  assert.match(r.stdout, /^Java SDK v2 +env +container-role/m);
  assert.match(
    r.stdout,
    /identity {2}container-role {2}arn:aws:iam::111122223333:role\/orders-task/,
  );
  assert.match(
    r.stdout,
    /^result {4}CONTAINER ROLE SHADOWED for botocore, js-v3, go-v2, java-v2; remove first: unset AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN$/m,
  );
  assert.match(
    r.stdout,
    /! env shadows the container role \(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \(set\)\)/,
  );
});

test('classic incident with --expect-role: shadowing is exit 1, before any role comparison', async () => {
  const r = await check(['--expect-role', '*-task'], INCIDENT, async () => identityOk());
  assert.equal(r.code, 1);
  assert.match(r.stdout, /CONTAINER ROLE SHADOWED/);
});

test('static keys outside a container with --expect-role: the role is unknown, exit 3', async () => {
  const { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: _, ...keysOnly } = INCIDENT;
  const r = await check(['--expect-role', '*-task'], keysOnly);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /ROLE MISMATCH: expected \*-task; botocore: role unknown/);
});

test('an ECS container without a task role falls back to the instance role: exit 1', async () => {
  const env = { ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/abc' };
  const r = await check([], env, async () => identityOk());
  assert.equal(r.code, 1);
  assert.equal(r.fetches, 0);
  assert.match(r.stdout, /^result {4}INSTANCE ROLE FALLBACK for botocore, js-v3, go-v2, java-v2/m);
  assert.match(r.stdout, /give the task a task role \(taskRoleArn\)/);
  // The same environment outside a container (no marker) is a plain EC2 host: the instance role is right.
  const host = await check([], {}, async () => identityOk());
  assert.equal(host.code, 0, host.stdout);
});

test('classic incident, JSON: machine-readable, shadowsContainer per SDK, nothing secret', async () => {
  const r = await check(['--json'], INCIDENT, async () => identityOk());
  const body = JSON.parse(r.stdout);
  assert.equal(body.exitCode, 1);
  assert.deepEqual(body.result.shadowedFor, ['botocore', 'js-v3', 'go-v2', 'java-v2']);
  assert.deepEqual(
    body.sdks.map((s: { sdk: string; winner: { type: string }; shadowsContainer: boolean }) => [
      s.sdk,
      s.winner.type,
      s.shadowsContainer,
    ]),
    [
      ['botocore', 'env', true],
      ['js-v3', 'env', true],
      ['go-v2', 'env', true],
      ['java-v2', 'env', true],
    ],
  );
  assert.equal(body.identity.accessKeyIdMasked, '****************WXYZ');
  assert.equal(body.container.evidence, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (set)');
});

for (const [pattern, want] of [
  ['*-task', 0],
  ['orders-*', 0],
  [ROLE, 0],
  ['arn:aws:iam::111122223333:role/*', 0],
  ['*-admin', 3],
  ['arn:aws:iam::999999999999:role/orders-task', 3],
] as const) {
  test(`task role only, --expect-role ${pattern} → exit ${want}`, async () => {
    const env = {
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.relativeId}`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: CANARY.authToken,
    };
    const r = await check(['--expect-role', pattern], env, async () => identityOk());
    assert.equal(r.code, want, r.stdout);
  });
}

test('the container endpoint failing is no usable credentials: exit 1', async () => {
  const env = { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.relativeId}` };
  const r = await check([], env, async () => ({
    ok: false,
    reason: 'uninitialized',
    message: 'HTTP 503 CredentialsUninitialized',
  }));
  assert.equal(r.code, 1);
  assert.match(r.stdout, /container endpoint failed \(uninitialized\)/);
  assert.match(r.stdout, /NO USABLE CREDENTIALS/);
});

test('nothing configured on Fargate: exit 1, and no fetch without an endpoint', async () => {
  const r = await check([], { AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE' }, async () => identityOk());
  assert.equal(r.code, 1);
  assert.equal(r.fetches, 0);
  assert.match(r.stdout, /no container credentials endpoint configured/);
});

test('real shared files with canaries: static profile keys win and are masked; fast', async () => {
  const credentials = await write(
    'credentials',
    `[default]\naws_access_key_id = AKIAFILEKEYEXAMPLE77\naws_secret_access_key = ${CANARY.fileSecret}\naws_session_token = ${CANARY.fileSession}\n`,
  );
  const config = await write(
    'config',
    `[default]\nregion = us-west-2\ncredential_process = /bin/helper --secret ${CANARY.process}\n`,
  );
  const env = { AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config };
  const started = performance.now();
  const text = await check([], env);
  assert.ok(performance.now() - started < 1000);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^access_key : \*{16}LE77 +: shared-credentials-file/m);
  assert.match(text.stdout, /^region {5}: us-west-2 +: config-file +: .*config$/m);
  const json = JSON.parse((await check(['--json'], env)).stdout);
  assert.deepEqual(
    json.sdks.map((s: { winner: { type: string } }) => s.winner.type),
    [
      'shared-credentials-file',
      'shared-credentials-file',
      'shared-credentials-file',
      'custom-process',
    ],
  );
});

test('config file [app] instead of [profile app]: a warning, and botocore cannot find the profile', async () => {
  const config = await write(
    'config-bad',
    `[app]\naws_access_key_id = AKIAFILEKEYEXAMPLE77\naws_secret_access_key = ${CANARY.fileSecret}\n`,
  );
  const env = {
    AWS_CONFIG_FILE: config,
    AWS_PROFILE: 'app',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.relativeId}`,
  };
  const r = await check([], env, async () => identityOk());
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /section \[app\] is not a profile; in the config file write \[profile app\]/,
  );
  assert.match(r.stdout, /ProfileNotFound/);
});

test('[profile app] in the config file under ~/: found through HOME', async () => {
  await write('cfg-home', `[profile app]\nrole_arn = ${ROLE}\ncredential_source = EcsContainer\n`);
  const env = {
    AWS_CONFIG_FILE: '~/cfg-home',
    AWS_PROFILE: 'app',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.relativeId}`,
  };
  const r = await check(['--json', '--expect-role', '*-task'], env, async () => identityOk());
  const body = JSON.parse(r.stdout);
  assert.equal(body.files.config.path, join(dir, 'cfg-home'));
  assert.equal(body.sdks[0].winner.type, 'assume-role');
  assert.equal(body.sdks[0].roleArn, ROLE);
  // botocore signs AssumeRole with AWS_DEFAULT_REGION or the profile's region, never AWS_REGION.
  assert.equal(r.code, 1);
  assert.match(body.sdks[0].why, /NoRegionError/);
  const withRegion = await check(
    ['--json', '--expect-role', '*-task'],
    { ...env, AWS_DEFAULT_REGION: 'eu-west-1' },
    async () => identityOk(),
  );
  assert.equal(withRegion.code, 0, withRegion.stdout);
});

test('expired web identity token in a real file: exit 1, expiry shown, token never printed', async () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const token = await write(
    'token',
    `${b64({ alg: 'RS256' })}.${b64({ exp: NOW / 1000 - 120, sub: 'system:serviceaccount:a:b' })}.${CANARY.jwtSignature}`,
  );
  const env = {
    AWS_WEB_IDENTITY_TOKEN_FILE: token,
    AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/irsa',
  };
  const r = await check([], env);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /expired at 2026-11-28T11:58:00.000Z \(120s ago\)/);
  const missing = await check([], {
    ...env,
    AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'no-such-token'),
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /cannot be read/);
});

test('--help exits 0; an unknown flag or an empty --expect-role exits 2', async () => {
  const help = await check(['--help'], {});
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: rolecall check \[--json\] \[--expect-role P\]/);
  assert.equal((await check(['--nope'], {})).code, 2);
  assert.equal((await check(['--expect-role', ''], {})).code, 2);
  assert.equal((await check(['--expect-role', '*'.repeat(2049)], {})).code, 2);
});

test('SSO: no cached token is no usable credentials; a cached unexpired one is', async () => {
  const home = join(dir, 'sso-home');
  await mkdir(join(home, '.aws', 'sso', 'cache'), { recursive: true });
  const url = 'https://corp.awsapps.com/start';
  await writeFile(
    join(home, '.aws', 'config'),
    `[default]\nsso_start_url = ${url}\nsso_region = eu-west-1\nsso_account_id = 111122223333\nsso_role_name = Dev\n`,
  );
  const env = { HOME: home, AWS_EC2_METADATA_DISABLED: 'true' };
  const before = await check([], env);
  assert.equal(before.code, 1);
  assert.match(before.stdout, /no SSO token is cached \(~\/\.aws\/sso\/cache\): run aws sso login/);
  const sha = createHash('sha1').update(url).digest('hex');
  await writeFile(
    join(home, '.aws', 'sso', 'cache', `${sha}.json`),
    JSON.stringify({ accessToken: CANARY.authToken, expiresAt: '2026-11-28T13:00:00Z' }),
  );
  const after = await check([], env);
  assert.equal(after.code, 0, after.stdout);
  assert.ok(!after.stdout.includes(CANARY.authToken));
});

test('credential_process is never run, and check says it cannot vouch for it', async () => {
  const marker = join(dir, 'process-ran');
  const config = await write(
    'cfg-process',
    `[default]\ncredential_process = /bin/sh -c "touch ${marker}"\n`,
  );
  const env = { AWS_CONFIG_FILE: config, AWS_EC2_METADATA_DISABLED: 'true' };
  const text = await check([], env);
  assert.match(text.stdout, /\? credential_process is not run by check/);
  const json = JSON.parse((await check(['--json'], env)).stdout);
  assert.match(json.sdks[1].unverified, /not run by check/);
  await assert.rejects(readFile(marker), /ENOENT/);
});
