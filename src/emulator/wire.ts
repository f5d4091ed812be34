/**
 * The ECS agent's wire format, as pure functions: path cleaning, routing and every reply body,
 * byte for byte (amazon-ecs-agent `ecs-agent/tmds`, gorilla/mux, didip/tollbooth, Go net/http).
 */
import type { Outage } from './scenario.ts';
import type { CredentialsDoc } from './timeline.ts';

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type Route =
  | { readonly kind: 'credentials'; readonly version: 1 | 2; readonly id: string }
  | {
      readonly kind: 'metadata';
      readonly metaId: string;
      readonly doc: 'container' | 'task' | 'taskWithTags';
    }
  | { readonly kind: 'not_found' };

const JSON_TYPE = { 'content-type': 'application/json' } as const;
const TEXT_TYPE = 'text/plain; charset=utf-8';

/**
 * Go's `path.Clean`, keeping a trailing slash (gorilla/mux `cleanPath`): collapses `//`, drops
 * `.`, resolves `..`. The agent answers 301 to the cleaned path whenever it differs.
 */
export function cleanPath(p: string): string {
  if (p === '') return '/';
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const cleaned = `/${out.join('/')}`;
  return p.endsWith('/') && cleaned !== '/' ? `${cleaned}/` : cleaned;
}

/** Routes a clean path. `query` is the raw query string without `?`. */
export function route(path: string, query: string): Route {
  if (path === '/v1/credentials') {
    return { kind: 'credentials', version: 1, id: new URLSearchParams(query).get('id') ?? '' };
  }
  if (path.startsWith('/v2/credentials/')) {
    return { kind: 'credentials', version: 2, id: path.slice('/v2/credentials/'.length) };
  }
  const m = /^\/v4\/([^/]*)(\/task|\/taskWithTags)?$/.exec(path);
  if (m?.[1] !== undefined) {
    const doc = m[2] === '/task' ? 'task' : m[2] === '/taskWithTags' ? 'taskWithTags' : 'container';
    return { kind: 'metadata', metaId: m[1], doc };
  }
  return { kind: 'not_found' };
}

/** gorilla/mux's redirect: Location is the cleaned path plus the original query; no body. */
export function redirectReply(cleaned: string, query: string): Reply {
  return {
    status: 301,
    headers: { location: query === '' ? cleaned : `${cleaned}?${query}` },
    body: '',
  };
}

/** Go's `http.NotFound`: note the trailing newline from `http.Error`'s Fprintln. */
export function notFoundReply(): Reply {
  return {
    status: 404,
    headers: { 'content-type': TEXT_TYPE, 'x-content-type-options': 'nosniff' },
    body: '404 page not found\n',
  };
}

/** tollbooth's limit-reached answer: its default message, no newline. */
export function throttledReply(): Reply {
  return {
    status: 429,
    headers: { 'content-type': TEXT_TYPE },
    body: 'You have reached maximum request limit.',
  };
}

/** `{"code","message","HTTPErrorCode"}`, messages as `processCredentialsRequest` words them. */
export function credentialsErrorReply(status: number, code: string, version: 1 | 2): Reply {
  const prefix = `CredentialsV${version}Request: `;
  const messages: Record<string, string> = {
    NoIdInRequest: `${prefix}No Credential ID in the request`,
    InvalidIdInRequest: `${prefix}Credentials not found`,
    CredentialsUninitialized: `${prefix}Credentials uninitialized for ID`,
    InternalServerError: 'Internal server error',
  };
  const message = messages[code] ?? `${prefix}${code}`;
  return {
    status,
    headers: JSON_TYPE,
    body: JSON.stringify({ code, message, HTTPErrorCode: status }),
  };
}

/** The default JSON code for an injected status (503 ⇒ uninitialized, 5xx ⇒ internal, else invalid id). */
function defaultCode(status: number): string {
  if (status === 503) return 'CredentialsUninitialized';
  return status >= 500 ? 'InternalServerError' : 'InvalidIdInRequest';
}

/** A scripted or injected outage on the credentials route. */
export function outageReply(
  outage: Pick<Outage, 'code'> & { status: number },
  version: 1 | 2,
): Reply {
  if (outage.status === 429) return throttledReply();
  if (outage.status === 404) return notFoundReply();
  return credentialsErrorReply(outage.status, outage.code ?? defaultCode(outage.status), version);
}

export function credentialsReply(doc: CredentialsDoc): Reply {
  const { RoleArn, AccessKeyId, SecretAccessKey, Token, Expiration } = doc;
  return {
    status: 200,
    headers: JSON_TYPE,
    body: JSON.stringify({ RoleArn, AccessKeyId, SecretAccessKey, Token, Expiration }),
  };
}

/** Any JSON document (task metadata). */
export function jsonReply(status: number, value: unknown): Reply {
  return { status, headers: JSON_TYPE, body: JSON.stringify(value) };
}

/** v4 lookup failure: 404 whose body is a JSON string, worded as the agent's TMDS state does. */
export function metadataNotFoundReply(
  doc: 'container' | 'task' | 'taskWithTags',
  metaId: string,
): Reply {
  const reason =
    doc === 'container'
      ? `V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${metaId}`
      : `V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${metaId}`;
  return jsonReply(404, reason);
}
