/**
 * `node --import tsx bench/compare.ts before.json after.json`: the rows two `npm run bench --out`
 * documents share, side by side, with the change and the after/before ratio of rolecall's value,
 * and of its ratio to the baseline measured in the same run (which cancels some machine noise).
 */
import { readFileSync } from 'node:fs';
import type { Row } from './lib/report.ts';
import { round } from './lib/stats.ts';

interface Doc {
  node: string;
  date: string;
  results: { rows: Row[] }[];
}

const [beforePath, afterPath] = process.argv.slice(2);
if (beforePath === undefined || afterPath === undefined) {
  process.stderr.write('usage: bench/compare.ts before.json after.json\n');
  process.exit(2);
}
const read = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Doc;
const before = read(beforePath);
const after = read(afterPath);
const key = (r: Row) => `${r.measure} | ${r.versus}`;
const old = new Map(before.results.flatMap((x) => x.rows).map((r) => [key(r), r]));
const fmt = (x: number | null) => (x === null ? '—' : String(x));
const lines = [
  `before: ${beforePath} (${before.node}, ${before.date}); after: ${afterPath} (${after.node}, ${after.date})`,
  '',
  '| measure | unit | before | after | change | after/before | vs baseline before | after |',
  '|---|---|--:|--:|--:|--:|--:|--:|',
];
for (const r of after.results.flatMap((x) => x.rows)) {
  const b = old.get(key(r));
  if (b === undefined) continue;
  const change = b.value === null || r.value === null ? null : round(r.value - b.value, 3);
  const ratio =
    b.value === null || r.value === null || b.value === 0 ? null : round(r.value / b.value);
  lines.push(
    `| ${r.measure} (vs ${r.versus}) | ${r.unit} | ${fmt(b.value)} | ${fmt(r.value)} | ${fmt(change)} | ${ratio === null ? '—' : `${ratio}×`} | ${fmt(b.ratio)} | ${fmt(r.ratio)} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
