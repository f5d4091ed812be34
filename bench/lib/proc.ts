/** Figures read from /proc for a child process: RSS and CPU time. Linux only. */
import { readdirSync, readFileSync } from 'node:fs';

function statusKiB(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? Number.NaN);
}

export const rssMiB = (pid: number): number => statusKiB(pid, 'VmRSS') / 1024;

/**
 * CPU time of every live thread in nanoseconds (first field of each thread's schedstat): the
 * 10 ms ticks of /proc/<pid>/stat are too coarse for a poll or a few thousand requests.
 */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return total;
}
