/**
 * `node --import tsx bench/modules.ts [--bin dist/bin.js]`: which modules
 * `rolecall serve` has loaded once it is healthy and has polled, grouped by package, vs the bare
 * node:http server. Read from V8's coverage output (NODE_V8_COVERAGE), which lists every script
 * compiled, CommonJS and ES modules alike; written when the process exits on SIGTERM.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEndpoint } from './lib/endpoint.ts';
import { binPath, log, main, options, type Result, row } from './lib/report.ts';
import { type Running, startBaseline, startRolecall } from './lib/spawn.ts';
import { sleep } from './lib/stats.ts';

export const OPTIONS = {} as const;
const SECONDS = 5;

/** `undici`, `@smithy/x`, `(rolecall)` for the measured tree, `(node)` for Node's own. */
function group(url: string): string {
  if (url.startsWith('node:') || !url.includes('/')) return '(node)';
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (m !== null) return m[1] ?? '?';
  return url.includes('/bench/baselines/') ? '(baseline)' : '(rolecall)';
}

export interface Loaded {
  readonly modules: number;
  readonly kib: number;
  readonly byPackage: Record<string, { modules: number; kib: number }>;
}

async function loaded(startIt: (env: Record<string, string>) => Promise<Running>, seconds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-cov-'));
  try {
    const r = await startIt({ NODE_V8_COVERAGE: dir });
    await sleep(seconds * 1000);
    await r.stop();
    const byPackage: Record<string, { modules: number; kib: number }> = {};
    const seen = new Set<string>();
    for (const f of readdirSync(dir)) {
      const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { result: { url: string }[] };
      for (const { url } of doc.result) {
        if (url === '' || url.startsWith('node:') || seen.has(url)) continue;
        seen.add(url);
        const g = group(url);
        const e = byPackage[g] ?? { modules: 0, kib: 0 };
        byPackage[g] = e;
        e.modules++;
        if (url.startsWith('file:')) e.kib += statSync(fileURLToPath(url)).size / 1024;
      }
    }
    for (const e of Object.values(byPackage)) e.kib = Math.round(e.kib);
    const all = Object.values(byPackage);
    return {
      modules: all.reduce((n, e) => n + e.modules, 0),
      kib: all.reduce((n, e) => n + e.kib, 0),
      byPackage,
    } satisfies Loaded;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(argv: readonly string[]): Promise<Result> {
  const o = options(argv, OPTIONS);
  const bin = binPath(o.bin);
  const seconds = SECONDS;
  log('modules loaded (V8 coverage)');
  const ep = await startEndpoint();
  try {
    const bare = await loaded((env) => startBaseline('server', env), seconds);
    const rolecall = await loaded((env) => startRolecall({ bin, endpoint: ep.url, env }), seconds);
    return {
      script: 'modules',
      rows: [
        row(
          'modules loaded (outside node:)',
          rolecall.modules,
          bare.modules,
          'count',
          'bare node:http server',
        ),
        row('source of modules loaded', rolecall.kib, bare.kib, 'KiB', 'bare node:http server'),
      ],
      raw: { bin, seconds, bare, rolecall },
    };
  } finally {
    await ep.close();
  }
}

await main(import.meta.url, run);
