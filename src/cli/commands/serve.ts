/** `rolecall serve`: validate everything up front (exit 2), run until a signal, close, exit 0. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError } from '../../lib/errors.ts';
import { loadConfig } from '../../sidecar/config.ts';
import { createLogger } from '../../sidecar/logger.ts';
import { startService } from '../../sidecar/service.ts';
import type { Io } from '../io.ts';
import { version } from '../version.ts';

export async function serve(args: readonly string[], io: Io): Promise<number> {
  parseArgs({ args: [...args], options: {}, strict: true });
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(io.env, (p) => readFileSync(p, 'utf8'));
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`rolecall: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, pino.destination({ fd: 1, sync: false }));
  const service = await startService({ config, logger, version: version(), chainEnv: io.env });
  const signal = await io.untilSignal();
  logger.info({ event: 'rolecall.stopping', signal }, 'closing poller and listeners');
  await service.close();
  logger.info({ event: 'rolecall.stopped' }, 'stopped');
  logger.flush();
  return 0;
}
