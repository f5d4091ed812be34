/** `rolecall emulate`: a local credentials endpoint with synthetic credentials, until SIGTERM. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  EMULATOR_MODES,
  type EmulatorMode,
  parseScenario,
  SCENARIOS,
  type Scenario,
  startEmulator,
} from '../../emulator/index.ts';
import { isLoopbackHost } from '../../sidecar/config.ts';
import { listenProblem } from '../hints.ts';
import type { Io } from '../io.ts';

/** A built-in scenario name, or a path to a JSON scenario file. */
export function loadScenario(nameOrPath: string): Scenario {
  const builtIn = (SCENARIOS as Readonly<Record<string, Scenario>>)[nameOrPath];
  if (builtIn !== undefined) return builtIn;
  if (!nameOrPath.endsWith('.json')) {
    throw new Error(
      `unknown scenario "${nameOrPath}"; expected one of ${Object.keys(SCENARIOS).join(', ')} or a path to a .json file`,
    );
  }
  return parseScenario(JSON.parse(readFileSync(nameOrPath, 'utf8')) as unknown);
}

export function exportLines(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${k}=${v}`)
    .join('\n');
}

/** What each mode's export lines point at, for the header comment. */
const MODE_NOTES: Record<EmulatorMode, string> = {
  ecs: 'ECS agent: task-role credentials (v2/v1) and task metadata v4',
  eks: 'EKS Pod Identity Agent: /v1/credentials with the Authorization token from a 0600 file',
  imds: 'EC2 instance metadata, IMDSv2 required: the instance role',
};

export async function emulate(args: readonly string[], io: Io): Promise<number> {
  const opts = parseArgs({
    args: [...args],
    options: {
      mode: { type: 'string', default: 'ecs' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      scenario: { type: 'string', default: 'steady' },
      'allow-remote': { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
  const mode = opts.mode as EmulatorMode;
  if (!(EMULATOR_MODES as readonly string[]).includes(mode)) {
    io.stderr(
      `rolecall emulate: unknown --mode "${opts.mode}"; expected one of ${EMULATOR_MODES.join(', ')}\n`,
    );
    return 2;
  }
  // It hands out (synthetic) credentials to anyone who asks: loopback unless asked for in words.
  if (!isLoopbackHost(opts.host.replace(/^\[|\]$/g, '')) && !opts['allow-remote']) {
    io.stderr(
      `rolecall emulate: --host ${opts.host} is not a loopback address; pass --allow-remote to serve other hosts\n`,
    );
    return 2;
  }
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`rolecall emulate: --port "${opts.port}" is not a port number (0-65535)\n`);
    return 2;
  }
  let scenario: Scenario;
  try {
    scenario = loadScenario(opts.scenario);
  } catch (err) {
    io.stderr(`rolecall emulate: ${(err as Error).message}\n`);
    return 2;
  }
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator({ scenario, mode, host: opts.host, port });
  } catch (err) {
    const problem = listenProblem(
      err,
      { listen: { host: opts.host, port }, adminListen: { host: opts.host, port } },
      { listen: 'choose another with --port (0 picks a free one) or --host', admin: '' },
    );
    if (problem === null) throw err;
    io.stderr(`rolecall emulate: ${problem.replace(' (the public listener)', '')}\n`);
    return 1;
  }
  const self = io.self?.() ?? 'rolecall';
  io.stdout(
    `# rolecall emulator (${mode}, scenario ${opts.scenario}) on ${emulator.url}; synthetic credentials only\n`,
  );
  io.stdout(`# ${MODE_NOTES[mode]}\n`);
  io.stdout(`${exportLines(emulator.env)}\n`);
  if (mode === 'imds') {
    io.stdout(
      '# SDKs and rolecall use IMDS only when AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are unset\n',
    );
  }
  if (mode === 'ecs') {
    // The relative URI always means http://169.254.170.2 to an SDK; only rolecall has
    // ROLECALL_CONTAINER_HOST. An SDK needs the full URI, and the relative one unset (it wins).
    const relative = emulator.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? '';
    io.stdout(
      `# then: ${self} serve   (in a shell with these exports; Ctrl-C stops the emulator)\n` +
        '# for an AWS SDK instead: unset AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (it always means\n' +
        `# http://169.254.170.2) and export AWS_CONTAINER_CREDENTIALS_FULL_URI=${emulator.url}${relative}\n`,
    );
  } else {
    io.stdout(
      `# then: ${self} serve   (or any AWS SDK, with these exports; Ctrl-C stops the emulator)\n`,
    );
  }
  await io.untilSignal();
  await emulator.close();
  return 0;
}
