/**
 * EKS mode: the EKS Pod Identity Agent's `/v1/credentials` (aws/eks-pod-identity-agent).
 * Order as in the agent: Go's ServeMux (301 on an unclean path, 404 elsewhere), one global
 * token bucket, the `Host` check (403), the service-account token (400), then EKS Auth's answer.
 * Every error is Go's `http.Error`: plain text with a trailing newline.
 */
import { createHash } from 'node:crypto';
import { accountOf, type Fault, type Handler, headerValue } from './handler.ts';
import { createLimiter, type RateLimit } from './ratelimit.ts';
import { DEMO_ACCOUNT } from './scenario.ts';
import type { CredentialsDoc } from './timeline.ts';
import { cleanPath, notFoundReply, type Reply } from './wire.ts';

export const EKS_PATH = '/v1/credentials';
/** The agent's own addresses (`configuration.DefaultIpv4TargetHost` / `DefaultIpv6TargetHost`). */
export const EKS_AGENT_HOSTS = ['169.254.170.23', 'fd00:ec2::23'] as const;
/** What the emulator accepts besides them: it binds loopback. */
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'] as const;
/** `configuration.RequestRate` 1000/s, burst half of it; one limiter for every client. */
export const EKS_RATE_LIMIT: RateLimit = Object.freeze({ rate: 1000, burst: 500 });

const TEXT_TYPE = 'text/plain; charset=utf-8';

/** Go `http.Error`: text/plain, nosniff, the message and a newline. */
function goError(status: number, message: string): Reply {
  return {
    status,
    headers: { 'content-type': TEXT_TYPE, 'x-content-type-options': 'nosniff' },
    body: `${message}\n`,
  };
}

/** Go ServeMux's clean-path redirect: 301, query kept, a one-line HTML body for GET. */
function goRedirectReply(cleaned: string, query: string, method: string): Reply {
  const location = query === '' ? cleaned : `${cleaned}?${query}`;
  if (method !== 'GET') return { status: 301, headers: { location }, body: '' };
  const href = location.replaceAll('&', '&amp;').replaceAll('"', '&#34;').replaceAll('<', '&lt;');
  return {
    status: 301,
    headers: { location, 'content-type': 'text/html; charset=utf-8' },
    body: `<a href="${href}">Moved Permanently</a>.\n\n`,
  };
}

/** The `Host` header as the agent compares it: port dropped (`net.SplitHostPort`), then brackets. */
function targetHost(host: string): string {
  const bracketed = /^\[([^\]]*)\]:\d*$/.exec(host);
  if (bracketed) return bracketed[1] ?? '';
  const colons = host.split(':').length - 1;
  const bare = colons === 1 ? host.slice(0, host.indexOf(':')) : host;
  return bare.length > 1 && bare.startsWith('[') && bare.endsWith(']') ? bare.slice(1, -1) : bare;
}

/** EKS Auth's failure as the agent relays it: `[<request id>]: (<Code>): <message>, fault: <who>`. */
function upstreamErrorReply(
  status: number,
  code: string,
  message: string,
  requestId: string,
): Reply {
  const fault = status >= 500 ? 'server' : 'client';
  return goError(status, `[${requestId}]: (${code}): ${message}, fault: ${fault}`);
}

/** EKS Auth's exception for each scriptable status (their HTTP codes per the EKS Auth API). */
const UPSTREAM: Readonly<Record<number, readonly [string, string]>> = {
  400: ['ExpiredTokenException', 'The specified Kubernetes service account token is expired.'],
  404: ['ResourceNotFoundException', 'No Pod Identity association matches this service account.'],
  500: ['InternalServerException', 'An internal error occurred.'],
  503: ['ServiceUnavailableException', 'The service is unavailable. Back off and retry.'],
};

/** A scripted or injected outage: 429 is the agent's own limiter; the rest come from EKS Auth. */
function eksOutageReply(fault: Fault, requestId: string): Reply {
  if (fault.status === 429) return goError(429, 'Too Many Requests');
  const [code, message] = UPSTREAM[fault.status] ?? ['InternalServerException', 'Injected fault.'];
  return fault.code === undefined
    ? upstreamErrorReply(fault.status, code, message, requestId)
    : upstreamErrorReply(fault.status, fault.code, `${fault.code} (scripted)`, requestId);
}

/** The agent's body: keys in its struct order, `AccountId` and no `RoleArn`, no newline. */
function eksCredentialsReply(doc: CredentialsDoc): Reply {
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = doc;
  const AccountId = accountOf(doc.RoleArn) ?? DEMO_ACCOUNT;
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ AccessKeyId, SecretAccessKey, Token, AccountId, Expiration }),
  };
}

/**
 * The presented `Authorization` against the token the emulator issued: empty → 400; not three
 * JWT segments → 400 as the agent's parser words it; any other mismatch is what EKS Auth answers
 * for a token it cannot verify. Null when it matches.
 */
function tokenReply(
  presented: string | undefined,
  expected: string,
  requestId: string,
): Reply | null {
  if (presented === undefined || presented === '')
    return goError(400, 'Service account token cannot be empty');
  if (presented.length === expected.length && digest(presented).equals(digest(expected)))
    return null;
  if (presented.split('.').length !== 3) {
    return goError(
      400,
      'Service account token cannot be parsed: token is malformed: token contains an invalid number of segments',
    );
  }
  return upstreamErrorReply(
    400,
    'InvalidTokenException',
    'The specified Kubernetes service account token is invalid.',
    requestId,
  );
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export interface EksOptions {
  /** The token currently accepted (it changes when the emulator rotates it). */
  readonly token: () => string;
  /** Hosts accepted in `Host` besides the agent's: loopback names and the bound address. */
  readonly allowedHosts: readonly string[];
  readonly rateLimit: RateLimit | null;
  /** A fresh request id for relayed EKS Auth errors. */
  readonly requestId: () => string;
}

/** AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (never the token). */
export function eksEnv(url: string, tokenFile: string) {
  return {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${url}${EKS_PATH}`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

export function createEksHandler(opts: EksOptions): Handler {
  const limiter = opts.rateLimit === null ? null : createLimiter(opts.rateLimit);
  const hosts = [...new Set([...EKS_AGENT_HOSTS, ...opts.allowedHosts])];
  return (req, nowMs, current) => {
    const cleaned = cleanPath(req.path);
    if (cleaned !== req.path)
      return { reply: goRedirectReply(cleaned, req.query, req.method), credentialsRoute: false };
    if (req.path !== EKS_PATH) return { reply: notFoundReply(), credentialsRoute: false };
    const answer = (): Reply => {
      if (limiter !== null && !limiter.take('agent', nowMs))
        return goError(429, 'Too Many Requests');
      const host = targetHost(headerValue(req.headers, 'host') ?? '');
      if (!hosts.includes(host)) {
        return goError(
          403,
          `Access Denied. Called agent through invalid address, please use either [${hosts.join(' ')}] address not ${host}`,
        );
      }
      const auth = headerValue(req.headers, 'authorization');
      const refused = tokenReply(auth, opts.token(), opts.requestId());
      if (refused !== null) return refused;
      const now = current();
      return now.kind === 'outage'
        ? eksOutageReply(now.outage, opts.requestId())
        : eksCredentialsReply(now.body);
    };
    return { reply: answer(), credentialsRoute: true };
  };
}
