/**
 * `rolecall check --task-definition`: realistic task definitions (Fargate and EC2, several
 * containers, agent sidecars, SSM and Secrets Manager secrets, a CDK-synthesised resource) through
 * `runCheck`, and once through the built CLI on stdin. No canary value may reach any output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FINDING_CODES } from '../../src/check/taskdef-findings.ts';
import { runCheck } from '../../src/cli/commands/check.ts';
import {
  CANARY,
  CDK_RESOURCE,
  EC2_NO_ROLE_SECRET_KEYS,
  FARGATE_CLEAN,
  FARGATE_LEAKED_KEYS,
  FARGATE_MISC,
} from '../fixtures/taskdef-canary.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rolecall-taskdef-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], input: string | null): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCheck(argv, {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env: {},
    now: () => 0,
    readFile: async () => null,
    readInput: async (path) => {
      if (path === '-' && input !== null) return input;
      const err = Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      throw err;
    },
  });
  return { code, stdout, stderr };
}

function assertNoCanary(r: Run): void {
  for (const [name, value] of Object.entries(CANARY)) {
    assert.ok(!r.stdout.includes(value), `canary ${name} in stdout`);
    assert.ok(!r.stderr.includes(value), `canary ${name} in stderr`);
  }
  assert.ok(!/CANARY/.test(r.stdout + r.stderr), 'a canary fragment leaked');
}

async function both(doc: unknown): Promise<{ text: Run; json: Run; body: JsonReport }> {
  const text = await run(['--task-definition', '-'], JSON.stringify(doc, null, 2));
  const json = await run(['--task-definition', '-', '--json'], JSON.stringify(doc));
  assertNoCanary(text);
  assertNoCanary(json);
  assert.equal(text.code, json.code);
  return { text, json, body: JSON.parse(json.stdout) as JsonReport };
}

interface JsonFinding {
  code: string;
  severity: string;
  message: string;
  variable?: string;
}
interface JsonReport {
  containers: { name: string; findings: JsonFinding[] }[];
  findings: JsonFinding[];
}

const codes = (fs: JsonFinding[]) => fs.map((f) => [f.code, f.severity, f.variable ?? null]);

test('Fargate, keys pasted into the app environment: exit 1, the sidecars are clean', async () => {
  const { text, body } = await both(FARGATE_LEAKED_KEYS);
  assert.equal(text.code, 1);
  assert.deepEqual(Object.keys(body), ['containers', 'findings']);
  assert.deepEqual(body.findings, []);
  assert.deepEqual(
    body.containers.map((c) => c.name),
    ['app', 'datadog-agent', 'log_router', 'rolecall'],
  );
  assert.deepEqual(codes(body.containers[0]!.findings), [
    ['env_credentials', 'error', 'AWS_ACCESS_KEY_ID'],
    ['env_credentials', 'error', 'AWS_SECRET_ACCESS_KEY'],
    ['env_credentials', 'error', 'AWS_SESSION_TOKEN'],
  ]);
  assert.match(
    body.containers[0]!.findings[0]!.message,
    /botocore uses env, js-v3 uses env, go-v2 uses env, java-v2 uses env instead of the task role/,
  );
  for (const c of body.containers.slice(1)) assert.deepEqual(c.findings, []);
  assert.match(
    text.stdout,
    /^task {6}orders-api:42 \(Fargate\), task role arn:aws:iam::111122223333:role\/orders-task$/m,
  );
  assert.match(
    text.stdout,
    /^result {4}FAIL: app would not use the task role; remove first: AWS_ACCESS_KEY_ID from container app$/m,
  );
});

test('EC2 without a task role, keys from SSM and Secrets Manager: both findings, sources named', async () => {
  const { text, body } = await both(EC2_NO_ROLE_SECRET_KEYS);
  assert.equal(text.code, 1);
  assert.deepEqual(codes(body.findings), [['no_task_role', 'error', null]]);
  assert.match(body.findings[0]!.message, /on EC2 the SDKs fall back to the instance role/);
  const worker = body.containers[0]!;
  assert.deepEqual(codes(worker.findings), [
    ['secret_credentials', 'error', 'AWS_ACCESS_KEY_ID'],
    ['secret_credentials', 'error', 'AWS_SECRET_ACCESS_KEY'],
  ]);
  assert.match(worker.findings[0]!.message, /in secrets \(SSM Parameter Store\)/);
  assert.match(worker.findings[1]!.message, /in secrets \(Secrets Manager\)/);
  assert.deepEqual(body.containers[1]!.findings, []);
  assert.match(text.stdout, /FAIL: the task has no task role; worker would not use the task role/);
});

test('a clean Fargate task passes; its environmentFiles are a warning only', async () => {
  const { text, body } = await both(FARGATE_CLEAN);
  assert.equal(text.code, 0, text.stdout);
  assert.deepEqual(codes(body.containers[0]!.findings), [['environment_files', 'warning', null]]);
  assert.match(
    text.stdout,
    /result {4}ok: every container would use the task role \(see the warnings\)/,
  );
});

test('profile, web identity and a hand-set endpoint: each found, severity from the SDK model', async () => {
  const { text, body } = await both(FARGATE_MISC);
  assert.equal(text.code, 1);
  const [profiled, irsa, override] = body.containers;
  assert.deepEqual(codes(profiled!.findings), [['profile_variables', 'error', 'AWS_PROFILE']]);
  assert.match(profiled!.findings[0]!.message, /botocore fails \(ProfileNotFound\)/);
  assert.deepEqual(codes(irsa!.findings), [
    ['web_identity', 'error', 'AWS_ROLE_ARN'],
    ['web_identity', 'error', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
  ]);
  // The agent's relative URI beats a hand-set full URI in every SDK: set by hand, but harmless.
  assert.deepEqual(codes(override!.findings), [
    ['endpoint_override', 'warning', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'],
  ]);
});

test('without a task role a hand-set full URI is what every SDK uses: an error', async () => {
  const { taskRoleArn: _, ...noRole } = FARGATE_MISC;
  const { body } = await both(noRole);
  assert.deepEqual(codes(body.containers[2]!.findings), [
    ['endpoint_override', 'error', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'],
  ]);
  assert.match(body.findings[0]!.message, /on Fargate the SDKs find no credentials at all/);
});

test('a cdk synth resource: the role reference counts as a role; intrinsics are values', async () => {
  const { text, body } = await both(CDK_RESOURCE);
  assert.equal(text.code, 1);
  assert.deepEqual(body.findings, []);
  assert.deepEqual(codes(body.containers[0]!.findings), [
    // One half in secrets, the other in environment: a complete pair all the same.
    ['secret_credentials', 'error', 'AWS_ACCESS_KEY_ID'],
    ['env_credentials', 'error', 'AWS_SECRET_ACCESS_KEY'],
  ]);
  assert.match(text.stdout, /task role set at deploy/);
});

test('every code used is in the documented closed set', async () => {
  const seen = new Set<string>();
  for (const doc of [
    FARGATE_LEAKED_KEYS,
    EC2_NO_ROLE_SECRET_KEYS,
    FARGATE_CLEAN,
    FARGATE_MISC,
    CDK_RESOURCE,
  ]) {
    const { body } = await both(doc);
    for (const f of [...body.findings, ...body.containers.flatMap((c) => c.findings)])
      seen.add(f.code);
  }
  for (const c of seen) assert.ok((FINDING_CODES as readonly string[]).includes(c), c);
  const doc = await import('node:fs/promises').then((fs) =>
    fs.readFile(join(ROOT, 'docs/check.md'), 'utf8'),
  );
  for (const c of FINDING_CODES)
    assert.match(doc, new RegExp(`\`${c}\``), `docs/check.md lacks ${c}`);
});

for (const [name, input, pattern] of [
  [
    'not JSON, with a secret in it',
    `{"family": "x", "oops" ${CANARY.secret}}`,
    /stdin is not a task definition: not valid JSON( \(line 1, column \d+\))?$/m,
  ],
  ['an array', '[]', /expected a JSON object/],
  [
    'no containers',
    '{"family":"x","containerDefinitions":[]}',
    /containerDefinitions is missing or empty/,
  ],
  [
    'a container without a name',
    '{"containerDefinitions":[{"image":"x"}]}',
    /containerDefinitions\[0\]\.name is missing/,
  ],
  [
    'environment not a list',
    '{"containerDefinitions":[{"name":"a","environment":{"A":"b"}}]}',
    /environment is not a list of objects/,
  ],
  [
    'a secret without valueFrom',
    '{"containerDefinitions":[{"name":"a","secrets":[{"name":"X"}]}]}',
    /secrets\[0\] needs a name and a valueFrom/,
  ],
] as const) {
  test(`bad input (${name}): exit 2, one clear line, no stack`, async () => {
    const r = await run(['--task-definition', '-'], input);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!/\bat .+:\d+:\d+/.test(r.stderr), 'stack trace');
    assertNoCanary(r);
  });
}

test('a missing file and bad flag combinations exit 2', async () => {
  const missing = await run(['--task-definition', join(dir, 'nope.json')], null);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read task definition .*nope\.json: no such file/);
  assert.equal((await run(['--task-definition', ''], null)).code, 2);
  assert.equal((await run(['--task-definition', '-', '--expect-role', 'x'], '{}')).code, 2);
});

test('the built CLI reads a file and stdin, and exits 2 on a directory', async () => {
  const file = join(dir, 'td.json');
  await writeFile(file, JSON.stringify(FARGATE_LEAKED_KEYS));
  const bin = join(ROOT, 'dist/bin.js');
  const env = { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true' };
  const fromFile = spawnSync(process.execPath, [bin, 'check', '--task-definition', file], {
    env,
    encoding: 'utf8',
  });
  assert.equal(fromFile.status, 1, fromFile.stderr);
  const fromStdin = spawnSync(
    process.execPath,
    [bin, 'check', '--task-definition', '-', '--json'],
    {
      env,
      encoding: 'utf8',
      input: JSON.stringify(FARGATE_CLEAN),
    },
  );
  assert.equal(fromStdin.status, 0, fromStdin.stderr);
  assert.equal(JSON.parse(fromStdin.stdout).containers.length, 2);
  const directory = spawnSync(process.execPath, [bin, 'check', '--task-definition', dir], {
    env,
    encoding: 'utf8',
  });
  assert.equal(directory.status, 2);
  assert.match(directory.stderr, /is a directory/);
  for (const r of [fromFile, fromStdin, directory])
    assertNoCanary({ code: 0, stdout: r.stdout, stderr: r.stderr });
});

test('text output escapes terminal control characters from the file; JSON keeps them as JSON', async () => {
  const doc = {
    family: 'orders\u001b]0;pwned\u0007',
    taskRoleArn: 'arn:aws:iam::111122223333:role/orders-task',
    containerDefinitions: [
      {
        name: 'app\nresult    ok: every container would use the task role\u001b[2J',
        image: 'app',
        environment: [{ name: 'AWS_ACCESS_KEY_ID', value: 'AKIAIOSFODNN7EXAMPLE' }],
      },
    ],
  };
  const { text, body } = await both(doc);
  assert.equal(text.code, 1);
  const raw = [...text.stdout].filter((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== '\n') || code === 0x7f;
  });
  assert.deepEqual(raw, [], 'no raw control character');
  assert.match(text.stdout, /orders\\x1b\]0;pwned\\x07/);
  assert.match(text.stdout, /container app\\x0aresult {4}ok: .*\\x1b\[2J/);
  assert.equal(text.stdout.match(/^result /gm)?.length, 1, 'one result line, not a forged one');
  assert.equal(body.containers[0]?.name, doc.containerDefinitions[0]?.name);
});
