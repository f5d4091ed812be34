/**
 * Reading one profile out of the two shared files, the way the SDKs merge them: a profile may live
 * in either file or both, the credentials file winning key by key. Pure.
 */
import { get, imdsDisabled, maskAccessKeyId } from '../lib/aws-env.ts';
import { container, envKeys, onFargate } from './env.ts';
import type { ChainInput, IniSection, Sdk, SourceType, TokenReport } from './types.ts';
import { tokenBlocks, tokenReport } from './webidentity.ts';

export interface Profile {
  readonly name: string;
  readonly cred: IniSection | undefined;
  readonly conf: IniSection | undefined;
  readonly merged: IniSection;
  readonly exists: boolean;
}

export function lookup(input: ChainInput, name: string): Profile {
  const cred = input.credentials.profiles?.[name];
  const conf = input.config.profiles?.[name];
  return {
    name,
    cred,
    conf,
    merged: { ...conf, ...cred },
    exists: cred !== undefined || conf !== undefined,
  };
}

/** A non-empty setting, as the SDKs test it. */
export function has(section: IniSection | undefined, key: string): string | undefined {
  return get(section ?? {}, key);
}

/** `profile x in <file>`, naming the file(s) that define the key (or the profile). */
export function where(input: ChainInput, p: Profile, key?: string): string {
  const inCred = key === undefined ? p.cred !== undefined : has(p.cred, key) !== undefined;
  const inConf = key === undefined ? p.conf !== undefined : has(p.conf, key) !== undefined;
  const files = [inCred ? input.credentials.path : null, inConf ? input.config.path : null];
  return `profile ${p.name} in ${files.filter((f) => f !== null).join(' and ') || '(no file)'}`;
}

export interface StaticKeys {
  readonly type: SourceType;
  readonly complete: boolean;
  readonly hasId: boolean;
  readonly evidence: string;
  readonly accessKeyIdMasked?: string;
}

/** Static keys from one file: the credentials file is `shared-credentials-file`, the config file `config-file`. */
export function staticKeys(
  input: ChainInput,
  p: Profile,
  file: 'credentials' | 'config',
): StaticKeys | null {
  const section = file === 'credentials' ? p.cred : p.conf;
  const id = has(section, 'aws_access_key_id');
  const secret = has(section, 'aws_secret_access_key');
  if (id === undefined && secret === undefined) return null;
  const path = file === 'credentials' ? input.credentials.path : input.config.path;
  return {
    type: file === 'credentials' ? 'shared-credentials-file' : 'config-file',
    complete: id !== undefined && secret !== undefined,
    hasId: id !== undefined,
    evidence: `profile ${p.name} in ${path} (${[id && 'aws_access_key_id', secret && 'aws_secret_access_key'].filter(Boolean).join(', ')})`,
    ...(id === undefined ? {} : { accessKeyIdMasked: maskAccessKeyId(id) }),
  };
}

/**
 * Static keys of the merged profile (the credentials file wins key by key), as the JS SDK reads
 * them; typed after the file that holds the access key id.
 */
export function mergedStaticKeys(input: ChainInput, p: Profile): StaticKeys | null {
  const id = has(p.merged, 'aws_access_key_id');
  const secret = has(p.merged, 'aws_secret_access_key');
  if (id === undefined && secret === undefined) return null;
  const inCred = has(p.cred, 'aws_access_key_id') !== undefined;
  return {
    type: inCred ? 'shared-credentials-file' : 'config-file',
    complete: id !== undefined && secret !== undefined,
    hasId: id !== undefined,
    evidence: `${where(input, p, 'aws_access_key_id')} (${[id && 'aws_access_key_id', secret && 'aws_secret_access_key'].filter(Boolean).join(', ')})`,
    ...(id === undefined ? {} : { accessKeyIdMasked: maskAccessKeyId(id) }),
  };
}

/** Either file's static keys, credentials file first (the JS and Go view of a merged profile). */
export function anyStaticKeys(input: ChainInput, p: Profile): StaticKeys | null {
  return staticKeys(input, p, 'credentials') ?? staticKeys(input, p, 'config');
}

const SSO_KEYS = ['sso_start_url', 'sso_session', 'sso_account_id', 'sso_role_name', 'sso_region'];

/** SSO settings: null when none, else which required ones are missing (an `sso-session` may supply URL and region). */
export function sso(input: ChainInput, p: Profile): { missing: readonly string[] } | null {
  if (!SSO_KEYS.some((k) => has(p.merged, k) !== undefined)) return null;
  const sessionName = has(p.merged, 'sso_session');
  const session =
    sessionName === undefined ? undefined : input.config.profiles?.[`sso-session.${sessionName}`];
  const missing = ['sso_account_id', 'sso_role_name', 'sso_start_url', 'sso_region'].filter(
    (k) => has(p.merged, k) === undefined && has(session, k) === undefined,
  );
  if (sessionName !== undefined && session === undefined)
    missing.push(`[sso-session ${sessionName}]`);
  return { missing };
}

/** The token file named by the profile, read at `input.now`. */
export function profileToken(input: ChainInput, p: Profile, path: string): TokenReport {
  return tokenReport(path, `profile ${p.name}`, input.tokens.get(path), input.now);
}

/** `credential_source`: the three values every SDK accepts, and whether the base would work. */
export function credentialSource(
  input: ChainInput,
  value: string,
  sdk: Sdk,
): { error: string } | { problems: string[] } {
  switch (value) {
    case 'Environment':
      return envKeys(input.env, sdk).state === 'ok'
        ? { problems: [] }
        : {
            problems: [
              'credential_source = Environment, but no complete key pair is in the environment',
            ],
          };
    case 'EcsContainer':
      return container(input.env) !== null
        ? { problems: [] }
        : {
            problems: [
              'credential_source = EcsContainer, but no container credentials variable is set',
            ],
          };
    case 'Ec2InstanceMetadata':
      return imdsDisabled(input.env, sdk) || onFargate(input.env)
        ? {
            problems: [
              'credential_source = Ec2InstanceMetadata, but IMDS is disabled or absent (Fargate)',
            ],
          }
        : { problems: [] };
    default:
      return {
        error: `credential_source must be Environment, Ec2InstanceMetadata or EcsContainer (got ${value})`,
      };
  }
}

/**
 * Whether `source_profile` yields credentials: follows `role_arn` chains, allows a profile to name
 * itself only when it has static keys (as botocore and JS do), and reports cycles and gaps.
 */
export function sourceProfile(
  input: ChainInput,
  name: string,
  sdk: Sdk,
  visited: ReadonlySet<string> = new Set(),
): { error: string } | { evidence: string; problems: string[]; viaContainer: boolean } {
  const p = lookup(input, name);
  if (!p.exists) return { error: `source_profile ${name} does not exist in either file` };
  const keys = anyStaticKeys(input, p);
  if (visited.has(name)) {
    return keys?.complete
      ? { evidence: name, problems: [], viaContainer: false }
      : { error: `source_profile cycle through ${name}` };
  }
  const roleArn = has(p.merged, 'role_arn');
  const next = has(p.merged, 'source_profile');
  if (roleArn !== undefined && next !== undefined) {
    const inner = sourceProfile(input, next, sdk, new Set([...visited, name]));
    return 'error' in inner ? inner : { ...inner, evidence: `${name} → ${inner.evidence}` };
  }
  const cs = has(p.merged, 'credential_source');
  if (roleArn !== undefined && cs !== undefined) {
    const r = credentialSource(input, cs, sdk);
    return 'error' in r
      ? r
      : {
          evidence: `${name} (credential_source = ${cs})`,
          problems: r.problems,
          viaContainer: cs === 'EcsContainer',
        };
  }
  const tokenFile = has(p.merged, 'web_identity_token_file');
  if (tokenFile !== undefined) {
    const t = profileToken(input, p, tokenFile);
    return {
      evidence: `${name} (web_identity_token_file)`,
      problems: tokenBlocks(t) ? [t.message] : [],
      viaContainer: false,
    };
  }
  const plain = { problems: [], viaContainer: false };
  if (keys?.complete) return { ...plain, evidence: `${name} (static keys)` };
  if (sso(input, p)?.missing.length === 0) return { ...plain, evidence: `${name} (sso)` };
  if (has(p.merged, 'credential_process') !== undefined) {
    return { ...plain, evidence: `${name} (credential_process)` };
  }
  return { error: `source_profile ${name} has no credentials` };
}
