/**
 * Over 250 lines on purpose: every variable is validated in one pass, so all problems show at once.
 *
 * `loadConfig(env)`: the only reader of the environment. Every problem is collected and reported
 * at once, each with the variable's name, what is wrong and the accepted form; the CLI exits 2.
 */
import {
  type CredentialEndpoint,
  DEFAULT_CONTAINER_HOST,
  resolveEndpoint,
} from '../credentials/endpoint.ts';
import { FileLimitError, readBoundedFileSync } from '../lib/bounded-file.ts';
import { parseDuration } from '../lib/duration.ts';
import { ConfigError, EndpointConfigError } from '../lib/errors.ts';
import { MAX_ROLE_PATTERN } from '../lib/role-match.ts';
import { Secret } from '../lib/secret.ts';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  readonly listen: ListenAddress;
  readonly adminListen: ListenAddress;
  readonly adminToken: Secret | null;
  readonly pollIntervalMs: number;
  readonly pollTimeoutMs: number;
  readonly minTtlMs: number;
  readonly expectedRole: string | null;
  readonly containerHost: string;
  readonly logLevel: LogLevel;
  /**
   * The source SDKs here would use: the container endpoint, else IMDS (the instance role), or null
   * when neither is available (no container variable and `AWS_EC2_METADATA_DISABLED=true`).
   */
  readonly endpoint: CredentialEndpoint | null;
  /** `ROLECALL_ALLOW_INSTANCE_ROLE`: the instance role is intended, so report it as `ok`. */
  readonly allowInstanceRole: boolean;
  readonly metadataUrl: URL | null;
  /** Not errors, but worth a line at start (a token file others can read). */
  readonly warnings: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULTS = {
  ROLECALL_LISTEN: '0.0.0.0:9477',
  ROLECALL_ADMIN_LISTEN: '127.0.0.1:9478',
  ROLECALL_POLL_INTERVAL: '60s',
  ROLECALL_POLL_TIMEOUT: '2s',
  ROLECALL_MIN_TTL: '10m',
  ROLECALL_LOG_LEVEL: 'info',
} as const;

/** Every ROLECALL_* variable read here; any other is a typo, warned about at start. */
export const ROLECALL_VARIABLES: readonly string[] = [
  'ROLECALL_LISTEN',
  'ROLECALL_ADMIN_LISTEN',
  'ROLECALL_ADMIN_TOKEN',
  'ROLECALL_ADMIN_TOKEN_FILE',
  'ROLECALL_POLL_INTERVAL',
  'ROLECALL_POLL_TIMEOUT',
  'ROLECALL_MIN_TTL',
  'ROLECALL_EXPECTED_ROLE',
  'ROLECALL_CONTAINER_HOST',
  'ROLECALL_IMDS_HOST',
  'ROLECALL_ALLOW_INSTANCE_ROLE',
  'ROLECALL_LOG_LEVEL',
];

/** Parses `host:port`, `[v6]:port` or `:port` (all interfaces). */
export function parseListen(text: string): ListenAddress | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  const host = m[1] ?? (m[2] === '' || m[2] === undefined ? '0.0.0.0' : m[2]);
  return { host, port };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** The admin token file must be a regular file this size or less (a token is tens of bytes). */
const MAX_ADMIN_TOKEN_FILE_BYTES = 4096;

/** Reads the admin token file as `serve` does: bounded, and with its mode for the warning. */
export const readAdminTokenFile = (path: string) =>
  readBoundedFileSync(path, MAX_ADMIN_TOKEN_FILE_BYTES);

/**
 * @param readFile reads `ROLECALL_ADMIN_TOKEN_FILE` (synchronously: this runs once, before binding);
 * `readAdminTokenFile` in production. A bare string is taken as a file of mode 0600.
 */
export function loadConfig(
  env: Env,
  readFile: (path: string) => string | { text: string; mode: number },
): Config {
  const problems: string[] = [];
  const warnings: string[] = [];

  const listenVar = (name: 'ROLECALL_LISTEN' | 'ROLECALL_ADMIN_LISTEN'): ListenAddress => {
    const text = value(env, name) ?? DEFAULTS[name];
    const parsed = parseListen(text);
    if (parsed === null)
      problems.push(
        `${name}="${text}" is not a listen address; expected host:port, [ipv6]:port or :port with a port from 0 to 65535`,
      );
    return parsed ?? { host: '127.0.0.1', port: 0 };
  };
  const durationVar = (
    name: 'ROLECALL_POLL_INTERVAL' | 'ROLECALL_POLL_TIMEOUT' | 'ROLECALL_MIN_TTL',
    min: number,
    max: number,
    range: string,
  ): number => {
    const text = value(env, name) ?? DEFAULTS[name];
    const ms = parseDuration(text);
    if (ms === null) {
      problems.push(
        `${name}="${text}" is not a duration; expected a whole number with a unit: 500ms, 30s, 5m or 1h`,
      );
      return min;
    }
    if (ms < min || ms > max) problems.push(`${name}="${text}" is out of range; expected ${range}`);
    return ms;
  };

  const listen = listenVar('ROLECALL_LISTEN');
  const adminListen = listenVar('ROLECALL_ADMIN_LISTEN');
  const pollIntervalMs = durationVar('ROLECALL_POLL_INTERVAL', 1000, 3_600_000, 'from 1s to 1h');
  const pollTimeoutMs = durationVar('ROLECALL_POLL_TIMEOUT', 100, 30_000, 'from 100ms to 30s');
  const minTtlMs = durationVar('ROLECALL_MIN_TTL', 0, 6 * 3_600_000, 'from 0s to 6h');
  if (pollTimeoutMs >= pollIntervalMs && problems.length === 0) {
    problems.push(
      `ROLECALL_POLL_TIMEOUT must be shorter than ROLECALL_POLL_INTERVAL (${pollTimeoutMs}ms >= ${pollIntervalMs}ms)`,
    );
  }

  const logText = value(env, 'ROLECALL_LOG_LEVEL') ?? DEFAULTS.ROLECALL_LOG_LEVEL;
  const logLevel = (LOG_LEVELS as readonly string[]).includes(logText)
    ? (logText as LogLevel)
    : 'info';
  if (logLevel !== logText)
    problems.push(
      `ROLECALL_LOG_LEVEL="${logText}" is not a level; expected one of ${LOG_LEVELS.join(', ')}`,
    );

  let adminToken: Secret | null = null;
  const tokenFile = value(env, 'ROLECALL_ADMIN_TOKEN_FILE');
  const tokenEnv = env.ROLECALL_ADMIN_TOKEN;
  /** A token the admin listener could never receive, or none at all, is refused, not ignored. */
  const tokenProblem = (name: string, token: string): string | null => {
    if (/[\r\n]/.test(token))
      return `${name} contains a line break, which no client can send in a header; expected one line`;
    if (token.trim() === '')
      return `${name} is empty or only whitespace; expected a random token of at least 16 characters, or leave it unset`;
    if (token.trim().length < 16)
      return `${name} is shorter than 16 characters; expected a random token of at least 16`;
    return null;
  };
  if (tokenFile !== undefined && tokenEnv !== undefined) {
    problems.push('ROLECALL_ADMIN_TOKEN and ROLECALL_ADMIN_TOKEN_FILE are both set; set only one');
  } else if (tokenFile !== undefined) {
    const name = `ROLECALL_ADMIN_TOKEN_FILE (${tokenFile})`;
    try {
      const read = readFile(tokenFile);
      const { text, mode } = typeof read === 'string' ? { text: read, mode: 0o600 } : read;
      // The usual trailing newline (echo token > file) is not part of the token; one inside is.
      const t = text.trim();
      const problem = tokenProblem(name, t)?.replace('is shorter than', 'holds fewer than') ?? null;
      if (problem !== null) problems.push(problem);
      else adminToken = new Secret(t);
      if ((mode & 0o044) !== 0)
        warnings.push(
          `${name} is readable by ${(mode & 0o004) !== 0 ? 'every user' : 'its group'} (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); chmod 600 it`,
        );
    } catch (err) {
      problems.push(
        err instanceof FileLimitError && !/^E[A-Z]+$/.test(err.code)
          ? `${name} ${err.message}; expected a regular file of at most ${MAX_ADMIN_TOKEN_FILE_BYTES} bytes holding the token`
          : `${name} cannot be read (${(err as { code?: string }).code ?? 'error'}); expected a readable file holding the token`,
      );
    }
  } else if (tokenEnv !== undefined) {
    const problem = tokenProblem('ROLECALL_ADMIN_TOKEN', tokenEnv);
    if (problem !== null) problems.push(problem);
    else adminToken = new Secret(tokenEnv.trim());
  }
  if (adminToken === null && !isLoopbackHost(adminListen.host)) {
    problems.push(
      `ROLECALL_ADMIN_LISTEN="${adminListen.host}:${adminListen.port}" is not a loopback address, so ROLECALL_ADMIN_TOKEN or ROLECALL_ADMIN_TOKEN_FILE is required`,
    );
  }

  const containerHost = value(env, 'ROLECALL_CONTAINER_HOST') ?? DEFAULT_CONTAINER_HOST;
  if (!/^https?:\/\/[^/?#]+\/?$/.test(containerHost)) {
    problems.push(
      `ROLECALL_CONTAINER_HOST="${containerHost}" is not a base URL; expected http(s)://host[:port] with no path`,
    );
  }
  const imdsHost = value(env, 'ROLECALL_IMDS_HOST');
  if (imdsHost !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(imdsHost)) {
    problems.push(
      `ROLECALL_IMDS_HOST="${imdsHost}" is not a base URL; expected http(s)://host[:port] with no path`,
    );
  }
  let endpoint: CredentialEndpoint | null = null;
  try {
    endpoint = resolveEndpoint(
      env,
      imdsHost === undefined ? { containerHost } : { containerHost, imdsHost },
    );
  } catch (err) {
    if (!(err instanceof EndpointConfigError)) throw err;
    problems.push(err.message);
  }

  let metadataUrl: URL | null = null;
  const metadata = value(env, 'ECS_CONTAINER_METADATA_URI_V4');
  if (metadata !== undefined) {
    try {
      metadataUrl = new URL(metadata);
    } catch {
      problems.push(
        'ECS_CONTAINER_METADATA_URI_V4 is not an absolute URL; expected http://169.254.170.2/v4/<id>',
      );
    }
  }

  const expectedRole = value(env, 'ROLECALL_EXPECTED_ROLE')?.trim() ?? null;
  if (expectedRole !== null && expectedRole.length > MAX_ROLE_PATTERN)
    problems.push(
      `ROLECALL_EXPECTED_ROLE is longer than ${MAX_ROLE_PATTERN} characters; expected a role ARN or a glob such as *-task`,
    );

  const allowText = (value(env, 'ROLECALL_ALLOW_INSTANCE_ROLE') ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(allowText)) {
    problems.push(
      `ROLECALL_ALLOW_INSTANCE_ROLE="${allowText}" is not a boolean; expected true or false`,
    );
  }
  const allowInstanceRole = allowText === 'true' || allowText === '1';

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    listen,
    adminListen,
    adminToken,
    pollIntervalMs,
    pollTimeoutMs,
    minTtlMs,
    expectedRole,
    containerHost,
    logLevel,
    endpoint,
    allowInstanceRole,
    metadataUrl,
    warnings,
  });
}
