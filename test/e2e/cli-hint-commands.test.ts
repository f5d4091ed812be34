/**
 * What the built CLI and the sidecar tell someone who is in the wrong place (the public listener,
 * no token), and the commands the CLI prints, run as printed from another directory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { BIN, env, freePort, output, run, start } from '../cli-process.ts';
import { unquotedCurlQuery } from '../docs-lint.ts';
import { collect, ecsBody, exportedVariables, startServer, waitFor } from '../helpers.ts';

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
  const exports = exportedVariables(printed());
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
