/**
 * The Dockerfile without a Docker engine: every COPY source exists after the build and passes the
 * .dockerignore allow-list, the runtime stage is distroless with no RUN, the image's health check
 * is the static client on /livez (the same command as the task definition's), and the ENTRYPOINT's
 * Node flags are the ones docs/deploy.md measured. Run `npm run build` first.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

/** The Node flags of the image's ENTRYPOINT (docs/deploy.md, "Node flags"). */
const NODE_FLAGS = ['--liftoff-only', '--max-semi-space-size=1'];

interface Instruction {
  stage: string;
  op: string;
  args: string;
}

/** Dockerfile → instructions (continuations joined, comments dropped), tagged by stage name. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  let stage = '';
  return logical.map((l) => {
    const [op = '', ...rest] = l.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') stage = /\sAS\s+(\S+)$/i.exec(args)?.[1] ?? '';
    return { stage, op: op.toUpperCase(), args };
  });
}

/** `COPY [--flag=v ...] src... dest` (shell or JSON form) → flags, sources, destination. */
function parseCopy(args: string) {
  const words = args.split(/\s+/);
  const flags = Object.fromEntries(
    words.filter((w) => w.startsWith('--')).map((w) => w.slice(2).split('=') as [string, string]),
  );
  const rest = words.filter((w) => !w.startsWith('--')).join(' ');
  const paths = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(' ');
  return { flags, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
}

const ins = () => parseDockerfile(read('Dockerfile'));
const inStage = (stage: string) => ins().filter((i) => i.stage === stage);
const last = (stage: string, op: string) =>
  inStage(stage)
    .filter((i) => i.op === op)
    .at(-1)?.args;
const workdir = (stage: string) => last(stage, 'WORKDIR') ?? '/';

test('stages: build, healthcheck, the standalone binary, then runtime (distroless Node 24) last', () => {
  const froms = ins().filter((i) => i.op === 'FROM');
  assert.equal(froms.length, 5, 'five stages');
  assert.match(froms[0]?.args ?? '', /^node:24[\w.-]*-slim AS build$/);
  assert.match(froms[1]?.args ?? '', /^debian:bookworm[\w.-]* AS healthcheck$/);
  // The standalone binary (docs/check.md) is built only with --target standalone.
  assert.match(froms[2]?.args ?? '', /^node:24[\w.-]*-slim AS standalone-build$/);
  assert.equal(froms[3]?.args, 'scratch AS standalone');
  // The last stage is the default target: a plain `docker build .` gives the sidecar image.
  assert.match(froms[4]?.args ?? '', /^gcr\.io\/distroless\/nodejs24-debian12:nonroot AS runtime$/);
  assert.match(read('docs/deploy.md'), /docker build --target runtime /);
});

test('every COPY source exists after the build and passes the .dockerignore allow-list', () => {
  const allow = read('.dockerignore')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1));
  const copies = ins()
    .filter((i) => i.op === 'COPY')
    .map((i) => ({ ...i, ...parseCopy(i.args) }));
  assert.ok(copies.length > 0);
  for (const c of copies) {
    for (const src of c.sources) {
      const from = c.flags.from;
      if (from === 'build') {
        const wd = `${workdir('build')}/`;
        assert.ok(src.startsWith(wd), `${src} is under the build stage's WORKDIR ${wd}`);
        const rel = src.slice(wd.length);
        assert.ok(
          existsSync(join(ROOT, rel)),
          `COPY source ${src} → ${rel} exists after the build`,
        );
      } else if (from === 'standalone-build') {
        assert.equal(src, `${workdir('standalone-build')}/dist/standalone/rolecall`);
      } else if (from === 'healthcheck') {
        // Produced by the stage's own cc command, not by the context.
        const out = `${workdir('healthcheck')}/${/-o (\S+)/.exec(last('healthcheck', 'RUN') ?? '')?.[1]}`;
        assert.equal(src, out, 'copies what the healthcheck stage compiled');
      } else {
        assert.equal(from, undefined, `COPY --from=${from}: unknown stage`);
        const rel = src.replace(/^\.\//, '');
        assert.ok(allow.includes(rel), `.dockerignore re-includes ${rel}`);
        assert.ok(existsSync(join(ROOT, rel)), `COPY source ${rel} exists`);
      }
    }
  }
  assert.ok(
    inStage('build').some((i) => i.op === 'RUN' && /npm prune --omit=dev/.test(i.args)),
    'the build stage drops dev dependencies',
  );
});

test('the healthcheck stage compiles with the flags of npm run build:healthcheck', () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  const script = pkg.scripts['build:healthcheck'] ?? '';
  const flags = (cmd: string) => /\bcc ((?:-\S+ )+)-o /.exec(cmd)?.[1]?.trim();
  assert.equal(flags(last('healthcheck', 'RUN') ?? ''), flags(script));
  assert.equal(flags(script), '-Os -static -s');
  assert.match(script, /tools\/healthcheck\/healthcheck\.c$/);
});

test('runtime: no RUN, numeric non-root user, the static health check, the measured flags', () => {
  assert.equal(last('runtime', 'RUN'), undefined, 'no RUN in the runtime stage: no shell');
  assert.match(last('runtime', 'USER') ?? '', /^[1-9]\d*(:[1-9]\d*)?$/);
  assert.equal(last('runtime', 'STOPSIGNAL'), 'SIGTERM');
  assert.equal(last('runtime', 'EXPOSE'), '9477');
  assert.equal(workdir('runtime'), '/app');
  const entry = JSON.parse(last('runtime', 'ENTRYPOINT') ?? '[]') as string[];
  assert.deepEqual(entry, ['/nodejs/bin/node', ...NODE_FLAGS, '/app/dist/bin.js']);
  assert.ok(
    read('docs/deploy.md').includes(NODE_FLAGS.join(' ')),
    'docs/deploy.md names the flags',
  );

  const copies = inStage('runtime')
    .filter((i) => i.op === 'COPY')
    .map((i) => parseCopy(i.args));
  assert.ok(
    copies.some((c) => c.dest === './dist'),
    'dist/ lands at /app/dist',
  );
  assert.ok(
    copies.some((c) => c.dest === './bin/healthcheck'),
    'the client lands at /app/bin',
  );
  const hc = JSON.parse(
    (last('runtime', 'HEALTHCHECK') ?? '').replace(/^.*?CMD\s+/, ''),
  ) as string[];
  assert.deepEqual(hc, ['/app/bin/healthcheck'], 'liveness (/livez) by default, no Node process');

  const td = JSON.parse(read('deploy/ecs/task-definition.json')) as {
    containerDefinitions: { name: string; healthCheck?: { command: string[] } }[];
  };
  const rc = td.containerDefinitions.find((c) => c.name === 'rolecall');
  assert.deepEqual(rc?.healthCheck?.command, ['CMD', ...hc], 'task definition runs the same check');
});
