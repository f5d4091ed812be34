/**
 * `rolecall demo`: the emulator and the sidecar wired together on loopback with the `demo`
 * scenario, logs rendered as short readable lines, until Ctrl-C.
 */
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { CredentialState } from '../../credentials/state.ts';
import { SCENARIOS, startEmulator } from '../../emulator/index.ts';
import { safeText } from '../../lib/safe-text.ts';
import { loadConfig } from '../../sidecar/config.ts';
import type { Health } from '../../sidecar/health.ts';
import { createLogger } from '../../sidecar/logger.ts';
import { startService } from '../../sidecar/service.ts';
import { listenProblem } from '../hints.ts';
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
  return safeText(
    `${time} ${String(e.level).padEnd(5)} ${String(e.event ?? e.msg).padEnd(26)} ${fields}`,
  );
}

/** Commands with their comments in one column. */
function tryLines(lines: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...lines.map(([c]) => c.length)) + 2;
  return lines.map(([c, note]) => (note === '' ? `  ${c}` : `  ${c.padEnd(width)}# ${note}`));
}

/** A TCP port from an option, or null. 0 lets the system choose. */
function port(text: string): number | null {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : null;
}

/** When the demo scenario's first pass is over: its last role change or outage end, plus a poll. */
export function scriptEndSeconds(): number {
  const s = SCENARIOS.demo;
  const ends = [...s.roles.map((r) => r.at), ...s.outages.map((o) => o.at + o.durationSeconds)];
  return Math.max(...ends) + 10;
}

/** The line printed when the script is over: what it showed and the state it leaves. */
export function scriptEndLine(seconds: number, health: Health, state: CredentialState): string {
  const problems = health.checks
    .filter((c) => c.status !== 'ok')
    .map((c) => `${c.name}: ${c.detail}`);
  const held = state.phase === 'tracking' ? state.held.identity : null;
  const role = held?.roleArn ?? held?.roleName ?? 'unknown';
  const repeat = SCENARIOS.demo.repeatSeconds;
  return [
    '',
    `The demo script is over (${seconds} s): a rotation, a role change and an outage with its recovery.`,
    `It leaves: health ${health.status}${problems.length > 0 ? ` (${problems.join('; ')})` : ''};`,
    `  role ${role}, ${state.rotations} rotations, ${state.roleChanges} role change(s), ${state.polls} polls.`,
    repeat === undefined
      ? 'Ctrl-C stops it.'
      : `From ${repeat} s the script replays (the role changes back, another outage); Ctrl-C stops it.`,
    '',
  ].join('\n');
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
  const pub = port(opts.port);
  const adm = port(opts['admin-port']);
  if (pub === null || adm === null) {
    const [flag, value] =
      pub === null ? ['--port', opts.port] : ['--admin-port', opts['admin-port']];
    io.stderr(`rolecall demo: ${flag} "${value}" is not a port number (0-65535)\n`);
    return 2;
  }
  const emulator = await startEmulator({ scenario: SCENARIOS.demo });
  const startedAt = Date.now();
  let config: ReturnType<typeof loadConfig>;
  let service: Awaited<ReturnType<typeof startService>>;
  const out = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) {
        const h = l.trim() === '' ? null : humanLine(l);
        if (h !== null) io.stdout(`${h}\n`);
      }
      cb();
    },
  });
  try {
    config = loadConfig(
      {
        ...emulator.env,
        ROLECALL_LISTEN: `127.0.0.1:${pub}`,
        ROLECALL_ADMIN_LISTEN: `127.0.0.1:${adm}`,
        ROLECALL_POLL_INTERVAL: '5s',
        ROLECALL_POLL_TIMEOUT: '1s',
        ROLECALL_MIN_TTL: '15s',
        ROLECALL_EXPECTED_ROLE: '*-task',
      },
      () => '',
    );
    service = await startService({ config, logger: createLogger('info', out), version: version() });
  } catch (err) {
    await emulator.close();
    const problem = listenProblem(
      err,
      { listen: { host: '127.0.0.1', port: pub }, adminListen: { host: '127.0.0.1', port: adm } },
      { listen: 'choose a free port with --port', admin: 'choose a free port with --admin-port' },
    );
    if (problem === null) throw err;
    io.stderr(`rolecall demo: ${problem}\n`);
    return 1;
  }
  const p = service.public.url;
  const a = service.admin.url;
  const self = io.self?.() ?? 'rolecall';
  io.stdout(
    [
      '',
      `rolecall demo: emulator at ${emulator.url} serving synthetic credentials (scenario "demo"):`,
      '  a rotation at about 60 s, a role change at 100 s, a 20 s outage from 150 s, then recovery.',
      '',
      'Try, in another terminal:',
      ...tryLines([
        [`curl -s '${a}/whoami?format=text'`, 'the incident view'],
        [`curl -s ${p}/healthz`, 'ok / degraded / failing / starting'],
        [`curl -s ${p}/metrics | grep ^rolecall_`, ''],
      ]),
      `  ${self} whoami --url ${a}`,
      '',
      'Ctrl-C stops it. Events as they happen:',
      '',
    ].join('\n'),
  );
  const end = scriptEndSeconds();
  const timer = setTimeout(
    () => io.stdout(scriptEndLine(end, service.health(), service.state())),
    Math.max(0, end * 1000 - (Date.now() - startedAt)),
  );
  timer.unref();
  await io.untilSignal();
  clearTimeout(timer);
  await service.close();
  await emulator.close();
  return 0;
}
