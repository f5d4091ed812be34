/**
 * `npm run soak [-- --short] [-- --polls N --requests N --json]`: the whole sidecar in-process
 * against a loopback "fast scenario" endpoint (rotations, role changes, outages, throttling),
 * polled back to back through an injected timer, while a client hammers every route. Memory is
 * measured after a warm-up and at the end (after a forced GC); exits 1 when RSS or heap grows past
 * a generous bound, when history exceeds its cap, or when timers, sockets or listeners leak.
 * Bounded in count and time; only ever talks to 127.0.0.1.
 *
 * Then a load phase (`--no-load` skips it): autocannon against `/healthz`, `/metrics` and
 * `/whoami` while the endpoint is *slow* (every poll stalls past the deadline) and while it is
 * *failing* (503), with good credentials held from before. Every answer must be a 200 (health
 * `degraded`, not an error), and no route may wait on the endpoint: a p99 at or above the stall
 * would mean a scrape triggered a fetch. Figures are printed; only those two rules fail the run.
 *
 * `--cpu-polls N` instead measures CPU per 1,000 polls (rolecall's poll vs a bare undici GET +
 * JSON.parse against the same endpoint, `--endpoint URL` or an in-process one) and prints JSON;
 * `npm run bench` uses it with an endpoint in its own process, so only polling is measured.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import autocannon from 'autocannon';
import pino from 'pino';
import { Agent, request } from 'undici';
import type { SetTimer } from '../src/credentials/poller.ts';
import { loadConfig } from '../src/sidecar/config.ts';
import { createLogger } from '../src/sidecar/logger.ts';
import { HISTORY_LIMIT, type Service, startService } from '../src/sidecar/service.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { values: args } = parseArgs({
  options: {
    short: { type: 'boolean' },
    json: { type: 'boolean' },
    polls: { type: 'string' },
    requests: { type: 'string' },
    'cpu-polls': { type: 'string' },
    'max-seconds': { type: 'string' },
    endpoint: { type: 'string' },
    'no-load': { type: 'boolean' },
  },
});

/** The fast scenario: every 40th answer rotates, every 400th changes role, 5 % outages, some 429s. */
async function fastEndpoint(): Promise<{ url: string; server: Server; hits: () => number }> {
  let n = 0;
  const server = createServer((_req, res) => {
    n++;
    const phase = n % 200;
    if (phase >= 190) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"code":"CredentialsUninitialized","message":"x","HTTPErrorCode":503}');
      return;
    }
    if (phase === 100) {
      res.writeHead(429, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('You have reached maximum request limit.');
      return;
    }
    const key = `ASIASOAK${String(Math.floor(n / 40)).padStart(12, '0')}`;
    const role = Math.floor(n / 400) % 2 === 0 ? 'orders-task' : 'payments-task';
    res.writeHead(200, { 'content-type': 'application/json', date: new Date().toUTCString() });
    res.end(
      `{"RoleArn":"arn:aws:iam::111122223333:role/${role}","AccessKeyId":"${key}","SecretAccessKey":"soak-secret","Token":"soak-token","Expiration":"${new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')}"}`,
    );
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    hits: () => n,
  };
}

/**
 * A timer that ignores the schedule (polls back to back on the next turn of the event loop) and
 * counts completed polls; `until(n)` resolves once n polls have completed, and polling stops.
 */
function fastTimer(limit: number) {
  let polls = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  const setTimer: SetTimer = (fn) => {
    polls++;
    for (const w of waiters.filter((w) => polls >= w.at)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    if (polls >= limit) return { cancel() {} };
    const i = setImmediate(fn);
    return { cancel: () => clearImmediate(i) };
  };
  return {
    setTimer,
    polls: () => polls,
    until: (at: number) =>
      new Promise<void>((resolve) => (polls >= at ? resolve() : waiters.push({ at, resolve }))),
  };
}

/** A credentials endpoint that answers well until `set('slow' | 'failing')`. */
async function switchableEndpoint(stallMs: number) {
  let mode: 'good' | 'slow' | 'failing' = 'good';
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    if (mode === 'failing') {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"code":"CredentialsUninitialized","message":"x","HTTPErrorCode":503}');
      return;
    }
    const answer = () => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        `{"RoleArn":"arn:aws:iam::111122223333:role/orders-task","AccessKeyId":"ASIASOAKLOAD00000001","SecretAccessKey":"soak-secret","Token":"soak-token","Expiration":"${new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')}"}`,
      );
    };
    if (mode === 'slow') setTimeout(answer, stallMs).unref();
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (m: 'slow' | 'failing') => {
      mode = m;
    },
    hits: () => hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface LoadRow {
  readonly endpoint: 'slow' | 'failing';
  readonly route: string;
  readonly requests: number;
  readonly rps: number;
  readonly p99ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly errors: number;
}

/**
 * autocannon against the three routes while the endpoint is slow, then failing; real timers, a
 * poll every second with a 500 ms deadline. Each run is bounded by `seconds` and by `amount`.
 */
async function loadPhase(seconds: number): Promise<{ rows: LoadRow[]; problems: string[] }> {
  const stallMs = 1500;
  const endpoint = await switchableEndpoint(stallMs);
  const service = await startSidecar(endpoint.url);
  const rows: LoadRow[] = [];
  const problems: string[] = [];
  try {
    for (let i = 0; i < 50 && service.state().lastSuccess === null; i++)
      await new Promise((r) => setTimeout(r, 100));
    if (service.state().lastSuccess === null) throw new Error('load: no first poll within 5 s');
    for (const mode of ['slow', 'failing'] as const) {
      endpoint.set(mode);
      const before = endpoint.hits();
      for (const [base, route] of [
        [service.public.url, '/healthz'],
        [service.public.url, '/metrics'],
        [service.admin.url, '/whoami'],
      ] as const) {
        const r = await autocannon({
          url: `${base}${route}`,
          connections: 10,
          duration: seconds, // bounded by time; autocannon's `amount` would override it
        });
        const row: LoadRow = {
          endpoint: mode,
          route,
          requests: r.requests.total,
          rps: Math.round(r.requests.average),
          p99ms: r.latency.p99,
          maxMs: r.latency.max,
          non2xx: r.non2xx,
          errors: r.errors + r.timeouts,
        };
        rows.push(row);
        if (row.non2xx > 0 || row.errors > 0)
          problems.push(`${mode} ${route}: ${row.non2xx} non-2xx, ${row.errors} errors`);
        if (row.p99ms >= stallMs)
          problems.push(`${mode} ${route}: p99 ${row.p99ms} ms ≥ the endpoint's stall`);
      }
      if (service.state().consecutiveFailures === 0)
        problems.push(`${mode}: no poll failed during the load, so the fault was not exercised`);
      // The sidecar kept polling on its own schedule, not per request.
      const polled = endpoint.hits() - before;
      if (polled > seconds * 3 * 3)
        problems.push(`${mode}: ${polled} endpoint hits during load: requests trigger fetches`);
    }
  } finally {
    await service.close();
    await endpoint.close();
  }
  return { rows, problems };
}

async function startSidecar(endpointUrl: string, setTimer?: SetTimer): Promise<Service> {
  const config = loadConfig(
    {
      ROLECALL_LISTEN: '127.0.0.1:0',
      ROLECALL_ADMIN_LISTEN: '127.0.0.1:0',
      ROLECALL_LOG_LEVEL: 'info',
      ROLECALL_POLL_INTERVAL: '1s',
      ROLECALL_POLL_TIMEOUT: '500ms',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/soak',
      ROLECALL_CONTAINER_HOST: endpointUrl,
    },
    () => '',
  );
  // Logs go to /dev/null through the real pino destination: their cost is part of a poll.
  const logger = createLogger(config.logLevel, pino.destination({ dest: '/dev/null', sync: true }));
  return startService(
    setTimer === undefined
      ? { config, logger, version: 'soak' }
      : { config, logger, version: 'soak', setTimer },
  );
}

function memory() {
  gc();
  gc();
  const m = process.memoryUsage();
  return {
    rssMiB: +(m.rss / 2 ** 20).toFixed(1),
    heapUsedMiB: +(m.heapUsed / 2 ** 20).toFixed(1),
    resources: process.getActiveResourcesInfo().length,
  };
}

/** Keeps `connections` keep-alive clients busy on every route until `count` requests are done. */
async function hammer(service: Service, count: number, deadline: number): Promise<number> {
  const dispatcher = new Agent({ connections: 4 });
  const routes = [
    [service.public.url, '/healthz'],
    [service.public.url, '/metrics'],
    [service.public.url, '/livez'],
    [service.admin.url, '/whoami'],
    [service.admin.url, '/whoami?format=text'],
    [service.public.url, '/nope'],
  ] as const;
  let done = 0;
  const worker = async (w: number) => {
    for (let i = w; done < count && Date.now() < deadline; i++) {
      const [base, path] = routes[i % routes.length] ?? routes[0];
      const res = await request(`${base}${path}`, { dispatcher });
      await res.body.dump();
      done++;
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
  await dispatcher.close();
  return done;
}

async function soak(): Promise<number> {
  const short = args.short === true;
  const polls = Number(args.polls ?? (short ? 20_000 : 100_000));
  const requests = Number(args.requests ?? (short ? 10_000 : 50_000));
  const maxSeconds = Number(args['max-seconds'] ?? (short ? 50 : 600));
  const warmPolls = Math.min(3000, Math.floor(polls / 5));
  const warmRequests = Math.min(3000, Math.floor(requests / 5));
  const started = Date.now();
  const deadline = started + maxSeconds * 1000;

  const endpoint = await fastEndpoint();
  const timer = fastTimer(polls);
  const service = await startSidecar(endpoint.url, timer.setTimer);
  const baseResources = process.getActiveResourcesInfo().length;

  await Promise.all([timer.until(warmPolls), hammer(service, warmRequests, deadline)]);
  const warm = memory();
  const [, served] = await Promise.all([
    Promise.race([
      timer.until(polls),
      new Promise<void>((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref()),
    ]),
    hammer(service, requests - warmRequests, deadline),
  ]);
  const end = memory();
  const state = service.state();
  const listeners = {
    connection: service.public.server.listenerCount('connection'),
    request: service.public.server.listenerCount('request'),
  };
  await service.close();
  await new Promise<void>((r) => endpoint.server.close(() => r()));
  endpoint.server.closeAllConnections();

  const seconds = (Date.now() - started) / 1000;
  const growth = {
    rssMiB: +(end.rssMiB - warm.rssMiB).toFixed(1),
    heapMiB: +(end.heapUsedMiB - warm.heapUsedMiB).toFixed(1),
  };
  const bounds = { rssMiB: short ? 40 : 60, heapMiB: short ? 8 : 12 };
  const problems: string[] = [];
  if (growth.rssMiB > bounds.rssMiB)
    problems.push(`RSS grew ${growth.rssMiB} MiB (bound ${bounds.rssMiB})`);
  if (growth.heapMiB > bounds.heapMiB)
    problems.push(`heap grew ${growth.heapMiB} MiB (bound ${bounds.heapMiB})`);
  if (state.history.length > HISTORY_LIMIT)
    problems.push(`history ${state.history.length} > ${HISTORY_LIMIT}`);
  if (end.resources > warm.resources + 4)
    problems.push(`active resources ${warm.resources} → ${end.resources}`);
  if (listeners.connection > 4 || listeners.request > 4)
    problems.push(`listeners ${JSON.stringify(listeners)}`);
  if (timer.polls() < polls * 0.25)
    problems.push(`only ${timer.polls()} of ${polls} polls within ${maxSeconds}s`);
  const load = args['no-load'] === true ? null : await loadPhase(short ? 2 : 10);
  if (load !== null) problems.push(...load.problems);
  const report = {
    mode: short ? 'short' : 'full',
    seconds: +seconds.toFixed(1),
    polls: timer.polls(),
    endpointHits: endpoint.hits(),
    requests: warmRequests + served,
    rotations: state.rotations,
    roleChanges: state.roleChanges,
    history: state.history.length,
    historyLimit: HISTORY_LIMIT,
    baseResources,
    warm,
    end,
    growth,
    bounds,
    listeners,
    load: load?.rows ?? null,
    ok: problems.length === 0,
    problems,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(
      `soak (${report.mode}): ${report.polls} polls, ${report.requests} requests, ${report.rotations} rotations, ${report.roleChanges} role changes in ${report.seconds}s\n` +
        `  after warm-up: RSS ${warm.rssMiB} MiB, heap ${warm.heapUsedMiB} MiB, ${warm.resources} active resources\n` +
        `  at the end:    RSS ${end.rssMiB} MiB, heap ${end.heapUsedMiB} MiB, ${end.resources} active resources\n` +
        `  history ${report.history}/${HISTORY_LIMIT}\n` +
        (load === null
          ? ''
          : `  load (autocannon, 10 connections, ${short ? 2 : 10} s per row; endpoint stalls 1.5 s or answers 503):\n${load.rows
              .map(
                (r) =>
                  `    ${r.endpoint.padEnd(7)} ${r.route.padEnd(8)} ${String(r.requests).padStart(7)} req  ${String(r.rps).padStart(6)} req/s  p99 ${r.p99ms} ms  max ${r.maxMs} ms  non-2xx ${r.non2xx}  errors ${r.errors}`,
              )
              .join('\n')}\n`) +
        `  ${problems.length === 0 ? 'OK' : `FAILED: ${problems.join('; ')}`}\n`,
    );
  }
  return problems.length === 0 ? 0 : 1;
}

/** CPU per 1,000 polls: rolecall's whole poll path vs a bare undici GET + JSON.parse. */
async function cpuPolls(count: number, external: string | undefined): Promise<number> {
  const own = external === undefined ? await fastEndpoint() : null;
  const endpoint = { url: external ?? own?.url ?? '' };
  const warm = Math.min(1000, Math.floor(count / 5));
  const timer = fastTimer(warm + count);
  const service = await startSidecar(endpoint.url, timer.setTimer);
  await timer.until(warm);
  let cpu = process.cpuUsage();
  let t = performance.now();
  await timer.until(warm + count);
  const rc = process.cpuUsage(cpu);
  const rcWall = performance.now() - t;
  await service.close();

  const agent = new Agent({ connections: 2, keepAliveTimeout: 4000 });
  const one = async () => {
    const res = await request(`${endpoint.url}/v2/credentials/soak`, {
      dispatcher: agent,
      headers: { accept: 'application/json' },
    });
    const text = await res.body.text();
    try {
      JSON.parse(text);
    } catch {
      // the scenario's 429 and 503 answers: a poll that failed, as in rolecall
    }
  };
  for (let i = 0; i < warm; i++) await one();
  cpu = process.cpuUsage();
  t = performance.now();
  for (let i = 0; i < count; i++) await one();
  const bare = process.cpuUsage(cpu);
  const bareWall = performance.now() - t;
  await agent.close();
  own?.server.closeAllConnections();
  await new Promise<void>((r) => (own === null ? r() : own.server.close(() => r())));
  const per1000 = (u: NodeJS.CpuUsage) => +(((u.user + u.system) / 1e6 / count) * 1000).toFixed(3);
  process.stdout.write(
    `${JSON.stringify({
      polls: count,
      // Without --endpoint the in-process endpoint's CPU is in both figures.
      externalEndpoint: external !== undefined,
      rolecallCpuSecondsPer1000: per1000(rc),
      bareCpuSecondsPer1000: per1000(bare),
      rolecallWallMsPerPoll: +(rcWall / count).toFixed(3),
      bareWallMsPerPoll: +(bareWall / count).toFixed(3),
    })}\n`,
  );
  return 0;
}

const cpuArg = args['cpu-polls'];
process.exitCode = await (cpuArg === undefined ? soak() : cpuPolls(Number(cpuArg), args.endpoint));
