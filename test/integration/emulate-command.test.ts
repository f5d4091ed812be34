/**
 * `rolecall emulate --mode ecs|eks|imds` in-process through `main(argv, io)`: the export lines of
 * each mode point at a live loopback endpoint; an unknown mode exits 2; `--help` names the modes.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { type Io, main } from '../../src/cli/main.ts';
import { exportedVariables } from '../helpers.ts';
import { rawRequest } from '../raw-request.ts';

/** Runs `emulate` until `body` has used the printed env, then sends the "signal". */
async function emulate(
  args: string[],
  body: (env: Record<string, string>, stdout: string) => Promise<void>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  let stop: (sig: string) => void = () => {};
  const stopped = new Promise<string>((r) => {
    stop = r;
  });
  let failure: unknown = null;
  const io: Io = {
    env: {},
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    untilSignal: () => {
      body(exportedVariables(stdout), stdout).then(
        () => stop('SIGTERM'),
        (err: unknown) => {
          failure = err;
          stop('SIGTERM');
        },
      );
      return stopped;
    },
  };
  const code = await main(['emulate', ...args], io);
  if (failure !== null) throw failure;
  return { code, stdout, stderr };
}

test('ecs: relative URI, container host and metadata URI, as before', async () => {
  const r = await emulate(['--scenario', 'fast'], async (env) => {
    assert.deepEqual(Object.keys(env), [
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'ROLECALL_CONTAINER_HOST',
      'ECS_CONTAINER_METADATA_URI_V4',
    ]);
    const res = await rawRequest(
      env.ROLECALL_CONTAINER_HOST ?? '',
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? '',
    );
    assert.equal(res.status, 200);
  });
  assert.equal(r.code, 0);
  assert.match(
    r.stdout,
    /^# rolecall emulator \(ecs, scenario fast\) on http:\/\/127\.0\.0\.1:\d+;/,
  );
});

test('eks: full URI and token file (never the token); the file is removed on exit', async () => {
  let file = '';
  let token = '';
  const r = await emulate(['--mode', 'eks'], async (env) => {
    assert.deepEqual(Object.keys(env), [
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
      'AWS_EC2_METADATA_DISABLED',
    ]);
    assert.match(
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? '',
      /^http:\/\/127\.0\.0\.1:\d+\/v1\/credentials$/,
    );
    file = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ?? '';
    assert.equal(statSync(file).mode & 0o777, 0o600);
    token = readFileSync(file, 'utf8');
    const url = new URL(env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? '');
    const res = await rawRequest(url.origin, url.pathname, { headers: { authorization: token } });
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).AccountId, '111122223333');
  });
  assert.equal(r.code, 0);
  assert.ok(token.length > 100);
  assert.ok(!r.stdout.includes(token), 'the token is never printed');
  assert.equal(existsSync(file), false);
});

test('imds on ::1: the SDK endpoint and ROLECALL_IMDS_HOST, no container variables', async () => {
  const r = await emulate(['--mode', 'imds', '--host', '::1'], async (env) => {
    assert.deepEqual(env, {
      AWS_EC2_METADATA_SERVICE_ENDPOINT: env.ROLECALL_IMDS_HOST,
      ROLECALL_IMDS_HOST: env.ROLECALL_IMDS_HOST,
      AWS_EC2_METADATA_DISABLED: 'false',
    });
    assert.match(env.ROLECALL_IMDS_HOST ?? '', /^http:\/\/\[::1\]:\d+$/);
    const put = await rawRequest(env.ROLECALL_IMDS_HOST ?? '', '/latest/api/token', {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
    });
    const list = await rawRequest(
      env.ROLECALL_IMDS_HOST ?? '',
      '/latest/meta-data/iam/security-credentials/',
      { headers: { 'x-aws-ec2-metadata-token': put.body } },
    );
    assert.equal(list.body, 'orders-task');
  });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /_FULL_URI are unset/);
});

test('an unknown mode exits 2 naming the modes; --help lists them', async () => {
  const r = await emulate(['--mode', 'ecs2'], async () => assert.fail('must not start'));
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'rolecall emulate: unknown --mode "ecs2"; expected one of ecs, eks, imds\n',
  );
  assert.equal(r.stdout, '');
  let help = '';
  const io: Io = {
    env: {},
    stdout: (s) => {
      help += s;
    },
    stderr: () => {},
    untilSignal: () => Promise.resolve('SIGTERM'),
  };
  assert.equal(await main(['emulate', '--help'], io), 0);
  assert.match(help, /--mode ecs\|eks\|imds/);
  for (const mode of ['ecs', 'eks', 'imds']) assert.match(help, new RegExp(`\\n {2}${mode} `));
  help = '';
  await main(['--help'], io);
  assert.match(help, /emulate \[--mode ecs\|eks\|imds\]/);
});

test('a non-loopback --host is refused (exit 2, nothing bound) unless --allow-remote', async () => {
  for (const host of ['0.0.0.0', '::', '[::]', '10.0.0.1', 'example.com']) {
    const r = await emulate(['--host', host], async () => assert.fail('must not start'));
    assert.equal(r.code, 2, host);
    assert.equal(
      r.stderr,
      `rolecall emulate: --host ${host} is not a loopback address; pass --allow-remote to serve other hosts\n`,
    );
  }
  // Past the host check, stopped by the port check: nothing is bound in a test.
  const allowed = await emulate(
    ['--host', '0.0.0.0', '--allow-remote', '--port', '99999'],
    async () => assert.fail('must not start'),
  );
  assert.equal(allowed.code, 2);
  assert.match(allowed.stderr, /--port "99999" is not a port number/);
});
