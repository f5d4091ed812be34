/**
 * The standalone binary (`npm run build:standalone`, a Node 24 single executable application)
 * runs `--version`, `check` and `check --task-definition` with no Node reachable: an environment
 * holding only the variables each case sets, PATH pointing nowhere. Node 24 for the build comes
 * from the npm registry (`npx -y -p node@24`), hence test/tools. The container endpoint is a
 * loopback fake.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FARGATE_LEAKED_KEYS } from '../fixtures/taskdef-canary.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'dist/standalone/rolecall');
const NO_NODE = { PATH: '/nonexistent', HOME: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' };
const ROLE = 'arn:aws:iam::111122223333:role/orders-task';

const endpoint = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      AccessKeyId: 'ASIASTANDALONE00WXYZ',
      SecretAccessKey: 'standaloneSECRETnotPrinted',
      Token: 'standaloneTOKENnotPrinted',
      Expiration: new Date(Date.now() + 3600_000).toISOString(),
      RoleArn: ROLE,
    }),
  );
});
let fullUri = '';

before(async () => {
  const b = spawnSync('npm', ['run', '--silent', 'build:standalone'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(b.status, 0, `build:standalone failed:\n${b.stdout}\n${b.stderr}`);
  process.stdout.write(`# ${b.stdout.trim()}\n`);
  endpoint.listen(0, '127.0.0.1');
  await once(endpoint, 'listening');
  fullUri = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/v1/credentials`;
});
after(() => endpoint.close());

/** Async, so the fake endpoint in this process can answer while the binary runs. */
async function run(args: string[], env: Record<string, string>, input?: string) {
  const child = spawn(BIN, args, { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 20_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdin.end(input ?? '');
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

test('one executable file, and no node on the PATH the cases use', () => {
  const st = statSync(BIN);
  assert.ok(st.isFile() && (st.mode & 0o111) !== 0);
  assert.ok(st.size < 160 * 2 ** 20, `${st.size} bytes`);
  const which = spawnSync('/bin/sh', ['-c', 'command -v node'], { env: { PATH: NO_NODE.PATH } });
  assert.notEqual(which.status, 0, 'node is reachable');
});

test('--version and --help', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const v = await run(['--version'], NO_NODE);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout, `${pkg.version}\n`);
  const h = await run(['check', '--help'], NO_NODE);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /--task-definition/);
  assert.equal((await run(['serve'], NO_NODE)).status, 2);
});

test('check in a container: the identity is fetched through the bundled undici', async () => {
  const ok = await run(['check'], { ...NO_NODE, AWS_CONTAINER_CREDENTIALS_FULL_URI: fullUri });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(
    ok.stdout,
    /identity {2}container-role {2}arn:aws:iam::111122223333:role\/orders-task/,
  );
  const shadowed = await run(['check', '--json'], {
    ...NO_NODE,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: fullUri,
    AWS_ACCESS_KEY_ID: 'AKIASTANDALONEKEY123',
    AWS_SECRET_ACCESS_KEY: 'standaloneSECRETnotPrinted',
  });
  assert.equal(shadowed.status, 1);
  assert.deepEqual(JSON.parse(shadowed.stdout).result.shadowedFor, [
    'botocore',
    'js-v3',
    'go-v2',
    'java-v2',
  ]);
  for (const r of [ok, shadowed]) assert.ok(!/notPrinted/.test(r.stdout + r.stderr));
});

test('check --task-definition - reads stdin', async () => {
  const r = await run(
    ['check', '--task-definition', '-', '--json'],
    NO_NODE,
    JSON.stringify(FARGATE_LEAKED_KEYS),
  );
  assert.equal(r.status, 1, r.stderr);
  const body = JSON.parse(r.stdout) as {
    containers: { name: string; findings: { code: string }[] }[];
  };
  assert.deepEqual(
    body.containers[0]?.findings.map((f) => f.code),
    ['env_credentials', 'env_credentials', 'env_credentials'],
  );
  assert.ok(!/CANARY/.test(r.stdout + r.stderr));
  const bad = await run(['check', '--task-definition', '-'], NO_NODE, 'not json');
  assert.equal(bad.status, 2);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});

test('whoami is there, and says when the sidecar is unreachable', async () => {
  const r = await run(['whoami', '--url', 'http://127.0.0.1:1/whoami'], NO_NODE);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /sidecar unreachable at http:\/\/127\.0\.0\.1:1\/whoami/);
});

test('install copies the binary, as an init container does into a shared volume', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-install-'));
  try {
    const dest = join(dir, 'rolecall');
    const r = await run(['install', dest], NO_NODE);
    assert.equal(r.status, 0, r.stderr);
    const v = await run(['--version'], NO_NODE);
    const copy = spawnSync(dest, ['--version'], { env: NO_NODE, encoding: 'utf8' });
    assert.equal(copy.stdout, v.stdout);
    assert.equal((await run(['install'], NO_NODE)).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
