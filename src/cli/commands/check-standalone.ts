/**
 * The standalone binary's command line: `check`, `whoami`, `install`, `--version` and `--help`
 * only, for app images with no Node (scripts/build-standalone.ts bundles this into a single
 * executable). `install` exists because the image it ships in has no shell and no `cp`.
 * Its version is fixed at build time, since the binary carries no package.json.
 */
import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import { CHECK_HELP, runCheck } from './check.ts';

declare const ROLECALL_STANDALONE_VERSION: string | undefined;

export interface StandaloneIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

const USAGE = `rolecall (standalone) — which credentials would each AWS SDK in this container use?

Usage: rolecall <command> [options]

Commands:
  check [--json] [--expect-role P]         diagnose this process's credential chain
  check --task-definition FILE|- [--json]  check an ECS task definition offline
  whoami [--url U] [--json]                print a running sidecar's incident view
  install DEST                             copy this binary to DEST (an init container's job)

Options: --help (any command), --version
This single-file build has no serve, emulate or demo: use the rolecall image for those.
`;

export function standaloneVersion(): string {
  return typeof ROLECALL_STANDALONE_VERSION === 'string' ? ROLECALL_STANDALONE_VERSION : 'dev';
}

export async function standaloneMain(argv: readonly string[], io: StandaloneIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    io.stdout(`${standaloneVersion()}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'check') {
    if (rest.includes('--help') || rest.includes('-h')) io.stdout(CHECK_HELP);
    if (rest.includes('--help') || rest.includes('-h')) return 0;
    return runCheck(rest, {
      stdout: io.stdout,
      stderr: io.stderr,
      env: io.env,
      now: Date.now,
      readFile: async (path) => {
        try {
          return readFileSync(path, 'utf8');
        } catch {
          return null;
        }
      },
      fetchIdentity: async () => (await import('../../check/identity.ts')).fetchIdentity(io.env),
    });
  }
  if (command === 'whoami') {
    const { whoami } = await import('./whoami.ts');
    try {
      return await whoami(rest, { ...io, untilSignal: () => new Promise(() => {}) });
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        io.stderr(`rolecall whoami: ${(err as Error).message}\n`);
        return 2;
      }
      throw err;
    }
  }
  if (command === 'install') return install(rest, io);
  io.stderr(`rolecall: "${command}" is not in the standalone build\n\n${USAGE}`);
  return 2;
}

/** Copies the running executable to DEST, mode 0755: for an ECS init container. */
function install(args: readonly string[], io: StandaloneIo): number {
  if (args.length !== 1 || args[0] === '' || args[0]?.startsWith('-')) {
    io.stderr('Usage: rolecall install DEST\n');
    return 2;
  }
  const dest = args[0]!;
  try {
    copyFileSync(process.execPath, dest);
    chmodSync(dest, 0o755);
  } catch (err) {
    io.stderr(
      `rolecall install: cannot write ${dest}: ${(err as NodeJS.ErrnoException).code ?? 'error'}\n`,
    );
    return 1;
  }
  io.stdout(`installed ${dest}\n`);
  return 0;
}

/** The process entry of the bundle. */
export async function runStandalone(): Promise<void> {
  try {
    process.exitCode = await standaloneMain(process.argv.slice(2), {
      env: process.env,
      stdout: (s) => process.stdout.write(s),
      stderr: (s) => process.stderr.write(s),
    });
  } catch (err) {
    process.stderr.write(`rolecall: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
