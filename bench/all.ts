/**
 * `npm run bench [-- --bin dist/bin.js] [-- --only idle-rss,throughput] [-- --skip-soak]
 * [-- --out file.json]`: every bench script in one run, each figure against its baseline started
 * the same way in the same run; prints one JSON document, then one Markdown table. Options of the
 * single scripts pass through (--runs, --settle, --seconds, --polls, --client, --checks, ...).
 * The soak rows run bench/soak.ts in-process on the working tree's src/, whatever --bin says.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as healthcheckCost from './healthcheck-cost.ts';
import * as idleRss from './idle-rss.ts';
import { startEndpoint } from './lib/endpoint.ts';
import { COMMON_OPTIONS, environment, log, markdown, type Result, row } from './lib/report.ts';
import { BENCH_DIR, ROOT } from './lib/spawn.ts';
import * as modules from './modules.ts';
import * as steadyState from './steady-state.ts';
import * as throughput from './throughput.ts';

const SCRIPTS = {
  'idle-rss': idleRss,
  throughput,
  'healthcheck-cost': healthcheckCost,
  'steady-state': steadyState,
  modules,
} as const;

const argv = process.argv.slice(2);
const { values: args } = parseArgs({
  args: argv,
  options: {
    ...COMMON_OPTIONS,
    ...idleRss.OPTIONS,
    ...throughput.OPTIONS,
    ...healthcheckCost.OPTIONS,
    ...steadyState.OPTIONS,
    ...modules.OPTIONS,
    only: { type: 'string' },
    'skip-soak': { type: 'boolean' },
    out: { type: 'string' },
  },
});

/** A bench script that imports src/, as a child; the JSON on its last stdout line. */
function child(script: string, extra: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, script), ...extra], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('exit', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>);
      } catch {
        reject(new Error(`${script} ${extra.join(' ')} printed no JSON: ${out}`));
      }
    });
  });
}

async function soakResult(): Promise<Result> {
  log('CPU per 1,000 polls back to back, and the short soak (bench/soak.ts, in-process, src/)');
  // The endpoint in this process, so only polling is in the child's CPU.
  const ep = await startEndpoint();
  const polls = await child('cpu-per-poll.ts', ['--count', '5000', '--endpoint', ep.url]).finally(
    () => ep.close(),
  );
  const s = await child('soak.ts', ['--short', '--json']);
  const warm = s.warm as { rssMiB: number };
  const end = s.end as { rssMiB: number };
  return {
    script: 'soak',
    rows: [
      row(
        'CPU per 1,000 polls back to back (src/, in-process)',
        Number(polls.rolecallCpuSecondsPer1000),
        Number(polls.bareCpuSecondsPer1000),
        's',
        'bare undici GET + JSON.parse',
      ),
      row(
        `RSS after soak (${s.polls} polls, ${s.requests} requests)`,
        end.rssMiB,
        warm.rssMiB,
        'MiB',
        'RSS after warm-up, same process',
      ),
    ],
    raw: { polls, soak: s },
  };
}

const only = typeof args.only === 'string' ? args.only.split(',') : Object.keys(SCRIPTS);
const unknown = only.filter((n) => !(n in SCRIPTS) && n !== 'soak');
if (unknown.length > 0) throw new Error(`--only: unknown ${unknown.join(', ')}`);
const env = environment();
const results: Result[] = [];
for (const [name, script] of Object.entries(SCRIPTS))
  if (only.includes(name)) results.push(await script.run(argv));
if (!args['skip-soak'] && (args.only === undefined || only.includes('soak')))
  results.push(await soakResult());
const doc = { ...env, loadavgAfter: environment().loadavg, argv, results };
const json = `${JSON.stringify(doc, null, 2)}\n`;
if (typeof args.out === 'string') writeFileSync(args.out, json);
process.stdout.write(json);
if (!args['json-only']) process.stdout.write(`\n${markdown(results.flatMap((r) => r.rows))}\n`);
process.exit(0);
