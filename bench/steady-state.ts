/**
 * `node --import tsx bench/steady-state.ts [--bin dist/bin.js] [--runs 5] [--polls 60]
 * [--interval 1]`: idle RSS where it settles, after at least --polls polls (V8 optimises undici's
 * WebAssembly parser only after many), and CPU per poll, for `rolecall serve` under each node
 * flag variant vs a bare undici poller (bench/baselines/poller.mjs) at the same interval. In each
 * run the variants and the baseline idle side by side against one endpoint in this process.
 * CPU per poll is all CPU between the 10th and the last poll (schedstat, ns) over the polls made.
 * A second baseline also keeps prom-client's default metrics, which rolecall serves.
 */
import { startEndpoint } from './lib/endpoint.ts';
import { cpuNs, rssMiB } from './lib/proc.ts';
import { binPath, log, main, num, options, type Result, type Row, row } from './lib/report.ts';
import { type Running, startBaseline, startRolecall } from './lib/spawn.ts';
import { median, round, sleep } from './lib/stats.ts';

export const OPTIONS = {
  runs: { type: 'string' },
  polls: { type: 'string' },
  interval: { type: 'string' },
} as const;

export const VARIANTS: Record<string, readonly string[]> = {
  'no flags': [],
  '--liftoff-only': ['--liftoff-only'],
  '--liftoff-only --max-semi-space-size=1': ['--liftoff-only', '--max-semi-space-size=1'],
};
const WARM_POLLS = 10;

interface Sample {
  rssMiB: number;
  cpuMsPerPoll: number;
  polls: number;
  /** [seconds since ready, RSS MiB, polls] every 5 s: where it settles. */
  series: [number, number, number][];
  heap?: Record<string, number>;
}

/** Heap figures from rolecall's own /metrics, taken after the last RSS sample. */
async function heapFigures(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Record<string, number> = {};
  const re =
    /^(nodejs_heap_size_(?:total|used)_bytes|nodejs_external_memory_bytes|nodejs_heap_space_size_used_bytes\{space="(\w+)"\}) (\S+)/gm;
  for (const m of text.matchAll(re))
    out[m[2] === undefined ? (m[1] ?? '') : `space_${m[2]}`] = round(Number(m[3]) / 2 ** 20, 2);
  return out;
}

async function oneRun(bin: string, run: number, target: number, intervalS: number) {
  const ep = await startEndpoint();
  const procs: { name: string; path: string; r: Running }[] = [];
  try {
    for (const [name, metrics] of [
      ['baseline', '0'],
      ['baseline + metrics', '1'],
    ] as const) {
      const path = `/v2/credentials/${metrics}-${run}`;
      const env = {
        CREDENTIALS_URL: ep.url + path,
        POLL_INTERVAL_MS: String(intervalS * 1000),
        WITH_METRICS: metrics,
      };
      procs.push({ name, path, r: await startBaseline('poller', env) });
    }
    for (const [i, [name, nodeFlags]] of Object.entries(VARIANTS).entries()) {
      const p = `/v2/credentials/rolecall-${run}-${i}`;
      const env = { ROLECALL_POLL_INTERVAL: `${intervalS}s`, ROLECALL_POLL_TIMEOUT: '500ms' };
      procs.push({
        name,
        path: p,
        r: await startRolecall({ bin, endpoint: ep.url, path: p, nodeFlags, env }),
      });
    }
    const t0 = Date.now();
    const deadline = t0 + (target * intervalS * 1.5 + 30) * 1000;
    const warm = new Map<string, { ns: number; polls: number }>();
    const series = new Map<string, [number, number, number][]>(procs.map((p) => [p.name, []]));
    let nextSample = t0;
    while (Date.now() < deadline) {
      for (const p of procs) {
        const polls = ep.polls(p.path);
        if (!warm.has(p.name) && polls >= WARM_POLLS)
          warm.set(p.name, { ns: cpuNs(p.r.pid), polls });
      }
      if (Date.now() >= nextSample) {
        for (const p of procs)
          series
            .get(p.name)
            ?.push([
              Math.round((Date.now() - t0) / 1000),
              round(rssMiB(p.r.pid), 1),
              ep.polls(p.path),
            ]);
        nextSample += 5000;
      }
      if (procs.every((p) => ep.polls(p.path) >= target)) break;
      await sleep(100);
    }
    const out: Record<string, Sample> = {};
    for (const p of procs) {
      const polls = ep.polls(p.path);
      const w = warm.get(p.name);
      const ns = cpuNs(p.r.pid);
      out[p.name] = {
        rssMiB: round(rssMiB(p.r.pid), 1),
        cpuMsPerPoll:
          w === undefined || polls <= w.polls
            ? Number.NaN
            : round((ns - w.ns) / 1e6 / (polls - w.polls), 3),
        polls,
        series: series.get(p.name) ?? [],
      };
    }
    for (const p of procs)
      if (p.name !== 'baseline') out[p.name]!.heap = await heapFigures(p.r.base);
    return out;
  } finally {
    for (const p of procs) await p.r.stop();
    await ep.close();
  }
}

export async function run(argv: readonly string[]): Promise<Result> {
  const o = options(argv, OPTIONS);
  const bin = binPath(o.bin);
  const runs = num(o.runs, 5);
  const target = Math.max(50, num(o.polls, 60));
  const intervalS = num(o.interval, 1);
  log(`steady state: ${runs} runs, ${target} polls at ${intervalS} s, variants side by side`);
  const samples: Record<string, Sample>[] = [];
  for (let i = 0; i < runs; i++) samples.push(await oneRun(bin, i, target, intervalS));
  const m = (name: string, k: 'rssMiB' | 'cpuMsPerPoll' | 'polls') =>
    median(samples.map((s) => s[name]?.[k] ?? Number.NaN));
  const rows: Row[] = [];
  const versus = 'bare undici poller, no flags';
  for (const name of Object.keys(VARIANTS)) {
    const note = `(median ${m(name, 'polls')} polls)`;
    rows.push(
      row(
        `idle RSS settled, ${name}`,
        m(name, 'rssMiB'),
        m('baseline', 'rssMiB'),
        'MiB',
        versus,
        'lower',
        note,
      ),
    );
    rows.push(
      row(
        `CPU per poll, ${name}`,
        m(name, 'cpuMsPerPoll'),
        m('baseline', 'cpuMsPerPoll'),
        'ms',
        versus,
      ),
    );
  }
  // Most of the idle CPU is not the poll: prom-client's default metrics sample event-loop delay.
  const withMetrics = 'bare undici poller + prom-client default metrics';
  rows.push(
    row(
      'CPU per poll, no flags',
      m('no flags', 'cpuMsPerPoll'),
      m('baseline + metrics', 'cpuMsPerPoll'),
      'ms',
      withMetrics,
    ),
  );
  rows.push(
    row(
      'idle RSS settled, no flags',
      m('no flags', 'rssMiB'),
      m('baseline + metrics', 'rssMiB'),
      'MiB',
      withMetrics,
    ),
  );
  return {
    script: 'steady-state',
    rows,
    raw: { bin, runs, polls: target, intervalSeconds: intervalS, variants: VARIANTS, samples },
  };
}

await main(import.meta.url, run);
