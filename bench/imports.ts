/**
 * `node --import tsx bench/imports.ts [--runs 3] [--settle 12]`: what each dependency costs alone.
 * The bare server (bench/baselines/server.mjs) loads one set of modules before it listens (the
 * IMPORTS variable); idle RSS at --settle seconds and start → first answer vs no imports, medians
 * of --runs starts. Sets include the undici and prom-client files rolecall once imported directly
 * and the package entry points it imports now, so a change of imports can be priced.
 */
import { rssMiB } from './lib/proc.ts';
import { log, main, num, options, type Result, type Row, row } from './lib/report.ts';
import { startBaseline } from './lib/spawn.ts';
import { median, round, sleep } from './lib/stats.ts';

export const OPTIONS = { runs: { type: 'string' }, settle: { type: 'string' } } as const;

const SETS: Record<string, { IMPORTS?: string; WITH_METRICS?: string }> = {
  nothing: {},
  'undici Agent + request files (undici/lib/...)': {
    IMPORTS: 'undici/lib/dispatcher/agent.js,undici/lib/api/api-request.js',
  },
  'undici (package entry point)': { IMPORTS: 'undici' },
  'prom-client + collectDefaultMetrics': { WITH_METRICS: '1' },
  express: { IMPORTS: 'express' },
  'pino-http': { IMPORTS: 'pino-http' },
  'express + pino-http': { IMPORTS: 'express,pino-http' },
  'undici + prom-client + pino + express + pino-http': {
    IMPORTS: 'undici,pino,express,pino-http',
    WITH_METRICS: '1',
  },
};

export async function run(argv: readonly string[]): Promise<Result> {
  const o = options(argv, OPTIONS);
  const runs = num(o.runs, 3);
  const settleMs = num(o.settle, 12) * 1000;
  log(`imports priced alone, ${runs} starts each, RSS at ${settleMs / 1000} s`);
  const samples: Record<string, { rssMiB: number[]; readyMs: number[] }> = {};
  for (let i = 0; i < runs; i++) {
    for (const [name, env] of Object.entries(SETS)) {
      const r = await startBaseline('server', env);
      await sleep(settleMs);
      const s = samples[name] ?? { rssMiB: [], readyMs: [] };
      samples[name] = s;
      s.rssMiB.push(round(rssMiB(r.pid), 1));
      s.readyMs.push(round(r.readyMs, 1));
      await r.stop();
    }
  }
  const m = (name: string, k: 'rssMiB' | 'readyMs') => median(samples[name]?.[k] ?? []);
  const rows: Row[] = [];
  for (const name of Object.keys(SETS).slice(1)) {
    rows.push(
      row(
        `idle RSS, server importing ${name}`,
        m(name, 'rssMiB'),
        m('nothing', 'rssMiB'),
        'MiB',
        'bare node:http server',
      ),
    );
    rows.push(
      row(
        `start → first answer, importing ${name}`,
        m(name, 'readyMs'),
        m('nothing', 'readyMs'),
        'ms',
        'bare node:http server',
      ),
    );
  }
  return {
    script: 'imports',
    rows,
    raw: { runs, settleSeconds: settleMs / 1000, sets: SETS, samples },
  };
}

await main(import.meta.url, run);
