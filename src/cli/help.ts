/** The text of `--help` for every command but `check` (whose help lives with its parser). */

export const USAGE = `rolecall — which IAM role does this ECS task really use?

Usage: rolecall <command> [options]      (options go after the command)

Commands:
  serve (default)                     run the sidecar: poll, track, serve /metrics /healthz /livez (+ /whoami on admin)
  healthcheck [--url U] [--live]      GET the local /healthz (/livez with --live)
  whoami [--url U] [--json]           print a running sidecar's incident view (from the admin listener)
  check [--json] [--expect-role P]    diagnose this process's credential chain (for app containers)
  check --task-definition F|- [--json]
                                      the same, offline, for an ECS task definition (for CI)
  emulate [--mode ecs|eks|imds] [--host H] [--port N] [--scenario S] [--allow-remote]
                                      local credentials endpoint with synthetic credentials:
                                      ECS agent, EKS Pod Identity Agent or EC2 IMDSv2
  demo [--port N] [--admin-port N]    emulator + sidecar on loopback: a rotation, a role change, an outage

Options: --help (any command: its options and exit codes), --version
Configuration: ROLECALL_* environment variables; \`rolecall serve --help\` lists them.
`;

export const HELP: Record<string, string> = {
  serve: `Usage: rolecall serve

Runs the sidecar. It takes no options: it is configured by environment variables.
  ROLECALL_LISTEN               public listener: /metrics /healthz /livez (0.0.0.0:9477)
  ROLECALL_ADMIN_LISTEN         admin listener: /whoami and the above (127.0.0.1:9478)
  ROLECALL_ADMIN_TOKEN[_FILE]   bearer token for the admin listener; required off loopback
  ROLECALL_POLL_INTERVAL        steady poll period, ±10 % jitter (60s)
  ROLECALL_POLL_TIMEOUT         one poll's deadline, token file read included (2s)
  ROLECALL_MIN_TTL              expiring sooner without rotation is failing (10m)
  ROLECALL_EXPECTED_ROLE        role ARN or glob on the ARN or role name, e.g. '*-task'
  ROLECALL_CONTAINER_HOST       base for the relative URI (http://169.254.170.2)
  ROLECALL_IMDS_HOST            base for the instance-role fallback (http://169.254.169.254)
  ROLECALL_ALLOW_INSTANCE_ROLE  true: the EC2 instance role is intended, report it as ok (false)
  ROLECALL_LOG_LEVEL            fatal, error, warn, info, debug, trace or silent (info)
The credentials endpoint comes from the AWS SDK variables (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI,
..._FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE], else IMDS). Unknown ROLECALL_* variables
are warned about at start.

Exit: 0 after SIGTERM, SIGINT or SIGHUP (within 2s, even during start-up); 1 could not start (a
listen address in use: the message names the variable); 2 bad configuration (every problem listed)
or an option given.
`,
  healthcheck: `Usage: rolecall healthcheck [--url U] [--live]

GETs http://127.0.0.1:<ROLECALL_LISTEN port>/healthz (or /livez with --live) and prints the status
code and health; the whole answer must arrive within 2s. For people and scripts: the image's own
health check is the static client /app/bin/healthcheck, which starts no Node process; to run this
command in the image, use /nodejs/bin/node /app/dist/bin.js healthcheck (node is not on PATH
there).

Exit: 0 healthy (HTTP 200), 1 not healthy or unreachable, 2 bad usage.
`,
  whoami: `Usage: rolecall whoami [--url U] [--json]

Asks the admin listener (http://<ROLECALL_ADMIN_LISTEN>/whoami, default 127.0.0.1:9478) and prints
the incident view, or the raw JSON with --json. --url takes the admin listener's base URL or the
full /whoami URL. Sends ROLECALL_ADMIN_TOKEN[_FILE] as a bearer token when set. The whole answer
must arrive within 3s. Values are printed with control characters written out (\\x1b, \\u202e).

Exit: 0 health ok or degraded; 1 unreachable, an error answer, or health starting or failing;
2 bad usage.
`,
  emulate: `Usage: rolecall emulate [--mode ecs|eks|imds] [--host H] [--port N] [--scenario S]
                        [--allow-remote]

Serves synthetic credentials on loopback (default 127.0.0.1, random port; --host ::1 for IPv6; any
other --host is refused unless --allow-remote is given) and prints the export lines that point
rolecall or an SDK at it. Modes:
  ecs   (default) the ECS agent: /v2/credentials/<id>, /v1/credentials?id=, task metadata v4
  eks   the EKS Pod Identity Agent: /v1/credentials, Authorization from a 0600 token file, Host check
  imds  EC2 instance metadata with IMDSv2 required: token PUT, the instance role's credentials
Scenarios: steady (default), demo, fast, or a JSON file (docs/emulator.md).

Exit: 0 after SIGTERM, SIGINT or SIGHUP; 1 the port is in use; 2 bad usage, or a non-loopback
--host without --allow-remote.
`,
  demo: `Usage: rolecall demo [--port N] [--admin-port N]

Runs the emulator and the sidecar on loopback with a short scenario: a rotation at about 60 s, a
role change at 100 s, a 20 s outage from 150 s and the recovery; then it replays every 240 s.
Prints the commands to try in another terminal, the events as they happen, and the state it
leaves when the script is over.
  --port N        the sidecar's public listener (default 9477)
  --admin-port N  the sidecar's admin listener, with /whoami (default 9478)

Exit: 0 after SIGINT, SIGTERM or SIGHUP; 1 a port is in use; 2 bad usage.
`,
};
