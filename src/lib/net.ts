/**
 * One bounded HTTP GET over undici: a hard deadline for the whole exchange, a cap on the body
 * (refused without buffering it), no redirects followed. Failures become `EndpointError`s with the
 * `timeout`, `connection` or `too_large` reason; status codes are left to the caller.
 */
import { type Dispatcher, request } from 'undici';
import { EndpointError } from './errors.ts';

export interface BoundedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface GetOptions {
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly method?: 'GET' | 'PUT';
  /** Cancels the request from outside (shutdown); it then fails as `connection`, "cancelled". */
  readonly signal?: AbortSignal;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'HPE_INVALID_CONSTANT',
]);

/** Maps a low-level failure to a reason. The message names the code, not the URL (it holds the id). */
function classifyNetworkError(err: unknown, timedOut: boolean, timeoutMs: number): EndpointError {
  if (err instanceof EndpointError) return err;
  if (timedOut) return new EndpointError('timeout', `no complete answer within ${timeoutMs}ms`);
  const code = (err as { code?: unknown }).code;
  const c = typeof code === 'string' ? code : undefined;
  if (
    c === 'UND_ERR_CONNECT_TIMEOUT' ||
    c === 'UND_ERR_HEADERS_TIMEOUT' ||
    c === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new EndpointError('timeout', `no complete answer within ${timeoutMs}ms (${c})`);
  }
  if (c !== undefined && (CONNECTION_CODES.has(c) || c.startsWith('HPE_'))) {
    return new EndpointError('connection', `connection failed (${c})`);
  }
  return new EndpointError(
    'connection',
    `request failed (${c ?? (err as Error)?.name ?? 'unknown error'})`,
  );
}

export async function boundedRequest(url: URL, opts: GetOptions): Promise<BoundedResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);
  const cancel = () => controller.abort();
  if (opts.signal?.aborted) cancel();
  opts.signal?.addEventListener('abort', cancel, { once: true });
  try {
    const res = await request(url, {
      method: opts.method ?? 'GET',
      dispatcher: opts.dispatcher,
      signal: controller.signal,
      headers: { accept: 'application/json', ...opts.headers },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    });
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      res.body.destroy();
      throw new EndpointError(
        'too_large',
        `response declares ${declared} bytes; the limit is ${opts.maxBytes}`,
        {
          status: res.statusCode,
        },
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > opts.maxBytes) {
        res.body.destroy();
        throw new EndpointError(
          'too_large',
          `response exceeds the limit of ${opts.maxBytes} bytes`,
          {
            status: res.statusCode,
          },
        );
      }
      chunks.push(chunk as Buffer);
    }
    return {
      status: res.statusCode,
      headers: res.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
  } catch (err) {
    if (opts.signal?.aborted && !timedOut && !(err instanceof EndpointError))
      throw new EndpointError('connection', 'request cancelled');
    throw classifyNetworkError(err, timedOut, opts.timeoutMs);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', cancel);
  }
}

/** Reads a header as one string (first value). */
export function header(headers: BoundedResponse['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
