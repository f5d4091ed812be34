/**
 * The built CLI's mistakes-and-hints paths as real processes: every common mistake gets an exit
 * code and a message that names the fix, and every printed hint works from another directory.
 * Run `npm run build` first (npm test does).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { selfCommand } from '../../src/cli/hints.ts';
import { unquotedCurlQuery } from '../docs-lint.ts';
import { collect, ecsBody, type Run, startServer, waitFor } from '../helpers.ts';

const BIN = new URL('../../dist/bin.js', import.meta.url).pathname;
/** What the CLI prints to run itself again (its own rules are tested in test/unit/cli-messages). */
const SELF = selfCommand({ PATH: process.env.PATH ?? '' }, BIN, process.execPath);

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_EC2_METADATA_DISABLED: 'true',
    ROLECALL_IMDS_HOST: 'http://127.0.0.1:9',
    ...extra,
  };
}

function start(args: string[], extra: Record<string, string> = {}, cwd?: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: env(extra),
    cwd: cwd ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const run = (
  args: string[],
  extra: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<Run> => collect(start(args, extra), timeoutMs);

/** A loopback port held open by this process, to provoke EADDRINUSE. */
async function occupied(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, server };
}

async function freePort(): Promise<number> {
  const { port, server } = await occupied();
  server.close();
  await once(server, 'close');
  return port;
}

/** Stdout of a running child so far. */
function output(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return () => out;
}

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

test('whoami at the public listener: exit 1 and where /whoami lives; the 404 and 401 bodies say so too', async (t) => {
  const endpoint = await startServer((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(ecsBody());
  });
  t.after(() => endpoint.close());
  const [pub, admin] = [await freePort(), await freePort()];
  const extra = {
    ROLECALL_LISTEN: `127.0.0.1:${pub}`,
    ROLECALL_ADMIN_LISTEN: `127.0.0.1:${admin}`,
    ROLECALL_ADMIN_TOKEN: 'synthetic-admin-token-0123',
    ROLECALL_CONTAINER_HOST: endpoint.url,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/synthetic-id',
  };
  const child = start(['serve'], extra);
  t.after(() => child.kill('SIGKILL'));
  await waitFor(
    async () => (await run(['healthcheck', '--url', `http://127.0.0.1:${pub}/healthz`])).code === 0,
    8000,
    'healthy',
  );
  const w = await run(['whoami', '--url', `http://127.0.0.1:${pub}`]);
  assert.equal(w.code, 1);
  assert.match(
    w.stderr,
    /answered HTTP 404: \/whoami is served only on the admin listener \(ROLECALL_ADMIN_LISTEN, default 127\.0\.0\.1:9478\)/,
  );
  const res = await fetch(`http://127.0.0.1:${pub}/whoami`);
  assert.equal(res.status, 404);
  const body = (await res.json()) as { error: string; hint: string };
  assert.equal(body.error, 'not found');
  assert.match(body.hint, /ROLECALL_ADMIN_LISTEN/);
  const other = (await (await fetch(`http://127.0.0.1:${pub}/nope`)).json()) as object;
  assert.deepEqual(other, { error: 'not found' }, 'other paths keep the plain 404');
  const unauth = await fetch(`http://127.0.0.1:${admin}/whoami`);
  assert.equal(unauth.status, 401);
  const u = (await unauth.json()) as { error: string; hint: string };
  assert.equal(u.error, 'unauthorized');
  assert.match(u.hint, /Authorization: Bearer <token>/);
  assert.match(u.hint, /ROLECALL_ADMIN_TOKEN/);
  const noToken = await run(['whoami', '--url', `http://127.0.0.1:${admin}`]);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /set ROLECALL_ADMIN_TOKEN or ROLECALL_ADMIN_TOKEN_FILE/);
  const ok = await run(['whoami', '--url', `http://127.0.0.1:${admin}`], extra);
  assert.equal(ok.code, 0, ok.stderr);
  child.kill('SIGTERM');
  await collect(child, 5000);
});

test("emulate's printed hint runs rolecall from another directory", async (t) => {
  const emu = start(['emulate'], {}, tmpdir());
  t.after(() => emu.kill('SIGKILL'));
  const printed = output(emu);
  await waitFor(async () => /^# then: /m.test(printed()), 8000, 'emulator hint');
  const hint = /^# then: (.*?) serve {3}/m.exec(printed())?.[1] ?? '';
  assert.ok(hint.includes(BIN) || hint === 'rolecall', hint);
  const exports = Object.fromEntries(
    [...printed().matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
  );
  const [pub, admin] = [await freePort(), await freePort()];
  const words = hint.split(' ');
  const serve = spawn(words[0] as string, [...words.slice(1), 'serve'], {
    cwd: tmpdir(),
    env: env({
      ...exports,
      ROLECALL_LISTEN: `127.0.0.1:${pub}`,
      ROLECALL_ADMIN_LISTEN: `127.0.0.1:${admin}`,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => serve.kill('SIGKILL'));
  await waitFor(
    async () => (await run(['healthcheck', '--url', `http://127.0.0.1:${pub}/healthz`])).code === 0,
    8000,
    'the hinted serve is healthy',
  );
  serve.kill('SIGTERM');
  emu.kill('SIGTERM');
  assert.equal((await collect(serve, 5000)).code, 0);
});

test("demo's printed lines: curl quoted for zsh, the whoami hint runs from another directory", async (t) => {
  const [pub, admin] = [await freePort(), await freePort()];
  const demo = start(['demo', '--port', String(pub), '--admin-port', String(admin)], {}, tmpdir());
  t.after(() => demo.kill('SIGKILL'));
  const printed = output(demo);
  await waitFor(async () => printed().includes('Events as they happen'), 8000, 'demo banner');
  const curls = printed()
    .split('\n')
    .filter((l) => l.trim().startsWith('curl '));
  assert.equal(curls.length, 3, printed());
  for (const c of curls) assert.equal(unquotedCurlQuery(c.trim()), false, c);
  assert.ok(curls.some((c) => c.includes(`'http://127.0.0.1:${admin}/whoami?format=text'`)));
  const hint = /^ {2}(.*) whoami --url (\S+)$/m.exec(printed());
  assert.ok(hint, printed());
  const words = (hint[1] ?? '').split(' ');
  const w = await collect(
    spawn(words[0] as string, [...words.slice(1), 'whoami', '--url', hint[2] ?? ''], {
      cwd: tmpdir(),
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    8000,
  );
  assert.equal(w.code, 0, w.stderr);
  assert.match(w.stdout, /^role {12}arn:aws:iam::111122223333:role\/orders-task$/m);
  demo.kill('SIGINT');
  assert.equal((await collect(demo, 5000)).code, 0);
});
