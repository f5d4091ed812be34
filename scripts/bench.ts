/**
 * `npm run bench [-- --bin path/to/dist/bin.js] [-- --seconds 5] [-- --json-only]`: measures the
 * built `rolecall serve` against baselines started the same way, in one run on this machine, and
 * prints a JSON document and a Markdown table. Every figure is a ratio against its baseline:
 *
 * - idle RSS vs a bare `node:http` server (goal ≤ 1.25×), 3 s after the first answer and again once
 *   settled (`--settle`, 12 s by default: V8's memory reducer shrinks the young generation about
 *   8 s after start), and with the `healthcheck` process added (vs the bare server plus a bare
 *   `node:http` client). Medians of `--runs` (5) starts each: on Node 20 an undici process's RSS is
 *   bimodal (docs/performance.md), so the raw figures of every start are in the JSON;
 * - start → first healthy answer vs the bare server's start → first answer;
 * - /healthz and /metrics throughput and p99 (autocannon, 10 connections) vs a bare `node:http`
 *   server and a plain Express 5 app serving the same body (for /metrics: prom-client's default
 *   metrics from a private registry, which rolecall also serves);
 * - CPU seconds per 1,000 scrapes (from /proc/<pid>/stat) and per 1,000 polls (scripts/soak.ts
 *   --cpu-polls against an endpoint in this process);
 * - RSS after the soak vs after its warm-up (scripts/soak.ts).
 *
 * Only 127.0.0.1; every loop is bounded in count and time; every child is killed at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const ROOT = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    bin: { type: 'string' },
    seconds: { type: 'string' },
    runs: { type: 'string' },
    settle: { type: 'string' },
    'json-only': { type: 'boolean' },
    'skip-soak': { type: 'boolean' },
  },
});
const BIN = resolve(args.bin ?? join(ROOT, 'dist/bin.js'));
const SECONDS = Number(args.seconds ?? 5);
const RUNS = Number(args.runs ?? 5);
const SETTLE_MS = Number(args.settle ?? 12) * 1000;
const CLK_TCK = 100;

if (!existsSync(BIN)) {
  process.stderr.write(`bench: ${BIN} not found; run \`npm run build\` first\n`);
  process.exit(2);
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const round = (x: number, d = 2) => +x.toFixed(d);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A credentials endpoint in this process, so its CPU and memory are not the child's. */
async function endpoint(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    const exp = new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      `{"RoleArn":"arn:aws:iam::111122223333:role/bench-task","AccessKeyId":"ASIABENCH00000000001","SecretAccessKey":"bench","Token":"bench","Expiration":"${exp}"}`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The same /healthz body shape rolecall answers with, and prom-client's default metrics. */
const BASELINE_COMMON = `
const health = JSON.stringify({ status: 'ok', checks: [{ name: 'credentials', status: 'ok', detail: 'valid for 5h 59m 58s (until 2026-11-28T18:00:00.000Z)' }] });
let registry = null;
if (process.env.WITH_METRICS === '1') {
  const { Registry, collectDefaultMetrics } = await import('prom-client');
  registry = new Registry();
  collectDefaultMetrics({ register: registry });
}
const port = Number(process.env.PORT);
`;
const BARE = `${BASELINE_COMMON}
const { createServer } = await import('node:http');
createServer(async (req, res) => {
  if (registry !== null && req.url === '/metrics') {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(body);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(health);
}).listen(port, '127.0.0.1');
`;
const EXPRESS = `${BASELINE_COMMON}
const { default: express } = await import('express');
const app = express();
app.get('/healthz', (_req, res) => { res.type('application/json').send(health); });
app.get('/metrics', async (_req, res) => { res.set('content-type', registry.contentType).send(await registry.metrics()); });
app.listen(port, '127.0.0.1');
`;

type Kind = 'bare' | 'express' | 'rolecall';
interface Running {
  readonly kind: Kind;
  readonly child: ChildProcess;
  readonly base: string;
  readonly readyMs: number;
  stop(): Promise<void>;
}

/** Fresh connection, one GET; resolves with the status or 0 when nothing answers. */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, timeout: 500 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function start(kind: Kind, endpointUrl: string, withMetrics = false): Promise<Running> {
  const port = await freePort();
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', PORT: String(port) };
  if (withMetrics) env.WITH_METRICS = '1';
  let argv: string[];
  const readyPath = '/healthz';
  if (kind === 'rolecall') {
    Object.assign(env, {
      ROLECALL_LISTEN: `127.0.0.1:${port}`,
      ROLECALL_ADMIN_LISTEN: `127.0.0.1:${await freePort()}`,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/bench',
      ROLECALL_CONTAINER_HOST: endpointUrl,
      AWS_EC2_METADATA_DISABLED: 'true',
      ROLECALL_LOG_LEVEL: 'info',
    });
    argv = [BIN, 'serve'];
  } else {
    argv = ['--input-type=module', '-e', kind === 'bare' ? BARE : EXPRESS];
  }
  const started = performance.now();
  const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: 'ignore' });
  children.add(child);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  let readyMs = Number.NaN;
  while (Date.now() < deadline) {
    if ((await status(base + readyPath)) === 200) {
      readyMs = performance.now() - started;
      break;
    }
    await sleep(2);
  }
  if (Number.isNaN(readyMs)) throw new Error(`${kind} did not become ready within 10 s`);
  return {
    kind,
    child,
    base,
    readyMs,
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(3000)]);
      child.kill('SIGKILL');
      children.delete(child);
    },
  };
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? Number.NaN) / 1024;
}

/** utime + stime of a child, seconds (field 14 and 15 of /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Peak RSS (MiB) of a short-lived process, reported by itself at exit. */
const REPORT_RSS = join(tmpdir(), `rolecall-bench-rss-${process.pid}.mjs`);
writeFileSync(
  REPORT_RSS,
  "process.on('exit', () => process.stderr.write('\\nPEAK_RSS_KB ' + process.resourceUsage().maxRSS + '\\n'));\n",
);
process.on('exit', () => rmSync(REPORT_RSS, { force: true }));
async function peakRss(argv: string[], env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, ['--import', REPORT_RSS, ...argv], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let err = '';
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  await Promise.race([new Promise((r) => child.once('exit', r)), sleep(10_000)]);
  children.delete(child);
  const kb = /PEAK_RSS_KB (\d+)/.exec(err)?.[1];
  if (kb === undefined) throw new Error(`no RSS report from ${argv.join(' ')}: ${err}`);
  return Number(kb) / 1024;
}

async function load(url: string, seconds = SECONDS) {
  await autocannon({ url, connections: 10, duration: 1 });
  const r = await autocannon({ url, connections: 10, duration: seconds });
  if (r.non2xx > 0 || r.errors > 0)
    throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: Math.round(r.requests.average), p99ms: r.latency.p99 };
}

async function cpuPer1000(r: Running, path: string, count = 2000): Promise<number> {
  const pid = r.child.pid ?? 0;
  await autocannon({ url: r.base + path, connections: 1, amount: 200 });
  const before = cpuSeconds(pid);
  await autocannon({ url: r.base + path, connections: 1, amount: count });
  return round(((cpuSeconds(pid) - before) / count) * 1000, 3);
}

function runScript(argv: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...argv], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    let out = '';
    child.stdout?.on('data', (d) => {
      out += String(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.once('exit', () => {
      clearTimeout(timer);
      children.delete(child);
      try {
        resolveRun(JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>);
      } catch {
        reject(new Error(`${argv.join(' ')} printed no JSON: ${out}`));
      }
    });
  });
}

async function main(): Promise<void> {
  const ep = await endpoint();
  const log = (s: string) => args['json-only'] || process.stderr.write(`bench: ${s}\n`);

  log(`idle RSS and start time, ${RUNS} runs each`);
  const loadBefore = loadavg();
  const idle: Record<'bare' | 'rolecall', { rss: number[]; settled: number[]; ready: number[] }> = {
    bare: { rss: [], settled: [], ready: [] },
    rolecall: { rss: [], settled: [], ready: [] },
  };
  const healthcheck = { rolecall: [] as number[], bare: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    for (const kind of ['bare', 'rolecall'] as const) {
      const r = await start(kind, ep.url);
      await sleep(3000);
      idle[kind].rss.push(rssMiB(r.child.pid ?? 0));
      idle[kind].ready.push(r.readyMs);
      if (kind === 'rolecall') {
        healthcheck.rolecall.push(
          await peakRss([BIN, 'healthcheck', '--url', `${r.base}/healthz`], {}),
        );
        healthcheck.bare.push(
          await peakRss(
            // An ES module like dist/bin.js and the bare server: on Node 24 the ESM loader alone
            // adds about 13 MiB of peak RSS over a CommonJS one-liner (docs/performance.md).
            [
              '--input-type=module',
              '-e',
              `import { get } from 'node:http'; get(${JSON.stringify(`${r.base}/healthz`)}, (res) => { res.resume(); res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1)); })`,
            ],
            {},
          ),
        );
      }
      await sleep(SETTLE_MS - 3000);
      idle[kind].settled.push(rssMiB(r.child.pid ?? 0));
      await r.stop();
    }
  }

  log(`throughput, ${SECONDS}s per route and server`);
  const servers = {
    bare: await start('bare', ep.url, true),
    express: await start('express', ep.url, true),
    rolecall: await start('rolecall', ep.url),
  };
  const throughput: Record<string, Record<Kind, { rps: number; p99ms: number }>> = {};
  const cpu: Record<string, Record<'bare' | 'rolecall', number>> = {};
  for (const path of ['/healthz', '/metrics']) {
    throughput[path] = {
      bare: await load(servers.bare.base + path),
      express: await load(servers.express.base + path),
      rolecall: await load(servers.rolecall.base + path),
    };
    cpu[path] = {
      bare: await cpuPer1000(servers.bare, path),
      rolecall: await cpuPer1000(servers.rolecall, path),
    };
  }
  for (const r of Object.values(servers)) await r.stop();

  log('CPU per 1,000 polls (scripts/soak.ts --cpu-polls 5000)');
  const polls = await runScript(['scripts/soak.ts', '--cpu-polls', '5000', '--endpoint', ep.url]);

  let soak: Record<string, unknown> | null = null;
  if (!args['skip-soak']) {
    log('soak (scripts/soak.ts --short --json)');
    soak = await runScript(['scripts/soak.ts', '--short', '--json']);
  }
  ep.server.close();

  const bareRss = median(idle.bare.rss);
  const rcRss = median(idle.rolecall.rss);
  const hcRc = median(healthcheck.rolecall);
  const hcBare = median(healthcheck.bare);
  const rows: {
    measure: string;
    rolecall: number;
    baseline: number;
    unit: string;
    versus: string;
    ratio: number;
    better: 'lower' | 'higher';
  }[] = [];
  const row = (
    measure: string,
    rolecall: number,
    baseline: number,
    unit: string,
    versus: string,
    better: 'lower' | 'higher' = 'lower',
  ) =>
    rows.push({
      measure,
      rolecall: round(rolecall, 3),
      baseline: round(baseline, 3),
      unit,
      versus,
      ratio: round(rolecall / baseline),
      better,
    });
  row('idle RSS, 3 s after first answer', rcRss, bareRss, 'MiB', 'bare node:http server');
  row(
    `idle RSS, settled (${SETTLE_MS / 1000} s)`,
    median(idle.rolecall.settled),
    median(idle.bare.settled),
    'MiB',
    'bare node:http server',
  );
  row(
    'idle RSS + healthcheck process',
    rcRss + hcRc,
    bareRss + hcBare,
    'MiB',
    'bare server + bare node:http GET',
  );
  row('healthcheck process peak RSS', hcRc, hcBare, 'MiB', 'bare node:http GET');
  row(
    'start → first healthy answer',
    median(idle.rolecall.ready),
    median(idle.bare.ready),
    'ms',
    'bare server start → first answer',
  );
  for (const path of ['/healthz', '/metrics']) {
    const t = throughput[path];
    if (t === undefined) continue;
    for (const base of ['bare', 'express'] as const) {
      const label = base === 'bare' ? 'bare node:http' : 'Express 5';
      row(`${path} throughput`, t.rolecall.rps, t[base].rps, 'req/s', label, 'higher');
      row(`${path} p99 latency`, t.rolecall.p99ms, t[base].p99ms, 'ms', label);
    }
    const c = cpu[path];
    if (c !== undefined)
      row(`CPU per 1,000 ${path} requests`, c.rolecall, c.bare, 's', 'bare node:http');
  }
  row(
    'CPU per 1,000 polls',
    Number(polls.rolecallCpuSecondsPer1000),
    Number(polls.bareCpuSecondsPer1000),
    's',
    'bare undici GET + JSON.parse',
  );
  if (soak !== null) {
    const warm = soak.warm as { rssMiB: number };
    const end = soak.end as { rssMiB: number };
    row(
      `RSS after soak (${soak.polls} polls, ${soak.requests} requests)`,
      end.rssMiB,
      warm.rssMiB,
      'MiB',
      'RSS after warm-up',
    );
  }

  const doc = {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    bin: BIN,
    seconds: SECONDS,
    runs: RUNS,
    settleSeconds: SETTLE_MS / 1000,
    loadavg: { before: loadBefore.map((x) => round(x)), after: loadavg().map((x) => round(x)) },
    rows,
    raw: { idle, healthcheck, throughput, cpu, polls, soak },
  };
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  if (!args['json-only']) {
    const lines = [
      '',
      '| measure | rolecall | baseline | unit | baseline is | ratio |',
      '|---|--:|--:|---|---|--:|',
      ...rows.map(
        (r) =>
          `| ${r.measure} | ${r.rolecall} | ${r.baseline} | ${r.unit} | ${r.versus} | ${r.ratio}× (${r.better} is better) |`,
      ),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

try {
  await main();
} finally {
  for (const c of children) c.kill('SIGKILL');
}
