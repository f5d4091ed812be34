/**
 * `node --import tsx bench/idle-rss.ts [--bin dist/bin.js] [--runs 5] [--settle 12]`: idle RSS of
 * `rolecall serve` vs a bare node:http server (bench/baselines/server.mjs), 3 s after the first
 * answer and again at --settle seconds (V8's memory reducer shrinks the young generation about
 * 8 s after start), and start → first healthy answer. Medians of --runs alternating starts.
 */
import { startEndpoint } from './lib/endpoint.ts';
import { rssMiB } from './lib/proc.ts';
import { binPath, log, main, num, options, type Result, row } from './lib/report.ts';
import { type Running, startBaseline, startRolecall } from './lib/spawn.ts';
import { median, round, sleep } from './lib/stats.ts';

export const OPTIONS = {
  runs: { type: 'string' },
  settle: { type: 'string' },
} as const;

interface Samples {
  readyMs: number[];
  rss3s: number[];
  rssSettled: number[];
}

export async function run(argv: readonly string[]): Promise<Result> {
  const o = options(argv, OPTIONS);
  const bin = binPath(o.bin);
  const runs = num(o.runs, 5);
  const settleMs = num(o.settle, 12) * 1000;
  const ep = await startEndpoint();
  const samples: Record<'bare' | 'rolecall', Samples> = {
    bare: { readyMs: [], rss3s: [], rssSettled: [] },
    rolecall: { readyMs: [], rss3s: [], rssSettled: [] },
  };
  log(`idle RSS and start → healthy, ${runs} starts each, settled at ${settleMs / 1000} s`);
  try {
    for (let i = 0; i < runs; i++) {
      for (const kind of ['bare', 'rolecall'] as const) {
        const r: Running =
          kind === 'bare'
            ? await startBaseline('server')
            : await startRolecall({ bin, endpoint: ep.url });
        const s = samples[kind];
        s.readyMs.push(round(r.readyMs, 1));
        await sleep(3000);
        s.rss3s.push(round(rssMiB(r.pid), 1));
        await sleep(settleMs - 3000);
        s.rssSettled.push(round(rssMiB(r.pid), 1));
        await r.stop();
      }
    }
  } finally {
    await ep.close();
  }
  const m = (kind: 'bare' | 'rolecall', k: keyof Samples) => median(samples[kind][k]);
  const versus = 'bare node:http server';
  return {
    script: 'idle-rss',
    rows: [
      row(
        'idle RSS, 3 s after first answer',
        m('rolecall', 'rss3s'),
        m('bare', 'rss3s'),
        'MiB',
        versus,
      ),
      row(
        `idle RSS, ${settleMs / 1000} s after first answer`,
        m('rolecall', 'rssSettled'),
        m('bare', 'rssSettled'),
        'MiB',
        versus,
      ),
      row(
        'start → first healthy answer',
        m('rolecall', 'readyMs'),
        m('bare', 'readyMs'),
        'ms',
        'bare server start → first answer',
      ),
    ],
    raw: { bin, runs, settleSeconds: settleMs / 1000, samples },
  };
}

await main(import.meta.url, run);
