/**
 * The shape every bench script returns, and how it is printed: one JSON document (machine,
 * Node, load average, rows, raw samples) and a Markdown table of ratios against baselines.
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ROOT } from './spawn.ts';
import { round } from './stats.ts';

export interface Row {
  readonly measure: string;
  readonly value: number | null;
  readonly baseline: number | null;
  readonly unit: string;
  readonly versus: string;
  /** value / baseline; null when either was not measured. */
  readonly ratio: number | null;
  readonly better: 'lower' | 'higher';
  readonly note?: string;
}

export interface Result {
  readonly script: string;
  readonly rows: Row[];
  readonly raw: unknown;
}

export function row(
  measure: string,
  value: number | null,
  baseline: number | null,
  unit: string,
  versus: string,
  better: 'lower' | 'higher' = 'lower',
  note?: string,
): Row {
  const v = value === null || !Number.isFinite(value) ? null : round(value, 3);
  const b = baseline === null || !Number.isFinite(baseline) ? null : round(baseline, 3);
  const ratio = v === null || b === null || b === 0 ? null : round(v / b);
  return { measure, value: v, baseline: b, unit, versus, ratio, better, ...(note ? { note } : {}) };
}

export const COMMON_OPTIONS = {
  bin: { type: 'string' },
  'json-only': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a script's own options; unknown ones are left to the other scripts (bench/all.ts). */
export function options<T extends Options>(argv: readonly string[], own: T) {
  return parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...own }, strict: false })
    .values as { [K in keyof (T & typeof COMMON_OPTIONS)]?: string | boolean };
}

export function binPath(value: unknown): string {
  const bin = resolve(typeof value === 'string' ? value : `${ROOT}/dist/bin.js`);
  if (!existsSync(bin)) throw new Error(`${bin} not found; run \`npm run build\` first`);
  return bin;
}

export const num = (value: unknown, fallback: number): number =>
  typeof value === 'string' ? Number(value) : fallback;

export function environment() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadavg: loadavg().map((x) => round(x)),
  };
}

const fmt = (x: number | null) => (x === null ? 'not measured' : String(x));

export function markdown(rows: readonly Row[]): string {
  return [
    '| measure | value | baseline | unit | baseline is | ratio |',
    '|---|--:|--:|---|---|--:|',
    ...rows.map(
      (r) =>
        `| ${r.measure} | ${fmt(r.value)} | ${fmt(r.baseline)} | ${r.unit} | ${r.versus} | ${r.ratio === null ? '—' : `${r.ratio}× (${r.better} is better)`}${r.note ? ` ${r.note}` : ''} |`,
    ),
  ].join('\n');
}

export const log = (s: string): void => {
  process.stderr.write(`bench: ${s}\n`);
};

/** Runs `run` when the file is the entry point, printing JSON (and Markdown unless --json-only). */
export async function main(
  metaUrl: string,
  run: (argv: readonly string[]) => Promise<Result>,
): Promise<void> {
  if (process.argv[1] === undefined || resolve(process.argv[1]) !== fileURLToPath(metaUrl)) return;
  const argv = process.argv.slice(2);
  const before = environment();
  const result = await run(argv);
  const doc = { ...before, loadavgAfter: environment().loadavg, ...result };
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  if (!argv.includes('--json-only')) process.stdout.write(`\n${markdown(result.rows)}\n`);
  process.exit(0);
}
