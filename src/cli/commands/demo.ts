/**
 * `rolecall demo`: the emulator and the sidecar wired together on loopback with the `demo`
 * scenario, logs rendered as short readable lines, until Ctrl-C.
 */
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { SCENARIOS, startEmulator } from '../../emulator/index.ts';
import { loadConfig } from '../../sidecar/config.ts';
import { createLogger } from '../../sidecar/logger.ts';
import { startService } from '../../sidecar/service.ts';
import type { Io } from '../io.ts';
import { version } from '../version.ts';

const SKIP = new Set(['msg', 'level', 'time', 'service', 'event', 'req', 'res', 'responseTime']);

/** One pino line → `12:00:01 warn  credentials.role_changed  oldRoleArn=… newRoleArn=…`. */
export function humanLine(line: string): string | null {
  let e: Record<string, unknown>;
  try {
    e = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (e.req !== undefined) return null;
  const time = typeof e.time === 'string' ? e.time.slice(11, 19) : '';
  const fields = Object.entries(e)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
  return `${time} ${String(e.level).padEnd(5)} ${String(e.event ?? e.msg).padEnd(26)} ${fields}`;
}

export async function demo(args: readonly string[], io: Io): Promise<number> {
  const opts = parseArgs({
    args: [...args],
    options: {
      port: { type: 'string', default: '9477' },
      'admin-port': { type: 'string', default: '9478' },
    },
    strict: true,
  }).values;
  const emulator = await startEmulator({ scenario: SCENARIOS.demo });
  const config = loadConfig(
    {
      ...emulator.env,
      ROLECALL_LISTEN: `127.0.0.1:${opts.port}`,
      ROLECALL_ADMIN_LISTEN: `127.0.0.1:${opts['admin-port']}`,
      ROLECALL_POLL_INTERVAL: '5s',
      ROLECALL_POLL_TIMEOUT: '1s',
      ROLECALL_MIN_TTL: '15s',
      ROLECALL_EXPECTED_ROLE: '*-task',
    },
    () => '',
  );
  const out = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) {
        const h = l.trim() === '' ? null : humanLine(l);
        if (h !== null) io.stdout(`${h}\n`);
      }
      cb();
    },
  });
  let service: Awaited<ReturnType<typeof startService>>;
  try {
    service = await startService({ config, logger: createLogger('info', out), version: version() });
  } catch (err) {
    await emulator.close();
    io.stderr(
      `rolecall demo: cannot listen (${(err as Error).message}); try --port and --admin-port\n`,
    );
    return 1;
  }
  const p = service.public.url;
  const a = service.admin.url;
  io.stdout(
    [
      '',
      `rolecall demo — emulator at ${emulator.url} serving synthetic credentials (scenario "demo"):`,
      '  a rotation within about a minute, a role change around 100 s, a ~20 s outage around 150 s.',
      '',
      'Try, in another terminal:',
      `  curl -s ${a}/whoami?format=text      # the incident view`,
      `  curl -s ${p}/healthz                  # ok / degraded / failing / starting`,
      `  curl -s ${p}/metrics | grep ^rolecall_`,
      `  node dist/bin.js whoami --url ${a}/whoami`,
      '',
      'Ctrl-C stops it. Events as they happen:',
      '',
    ].join('\n'),
  );
  await io.untilSignal();
  await service.close();
  await emulator.close();
  return 0;
}
