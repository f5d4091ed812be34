/** Load through autocannon (10 connections, bounded by time or count) and CPU per request. */
import autocannon from 'autocannon';
import { cpuNs } from './proc.ts';
import { median, round } from './stats.ts';

export async function throughput(url: string, seconds: number) {
  await autocannon({ url, connections: 10, duration: 1 });
  const r = await autocannon({ url, connections: 10, duration: seconds });
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: Math.round(r.requests.average), p99ms: r.latency.p99 };
}

/**
 * Server CPU seconds per 1,000 requests over one keep-alive connection, after 200 warm-up
 * requests: the median of `rounds` rounds of `count` requests, from the threads' schedstat (ns).
 */
export async function cpuPer1000(pid: number, url: string, count: number, rounds = 3) {
  await autocannon({ url, connections: 1, amount: 200 });
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const before = cpuNs(pid);
    const r = await autocannon({ url, connections: 1, amount: count });
    if (r.non2xx > 0 || r.errors > 0)
      throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    samples.push(round(((cpuNs(pid) - before) / 1e9 / count) * 1000, 4));
  }
  return { median: median(samples), samples };
}
