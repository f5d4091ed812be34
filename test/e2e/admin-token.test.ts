/** Admin token edge cases through the built CLI: refused with exit 2, or a warning at start. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { collect } from '../helpers.ts';
import { BIN, childEnv, startSidecarProcess } from '../sidecar-process.ts';

async function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, 10_000);
}

test('a whitespace-only or multi-line admin token: exit 2 naming the variable', async () => {
  const spaces = await serve({ ROLECALL_ADMIN_TOKEN: '     ' });
  assert.equal(spaces.code, 2);
  assert.match(spaces.stderr, /ROLECALL_ADMIN_TOKEN is empty or only whitespace/);
  const lines = await serve({ ROLECALL_ADMIN_TOKEN: 'first-line-token-abc\nsecond-line' });
  assert.equal(lines.code, 2);
  assert.match(lines.stderr, /ROLECALL_ADMIN_TOKEN contains a line break/);
  assert.ok(!lines.stderr.includes('first-line-token-abc'));
});

test('a world-readable admin token file: a config.warning line at start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-admin-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'token');
  writeFileSync(file, 'admin-token-for-the-e2e-test\n');
  chmodSync(file, 0o644);
  const sc = await startSidecarProcess({ ROLECALL_ADMIN_TOKEN_FILE: file });
  const r = await sc.stop('SIGTERM');
  assert.equal(r.code, 0);
  const warning = sc.lines
    .map((l) => JSON.parse(l) as { event?: string; detail?: string; level?: string })
    .find((e) => e.event === 'config.warning');
  assert.equal(warning?.level, 'warn');
  assert.match(warning?.detail ?? '', /is readable by every user \(mode 0644\); chmod 600 it/);
});
