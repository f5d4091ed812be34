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
 * Last, the pipelined flood of `soak-pipeline.ts` (`--no-pipeline` skips it) against the built
 * sidecar (`npm run build` first): it fails the run when a fresh `/healthz` waits over 1 s or
 * RSS doubles.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, request } from 'undici';
import {
  fastEndpoint,
  fastTimer,
  HISTORY_LIMIT,
  type Service,
  startSidecar,
} from './lib/sidecar.ts';
import { loadPhase } from './lib/soak-load.ts';
import { runPipelineSoak } from './soak-pipeline.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { values: args } = parseArgs({
  options: {
    short: { type: 'boolean' },
    json: { type: 'boolean' },
    polls: { type: 'string' },
    requests: { type: 'string' },
    'max-seconds': { type: 'string' },
    'no-load': { type: 'boolean' },
    'no-pipeline': { type: 'boolean' },
  },
});

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
  // Pipelined requests never read, against the built sidecar in a child process (its own RSS).
  const pipeline =
    args['no-pipeline'] === true
      ? null
      : await runPipelineSoak(
          short
            ? { connections: 20, requests: 2000, seconds: 5 }
            : { connections: 50, requests: 2000, seconds: 30 },
        );
  if (pipeline !== null && !pipeline.ok) problems.push('pipelined /metrics flood (see above)');
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
    pipeline: pipeline?.figures ?? null,
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
        (pipeline === null
          ? ''
          : `  pipelined flood (built sidecar, child process):\n${pipeline.text.replace(/\n?$/, '\n')}`) +
        `  ${problems.length === 0 ? 'OK' : `FAILED: ${problems.join('; ')}`}\n`,
    );
  }
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = await soak();
