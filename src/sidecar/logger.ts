/**
 * pino NDJSON on a destination passed in (stdout in production, a capture stream in tests).
 * Redaction covers request headers and any credential-shaped field, as a second line of defence:
 * the first is that secrets never reach a log call (`Credentials`, `Secret`).
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogEvent } from '../credentials/state.ts';
import { maskAccessKeyId } from '../lib/aws-env.ts';
import { RolecallError } from '../lib/errors.ts';

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.SecretAccessKey',
  '*.secretAccessKey',
  '*.Token',
  '*.token',
  '*.sessionToken',
  '*.authorization',
  'SecretAccessKey',
  'secretAccessKey',
  'Token',
  'token',
  'sessionToken',
  'authorization',
];

/**
 * `err` fields as `{type, message, code?, stack?}`: the error's class (pino's default called a
 * plain object "Object", with an empty stack), its message and stable code, and a stack only for
 * errors rolecall did not expect, since an endpoint failure's stack says nothing to an operator.
 */
export function serializeError(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as {
    name?: unknown;
    type?: unknown;
    message?: unknown;
    code?: unknown;
    stack?: unknown;
  };
  const out: Record<string, unknown> = {
    type:
      typeof e.type === 'string'
        ? e.type
        : err instanceof Error
          ? err.name !== 'Error'
            ? err.name
            : err.constructor.name
          : typeof e.name === 'string'
            ? e.name
            : 'Error',
    message: typeof e.message === 'string' ? e.message : String(err),
  };
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (err instanceof Error && !(err instanceof RolecallError) && typeof e.stack === 'string')
    out.stack = e.stack;
  return out;
}

export function createLogger(level: string, destination: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'rolecall' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Writes one state-machine log event under its documented name. */
export function logEvent(logger: Logger, e: LogEvent): void {
  switch (e.event) {
    case 'credentials.first_seen':
    case 'credentials.rotated': {
      const id = e.held.identity;
      logger.info(
        {
          event: e.event,
          source: id.source,
          roleArn: id.roleArn,
          accountId: id.accountId,
          accessKeyId: maskAccessKeyId(e.held.accessKeyId),
          expiration: new Date(e.held.expiration).toISOString(),
          ...(e.event === 'credentials.rotated'
            ? { previousAccessKeyId: maskAccessKeyId(e.previousAccessKeyId) }
            : {}),
          ...(e.event === 'credentials.rotated' && e.repeated !== undefined
            ? { repeated: e.repeated }
            : {}),
        },
        e.event === 'credentials.rotated' ? 'credentials rotated' : 'credentials first seen',
      );
      return;
    }
    case 'credentials.role_changed':
      logger.warn(
        {
          event: e.event,
          oldRoleArn: e.from,
          newRoleArn: e.to,
          ...(e.repeated === undefined ? {} : { repeated: e.repeated }),
        },
        'role changed',
      );
      return;
    case 'credentials.fetch_failed':
      logger.warn(
        {
          event: e.event,
          reason: e.reason,
          consecutive: e.consecutive,
          err: { type: 'EndpointError', code: `endpoint_${e.reason}`, message: e.message },
        },
        'credentials fetch failed',
      );
      return;
    case 'credentials.recovered':
      logger.info(
        { event: e.event, afterFailures: e.afterFailures },
        'credentials endpoint recovered',
      );
      return;
    case 'credentials.expiring':
      logger.warn(
        {
          event: e.event,
          accessKeyId: maskAccessKeyId(e.accessKeyId),
          expiresInSeconds: e.expiresInSeconds,
        },
        'credentials expiring without rotation',
      );
      return;
    default: {
      const never: never = e;
      throw new Error(`unhandled log event ${JSON.stringify(never)}`);
    }
  }
}
