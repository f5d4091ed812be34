/**
 * Starting the measured processes: `rolecall serve` from a built tree, or a baseline from
 * bench/baselines/, each a child `node` on 127.0.0.1 that is ready once it answers 200.
 * Every child is killed when the bench exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sleep } from './stats.ts';

export const BENCH_DIR = join(import.meta.dirname, '..');
export const ROOT = join(BENCH_DIR, '..');

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Fresh connection, one GET; the status, or 0 when nothing answers. */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: 500 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export interface Running {
  readonly pid: number;
  readonly base: string;
  readonly port: number;
  /** Spawn to the first 200 from the ready path, in milliseconds. */
  readonly readyMs: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

interface StartOptions {
  /** Arguments after `node` (flags first). */
  readonly argv: readonly string[];
  readonly env: Record<string, string>;
  readonly port: number;
  readonly readyPath?: string;
}

async function start(o: StartOptions): Promise<Running> {
  const env = { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', ...o.env };
  const started = performance.now();
  const child = spawn(process.execPath, o.argv, { cwd: ROOT, env, stdio: 'ignore' });
  children.add(child);
  const base = `http://127.0.0.1:${o.port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(3000)]);
    child.kill('SIGKILL');
    children.delete(child);
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if ((await status(base + (o.readyPath ?? '/healthz'))) === 200) {
      const readyMs = performance.now() - started;
      return { pid: child.pid ?? 0, base, port: o.port, readyMs, child, stop };
    }
    await sleep(2);
  }
  await stop();
  throw new Error(`${o.argv.join(' ')} did not answer 200 within 15 s`);
}

export interface RolecallOptions {
  readonly bin: string;
  /** Base URL of the credentials endpoint (bench/lib/endpoint.ts). */
  readonly endpoint: string;
  /** Relative URI polled; the endpoint counts polls per path. */
  readonly path?: string;
  readonly nodeFlags?: readonly string[];
  readonly env?: Record<string, string>;
}

export async function startRolecall(o: RolecallOptions): Promise<Running> {
  const port = await freePort();
  return start({
    argv: [...(o.nodeFlags ?? []), o.bin, 'serve'],
    port,
    env: {
      ROLECALL_LISTEN: `127.0.0.1:${port}`,
      ROLECALL_ADMIN_LISTEN: `127.0.0.1:${await freePort()}`,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: o.path ?? '/v2/credentials/bench',
      ROLECALL_CONTAINER_HOST: o.endpoint,
      ROLECALL_LOG_LEVEL: 'info',
      ...o.env,
    },
  });
}

/** A baseline server from bench/baselines/<name>.mjs, started the same way as rolecall. */
export async function startBaseline(
  name: string,
  env: Record<string, string> = {},
  nodeFlags: readonly string[] = [],
): Promise<Running> {
  const port = await freePort();
  return start({
    argv: [...nodeFlags, join(BENCH_DIR, 'baselines', `${name}.mjs`)],
    port,
    env: { PORT: String(port), ...env },
  });
}
