/** Figures read from /proc for a child process: RSS, peak RSS and CPU time. Linux only. */
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100;

function statusKiB(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? Number.NaN);
}

export const rssMiB = (pid: number): number => statusKiB(pid, 'VmRSS') / 1024;
export const peakRssMiB = (pid: number): number => statusKiB(pid, 'VmHWM') / 1024;

/** utime + stime in seconds (fields 14 and 15 of /proc/<pid>/stat), 10 ms resolution. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/**
 * CPU time of every live thread in nanoseconds (first field of each thread's schedstat). Used for
 * idle polling, where a poll costs about a millisecond and the 10 ms ticks of /stat are too coarse.
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
