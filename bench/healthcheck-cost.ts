/**
 * `node --import tsx bench/healthcheck-cost.ts [--bin dist/bin.js] [--client dist/healthcheck]
 * [--checks 10]`: what one container health check costs, peak RSS and CPU time per check, against
 * a running `rolecall serve`: `node dist/bin.js healthcheck` (as the image runs it, configured by
 * ROLECALL_LISTEN) vs a bare node:http GET as an ES module, a static C client and curl.
 * The C client is built with `cc -Os -static -s` from tools/healthcheck/healthcheck.c when
 * --client does not exist; without it (or without curl) that row says "not measured".
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEndpoint } from './lib/endpoint.ts';
import { binPath, log, main, num, options, type Result, type Row, row } from './lib/report.ts';
import { measure, onPath, rusageTool, type Usage } from './lib/rusage.ts';
import { BENCH_DIR, ROOT, startRolecall } from './lib/spawn.ts';
import { median, round } from './lib/stats.ts';

export const OPTIONS = {
  client: { type: 'string' },
  checks: { type: 'string' },
} as const;

/** The C client to measure, building it from source when only the source is there. */
function cClient(path: string): { path: string | null; how: string } {
  if (existsSync(path)) return { path, how: path };
  const source = join(ROOT, 'tools/healthcheck/healthcheck.c');
  const cc = onPath('cc');
  if (!existsSync(source)) return { path: null, how: `${path} and ${source} not found` };
  if (cc === null) return { path: null, how: 'no C compiler to build it' };
  const out = join(mkdtempSync(join(tmpdir(), 'rolecall-hc-')), 'healthcheck');
  execFileSync(cc, ['-Os', '-static', '-s', '-o', out, source], { stdio: 'inherit' });
  return { path: out, how: `built with cc -Os -static -s from ${source}` };
}

interface Client {
  readonly name: string;
  readonly argv: readonly string[] | null;
  readonly how: string;
}

export async function run(argv: readonly string[]): Promise<Result> {
  const o = options(argv, OPTIONS);
  const bin = binPath(o.bin);
  const checks = num(o.checks, 10);
  const tool = rusageTool();
  const c = cClient(typeof o.client === 'string' ? o.client : join(ROOT, 'dist/healthcheck'));
  const curl = onPath('curl');
  const ep = await startEndpoint();
  const server = await startRolecall({ bin, endpoint: ep.url });
  const listen = `127.0.0.1:${server.port}`;
  const url = `${server.base}/healthz`;
  const clients: Client[] = [
    { name: 'node', argv: [process.execPath, bin, 'healthcheck'], how: `${bin} healthcheck` },
    {
      name: 'bare',
      argv: [process.execPath, join(BENCH_DIR, 'baselines/get.mjs')],
      how: 'get.mjs',
    },
    { name: 'c', argv: c.path === null ? null : [c.path], how: c.how },
    {
      name: 'curl',
      argv: curl === null ? null : [curl, '-fsS', '-o', '/dev/null', '--max-time', '2', url],
      how: curl ?? 'curl not on PATH',
    },
  ];
  log(`health check cost, ${checks} checks per client`);
  const raw: Record<string, { how: string; usage: Usage[]; failed?: string }> = {};
  try {
    for (const client of clients) {
      const usage: Usage[] = [];
      raw[client.name] = { how: client.how, usage };
      if (client.argv === null || tool === null) continue;
      for (let i = 0; i < checks; i++) {
        const u = await measure(tool, client.argv, { ROLECALL_LISTEN: listen, URL: url });
        usage.push({ peakRssMiB: round(u.peakRssMiB, 2), cpuMs: round(u.cpuMs, 2), exit: u.exit });
      }
      if (usage.some((u) => u.exit !== 0))
        raw[client.name] = { ...raw[client.name]!, failed: 'a check exited non-zero' };
    }
  } finally {
    await server.stop();
    await ep.close();
  }
  const fig = (name: string, k: 'peakRssMiB' | 'cpuMs') => {
    const r = raw[name];
    return r === undefined || r.failed || r.usage.length === 0
      ? null
      : median(r.usage.map((u) => u[k]));
  };
  const why = (name: string) => {
    const r = raw[name];
    if (tool === null) return '(no C compiler for bench/lib/rusage.c)';
    return r?.failed ? `(${r.failed})` : r?.usage.length === 0 ? `(${r.how})` : undefined;
  };
  const rows: Row[] = [];
  for (const [k, unit, label] of [
    ['peakRssMiB', 'MiB', 'peak RSS'],
    ['cpuMs', 'ms', 'CPU time'],
  ] as const) {
    const node = fig('node', k);
    rows.push(
      row(
        `health check ${label}: node dist/bin.js healthcheck`,
        node,
        fig('bare', k),
        unit,
        'bare node:http GET (ES module)',
        'lower',
        why('node'),
      ),
    );
    rows.push(
      row(
        `health check ${label}: static C client`,
        fig('c', k),
        node,
        unit,
        'node dist/bin.js healthcheck',
        'lower',
        why('c'),
      ),
    );
    rows.push(
      row(
        `health check ${label}: curl`,
        fig('curl', k),
        node,
        unit,
        'node dist/bin.js healthcheck',
        'lower',
        why('curl'),
      ),
    );
  }
  return {
    script: 'healthcheck-cost',
    rows,
    raw: { bin, checks, listen: 'ROLECALL_LISTEN', clients: raw },
  };
}

await main(import.meta.url, run);
