/**
 * Peak RSS and CPU time of a short-lived command, through bench/lib/rusage.c (built once with the
 * machine's C compiler into a temporary directory): VmHWM read at the child's exit stop, and
 * user + system time from wait4. Node, curl and a static C client are all measured the same way.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SOURCE = join(import.meta.dirname, 'rusage.c');

export function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, name);
    if (dir !== '' && existsSync(p)) return p;
  }
  return null;
}

/** Path of the wrapper, built when missing or older than its source; null without a compiler. */
export function rusageTool(): string | null {
  const cc = onPath('cc');
  const dir = join(tmpdir(), `rolecall-bench-${process.getuid?.() ?? 0}`);
  const out = join(dir, 'rusage');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(SOURCE).mtimeMs) return out;
  if (cc === null) return null;
  mkdirSync(dir, { recursive: true });
  execFileSync(cc, ['-O2', '-o', out, SOURCE], { stdio: 'inherit' });
  return out;
}

export interface Usage {
  readonly peakRssMiB: number;
  readonly cpuMs: number;
  readonly exit: number;
}

export function measure(
  tool: string,
  argv: readonly string[],
  env: Record<string, string>,
): Promise<Usage> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, argv, {
      env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      const m = /PEAK_RSS_KB (-?\d+) MAXRSS_KB (\d+) CPU_US (\d+) EXIT (\d+)/.exec(err);
      if (m === null) return reject(new Error(`no usage from ${argv.join(' ')}: ${err}`));
      // -1: no exit stop was seen (ptrace refused); wait4's figure includes the fork's pages.
      const kb = Number(m[1]) >= 0 ? Number(m[1]) : Number(m[2]);
      resolve({ peakRssMiB: kb / 1024, cpuMs: Number(m[3]) / 1000, exit: Number(m[4]) });
    });
  });
}
