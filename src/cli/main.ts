/**
 * `main(argv, io) → exit code`. Heavy modules (express, pino, prom-client, undici) are imported
 * only by the commands that need them, so `healthcheck` stays a small process.
 */
import { HELP, USAGE } from './help.ts';
import { selfCommand } from './hints.ts';
import type { Io } from './io.ts';
import { catchStopSignals, type SignalLatch } from './signals.ts';
import { closest } from './suggest.ts';
import { version } from './version.ts';

export type { Io } from './io.ts';

export const COMMANDS = ['serve', 'healthcheck', 'whoami', 'check', 'emulate', 'demo'] as const;

/** Options that belong to a command but were given before it: `rolecall --json whoami`. */
function misplacedOptions(argv: readonly string[], self: () => string): string | null {
  const at = argv.findIndex((a) => (COMMANDS as readonly string[]).includes(a));
  if (at <= 0 || !argv[0]?.startsWith('-')) return null;
  const command = argv[at] as string;
  const fixed = [command, ...argv.slice(0, at), ...argv.slice(at + 1)].join(' ');
  return `rolecall: options go after the command: ${self()} ${fixed}\n`;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') {
    io.stdout(`${version()}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  const self = () => io.self?.() ?? 'rolecall';
  const misplaced = misplacedOptions(argv, self);
  if (misplaced !== null) {
    io.stderr(misplaced);
    return 2;
  }
  const command = first === undefined || first.startsWith('-') ? 'serve' : first;
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  if (!(COMMANDS as readonly string[]).includes(command)) {
    const guess = closest(command, COMMANDS);
    io.stderr(
      `rolecall: unknown command "${command}"${guess === null ? '' : `; did you mean \`${guess}\`?`}\n` +
        `Commands: ${COMMANDS.join(', ')}. \`${self()} --help\` describes them.\n`,
    );
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    if (command === 'check')
      return (await import('./commands/check.ts')).runCheck(['--help'], checkIo(io));
    io.stdout(HELP[command] ?? USAGE);
    return 0;
  }
  try {
    switch (command) {
      case 'serve':
        return await (await import('./commands/serve.ts')).serve(args, io);
      case 'healthcheck':
        return await (await import('./commands/healthcheck.ts')).healthcheck(args, io);
      case 'whoami':
        return await (await import('./commands/whoami.ts')).whoami(args, io);
      case 'check':
        return await (await import('./commands/check.ts')).runCheck([...args], checkIo(io));
      case 'emulate':
        return await (await import('./commands/emulate.ts')).emulate(args, io);
      default:
        return await (await import('./commands/demo.ts')).demo(args, io);
    }
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`rolecall ${command}: ${usageProblem(command, err as Error, self())}\n`);
      return 2;
    }
    throw err;
  }
}

/** Each command's options, for "did you mean" (check has its own parser and messages). */
const OPTIONS: Record<string, readonly string[]> = {
  serve: [],
  healthcheck: ['--url', '--live'],
  whoami: ['--url', '--json'],
  emulate: ['--mode', '--host', '--port', '--scenario', '--allow-remote'],
  demo: ['--port', '--admin-port'],
};

/** parseArgs' message, shortened, with the closest option and where the list is. */
export function usageProblem(command: string, err: Error, self = 'rolecall'): string {
  const help = `\`${self} ${command} --help\` lists the options`;
  const unknown = /Unknown option '([^']+)'/.exec(err.message)?.[1];
  if (unknown !== undefined) {
    const guess = closest(unknown, OPTIONS[command] ?? []);
    return `unknown option ${unknown}${guess === null ? ';' : `; did you mean ${guess}?`} ${help}`;
  }
  const positional = /Unexpected argument '([^']+)'/.exec(err.message)?.[1];
  if (positional !== undefined) return `unexpected argument "${positional}"; ${help}`;
  return `${err.message.replace(/\.$/, '')}; ${help}`;
}

function checkIo(io: Io) {
  return {
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    now: Date.now,
    readFile: async (path: string) => (await import('../check/load.ts')).readSharedFile(path),
    fetchIdentity: async () => (await import('../check/identity.ts')).fetchIdentity(io.env),
  };
}

/** After a stop signal, the longest the process may linger once the command has returned. */
const EXIT_GRACE_MS = 300;

/**
 * The process entry: the only place that sets `process.exitCode`.
 * @param latch the stop signals, caught by `bin.ts` before this module loaded.
 */
export async function run(latch: SignalLatch | null = null): Promise<void> {
  const signals = latch ?? catchStopSignals(process.argv.slice(2));
  const io: Io = {
    env: process.env,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    self: () => selfCommand(process.env, process.argv[1], process.execPath),
    untilSignal: () => signals?.until() ?? new Promise<string>(() => {}),
  };
  try {
    process.exitCode = await main(process.argv.slice(2), io);
  } catch (err) {
    process.stderr.write(`rolecall: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
  // Stopped by a signal: whatever a library still holds open must not delay the exit.
  if (signals?.received())
    setTimeout(() => process.exit(process.exitCode ?? 0), EXIT_GRACE_MS).unref();
}
