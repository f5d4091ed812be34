/**
 * The only network code for credentials: one request to the container endpoint, its status mapped
 * to exactly one poll-error reason, its body validated by `parse.ts`. The dispatcher, the token
 * file reader and the clock are injected.
 */
import type { Dispatcher } from 'undici';
import { FileLimitError, readBoundedFile, withDeadline } from '../lib/bounded-file.ts';
import { EndpointError } from '../lib/errors.ts';
import { type BoundedResponse, boundedRequest, header, parseRetryAfter } from '../lib/net.ts';
import { type ContainerEndpoint, hasLineBreak } from './endpoint.ts';
import { parseCredentialsBody } from './parse.ts';
import type { Fetched } from './types.ts';

/** A few KiB is a normal answer; anything past this is refused as `too_large`. */
const MAX_CREDENTIALS_BYTES = 64 * 1024;

/** An EKS service-account token is about 1 KiB; the file must be a regular file this size or less. */
export const MAX_TOKEN_FILE_BYTES = 16 * 1024;

export interface FetchDeps {
  readonly dispatcher: Dispatcher;
  /** The deadline for the whole fetch: token file read and request together. */
  readonly timeoutMs: number;
  readonly now: () => number;
  /** Reads the token file; defaults to `readBoundedFile` with `MAX_TOKEN_FILE_BYTES`. */
  readonly readFile?: (path: string, signal: AbortSignal) => Promise<string>;
  /** Cancels the fetch (shutdown). */
  readonly signal?: AbortSignal;
}

const readTokenFile = (path: string, signal: AbortSignal) =>
  readBoundedFile(path, MAX_TOKEN_FILE_BYTES, signal);

async function authorizationHeader(
  endpoint: ContainerEndpoint,
  deps: FetchDeps,
  signal: AbortSignal,
): Promise<Record<string, string>> {
  const auth = endpoint.authorization;
  if (auth.kind === 'none') return {};
  if (auth.kind === 'token') return { authorization: auth.value };
  let token: string;
  try {
    // Re-read on every request: EKS projects a fresh token into this file periodically.
    token = await withDeadline((deps.readFile ?? readTokenFile)(auth.path, signal), signal);
  } catch (err) {
    const name = 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE';
    const code = (err as { code?: unknown }).code;
    if (!(err instanceof FileLimitError) || /^E[A-Z]+$/.test(err.code))
      throw new EndpointError(
        'token_file',
        `cannot read ${name} (${typeof code === 'string' ? code : 'read error'})`,
      );
    throw new EndpointError(
      'token_file',
      err.code === 'timeout'
        ? `${name} was not read within the ${deps.timeoutMs}ms poll deadline`
        : `${name} ${err.message}`,
    );
  }
  if (token.length === 0)
    throw new EndpointError('token_file', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE is empty');
  if (hasLineBreak(token)) {
    throw new EndpointError(
      'token_file',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE contains a carriage return or line feed, which SDKs refuse to send',
    );
  }
  return { authorization: token };
}

/**
 * A short, safe code from an error body, never free text (it may echo input): the ECS JSON `code`,
 * or the exception name in an EKS Pod Identity Agent relay of EKS Auth's answer,
 * `[<request id>]: (ExpiredTokenException): <message>, fault: client`.
 */
function errorCode(res: BoundedResponse): string | null {
  const relayed = /^\[[^\]\n]*\]: \(([A-Za-z]{1,64})\): /.exec(res.body);
  if (relayed?.[1] !== undefined) return relayed[1];
  try {
    const parsed = JSON.parse(res.body) as { code?: unknown };
    if (typeof parsed.code === 'string' && /^[A-Za-z]{1,64}$/.test(parsed.code)) return parsed.code;
  } catch {
    // Other plain-text bodies (the agents' own 400/403, 429, 404) are not echoed.
  }
  return null;
}

/** EKS Auth refusing the pod's service-account token or association: an authorization failure. */
const EKS_AUTH_REFUSALS = new Set([
  'ExpiredTokenException',
  'InvalidTokenException',
  'AccessDeniedException',
]);

/** Maps a non-200 answer to its reason (the closed set in `lib/errors.ts`). */
export function statusError(res: BoundedResponse, now: number): EndpointError {
  const status = res.status;
  const code = errorCode(res);
  const message = `endpoint answered HTTP ${status}${code === null ? '' : ` ${code}`}`;
  const retryAfterMs = parseRetryAfter(header(res.headers, 'retry-after'), now);
  const extra = retryAfterMs === undefined ? { status } : { status, retryAfterMs };
  if (status >= 300 && status < 400)
    return new EndpointError('redirect', `${message}; redirects are not followed`, extra);
  if (status === 429) return new EndpointError('throttled', message, extra);
  if (status === 503 && code === 'CredentialsUninitialized')
    return new EndpointError('uninitialized', message, extra);
  if (
    status === 404 ||
    (status === 400 && (code === 'InvalidIdInRequest' || code === 'NoIdInRequest'))
  ) {
    return new EndpointError('not_found', message, extra);
  }
  if (status === 401 || status === 403 || (code !== null && EKS_AUTH_REFUSALS.has(code)))
    return new EndpointError('unauthorized', message, extra);
  if (status >= 500) return new EndpointError('server_error', message, extra);
  return new EndpointError('http_error', message, extra);
}

export async function fetchContainerCredentials(
  endpoint: ContainerEndpoint,
  deps: FetchDeps,
): Promise<Fetched> {
  const started = performance.now();
  const deadline = AbortSignal.timeout(deps.timeoutMs);
  const signal = deps.signal === undefined ? deadline : AbortSignal.any([deadline, deps.signal]);
  const headers = await authorizationHeader(endpoint, deps, signal);
  const res = await boundedRequest(endpoint.url, {
    dispatcher: deps.dispatcher,
    // What the token read left of the one deadline.
    timeoutMs: Math.max(1, Math.round(deps.timeoutMs - (performance.now() - started))),
    maxBytes: MAX_CREDENTIALS_BYTES,
    headers,
    ...(deps.signal === undefined ? {} : { signal: deps.signal }),
  });
  const now = deps.now();
  if (res.status !== 200) throw statusError(res, now);
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new EndpointError(
      'invalid_json',
      `endpoint answered 200 with a body that is not JSON (${res.body.length} bytes)`,
    );
  }
  const { credentials, identity } = parseCredentialsBody(body, 'container-role', now);
  const date = header(res.headers, 'date');
  const endpointDate = date === undefined ? Number.NaN : Date.parse(date);
  return {
    credentials,
    identity,
    endpointDate: Number.isFinite(endpointDate) ? new Date(endpointDate) : null,
  };
}
