/**
 * `node --import tsx bench/throughput.ts [--bin dist/bin.js] [--seconds 5] [--cpu-requests 2000]`:
 * /healthz and /metrics throughput and p99 (autocannon, 10 connections) of `rolecall serve` vs a
 * bare node:http server and a plain Express 5 app serving the same bodies (bench/baselines/), and
 * server CPU seconds per 1,000 requests (schedstat, median of 3 rounds) vs the bare server.
 */
import { startEndpoint } from './lib/endpoint.ts';
import { cpuPer1000, throughput } from './lib/load.ts';
import { binPath, log, main, num, options, type Result, type Row, row } from './lib/report.ts';
import { startBaseline, startRolecall } from './lib/spawn.ts';

export const OPTIONS = {
  seconds: { type: 'string' },
  'cpu-requests': { type: 'string' },
} as const;

const PATHS = ['/healthz', '/metrics'] as const;

export async function run(argv: readonly string[]): Promise<Result> {
  const o = options(argv, OPTIONS);
  const bin = binPath(o.bin);
  const seconds = num(o.seconds, 5);
  const cpuRequests = num(o['cpu-requests'], 2000);
  log(`throughput, ${seconds} s per route and server; CPU over ${cpuRequests} requests`);
  const ep = await startEndpoint();
  const servers = {
    bare: await startBaseline('server', { WITH_METRICS: '1' }),
    express: await startBaseline('express', { WITH_METRICS: '1' }),
    rolecall: await startRolecall({ bin, endpoint: ep.url }),
  };
  const raw: Record<string, unknown> = { bin, seconds, cpuRequests };
  const rows: Row[] = [];
  try {
    for (const path of PATHS) {
      const t = {
        bare: await throughput(servers.bare.base + path, seconds),
        express: await throughput(servers.express.base + path, seconds),
        rolecall: await throughput(servers.rolecall.base + path, seconds),
      };
      const cpu = {
        bare: await cpuPer1000(servers.bare.pid, servers.bare.base + path, cpuRequests),
        rolecall: await cpuPer1000(servers.rolecall.pid, servers.rolecall.base + path, cpuRequests),
      };
      raw[path] = { throughput: t, cpuSecondsPer1000: cpu };
      const c = { bare: cpu.bare.median, rolecall: cpu.rolecall.median };
      for (const base of ['bare', 'express'] as const) {
        const label = base === 'bare' ? 'bare node:http' : 'Express 5';
        rows.push(row(`${path} throughput`, t.rolecall.rps, t[base].rps, 'req/s', label, 'higher'));
        rows.push(row(`${path} p99 latency`, t.rolecall.p99ms, t[base].p99ms, 'ms', label));
      }
      rows.push(row(`CPU per 1,000 ${path} requests`, c.rolecall, c.bare, 's', 'bare node:http'));
    }
  } finally {
    for (const s of Object.values(servers)) await s.stop();
    await ep.close();
  }
  return { script: 'throughput', rows, raw };
}

await main(import.meta.url, run);
