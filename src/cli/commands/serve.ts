/** `rolecall serve`: validate everything up front (exit 2), run until a signal, close, exit 0. */
import pino from 'pino';
import { ConfigError } from '../../lib/errors.ts';
import { loadConfig, ROLECALL_VARIABLES, readAdminTokenFile } from '../../sidecar/config.ts';
import { createLogger } from '../../sidecar/logger.ts';
import { startService } from '../../sidecar/service.ts';
import { listenProblem } from '../hints.ts';
import type { Io } from '../io.ts';
import { closest } from '../suggest.ts';
import { version } from '../version.ts';

/** Options people try, and the variable that does it (serve is configured by variables only). */
const ALIASES: Record<string, string> = {
  '--port': 'ROLECALL_LISTEN',
  '--host': 'ROLECALL_LISTEN',
  '--bind': 'ROLECALL_LISTEN',
  '--address': 'ROLECALL_LISTEN',
  '--admin-port': 'ROLECALL_ADMIN_LISTEN',
  '--token': 'ROLECALL_ADMIN_TOKEN',
  '--interval': 'ROLECALL_POLL_INTERVAL',
  '--timeout': 'ROLECALL_POLL_TIMEOUT',
  '--expect-role': 'ROLECALL_EXPECTED_ROLE',
  '--role': 'ROLECALL_EXPECTED_ROLE',
};

/** `--poll-interval` → `ROLECALL_POLL_INTERVAL`, or the closest variable, or an alias's. */
function variableFor(flag: string): string | null {
  const alias = ALIASES[flag];
  if (alias !== undefined) return alias;
  const name = `ROLECALL_${flag.replace(/^-+/, '').replaceAll('-', '_').toUpperCase()}`;
  return closest(name, ROLECALL_VARIABLES);
}

/** What to set instead of each option given to serve; values of token options are never echoed. */
export function optionsToVariables(args: readonly string[], self = 'rolecall'): string {
  const lines: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-')) {
      lines.push(`  "${arg}": serve takes no arguments`);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    let value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined && args[i + 1] !== undefined && !args[i + 1]?.startsWith('-'))
      value = args[++i];
    const variable = variableFor(flag);
    if (variable === null) {
      lines.push(`  ${flag}: no such setting`);
      continue;
    }
    const shown =
      value === undefined
        ? '...'
        : variable.startsWith('ROLECALL_ADMIN_TOKEN')
          ? '<token>'
          : variable === 'ROLECALL_LISTEN' && /^\d+$/.test(value)
            ? `0.0.0.0:${value}`
            : variable === 'ROLECALL_ADMIN_LISTEN' && /^\d+$/.test(value)
              ? `127.0.0.1:${value}`
              : value;
    lines.push(`  ${flag}  ->  ${variable}=${shown}`);
  }
  return (
    'rolecall serve: takes no options; it is configured by environment variables:\n' +
    `${lines.join('\n')}\n` +
    'ROLECALL_LISTEN is the public listener (/metrics, /healthz), ROLECALL_ADMIN_LISTEN the admin one\n' +
    `(/whoami). \`${self} serve --help\` lists every variable.\n`
  );
}

/** ROLECALL_* names in the environment that rolecall does not read, each with a close match. */
export function unknownVariables(
  env: Io['env'],
): Array<{ variable: string; suggestion: string | null }> {
  return Object.keys(env)
    .filter((k) => k.startsWith('ROLECALL_') && !ROLECALL_VARIABLES.includes(k))
    .sort()
    .map((variable) => ({ variable, suggestion: closest(variable, ROLECALL_VARIABLES) }));
}

export async function serve(args: readonly string[], io: Io): Promise<number> {
  if (args.length > 0) {
    io.stderr(optionsToVariables(args, io.self?.()));
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(io.env, readAdminTokenFile);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`rolecall: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, pino.destination({ fd: 1, sync: false }));
  for (const { variable, suggestion } of unknownVariables(io.env)) {
    logger.warn(
      { event: 'config.unknown_variable', variable, suggestion },
      `${variable} is not a rolecall setting and is ignored${suggestion === null ? '' : `; did you mean ${suggestion}?`}`,
    );
  }
  for (const detail of config.warnings)
    logger.warn({ event: 'config.warning', detail }, 'configuration works, but should be fixed');
  let service: Awaited<ReturnType<typeof startService>>;
  try {
    service = await startService({ config, logger, version: version(), chainEnv: io.env });
  } catch (err) {
    const problem = listenProblem(err, config, {
      listen: 'set ROLECALL_LISTEN to a free host:port',
      admin: 'set ROLECALL_ADMIN_LISTEN to a free host:port',
    });
    if (problem === null) throw err;
    logger.flush();
    io.stderr(`rolecall: ${problem}\n`);
    return 1;
  }
  const signal = await io.untilSignal();
  logger.info({ event: 'rolecall.stopping', signal }, 'closing poller and listeners');
  await service.close();
  logger.info({ event: 'rolecall.stopped' }, 'stopped');
  logger.flush();
  return 0;
}
