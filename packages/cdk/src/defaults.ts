/**
 * The defaults the construct shares with `deploy/ecs/task-definition.json`. They are the public
 * names users build on (CHANGELOG, Public contract): the port, the health-check command and the Prometheus discovery
 * labels are what users' dashboards and alert rules are built on, so they live in one place.
 */

/** Version of this package; also the default image tag, so a construct release pins its image. */
export const ROLECALL_VERSION = '0.1.0';

export const DEFAULT_CONTAINER_NAME = 'rolecall';

/** The public listener (`ROLECALL_LISTEN` default `0.0.0.0:9477`): the only port mapped. */
export const METRICS_PORT = 9477;
export const METRICS_PORT_NAME = 'metrics';
export const METRICS_PATH = '/metrics';

/** The distroless `nonroot` user; numeric, so ECS needs no `/etc/passwd` lookup. */
export const DEFAULT_USER = '65532:65532';

/**
 * Exec form, the image's static client (no shell, no Node process per check): GET `/livez`, healthy
 * while the process serves, whatever AWS does. This is the default.
 */
export const HEALTH_CHECK_COMMAND: readonly string[] = ['CMD', '/app/bin/healthcheck'];

/** The same against `/healthz` (credential health): opt-in, see the construct's `healthCheck`. */
export const HEALTHZ_HEALTH_CHECK_COMMAND: readonly string[] = [
  ...HEALTH_CHECK_COMMAND,
  '--healthz',
];

/** Seconds. The interval must exceed the timeout; `/livez` answers within a second of start. */
export const HEALTH_CHECK = {
  intervalSeconds: 30,
  timeoutSeconds: 5,
  retries: 3,
  startPeriodSeconds: 10,
} as const;

/** Seconds ECS waits after SIGTERM before SIGKILL; rolecall closes its listeners well within it. */
export const STOP_TIMEOUT_SECONDS = 10;

/** Seconds between restarts of the sidecar when it exits (ECS container restart policy). */
export const RESTART_ATTEMPT_PERIOD_SECONDS = 60;

/**
 * Exits that a restart cannot fix: 0 is a clean stop, 2 is bad configuration (`rolecall serve --help`), which
 * would fail again the same way every minute.
 */
export const RESTART_IGNORED_EXIT_CODES: readonly number[] = [0, 2];

/**
 * CPU units and MiB. `serve` settles at about 83 MiB on Node 24 with the image's Node flags and the
 * static health check adds about 1 MiB (docs/deploy.md, Sizing): 96 reserved, 128 hard limit.
 */
export const DEFAULT_CPU_UNITS = 64;
export const DEFAULT_MEMORY_RESERVATION_MIB = 96;
export const DEFAULT_MEMORY_LIMIT_MIB = 128;

export const LOG_STREAM_PREFIX = 'rolecall';

/** awslogs never blocks the sidecar's stdout; a full 1 MiB buffer drops lines instead. */
export const LOG_MAX_BUFFER_MIB = 1;

/**
 * The labels the CloudWatch agent's ECS service discovery reads (`sd_port_label`,
 * `sd_metrics_path_label`, `sd_job_name_label`) to find and scrape the sidecar.
 */
export const PROMETHEUS_DOCKER_LABELS: Readonly<Record<string, string>> = {
  ECS_PROMETHEUS_EXPORTER_PORT: String(METRICS_PORT),
  ECS_PROMETHEUS_METRICS_PATH: METRICS_PATH,
  ECS_PROMETHEUS_JOB_NAME: 'rolecall',
};
