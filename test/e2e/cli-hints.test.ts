/**
 * The built CLI's answers to common mistakes, as real processes: each gets an exit code and a
 * message that names the fix. Run `npm run build` first (npm test does).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort, occupied, output, run, SELF, start } from '../cli-process.ts';
import { collect, ecsBody, startServer, waitFor } from '../helpers.ts';

test('a misspelled command: exit 2 and "did you mean"', async () => {
  const r = await run(['whoamii']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^rolecall: unknown command "whoamii"; did you mean `whoami`\?$/m);
  assert.equal((await run(['chekc'])).stderr.includes('did you mean `check`?'), true);
  const far = await run(['deploy']);
  assert.equal(far.code, 2);
  assert.doesNotMatch(far.stderr, /did you mean/);
});

test('options before the command: exit 2, the fixed command line, serve not blamed', async () => {
  const r = await run(['--json', 'whoami']);
  assert.equal(r.code, 2);
  // The fixed command line is runnable as printed, from any directory: here `node <abs>/bin.js`.
  assert.equal(r.stderr, `rolecall: options go after the command: ${SELF} whoami --json\n`);
});

test('an unknown option names the closest one', async () => {
  const r = await run(['whoami', '--jsn']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^rolecall whoami: unknown option --jsn; did you mean --json\? /);
  assert.ok(r.stderr.includes(`\`${SELF} whoami --help\` lists the options`), r.stderr);
});

test('serve --port 9000: exit 2, points to ROLECALL_LISTEN; a token value is never echoed', async () => {
  const r = await run(['serve', '--port', '9000', '--admin-token', 'synthetic-secret-0123456789']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--port {2}-> {2}ROLECALL_LISTEN=0\.0\.0\.0:9000/);
  assert.match(r.stderr, /--admin-token {2}-> {2}ROLECALL_ADMIN_TOKEN=<token>/);
  assert.ok(!r.stderr.includes('synthetic-secret'), 'the token value is not printed');
  const p = await run(['serve', '--poll-intervall=30s']);
  assert.match(p.stderr, /--poll-intervall {2}-> {2}ROLECALL_POLL_INTERVAL=30s/);
});

test('serve: unknown ROLECALL_* warned by name with a suggestion; the start log shows the real bind and settings', async (t) => {
  const endpoint = await startServer((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(ecsBody());
  });
  t.after(() => endpoint.close());
  const admin = await freePort();
  const child = start(['serve'], {
    ROLECALL_LISTEN: '0.0.0.0:0',
    ROLECALL_ADMIN_LISTEN: `127.0.0.1:${admin}`,
    ROLECALL_POLL_INTERVALL: '30s',
    ROLECALL_SOMETHING_ELSE: 'x',
    ROLECALL_EXPECTED_ROLE: '*-task',
    ROLECALL_CONTAINER_HOST: endpoint.url,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/synthetic-id',
  });
  t.after(() => child.kill('SIGKILL'));
  const out = output(child);
  await waitFor(async () => out().includes('"rolecall.started"'), 8000, 'start log');
  const lines = out()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const unknown = lines.filter((l) => l.event === 'config.unknown_variable');
  assert.deepEqual(
    unknown.map((l) => [l.level, l.variable, l.suggestion]),
    [
      ['warn', 'ROLECALL_POLL_INTERVALL', 'ROLECALL_POLL_INTERVAL'],
      ['warn', 'ROLECALL_SOMETHING_ELSE', null],
    ],
  );
  const started = lines.find((l) => l.event === 'rolecall.started') ?? {};
  assert.match(String(started.listen), /^0\.0\.0\.0:[1-9]\d*$/, 'the address actually bound');
  assert.equal(started.admin, `127.0.0.1:${admin}`);
  assert.equal(
    started.pollInterval,
    '1m',
    'the default: the misspelled variable did not take effect',
  );
  assert.equal(started.pollTimeout, '2s');
  assert.equal(started.minTtl, '10m');
  assert.equal(started.expectedRole, '*-task');
  child.kill('SIGTERM');
  assert.equal((await collect(child, 5000)).code, 0);
});

test('EADDRINUSE: exit 1 and the variable or flag to change', async (t) => {
  const busy = await occupied();
  t.after(() => busy.server.close());
  const s = await run(['serve'], {
    ROLECALL_LISTEN: `127.0.0.1:${await freePort()}`,
    ROLECALL_ADMIN_LISTEN: `127.0.0.1:${busy.port}`,
  });
  assert.equal(s.code, 1);
  assert.equal(
    s.stderr,
    `rolecall: cannot listen on 127.0.0.1:${busy.port} (the admin listener): the address is already in use; set ROLECALL_ADMIN_LISTEN to a free host:port\n`,
  );
  const d = await run(['demo', '--port', String(busy.port), '--admin-port', '0']);
  assert.equal(d.code, 1);
  assert.match(
    d.stderr,
    /the public listener\): the address is already in use; choose a free port with --port\n$/,
  );
  const e = await run(['emulate', '--port', String(busy.port)]);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /already in use; choose another with --port/);
});

test('demo: bad options exit 2 at once, without starting anything', async () => {
  const started = Date.now();
  const r = await run(['demo', '--port', '99999'], {}, 5000);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'rolecall demo: --port "99999" is not a port number (0-65535)\n');
  assert.equal(r.stdout, '');
  assert.ok(Date.now() - started < 4000);
  const a = await run(['demo', '--admin-port', 'x']);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--admin-port "x"/);
});
