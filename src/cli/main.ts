/**
 * `main(argv, io) → exit code`. Heavy modules (express, pino, prom-client, undici) are imported
 * only by the commands that need them, so `healthcheck` stays a small process.
 */
import { readFileSync } from 'node:fs';
import type { Io } from './io.ts';
import { version } from './version.ts';

export type { Io } from './io.ts';

const USAGE = `rolecall — which IAM role does this ECS task really use?

Usage: rolecall <command> [options]

Commands:
  serve (default)                     run the sidecar: poll, track, serve /metrics /healthz /livez (+ /whoami on admin)
  healthcheck [--url U] [--live]      GET the local /healthz (/livez with --live); exit 0 healthy, 1 not
  whoami [--url U] [--json]           print a running sidecar's incident view; exit 1 if unreachable or unhealthy
  check [--json] [--expect-role P]    diagnose this process's credential chain (for app containers)
  emulate [--mode ecs|eks|imds] [--port N] [--scenario S]
                                      local credentials endpoint with synthetic credentials:
                                      ECS agent, EKS Pod Identity Agent or EC2 IMDSv2
  demo                                emulator + sidecar on loopback with rotation, a role change and an outage

Options: --help (any command), --version
Configuration: ROLECALL_* environment variables; see the README.
`;

const HELP: Record<string, string> = {
  serve: `Usage: rolecall serve\n\nRuns the sidecar. Configured by environment variables:\n  ROLECALL_LISTEN (0.0.0.0:9477), ROLECALL_ADMIN_LISTEN (127.0.0.1:9478), ROLECALL_ADMIN_TOKEN[_FILE],\n  ROLECALL_POLL_INTERVAL (60s), ROLECALL_POLL_TIMEOUT (2s), ROLECALL_MIN_TTL (10m),\n  ROLECALL_EXPECTED_ROLE, ROLECALL_CONTAINER_HOST (http://169.254.170.2), ROLECALL_LOG_LEVEL (info).\nExit: 0 after SIGTERM/SIGINT, 2 on bad configuration (all problems listed).\n`,
  healthcheck: `Usage: rolecall healthcheck [--url U] [--live]\n\nGETs http://127.0.0.1:<ROLECALL_LISTEN port>/healthz (or /livez with --live) with a 2s timeout.\nFor ECS healthCheck: ["CMD", "node", "/app/dist/bin.js", "healthcheck"]. Exit 0 healthy, 1 not.\n`,
  whoami: `Usage: rolecall whoami [--url U] [--json]\n\nAsks the admin listener (http://<ROLECALL_ADMIN_LISTEN>/whoami) and prints the incident view.\nSends ROLECALL_ADMIN_TOKEN[_FILE] as a bearer token when set. Exit 0 ok, 1 unreachable or unhealthy.\n`,
  emulate: `Usage: rolecall emulate [--mode ecs|eks|imds] [--host H] [--port N] [--scenario S]\n\nServes synthetic credentials on loopback (default 127.0.0.1, random port; --host ::1 for IPv6) and\nprints the export lines that point rolecall or an SDK at it. Modes:\n  ecs   (default) the ECS agent: /v2/credentials/<id>, /v1/credentials?id=, task metadata v4\n  eks   the EKS Pod Identity Agent: /v1/credentials, Authorization from a 0600 token file, Host check\n  imds  EC2 instance metadata with IMDSv2 required: token PUT, the instance role's credentials\nScenarios: steady (default), demo, fast, or a JSON file (docs/emulator.md). Exit 0 on SIGTERM.\n`,
  demo: `Usage: rolecall demo [--port N]\n\nRuns the emulator and the sidecar on loopback with a short scenario: a rotation within about a\nminute, a role change, then a short outage. Prints the URLs to open. Exit 0 on SIGINT.\n`,
};

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
  const command = first === undefined || first.startsWith('-') ? 'serve' : first;
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  if (args.includes('--help') || args.includes('-h')) {
    if (command === 'check')
      return (await import('./commands/check.ts')).runCheck(['--help'], checkIo(io));
    io.stdout(HELP[command] ?? USAGE);
    return HELP[command] ? 0 : 2;
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
      case 'demo':
        return await (await import('./commands/demo.ts')).demo(args, io);
      default:
        io.stderr(`rolecall: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`rolecall ${command}: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}

function checkIo(io: Io) {
  return {
    stdout: io.stdout,
    stderr: io.stderr,
    env: io.env,
    now: Date.now,
    readFile: async (path: string) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return null;
      }
    },
    fetchIdentity: async () => (await import('../check/identity.ts')).fetchIdentity(io.env),
  };
}

/** The process entry: the only place that sets `process.exitCode`. */
export async function run(): Promise<void> {
  const io: Io = {
    env: process.env,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    untilSignal: () =>
      new Promise((resolve) => {
        const on = (sig: string) => {
          process.off('SIGTERM', on);
          process.off('SIGINT', on);
          resolve(sig);
        };
        process.once('SIGTERM', on);
        process.once('SIGINT', on);
      }),
  };
  try {
    process.exitCode = await main(process.argv.slice(2), io);
  } catch (err) {
    process.stderr.write(`rolecall: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
