/** The built CLI (`dist/bin.js`) as a child process, for the e2e tests of its messages. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { selfCommand } from '../src/cli/hints.ts';
import { collect, type Run } from './helpers.ts';

export const BIN = new URL('../dist/bin.js', import.meta.url).pathname;
/** What the CLI prints to run itself again (its own rules are tested in test/unit/cli-messages.test.ts). */
export const SELF = selfCommand({ PATH: process.env.PATH ?? '' }, BIN, process.execPath);

export function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_EC2_METADATA_DISABLED: 'true',
    ROLECALL_IMDS_HOST: 'http://127.0.0.1:9',
    ...extra,
  };
}

export function start(
  args: string[],
  extra: Record<string, string> = {},
  cwd?: string,
): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    env: env(extra),
    cwd: cwd ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export const run = (
  args: string[],
  extra: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<Run> => collect(start(args, extra), timeoutMs);

/** A loopback port held open by this process, to provoke EADDRINUSE. */
export async function occupied(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, server };
}

export async function freePort(): Promise<number> {
  const { port, server } = await occupied();
  server.close();
  await once(server, 'close');
  return port;
}

/** Stdout of a running child so far. */
export function output(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return () => out;
}
