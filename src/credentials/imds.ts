/**
 * The EC2 instance role through IMDSv2, fetched as SDKs do: a session token by
 * PUT with a TTL, the role name, then the credentials. The token is cached for its lifetime; a 401
 * drops it, and a 401 on a cached token is retried once with a fresh one. Reached only when no
 * container variable is set, which on ECS almost always means the task has no task role.
 */
import type { Dispatcher } from 'undici';
import { parseRoleArn } from '../lib/aws-env.ts';
import { EndpointError } from '../lib/errors.ts';
import { boundedRequest, header } from '../lib/net.ts';
import type { ImdsEndpoint } from './endpoint.ts';
import { statusError } from './fetcher.ts';
import { parseCredentialsBody } from './parse.ts';
import type { Fetched } from './types.ts';

const IMDS_TOKEN_TTL_SECONDS = 21_600;
const MAX_BYTES = 64 * 1024;
/** IAM's rule for role names; the name goes into a URL path and onto every view. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

const HOP_LIMIT_HINT =
  'the IMDSv2 token request timed out: from a container behind a bridge this is usually the hop limit ' +
  '(HttpPutResponseHopLimit 1 drops the answer one hop short); raise it to 2 or give the task a task role';

export interface ImdsDeps {
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  readonly now: () => number;
}

/** Returns a fetch function with its own token and account cache. */
export function createImdsFetcher(
  endpoint: ImdsEndpoint,
  deps: ImdsDeps,
): (signal?: AbortSignal) => Promise<Fetched> {
  let signal: AbortSignal | undefined;
  const opts = () => ({
    dispatcher: deps.dispatcher,
    timeoutMs: deps.timeoutMs,
    ...(signal === undefined ? {} : { signal }),
  });
  let token: { value: string; until: number } | null = null;
  const accounts = new Map<string, { accountId: string | null; partition: string }>();
  const url = (path: string) => new URL(path, endpoint.base);
  const get = async (path: string, t: string) => {
    const res = await boundedRequest(url(path), {
      ...opts(),
      maxBytes: MAX_BYTES,
      headers: { 'x-aws-ec2-metadata-token': t },
    });
    if (res.status === 401) token = null;
    if (res.status !== 200) throw statusError(res, deps.now());
    return res.body;
  };

  async function sessionToken(): Promise<string> {
    if (token !== null && token.until > deps.now()) return token.value;
    let res: Awaited<ReturnType<typeof boundedRequest>>;
    try {
      res = await boundedRequest(url('/latest/api/token'), {
        ...opts(),
        method: 'PUT',
        maxBytes: 4096,
        headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(IMDS_TOKEN_TTL_SECONDS) },
      });
    } catch (err) {
      if (err instanceof EndpointError && err.reason === 'timeout')
        throw new EndpointError('timeout', HOP_LIMIT_HINT);
      throw err;
    }
    if (res.status !== 200) throw statusError(res, deps.now());
    const ttl = Number(
      header(res.headers, 'x-aws-ec2-metadata-token-ttl-seconds') ?? IMDS_TOKEN_TTL_SECONDS,
    );
    const lifetime = Math.max(0, (Number.isFinite(ttl) ? ttl : IMDS_TOKEN_TTL_SECONDS) - 60) * 1000;
    token = { value: res.body.trim(), until: deps.now() + lifetime };
    return token.value;
  }

  async function account(
    roleName: string,
    t: string,
  ): Promise<{ accountId: string | null; partition: string }> {
    const known = accounts.get(roleName);
    if (known) return known;
    let found = { accountId: null as string | null, partition: 'aws' };
    try {
      const info = JSON.parse(await get('/latest/meta-data/iam/info', t)) as {
        InstanceProfileArn?: unknown;
      };
      const m =
        typeof info.InstanceProfileArn === 'string' && info.InstanceProfileArn.length <= 2048
          ? /^arn:(aws[a-z-]*):iam::(\d{12}):instance-profile\//.exec(info.InstanceProfileArn)
          : null;
      if (m) found = { accountId: m[2] ?? null, partition: m[1] ?? 'aws' };
    } catch {
      // The account is a nicety; the credentials are what matter.
    }
    accounts.set(roleName, found);
    return found;
  }

  /**
   * One attempt; a 401 on a cached token (IMDS restarted, or its clock ran past the TTL before
   * ours) drops it, and the caller tries once more with a fresh one, as the SDKs do.
   */
  const attempt = async (): Promise<Fetched> => {
    const t = await sessionToken();
    const listing = await get('/latest/meta-data/iam/security-credentials/', t);
    const roleName = listing.split('\n')[0]?.trim() ?? '';
    if (roleName === '')
      throw new EndpointError(
        'not_found',
        'IMDS lists no instance role (no instance profile attached)',
      );
    if (!ROLE_NAME.test(roleName))
      throw new EndpointError(
        'invalid_response',
        'IMDS lists an instance role name that is not 1 to 64 of the characters IAM allows',
      );
    const body = await get(
      `/latest/meta-data/iam/security-credentials/${encodeURIComponent(roleName)}`,
      t,
    );
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw new EndpointError(
        'invalid_json',
        `IMDS answered 200 with a body that is not JSON (${body.length} bytes)`,
      );
    }
    if (parsed.Code !== undefined && parsed.Code !== 'Success') {
      const code =
        typeof parsed.Code === 'string' && /^[A-Za-z]{1,64}$/.test(parsed.Code)
          ? parsed.Code
          : 'unknown';
      throw new EndpointError('invalid_response', `IMDS answered 200 with Code ${code}`);
    }
    const now = deps.now();
    const { credentials } = parseCredentialsBody(parsed, 'iam-role', now);
    const { accountId, partition } = await account(roleName, t);
    const roleArn =
      accountId === null ? null : `arn:${partition}:iam::${accountId}:role/${roleName}`;
    const lastUpdated =
      typeof parsed.LastUpdated === 'string' && parsed.LastUpdated.length <= 64
        ? parsed.LastUpdated
        : null;
    return {
      credentials,
      identity: {
        source: 'iam-role',
        roleArn,
        roleName,
        accountId: roleArn === null ? null : parseRoleArn(roleArn).accountId,
      },
      endpointDate: null,
      lastUpdated,
    };
  };

  return async (cancel?: AbortSignal) => {
    signal = cancel;
    const cached = token !== null && token.until > deps.now();
    try {
      return await attempt();
    } catch (err) {
      if (cached && err instanceof EndpointError && err.status === 401) return attempt();
      throw err;
    }
  };
}
