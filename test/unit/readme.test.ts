/**
 * The README and docs/ stand alone and can be followed literally: every link and anchor resolves,
 * every curl line with a query string is quoted (zsh rejects an unquoted `?`), every path and
 * `npm run` script they name exists, and the README stays short enough to read.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Io, main } from '../../src/cli/main.ts';
import {
  anchors,
  brokenLinks,
  curlCommands,
  mentionedPaths,
  npmScripts,
  slug,
  unquotedCurlQuery,
} from '../docs-lint.ts';

const quietIo = (stdout: (s: string) => void): Io => ({
  env: {},
  stdout,
  stderr: () => {},
  untilSignal: () => Promise.resolve('SIGTERM'),
});

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');
const DOCS = [
  'README.md',
  'SECURITY.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

test('the checks themselves can fail', () => {
  assert.equal(slug('Health checks in the `/healthz` body'), 'health-checks-in-the-healthz-body');
  assert.equal(
    slug('Which credentials each SDK uses (`rolecall check`)'),
    'which-credentials-each-sdk-uses-rolecall-check',
  );
  assert.deepEqual([...anchors('# A\n## B\n```\n# not a heading\n```\n## B\n')], ['a', 'b', 'b-1']);
  assert.equal(unquotedCurlQuery('curl -s 127.0.0.1:9478/whoami?format=text'), true);
  assert.equal(unquotedCurlQuery("curl -s '127.0.0.1:9478/whoami?format=text'"), false);
  assert.equal(unquotedCurlQuery('curl -s "127.0.0.1:9478/whoami?format=text"'), false);
  assert.equal(
    unquotedCurlQuery(
      `aws ecs execute-command --command "curl -s 'localhost:9478/whoami?format=text'"`,
    ),
    false,
  );
  assert.equal(unquotedCurlQuery('curl -s 127.0.0.1:9477/healthz   # what? no query'), false);
  assert.equal(unquotedCurlQuery('what? curl -s x/y'), false);
  assert.deepEqual(
    curlCommands('a `curl -s a?b` b\n```sh\n$ curl -s c?d\n```\n').map((c) => c.target),
    ['curl -s a?b', 'curl -s c?d'],
  );
  const problems = brokenLinks(
    ROOT,
    'README.md',
    '[x](nope.md) [y](docs/faults.md#nope) [z](#nope)',
  );
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.deepEqual(
    mentionedPaths('`deploy/x.json` `src/` `*.ts` `docs/<x>.md` `SECURITY.md` `a.json`').map(
      (p) => p.target,
    ),
    ['deploy/x.json', 'src/', 'SECURITY.md'],
  );
  assert.deepEqual(npmScripts('npm run demo -- --port 1; `npm run test:tools`'), [
    'demo',
    'test:tools',
  ]);
});

test('README is at most about 20 KB and leads with the incident view', () => {
  const readme = read('README.md');
  assert.ok(Buffer.byteLength(readme) <= 20 * 1024, `README is ${Buffer.byteLength(readme)} bytes`);
  const sections = [...readme.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(sections.slice(0, 2), ['Quick start', 'During an incident']);
  // The sample is real output of the text view, not a sketch: every line the view always prints.
  for (const label of ['health', 'source', 'endpoint', 'role', 'access key', 'expires'])
    assert.ok(
      new RegExp(`^${label} {2,}\\S`, 'm').test(readme),
      `no "${label}" line in the sample`,
    );
  assert.ok(/^history\n {2}\d{4}-/m.test(readme), 'no history in the sample');
  assert.doesNotMatch(readme, /PLACEHOLDER/);
});

test('every local link and anchor in README and docs/ resolves', () => {
  const problems = DOCS.flatMap((f) => brokenLinks(ROOT, f, read(f)));
  assert.deepEqual(problems, []);
});

test('every curl line with a query string is quoted', () => {
  const bad = DOCS.flatMap((f) =>
    curlCommands(read(f))
      .filter((c) => unquotedCurlQuery(c.target))
      .map((c) => `${f}:${c.line}: ${c.target}`),
  );
  assert.deepEqual(bad, []);
});

test('every repository path named in README and docs/ exists', () => {
  const missing = DOCS.flatMap((f) =>
    mentionedPaths(read(f))
      .filter((p) => !existsSync(join(ROOT, p.target)) && !existsSync(join(ROOT, 'docs', p.target)))
      .map((p) => `${f}:${p.line}: ${p.target}`),
  );
  assert.deepEqual(missing, []);
});

test('no document names files that belong to no one here', () => {
  for (const f of DOCS) assert.doesNotMatch(read(f), /\b(?:CONTRACT|PROTOCOL|STYLE)\.md\b/, f);
});

test('every npm script the README and docs/ name exists in package.json', () => {
  const scripts = Object.keys(
    (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts,
  );
  const missing = DOCS.flatMap((f) =>
    npmScripts(read(f))
      .filter((s) => !scripts.includes(s))
      .map((s) => `${f}: npm run ${s}`),
  );
  assert.deepEqual(missing, []);
});

test("README's command table agrees with --help: every option and every exit code", async () => {
  const readme = read('README.md');
  const table = readme.slice(readme.indexOf('## Command line'));
  // Columns split on pipes that are not escaped (`ecs\|eks` stays in one cell).
  const rows = table
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()))
    .map((cells) => {
      const m = /^`(\w+)([^`]*)`/.exec(cells[1] ?? '');
      return [m?.[0] ?? '', m?.[1] ?? '', m?.[2] ?? '', cells[3] ?? ''] as const;
    });
  assert.deepEqual(
    rows.map((r) => r[1]),
    ['serve', 'healthcheck', 'whoami', 'check', 'emulate', 'demo'],
  );
  let usage = '';
  await main(
    ['--help'],
    quietIo((s) => (usage += s)),
  );
  for (const [, command = '', options = '', exits = ''] of rows) {
    let help = '';
    assert.equal(
      await main(
        [command, '--help'],
        quietIo((s) => (help += s)),
      ),
      0,
      command,
    );
    for (const option of options.match(/--[\w-]+/g) ?? []) {
      assert.ok(help.includes(option), `${command} --help lacks ${option}`);
      assert.ok(usage.includes(option), `rolecall --help lacks ${command} ${option}`);
    }
    const codes = (s: string) => [...new Set(s.match(/\b[0-3]\b/g) ?? [])].sort().join(',');
    const exitLine = help.slice(help.search(/^Exit/m));
    assert.equal(codes(exits), codes(exitLine), `${command}: README exit codes vs --help`);
  }
});
