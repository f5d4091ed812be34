import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { parseDuration } from '../../src/lib/duration.ts';
import { ConfigError } from '../../src/lib/errors.ts';
import { loadConfig, parseListen, readAdminTokenFile } from '../../src/sidecar/config.ts';

const noFiles = (p: string): string => {
  throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
};

function problems(
  env: Record<string, string>,
  readFile: Parameters<typeof loadConfig>[1] = noFiles,
): readonly string[] {
  try {
    loadConfig(env, readFile);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('defaults are the documented ones', () => {
  const c = loadConfig({}, noFiles);
  assert.deepEqual(c.listen, { host: '0.0.0.0', port: 9477 });
  assert.deepEqual(c.adminListen, { host: '127.0.0.1', port: 9478 });
  assert.equal(c.pollIntervalMs, 60_000);
  assert.equal(c.pollTimeoutMs, 2_000);
  assert.equal(c.minTtlMs, 600_000);
  assert.equal(c.containerHost, 'http://169.254.170.2');
  assert.equal(c.logLevel, 'info');
  assert.equal(c.adminToken, null);
  assert.equal(c.expectedRole, null);
  assert.equal(
    c.endpoint?.kind,
    'imds',
    'no container variable: SDKs fall back to the instance role',
  );
  assert.equal(c.endpoint?.kind === 'imds' && c.endpoint.base.href, 'http://169.254.169.254/');
  assert.equal(c.allowInstanceRole, false);
  assert.equal(loadConfig({ AWS_EC2_METADATA_DISABLED: 'true' }, noFiles).endpoint, null);
  assert.ok(Object.isFrozen(c));
});

test('durations: 500ms, 30s, 5m, 1h; nothing else', () => {
  assert.deepEqual(
    ['500ms', '30s', '5m', '1h'].map(parseDuration),
    [500, 30_000, 300_000, 3_600_000],
  );
  for (const bad of ['1', '1.5s', '-1s', '1d', 's', ' ', '1 s'])
    assert.equal(parseDuration(bad), null, bad);
});

test('listen addresses', () => {
  assert.deepEqual(parseListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListen('[::1]:9478'), { host: '::1', port: 9478 });
  assert.deepEqual(parseListen(':9477'), { host: '0.0.0.0', port: 9477 });
  assert.equal(parseListen('9477'), null);
  assert.equal(parseListen('host:70000'), null);
});

test('every problem is reported at once, word for word', () => {
  assert.deepEqual(
    problems({
      ROLECALL_LISTEN: 'nope',
      ROLECALL_ADMIN_LISTEN: '0.0.0.0:9478',
      ROLECALL_POLL_INTERVAL: '10',
      ROLECALL_POLL_TIMEOUT: '1m',
      ROLECALL_MIN_TTL: '7h',
      ROLECALL_LOG_LEVEL: 'loud',
      ROLECALL_CONTAINER_HOST: 'http://127.0.0.1:1/path',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://example.com/creds',
      ECS_CONTAINER_METADATA_URI_V4: 'relative/path',
    }),
    [
      'ROLECALL_LISTEN="nope" is not a listen address; expected host:port, [ipv6]:port or :port with a port from 0 to 65535',
      'ROLECALL_POLL_INTERVAL="10" is not a duration; expected a whole number with a unit: 500ms, 30s, 5m or 1h',
      'ROLECALL_POLL_TIMEOUT="1m" is out of range; expected from 100ms to 30s',
      'ROLECALL_MIN_TTL="7h" is out of range; expected from 0s to 6h',
      'ROLECALL_LOG_LEVEL="loud" is not a level; expected one of fatal, error, warn, info, debug, trace, silent',
      'ROLECALL_ADMIN_LISTEN="0.0.0.0:9478" is not a loopback address, so ROLECALL_ADMIN_TOKEN or ROLECALL_ADMIN_TOKEN_FILE is required',
      'ROLECALL_CONTAINER_HOST="http://127.0.0.1:1/path" is not a base URL; expected http(s)://host[:port] with no path',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI host example.com is not allowed: plain http is only accepted for loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23; use https for any other host',
      'ECS_CONTAINER_METADATA_URI_V4 is not an absolute URL; expected http://169.254.170.2/v4/<id>',
    ],
  );
});

test('timeout must be shorter than the interval', () => {
  assert.deepEqual(problems({ ROLECALL_POLL_INTERVAL: '2s', ROLECALL_POLL_TIMEOUT: '2s' }), [
    'ROLECALL_POLL_TIMEOUT must be shorter than ROLECALL_POLL_INTERVAL (2000ms >= 2000ms)',
  ]);
});

test('admin token: from env or file, never both, at least 16 characters, never printed', () => {
  const secret = 'CANARY-admin-token-9f8e7d6c';
  const c = loadConfig(
    { ROLECALL_ADMIN_LISTEN: '0.0.0.0:9478', ROLECALL_ADMIN_TOKEN: secret },
    noFiles,
  );
  assert.equal(c.adminToken?.reveal(), secret);
  for (const s of [JSON.stringify(c), inspect(c, { depth: 5 }), String(c.adminToken)])
    assert.ok(!s.includes(secret), s);
  const f = loadConfig({ ROLECALL_ADMIN_TOKEN_FILE: '/run/secrets/t' }, () => `${secret}\n`);
  assert.equal(f.adminToken?.reveal(), secret, 'file content is trimmed');
  assert.deepEqual(problems({ ROLECALL_ADMIN_TOKEN: 'short' }), [
    'ROLECALL_ADMIN_TOKEN is shorter than 16 characters; expected a random token of at least 16',
  ]);
  assert.deepEqual(problems({ ROLECALL_ADMIN_TOKEN: secret, ROLECALL_ADMIN_TOKEN_FILE: '/x' }), [
    'ROLECALL_ADMIN_TOKEN and ROLECALL_ADMIN_TOKEN_FILE are both set; set only one',
  ]);
  assert.deepEqual(problems({ ROLECALL_ADMIN_TOKEN_FILE: '/missing' }), [
    'ROLECALL_ADMIN_TOKEN_FILE (/missing) cannot be read (ENOENT); expected a readable file holding the token',
  ]);
});

test('a CR/LF authorization token is a configuration problem that does not echo the token', () => {
  const p = problems({
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:1/c',
    AWS_CONTAINER_AUTHORIZATION_TOKEN: 'CANARYTOK\r\nX: y',
  });
  assert.deepEqual(p, [
    'AWS_CONTAINER_AUTHORIZATION_TOKEN contains a carriage return or line feed, which no SDK sends as a header',
  ]);
});

test('the relative URI never appears in configuration errors', () => {
  const p = problems({
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/secret-id',
    ROLECALL_CONTAINER_HOST: 'ftp:/x',
  });
  assert.ok(!p.join('\n').includes('secret-id'), p.join('\n'));
});

test('ROLECALL_EXPECTED_ROLE longer than an ARN can be is refused', () => {
  assert.equal(
    loadConfig({ ROLECALL_EXPECTED_ROLE: '*'.repeat(2048) }, noFiles).expectedRole?.length,
    2048,
  );
  assert.deepEqual(problems({ ROLECALL_EXPECTED_ROLE: '*-'.repeat(1025) }), [
    'ROLECALL_EXPECTED_ROLE is longer than 2048 characters; expected a role ARN or a glob such as *-task',
  ]);
});

test('admin token: a line break, empty or whitespace only is a problem naming the variable', () => {
  const canary = 'CANARY-admin-token-1234567890';
  const cases: [Record<string, string>, string][] = [
    [
      { ROLECALL_ADMIN_TOKEN: `${canary}\nX-Other: 1` },
      'ROLECALL_ADMIN_TOKEN contains a line break, which no client can send in a header; expected one line',
    ],
    [
      { ROLECALL_ADMIN_TOKEN: '' },
      'ROLECALL_ADMIN_TOKEN is empty or only whitespace; expected a random token of at least 16 characters, or leave it unset',
    ],
    [
      { ROLECALL_ADMIN_TOKEN: '    ' },
      'ROLECALL_ADMIN_TOKEN is empty or only whitespace; expected a random token of at least 16 characters, or leave it unset',
    ],
  ];
  for (const [env, problem] of cases) {
    const p = problems(env);
    assert.deepEqual(p, [problem]);
    assert.ok(!p.join('').includes(canary));
  }
  const fromFile = (text: string) => problems({ ROLECALL_ADMIN_TOKEN_FILE: '/t' }, () => text);
  assert.deepEqual(fromFile(`${canary}\n${canary}\n`), [
    'ROLECALL_ADMIN_TOKEN_FILE (/t) contains a line break, which no client can send in a header; expected one line',
  ]);
  assert.deepEqual(fromFile(' \n \n'), [
    'ROLECALL_ADMIN_TOKEN_FILE (/t) is empty or only whitespace; expected a random token of at least 16 characters, or leave it unset',
  ]);
});

test('admin token file: a regular file of at most 4 KiB; group- or world-readable warns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-admin-'));
  try {
    const token = 'CANARY-admin-token-file-0123456789';
    const at = (name: string, mode: number, text = `${token}\n`) => {
      const p = join(dir, name);
      writeFileSync(p, text, { mode });
      chmodSync(p, mode);
      return p;
    };
    const load = (path: string) =>
      loadConfig({ ROLECALL_ADMIN_TOKEN_FILE: path }, readAdminTokenFile);
    const own = load(at('own', 0o600));
    assert.equal(own.adminToken?.reveal(), token);
    assert.deepEqual(own.warnings, []);
    assert.match(
      load(at('group', 0o640)).warnings[0] ?? '',
      /is readable by its group \(mode 0640\); chmod 600 it$/,
    );
    assert.match(
      load(at('world', 0o644)).warnings[0] ?? '',
      /is readable by every user \(mode 0644\)/,
    );

    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    mkdirSync(join(dir, 'sub'));
    symlinkSync(fifo, join(dir, 'link'));
    const refused: [string, RegExp][] = [
      [fifo, /is a FIFO, not a regular file; expected a regular file of at most 4096 bytes/],
      [join(dir, 'link'), /is a FIFO, not a regular file/],
      ['/dev/zero', /is a character device, not a regular file/],
      [join(dir, 'sub'), /is a directory, not a regular file/],
      [at('big', 0o600, 'x'.repeat(4097)), /is 4097 bytes; the limit is 4096/],
    ];
    for (const [path, problem] of refused) {
      const started = performance.now();
      const p = problems({ ROLECALL_ADMIN_TOKEN_FILE: path }, readAdminTokenFile);
      assert.equal(p.length, 1, p.join('\n'));
      assert.match(p[0] ?? '', problem);
      assert.match(p[0] ?? '', /^ROLECALL_ADMIN_TOKEN_FILE \(/);
      assert.ok(performance.now() - started < 1000, 'decided without blocking');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
