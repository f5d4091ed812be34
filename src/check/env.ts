/**
 * Environment-only steps of the chains: static keys, web identity, container, IMDS. Pure.
 * Empty variables count as unset, as in every SDK (they test truthiness or `!= ""`).
 */
import { isAllowedUrl, unsupportedScheme } from '../credentials/endpoint.ts';
import { get, maskAccessKeyId } from '../lib/aws-env.ts';
import type { Env, Sdk, Source } from './types.ts';

export function source(
  type: Source['type'],
  evidence: string,
  extra: Partial<Omit<Source, 'type' | 'evidence'>> = {},
): Source {
  return { type, evidence, roleArn: null, problems: [], notes: [], ...extra };
}

export type EnvKeys =
  | { readonly state: 'none' }
  | { readonly state: 'partial'; readonly set: string; readonly missing: string }
  | { readonly state: 'ok'; readonly source: Source };

/** Go v2 also reads the legacy `AWS_ACCESS_KEY` / `AWS_SECRET_KEY` names. */
export function envKeys(env: Env, sdk: Sdk): EnvKeys {
  const idVars = sdk === 'go-v2' ? ['AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY'] : ['AWS_ACCESS_KEY_ID'];
  const secretVars =
    sdk === 'go-v2' ? ['AWS_SECRET_ACCESS_KEY', 'AWS_SECRET_KEY'] : ['AWS_SECRET_ACCESS_KEY'];
  const idVar = idVars.find((n) => get(env, n) !== undefined);
  const secretVar = secretVars.find((n) => get(env, n) !== undefined);
  if (idVar === undefined && secretVar === undefined) return { state: 'none' };
  if (idVar === undefined) return { state: 'partial', set: secretVar!, missing: idVars[0]! };
  if (secretVar === undefined) return { state: 'partial', set: idVar, missing: secretVars[0]! };
  const names = [idVar, secretVar];
  if (get(env, 'AWS_SESSION_TOKEN') !== undefined) names.push('AWS_SESSION_TOKEN');
  return {
    state: 'ok',
    source: source('env', names.join(', '), {
      accessKeyIdMasked: maskAccessKeyId(get(env, idVar)!),
    }),
  };
}

export interface ContainerInfo {
  readonly via: 'relative' | 'full';
  readonly evidence: string;
  readonly problems: readonly string[];
}

/** The relative URI beats the full URI. Only the full URI's origin is shown; the relative one is a capability. */
export function container(env: Env): ContainerInfo | null {
  if (get(env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI') !== undefined) {
    return {
      via: 'relative',
      evidence: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (set)',
      problems: [],
    };
  }
  const full = get(env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI');
  if (full === undefined) return null;
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    return {
      via: 'full',
      evidence: 'AWS_CONTAINER_CREDENTIALS_FULL_URI (not a URL)',
      problems: ['AWS_CONTAINER_CREDENTIALS_FULL_URI is not an absolute URL'],
    };
  }
  const problems =
    url.protocol !== 'http:' && url.protocol !== 'https:'
      ? [
          `AWS_CONTAINER_CREDENTIALS_FULL_URI scheme ${unsupportedScheme(url)} is refused by the SDKs: only http and https`,
        ]
      : isAllowedUrl(url)
        ? []
        : [
            `AWS_CONTAINER_CREDENTIALS_FULL_URI host ${url.hostname} is refused by the SDKs: plain http only to loopback, 169.254.170.2, 169.254.170.23, fd00:ec2::23`,
          ];
  return { via: 'full', evidence: `AWS_CONTAINER_CREDENTIALS_FULL_URI (${url.origin})`, problems };
}

export function containerSource(info: ContainerInfo): Source {
  return source('container-role', info.evidence, { problems: info.problems });
}

/** Fargate has no instance metadata service, so the instance-role fallback cannot work there. */
export function onFargate(env: Env): boolean {
  return get(env, 'AWS_EXECUTION_ENV') === 'AWS_ECS_FARGATE';
}

/**
 * The active profile name and the variable that chose it. botocore reads the legacy
 * `AWS_DEFAULT_PROFILE` before `AWS_PROFILE`; the other SDKs read `AWS_PROFILE` only.
 */
export function profileName(env: Env, sdk: Sdk): { name: string; variable: string | null } {
  const vars = sdk === 'botocore' ? ['AWS_DEFAULT_PROFILE', 'AWS_PROFILE'] : ['AWS_PROFILE'];
  for (const v of vars) {
    const name = get(env, v);
    if (name !== undefined) return { name, variable: v };
  }
  return { name: 'default', variable: null };
}
