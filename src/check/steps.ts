/**
 * The step builders the SDK modules share: each returns one provider's `Outcome` (use, skip or
 * fatal) for one input. An SDK module is an ordered list of these plus its own quirks. Pure.
 */
import { get, imdsDisabled } from '../lib/aws-env.ts';
import { container, containerSource, type EnvKeys, onFargate, source } from './env.ts';
import { fatal, type Outcome, skip, use } from './outcome.ts';
import { has, type Profile, profileToken, type StaticKeys, where } from './profile.ts';
import type { ChainInput, Sdk, Source } from './types.ts';
import { tokenReport, webIdentitySource } from './webidentity.ts';

/** Env keys as a step: both set wins; one without the other is skipped with a warning. */
export function envKeysStep(keys: EnvKeys): Outcome {
  if (keys.state === 'ok') return use(keys.source);
  if (keys.state === 'partial') return skip(`${keys.set} is set without ${keys.missing}: ignored`);
  return skip();
}

export function containerStep(input: ChainInput): Outcome {
  const c = container(input.env);
  return c === null ? skip() : use(containerSource(c));
}

export function imdsStep(input: ChainInput, sdk: Sdk): Outcome {
  if (imdsDisabled(input.env, sdk)) return skip();
  if (onFargate(input.env)) return skip();
  return use(source('iam-role', `instance metadata service (${imdsWhere(input)})`));
}

/** Where the SDKs would reach IMDS: `AWS_EC2_METADATA_SERVICE_ENDPOINT`'s origin, else the default. */
function imdsWhere(input: ChainInput): string {
  const override = get(input.env, 'AWS_EC2_METADATA_SERVICE_ENDPOINT');
  if (override === undefined) return '169.254.169.254';
  try {
    return `${new URL(override).origin} from AWS_EC2_METADATA_SERVICE_ENDPOINT`;
  } catch {
    return 'AWS_EC2_METADATA_SERVICE_ENDPOINT, not a URL';
  }
}

/**
 * `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`. A token file without a role is an error in Go
 * (`roleARNRequired`), ignored by JS and Java; botocore mixes in the profile (see botocore.ts).
 */
export function envWebIdentityStep(input: ChainInput, sdk: Sdk): Outcome {
  const file = get(input.env, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  if (file === undefined) return skip();
  const role = get(input.env, 'AWS_ROLE_ARN');
  if (role === undefined) {
    return sdk === 'go-v2'
      ? fatal('AWS_WEB_IDENTITY_TOKEN_FILE is set without AWS_ROLE_ARN (Go: role ARN is not set)')
      : skip('AWS_WEB_IDENTITY_TOKEN_FILE is set without AWS_ROLE_ARN: ignored');
  }
  const token = tokenReport(file, 'AWS_WEB_IDENTITY_TOKEN_FILE', input.tokens.get(file), input.now);
  return use(webIdentitySource('AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN', role, token));
}

/** Static keys found in a profile, as a source. */
export function staticSource(keys: StaticKeys): Source {
  return source(
    keys.type,
    keys.evidence,
    keys.accessKeyIdMasked === undefined ? {} : { accessKeyIdMasked: keys.accessKeyIdMasked },
  );
}

/** `credential_process`: check never runs it, so it cannot say whether it yields credentials. */
export function processSource(input: ChainInput, p: Profile): Source {
  return source('custom-process', `${where(input, p, 'credential_process')} (credential_process)`, {
    unverified:
      'credential_process is not run by check: whether it yields credentials is not known',
  });
}

/** `web_identity_token_file` + `role_arn` in a profile. */
export function profileWebIdentitySource(
  input: ChainInput,
  p: Profile,
  file: string,
  roleArn: string,
): Source {
  const evidence = `${where(input, p, 'web_identity_token_file')} (web_identity_token_file, role_arn)`;
  return webIdentitySource(evidence, roleArn, profileToken(input, p, file));
}

/** The key the SDKs cache an SSO token under: the session name, else the start URL. */
function ssoCacheKey(p: Profile): string | undefined {
  return has(p.merged, 'sso_session') ?? has(p.merged, 'sso_start_url');
}

/** An SSO profile: usable only with a cached, unexpired token (`aws sso login`). */
export function ssoSource(input: ChainInput, p: Profile): Source {
  const key = has(p.merged, 'sso_session') !== undefined ? 'sso_session' : 'sso_start_url';
  const cacheKey = ssoCacheKey(p);
  const status = cacheKey === undefined ? 'missing' : (input.ssoTokens?.get(cacheKey) ?? 'missing');
  const evidence = `${where(input, p, key)} (${key})`;
  if (status === 'ok') return source('sso', evidence);
  if (status === 'expired' && key === 'sso_session') {
    return source('sso', evidence, {
      notes: ['the cached SSO token has expired: the SDK refreshes it if the session allows'],
    });
  }
  const why =
    status === 'expired'
      ? 'the cached SSO token has expired'
      : status === 'malformed'
        ? 'the SSO token cache file cannot be parsed'
        : 'no SSO token is cached (~/.aws/sso/cache)';
  return source('sso', evidence, { problems: [`${why}: run aws sso login`] });
}

/** An assume-role source; `viaContainer` when its credentials come from the container role. */
export function assumeRoleSource(
  input: ChainInput,
  p: Profile,
  roleArn: string,
  base: {
    readonly evidence: string;
    readonly problems: readonly string[];
    readonly viaContainer: boolean;
    readonly unverified?: string | undefined;
  },
): Source {
  return source('assume-role', `${where(input, p, 'role_arn')} (role_arn, ${base.evidence})`, {
    roleArn,
    problems: base.problems,
    viaContainer: base.viaContainer,
    ...(base.unverified === undefined ? {} : { unverified: base.unverified }),
  });
}

/**
 * A profile resolved as in the JS SDK's `resolveProfileData`: an ordered list of `[is, resolve]`
 * pairs, the first whose test passes decides; `otherwise` when none does.
 */
export type ProfileRule = readonly [is: (p: Profile) => boolean, resolve: (p: Profile) => Outcome];

export function firstRule(rules: readonly ProfileRule[], p: Profile, otherwise: Outcome): Outcome {
  for (const [is, resolve] of rules) if (is(p)) return resolve(p);
  return otherwise;
}
