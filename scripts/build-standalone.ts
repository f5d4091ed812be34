/**
 * `npm run build:standalone`: dist/standalone/rolecall, one executable that runs `check`,
 * `whoami`, `--version` and `--help` with no Node installed. A Node 24 single executable
 * application: an esbuild bundle of src/cli/commands/check-standalone.ts, a SEA blob made by the
 * same Node 24, injected with postject into a copy of that Node binary.
 *
 * Node 24 comes from `--node PATH` (the Docker build passes its own), else from the npm registry
 * through `npx -y -p node@24` (nothing is downloaded from anywhere else).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { inject } from 'postject';

const ROOT = new URL('../', import.meta.url).pathname;
const OUT = join(ROOT, 'dist/standalone');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function node24(explicit: string | undefined): string {
  const path =
    explicit ??
    execFileSync('npx', ['-y', '-p', 'node@24', 'node', '-p', 'process.execPath'], {
      encoding: 'utf8',
    }).trim();
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v24.')) throw new Error(`${path} is Node ${version}, not 24`);
  return path;
}

const { values } = parseArgs({
  options: { node: { type: 'string' }, 'no-strip': { type: 'boolean' } },
});
const node = node24(values.node);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

const bundle = join(OUT, 'rolecall.cjs');
await build({
  stdin: {
    contents:
      "import { runStandalone } from './src/cli/commands/check-standalone.ts';\nvoid runStandalone();\n",
    resolveDir: ROOT,
    sourcefile: 'standalone-entry.ts',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  outfile: bundle,
  minify: true,
  legalComments: 'none',
  define: { ROLECALL_STANDALONE_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});

const blob = join(OUT, 'sea-prep.blob');
const config = join(OUT, 'sea-config.json');
writeFileSync(
  config,
  JSON.stringify({
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
  }),
);
execFileSync(node, ['--experimental-sea-config', config], {
  stdio: ['ignore', 'ignore', 'inherit'],
});

const exe = join(OUT, 'rolecall');
copyFileSync(node, exe);
chmodSync(exe, 0o755);
// Node's release binary carries its symbol table; the binary runs the same without it (about
// 17 MiB less). Skipped, and said so, where binutils' strip is missing.
let stripped = false;
if (!values['no-strip']) {
  try {
    execFileSync('strip', ['--strip-all', exe], { stdio: 'ignore' });
    stripped = true;
  } catch {
    process.stderr.write('build-standalone: strip not found, the binary keeps its symbols\n');
  }
}
await inject(exe, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE });
for (const f of [blob, config]) rmSync(f);
const mib = (statSync(exe).size / 2 ** 20).toFixed(1);
const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
process.stdout.write(
  `dist/standalone/rolecall: ${mib} MiB (Node ${nodeVersion}${stripped ? ', stripped' : ''}, rolecall ${pkg.version})\n`,
);
