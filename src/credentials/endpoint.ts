/**
 * Which credentials URL and `Authorization` to use, with the SDKs' precedence and host allow-list
 * (botocore `_validate_allowed_url`, JS v3 `fromHttp` `checkUrl`). Pure: the token
 * file is named here and read by the fetcher on every request, because EKS tokens rotate.
 */
import { type Env, get, imdsDisabled, SDK_FAMILIES, type SdkFamily } from '../lib/aws-env.ts';
import { EndpointConfigError } from '../lib/errors.ts';

export const DEFAULT_CONTAINER_HOST = 'http://169.254.170.2';

type Authorization =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly value: string }
  | { readonly kind: 'file'; readonly path: string };

export interface ContainerEndpoint {
  readonly kind: 'container';
  /** Full URL. Contains the credentials id for relative URIs: never log or serve it. */
  readonly url: URL;
  readonly via: 'relative' | 'full';
  readonly authorization: Authorization;
  /** Safe to print: origin and where the URL came from, never the path. */
  readonly description: string;
}

const ALLOWED_HTTP_HOSTS = new Set([
  'localhost',
  '[::1]',
  '169.254.170.2',
  '169.254.170.23',
  '[fd00:ec2::23]',
]);

/** http is allowed to loopback and the ECS/EKS agent addresses only; https to any host. No DNS. */
export function isAllowedUrl(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.toLowerCase();
  return ALLOWED_HTTP_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The scheme of a URL that is neither http nor https, as typed (`ftp:`, `file:`), bounded. */
export function unsupportedScheme(url: URL): string {
  return url.protocol.slice(0, 32);
}

/** A header value with CR or LF would split the request; every SDK refuses it. */
export function hasLineBreak(token: string): boolean {
  return /[\r\n]/.test(token);
}

function parseUrl(variable: string, value: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new EndpointConfigError(
      variable,
      `${variable} is not an absolute URL (expected http://host[:port]/path)`,
    );
  }
}

/**
 * Resolves the container credentials endpoint from the environment, or null when neither
 * container variable is set (SDKs then fall through to the instance role).
 * @param containerHost base for the relative URI (`ROLECALL_CONTAINER_HOST`).
 */
export function resolveContainerEndpoint(
  env: Env,
  containerHost = DEFAULT_CONTAINER_HOST,
): ContainerEndpoint | null {
  const relative = get(env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
  const full = get(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI');
  if (relative !== undefined) {
    if (!relative.startsWith('/')) {
      throw new EndpointConfigError(
        'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
        'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with "/" (expected /v2/credentials/<id>)',
      );
    }
    // Concatenated with no extra slash: `//v2/...` earns a 301 from the agent.
    const url = parseUrl('ROLECALL_CONTAINER_HOST', containerHost.replace(/\/+$/, '') + relative);
    return {
      kind: 'container',
      url,
      via: 'relative',
      authorization: resolveAuthorization(env),
      description: `${url.origin} (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)`,
    };
  }
  if (full === undefined) return null;
  const url = parseUrl('AWS_CONTAINER_CREDENTIALS_FULL_URI', full);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EndpointConfigError(
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      `AWS_CONTAINER_CREDENTIALS_FULL_URI scheme ${unsupportedScheme(url)} is not supported: SDKs fetch ` +
        'credentials over http (loopback and the ECS/EKS agent addresses only) or https',
    );
  }
  if (!isAllowedUrl(url)) {
    throw new EndpointConfigError(
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      `AWS_CONTAINER_CREDENTIALS_FULL_URI host ${url.hostname} is not allowed: plain http is only ` +
        'accepted for loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23; use https for any other host',
    );
  }
  return {
    kind: 'container',
    url,
    via: 'full',
    authorization: resolveAuthorization(env),
    description: `${url.origin} (AWS_CONTAINER_CREDENTIALS_FULL_URI)`,
  };
}

/** The token file beats the token; a token with CR/LF is refused (without echoing it). */
function resolveAuthorization(env: Env): Authorization {
  const file = get(env, 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE');
  if (file !== undefined) return { kind: 'file', path: file };
  const token = get(env, 'AWS_CONTAINER_AUTHORIZATION_TOKEN');
  if (token === undefined) return { kind: 'none' };
  if (hasLineBreak(token)) {
    throw new EndpointConfigError(
      'AWS_CONTAINER_AUTHORIZATION_TOKEN',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN contains a carriage return or line feed, which no SDK sends as a header',
    );
  }
  return { kind: 'token', value: token };
}

const DEFAULT_IMDS_HOST = 'http://169.254.169.254';

/** The EC2 instance metadata service: what SDKs fall back to when no container variable is set. */
export interface ImdsEndpoint {
  readonly kind: 'imds';
  readonly base: URL;
  readonly description: string;
  /**
   * The SDKs that would use the instance role under the current `AWS_EC2_METADATA_DISABLED`
   * (`=1` disables it for the JS SDK v3 only), and that value when it splits them.
   */
  readonly sdks: readonly SdkFamily[];
  readonly disabledValue: string | null;
}

export type CredentialEndpoint = ContainerEndpoint | ImdsEndpoint;

/**
 * The endpoint SDKs in this environment would use: container (relative, then full), else IMDS
 * unless disabled, else null (no credentials source at all).
 * @param imdsHost `ROLECALL_IMDS_HOST`, else the SDKs' `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
 */
export function resolveEndpoint(
  env: Env,
  hosts: { containerHost?: string; imdsHost?: string } = {},
): CredentialEndpoint | null {
  const container = resolveContainerEndpoint(env, hosts.containerHost);
  if (container !== null) return container;
  // botocore's reading: the sidecar stands in for the SDKs most often found beside it.
  if (imdsDisabled(env, 'botocore')) return null;
  const raw = hosts.imdsHost ?? get(env, 'AWS_EC2_METADATA_SERVICE_ENDPOINT') ?? DEFAULT_IMDS_HOST;
  const base = parseUrl('ROLECALL_IMDS_HOST', raw);
  const sdks = SDK_FAMILIES.filter((sdk) => !imdsDisabled(env, sdk));
  return {
    kind: 'imds',
    base,
    description: `${base.origin} (EC2 instance metadata, IMDSv2)`,
    sdks,
    disabledValue:
      sdks.length === SDK_FAMILIES.length
        ? null
        : (get(env, 'AWS_EC2_METADATA_DISABLED') ?? '').slice(0, 32),
  };
}
