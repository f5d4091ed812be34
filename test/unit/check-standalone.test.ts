/**
 * The standalone binary's command line, run in-process (test/tools/standalone.test.ts runs the
 * built binary itself): which commands it has, and that it refuses the others with exit 2.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { standaloneMain } from '../../src/cli/commands/check-standalone.ts';

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await standaloneMain(argv, {
    env,
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
  });
  return { code, stdout, stderr };
}

test('--version before a build is "dev"; --help lists check, whoami and install', async () => {
  assert.deepEqual(await run(['--version']), { code: 0, stdout: 'dev\n', stderr: '' });
  const help = await run(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /check --task-definition FILE\|-/);
  assert.match(help.stdout, /install DEST/);
  assert.equal((await run([])).code, 2);
});

test('serve, emulate and demo are not in the standalone build: exit 2', async () => {
  for (const c of ['serve', 'emulate', 'demo']) {
    const r = await run([c]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`"${c}" is not in the standalone build`));
  }
});

test('check runs the same command as rolecall check', async () => {
  const r = await run(['check', '--json'], {
    HOME: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.stdout).exitCode, 1);
  assert.match((await run(['check', '--help'])).stdout, /--task-definition F/);
  assert.equal((await run(['install'])).code, 2);
});
