/**
 * What the sidecar tells a person: one wording for the endpoint in every mode, EKS Pod Identity
 * with an expected role explained instead of failing forever, errors in logs with their class and
 * message, a text view whose columns fit the longest status, every ROLECALL_* name known.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import request from 'supertest';
import { SCENARIOS, startEmulator } from '../../src/emulator/index.ts';
import { formatDuration } from '../../src/lib/duration.ts';
import { EndpointError } from '../../src/lib/errors.ts';
import { ROLECALL_VARIABLES } from '../../src/sidecar/config.ts';
import { type WhoamiView, whoamiText } from '../../src/sidecar/http/views.ts';
import { serializeError } from '../../src/sidecar/logger.ts';
import { waitFor } from '../helpers.ts';
import { startSidecar } from '../sidecar.ts';

test('EKS Pod Identity with ROLECALL_EXPECTED_ROLE: degraded with the reason, not failing; no match gauge', async (t) => {
  const emu = await startEmulator({ scenario: SCENARIOS.steady, mode: 'eks' });
  const sidecar = await startSidecar({ ...emu.env, ROLECALL_EXPECTED_ROLE: '*-task' });
  t.after(async () => {
    await sidecar.service.close();
    await emu.close();
  });
  await waitFor(() => sidecar.service.state().phase === 'tracking', 5000, 'first fetch');
  const h = await request(sidecar.publicUrl).get('/healthz').expect(200);
  assert.equal(h.body.status, 'degraded');
  const check = (h.body.checks as { name: string; status: string; detail: string }[]).find(
    (c) => c.name === 'expected_role',
  );
  assert.equal(check?.status, 'degraded');
  assert.match(
    check?.detail ?? '',
    /^\*-task cannot be checked: the endpoint does not name the role/,
  );
  assert.match(check?.detail ?? '', /account, 111122223333\)/);
  assert.match(check?.detail ?? '', /unset ROLECALL_EXPECTED_ROLE/);
  const m = await request(sidecar.publicUrl).get('/metrics').expect(200);
  assert.doesNotMatch(m.text, /^rolecall_expected_role_match /m, 'unknown is not a mismatch');
  // The same wording as ECS: origin, then the variable it came from.
  const w = await request(sidecar.adminUrl).get('/whoami').expect(200);
  assert.match(
    w.body.endpoint,
    /^http:\/\/127\.0\.0\.1:\d+ \(AWS_CONTAINER_CREDENTIALS_FULL_URI\)$/,
  );
});

test('ECS: the endpoint worded as origin (variable), the start log with bound addresses and settings', async (t) => {
  const emu = await startEmulator({ scenario: SCENARIOS.steady });
  const sidecar = await startSidecar({ ...emu.env, ROLECALL_MIN_TTL: '90s' });
  t.after(async () => {
    await sidecar.service.close();
    await emu.close();
  });
  await waitFor(() => sidecar.service.state().phase === 'tracking', 5000, 'first fetch');
  const w = await request(sidecar.adminUrl).get('/whoami').expect(200);
  assert.match(
    w.body.endpoint,
    /^http:\/\/127\.0\.0\.1:\d+ \(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI\)$/,
  );
  const started = sidecar.logs.events().find((e) => e.event === 'rolecall.started');
  assert.ok(started);
  assert.equal(started.listen, `127.0.0.1:${sidecar.service.public.port}`);
  assert.equal(started.admin, `127.0.0.1:${sidecar.service.admin.port}`);
  assert.equal(started.endpoint, w.body.endpoint);
  assert.equal(started.minTtl, '90s');
  assert.equal(started.pollInterval, '1m');
  assert.equal(started.expectedRole, null);
  assert.equal(started.adminToken, false);
});

test('formatDuration gives back the configuration form exactly', () => {
  assert.deepEqual(
    [500, 1000, 1500, 60_000, 90_000, 600_000, 3_600_000, 5_400_000, 0].map(formatDuration),
    ['500ms', '1s', '1500ms', '1m', '90s', '10m', '1h', '90m', '0ms'],
  );
});

test('errors in logs carry their class and message; a stack only for the unexpected', () => {
  const endpoint = serializeError(
    new EndpointError('timeout', 'no answer within 2000ms'),
  ) as Record<string, unknown>;
  assert.deepEqual(endpoint, {
    type: 'EndpointError',
    message: 'no answer within 2000ms',
    code: 'endpoint_timeout',
  });
  const bug = serializeError(new TypeError('x is not a function')) as Record<string, unknown>;
  assert.equal(bug.type, 'TypeError');
  assert.match(String(bug.stack), /^TypeError: x is not a function\n\s+at /);
  const plain = serializeError({ type: 'EndpointError', message: 'm' }) as Record<string, unknown>;
  assert.deepEqual(plain, { type: 'EndpointError', message: 'm' });
  const withCode = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
  assert.equal((serializeError(withCode) as { code: string }).code, 'EADDRINUSE');
});

test('the logged fetch_failed line names the error class, not "Object"', async (t) => {
  const emu = await startEmulator({
    scenario: { ...SCENARIOS.steady, outages: [{ at: 0, durationSeconds: 60, status: 503 }] },
  });
  const sidecar = await startSidecar({ ...emu.env });
  t.after(async () => {
    await sidecar.service.close();
    await emu.close();
  });
  await waitFor(
    () => sidecar.logs.events().some((e) => e.event === 'credentials.fetch_failed'),
    5000,
    'a failed poll',
  );
  const line = sidecar.logs.events().find((e) => e.event === 'credentials.fetch_failed');
  assert.deepEqual(line?.err, {
    type: 'EndpointError',
    code: 'endpoint_uninitialized',
    message: 'endpoint answered HTTP 503 CredentialsUninitialized',
  });
});

function view(statuses: Array<[string, string]>): WhoamiView {
  return {
    source: 'container-role',
    endpoint: 'http://169.254.170.2 (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)',
    role: { arn: null, name: null, account: null },
    accessKeyId: null,
    expiration: null,
    expiresInSeconds: null,
    firstSeen: null,
    ageSeconds: null,
    rotations: 0,
    roleChanges: 0,
    polls: 0,
    consecutiveFailures: 0,
    lastSuccess: null,
    lastError: null,
    clockSkewSeconds: null,
    history: [
      { type: 'role_changed', at: '2026-11-30T00:00:00.000Z', from: 'a', to: 'b' },
      { type: 'rotated', at: '2026-11-30T00:00:01.000Z', accessKeyId: 'k' },
    ],
    health: {
      status: 'failing',
      checks: statuses.map(([name, status]) => ({ name, status, detail: 'detail' })),
    },
  } as unknown as WhoamiView;
}

test('whoami text: the status column fits the longest status, history types align', () => {
  const text = whoamiText(
    view([
      ['credentials', 'degraded'],
      ['expected_role', 'failing'],
      ['shadowing', 'ok'],
    ]),
  );
  const checks = text.split('\n').filter((l) => l.startsWith('  ') && l.endsWith('detail'));
  assert.equal(checks.length, 3);
  const at = checks.map((l) => l.indexOf('detail'));
  assert.equal(new Set(at).size, 1, `details start in one column:\n${checks.join('\n')}`);
  assert.match(checks[0] ?? '', /degraded {2}detail$/, 'two spaces after the longest status');
  const history = text.split('\n').filter((l) => /^ {2}2026-/.test(l));
  assert.equal(new Set(history.map((l) => l.search(/\w+=/))).size, 1, history.join('\n'));
  assert.match(text, /^access key {6}\(none yet\)$/m, 'labels keep their 16-column layout');
});

test('ROLECALL_VARIABLES names exactly the ROLECALL_* environment variables the source reads', () => {
  const root = new URL('../../src/', import.meta.url).pathname;
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory()
        ? files(join(dir, d.name))
        : d.name.endsWith('.ts')
          ? [join(dir, d.name)]
          : [],
    );
  const named = new Set(
    files(root).flatMap(
      (f) => readFileSync(f, 'utf8').match(/\bROLECALL_[A-Z0-9_]*[A-Z0-9]\b/g) ?? [],
    ),
  );
  named.delete('ROLECALL_VARIABLES');
  // Build-time constants (`declare const ROLECALL_…`, set by the bundler) are not variables.
  for (const f of files(root))
    for (const m of readFileSync(f, 'utf8').matchAll(/declare const (ROLECALL_\w+)/g))
      named.delete(m[1] ?? '');
  assert.deepEqual([...named].sort(), [...ROLECALL_VARIABLES].sort());
});
