/**
 * The built sidecar (`dist/bin.js serve`) as a child process on loopback, for tests and soaks that
 * need its real memory and real signal handling: started with port 0, its URLs read back from the
 * `rolecall.started` log line, its RSS read from /proc (Linux, as in the image).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export const BIN = new URL('../dist/bin.js', import.meta.url).pathname;

export interface SidecarProcess {
  readonly child: ChildProcess;
  readonly publicUrl: string;
  readonly adminUrl: string;
  /** Every stdout line so far. */
  readonly lines: string[];
  stderr(): string;
  rssBytes(): number;
  /** Sends `signal` and waits for the exit (SIGKILL after `timeoutMs`). */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** The environment every child gets: IMDS off and pointed at a closed loopback port. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    AWS_EC2_METADATA_DISABLED: 'true',
    ROLECALL_IMDS_HOST: 'http://127.0.0.1:9',
    ROLECALL_LISTEN: '127.0.0.1:0',
    ROLECALL_ADMIN_LISTEN: '127.0.0.1:0',
    ...extra,
  };
}

function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = performance.now();
  if (child.exitCode !== null || child.signalCode !== null)
    return { code: child.exitCode, signal: child.signalCode, ms: 0 };
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, sig] = await exited;
  clearTimeout(timer);
  return { code, signal: sig, ms: performance.now() - started };
}

/** Starts `dist/bin.js serve` and resolves once both listeners are bound. */
export async function startSidecarProcess(
  env: Record<string, string>,
  opts: { execArgv?: string[]; startTimeoutMs?: number } = {},
): Promise<SidecarProcess> {
  const child = spawn(process.execPath, [...(opts.execArgv ?? []), BIN, 'serve'], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const started = new Promise<{ listen: string; admin: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sidecar did not start: ${stderr}`)),
      opts.startTimeoutMs ?? 10_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited ${code} before starting: ${stderr}`));
    });
    child.stdout?.on('data', (c) => {
      partial += c;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(l);
        try {
          const e = JSON.parse(l) as { event?: string; listen?: string; admin?: string };
          if (e.event === 'rolecall.started' && e.listen && e.admin) {
            clearTimeout(timer);
            resolve({ listen: e.listen, admin: e.admin });
          }
        } catch {
          // not a log line
        }
      }
    });
  });
  let urls: { listen: string; admin: string };
  try {
    urls = await started;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  // The log line says where each listener bound, as `host:port`.
  const asUrl = (bound: string) => (bound.includes('://') ? bound : `http://${bound}`);
  return {
    child,
    publicUrl: asUrl(urls.listen),
    adminUrl: asUrl(urls.admin),
    lines,
    stderr: () => stderr,
    rssBytes: () => rssOf(child.pid ?? 0),
    stop: (signal = 'SIGTERM', timeoutMs = 5000) => stopChild(child, signal, timeoutMs),
  };
}
