/**
 * What the image would run, without a Docker engine: `npm pack` the built package, install the
 * tarball with production dependencies only into an empty directory, and run the CLI from there
 * (`--version`, `serve` against the packaged emulator, `healthcheck`, SIGTERM). The Dockerfile itself
 * is checked by test/unit/deploy-image.test.ts. Run `npm run build` first.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { collect, exportedVariables, type Run, waitFor } from '../helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * PATH and HOME only: no npm_config_* inherited from an outer `npm test`, no AWS variables but
 * the one that keeps every child off the instance metadata service.
 */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<Run> {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, opts.timeoutMs ?? 10_000);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Every file and directory under `dir` with its mtime, to prove nothing was written. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(`${p} ${statSync(p).mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

test('npm pack → production-only install → --version, serve, healthcheck, SIGTERM', {
  timeout: 90_000,
}, async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist/bin.js')), 'dist/bin.js is missing: run `npm run build`');
  const work = mkdtempSync(join(tmpdir(), 'rolecall-pack-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const [packDir, appDir, home, tmp] = ['pack', 'app', 'home', 'tmp'].map((d) => join(work, d));
  for (const d of [packDir, appDir, home, tmp]) mkdirSync(d!);

  const pack = await run('npm', ['pack', '--json', '--pack-destination', packDir!], {
    cwd: ROOT,
    timeoutMs: 30_000,
  });
  assert.equal(pack.code, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  assert.ok(info);
  const files = info.files.map((f) => f.path);
  assert.ok(files.includes('dist/bin.js') && files.includes('package.json'));
  const stray = files.filter((f) => !/^(dist\/|package\.json$|README|LICENSE|CHANGELOG)/.test(f));
  assert.deepEqual(stray, [], 'the tarball holds dist/ and the package metadata only');

  await writeFile(
    join(appDir!, 'package.json'),
    JSON.stringify({ name: 'rolecall-pack-test', version: '0.0.0', private: true }),
  );
  const install = await run(
    'npm',
    [
      'install',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(packDir!, info.filename),
    ],
    { cwd: appDir!, timeoutMs: 70_000 },
  );
  assert.equal(install.code, 0, install.stderr);
  const nm = join(appDir!, 'node_modules');
  for (const dep of Object.keys(PKG.dependencies))
    assert.ok(existsSync(join(nm, dep, 'package.json')), `runtime dependency ${dep} installed`);
  for (const dep of Object.keys(PKG.devDependencies))
    assert.ok(!existsSync(join(nm, dep)), `dev dependency ${dep} not installed`);

  const version = await run(join(nm, '.bin', 'rolecall'), ['--version'], { cwd: appDir! });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout, `${PKG.version}\n`);

  // What the image runs: node <package>/dist/bin.js, with an empty HOME and TMPDIR, against the
  // packaged emulator (synthetic credentials on loopback), configured by the lines it prints.
  const bin = join(nm, PKG.name, 'dist', 'bin.js');
  const emulator = spawn(
    process.execPath,
    [bin, 'emulate', '--scenario', 'steady', '--port', '0'],
    {
      cwd: appDir!,
      env: cleanEnv({ HOME: home!, TMPDIR: tmp! }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => emulator.kill('SIGKILL'));
  let printed = '';
  emulator.stdout.on('data', (c) => {
    printed += c;
  });
  await waitFor(() => /^export ROLECALL_CONTAINER_HOST=/m.test(printed), 10_000, 'emulator');
  const exported = exportedVariables(printed);
  const relativeUri = exported.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? '';
  assert.match(relativeUri, /^\/v2\/credentials\/\w+$/);
  assert.match(exported.ROLECALL_CONTAINER_HOST ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  const [pub, admin] = [await freePort(), await freePort()];
  const env = cleanEnv({
    ...exported,
    HOME: home!,
    TMPDIR: tmp!,
    ROLECALL_LISTEN: `127.0.0.1:${pub}`,
    ROLECALL_ADMIN_LISTEN: `127.0.0.1:${admin}`,
  });
  const healthcheck = () => run(process.execPath, [bin, 'healthcheck'], { cwd: appDir!, env });
  assert.equal((await healthcheck()).code, 1, 'unhealthy while nothing listens');

  const before = snapshot(appDir!);
  const child = spawn(process.execPath, [bin, 'serve'], {
    cwd: appDir!,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = collect(child, 30_000);
  t.after(() => child.kill('SIGKILL'));
  await waitFor(async () => (await healthcheck()).code === 0, 10_000, 'healthcheck exit 0');
  const metrics = await (await fetch(`http://127.0.0.1:${pub}/metrics`)).text();
  assert.match(metrics, new RegExp(`^rolecall_build_info\\{version="${PKG.version}"`, 'm'));
  assert.match(metrics, /^rolecall_credentials_up 1$/m);

  child.kill('SIGTERM');
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.signal, null);
  const id = relativeUri.split('/').at(-1) ?? '';
  assert.ok(!`${r.stdout}${r.stderr}${metrics}`.includes(id), 'the credentials id is never shown');
  emulator.kill('SIGTERM');
  const [emulatorCode] = (await once(emulator, 'exit')) as [number | null];
  assert.equal(emulatorCode, 0, 'emulate exits 0 on SIGTERM');
  assert.deepEqual(snapshot(appDir!), before, 'nothing written under the install directory');
  assert.deepEqual(readdirSync(home!), [], 'nothing written to HOME');
  assert.deepEqual(readdirSync(tmp!), [], 'nothing written to TMPDIR');
});
