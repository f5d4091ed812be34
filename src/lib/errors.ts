/**
 * Typed errors with stable codes. Callers branch on `code` or `instanceof`, never on message text.
 * Messages never carry secrets, tokens, the relative URI or the credentials id.
 */

/** Every poll-error `reason` label, in their documented order. Each is pre-initialised to 0 in metrics. */
export const POLL_ERROR_REASONS = [
  'timeout',
  'connection',
  'throttled',
  'uninitialized',
  'not_found',
  'unauthorized',
  'server_error',
  'http_error',
  'redirect',
  'too_large',
  'invalid_json',
  'invalid_response',
  'expired',
  'token_file',
] as const;

export type PollErrorReason = (typeof POLL_ERROR_REASONS)[number];

/** Base class: one stable `code` per failure. */
export class RolecallError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RolecallError';
    this.code = code;
  }
}

/** Configuration problems, all of them at once. Exit code 2. */
export class ConfigError extends RolecallError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('config_invalid', `invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Which credentials endpoint to use could not be decided (bad variable, host not allowed, bad token). */
export class EndpointConfigError extends RolecallError {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super('endpoint_config', message);
    this.name = 'EndpointConfigError';
    this.variable = variable;
  }
}

/** One failed fetch; `reason` is the poll-error label. */
export class EndpointError extends RolecallError {
  readonly reason: PollErrorReason;
  readonly status: number | undefined;
  /** Server-requested wait (from `Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  constructor(
    reason: PollErrorReason,
    message: string,
    extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(`endpoint_${reason}`, message, { cause: extra.cause });
    this.name = 'EndpointError';
    this.reason = reason;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
  }
}
