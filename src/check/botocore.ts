/**
 * botocore / boto3 / AWS CLI (`create_credential_resolver`): env → assume-role →
 * assume-role-with-web-identity → sso → shared-credentials-file → login → custom-process →
 * config-file → (legacy files) → container-role → iam-role. Env keys are skipped only for a
 * profile passed in code, never for `AWS_PROFILE`. botocore raises (it does not fall through) on
 * partial keys, an incomplete assume-role or SSO profile, and a named profile that does not exist.
 */
import { get } from '../lib/aws-env.ts';
import { envKeys, profileName, source } from './env.ts';
import { containerStep, envKeysStep, fatal, imdsStep, type Outcome, skip, use } from './outcome.ts';
import {
  credentialSource,
  has,
  lookup,
  type Profile,
  profileToken,
  sourceProfile,
  sso,
  staticKeys,
  where,
} from './profile.ts';
import type { ChainInput } from './types.ts';
import { tokenReport, webIdentitySource } from './webidentity.ts';

export function botocoreSteps(input: ChainInput): Outcome[] {
  const { name, variable } = profileName(input.env, 'botocore');
  const p = lookup(input, name);
  if (variable !== null && !p.exists) {
    return [fatal(`ProfileNotFound: profile ${name} (${variable}) is in neither shared file`)];
  }
  const keys = envKeys(input.env, 'botocore');
  const env =
    keys.state === 'ok'
      ? use(keys.source)
      : keys.state === 'partial' && keys.set === 'AWS_ACCESS_KEY_ID'
        ? fatal('PartialCredentialsError: AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY')
        : envKeysStep(keys);
  const legacy = ['AWS_CREDENTIAL_FILE', 'BOTO_CONFIG'].filter(
    (v) => get(input.env, v) !== undefined,
  );
  return [
    env,
    assumeRole(input, p),
    webIdentity(input, p),
    ssoStep(input, p),
    staticStep(input, p, 'credentials'),
    has(p.merged, 'login_session') === undefined
      ? skip()
      : use(source('login', `${where(input, p, 'login_session')} (login_session)`)),
    has(p.merged, 'credential_process') === undefined
      ? skip()
      : use(
          source('custom-process', `${where(input, p, 'credential_process')} (credential_process)`),
        ),
    staticStep(input, p, 'config'),
    legacy.length === 0
      ? skip()
      : skip(`${legacy.join(', ')} set: legacy botocore files not inspected`),
    containerStep(input),
    imdsStep(input, 'botocore'),
  ];
}

/** `role_arn` with exactly one of `source_profile` / `credential_source`; a web identity profile is left to the next step. */
function assumeRole(input: ChainInput, p: Profile): Outcome {
  const roleArn = has(p.merged, 'role_arn');
  if (roleArn === undefined || has(p.merged, 'web_identity_token_file') !== undefined)
    return skip();
  const sp = has(p.merged, 'source_profile');
  const cs = has(p.merged, 'credential_source');
  const at = where(input, p, 'role_arn');
  if (sp !== undefined && cs !== undefined) {
    return fatal(`InvalidConfigError: ${at} has both source_profile and credential_source`);
  }
  if (sp !== undefined) {
    const r = sourceProfile(input, sp, 'botocore', new Set([p.name]));
    if ('error' in r) return fatal(`InvalidConfigError: ${r.error}`);
    return use(
      source('assume-role', `${at} (role_arn, source_profile = ${r.evidence})`, {
        roleArn,
        problems: r.problems,
        viaContainer: r.viaContainer,
      }),
    );
  }
  if (cs !== undefined) {
    const r = credentialSource(input, cs, 'botocore');
    if ('error' in r) return fatal(`InvalidConfigError: ${r.error}`);
    return use(
      source('assume-role', `${at} (role_arn, credential_source = ${cs})`, {
        roleArn,
        problems: r.problems,
        viaContainer: cs === 'EcsContainer',
      }),
    );
  }
  return fatal(
    `PartialCredentialsError: ${at} has role_arn without source_profile or credential_source`,
  );
}

/** Each setting from the environment first, then from the profile. */
function webIdentity(input: ChainInput, p: Profile): Outcome {
  const envFile = get(input.env, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  const file = envFile ?? has(p.merged, 'web_identity_token_file');
  if (file === undefined) return skip();
  const envRole = get(input.env, 'AWS_ROLE_ARN');
  const role = envRole ?? has(p.merged, 'role_arn');
  if (role === undefined) {
    return fatal('InvalidConfigError: a web identity token file is configured without a role ARN');
  }
  const token =
    envFile !== undefined
      ? tokenReport(file, 'AWS_WEB_IDENTITY_TOKEN_FILE', input.tokens.get(file), input.now)
      : profileToken(input, p, file);
  const evidence = [
    envFile !== undefined
      ? 'AWS_WEB_IDENTITY_TOKEN_FILE'
      : `${where(input, p, 'web_identity_token_file')} (web_identity_token_file)`,
    envRole !== undefined ? 'AWS_ROLE_ARN' : `role_arn of profile ${p.name}`,
  ].join(', ');
  return use(webIdentitySource(evidence, role, token));
}

function ssoStep(input: ChainInput, p: Profile): Outcome {
  const s = sso(input, p);
  if (s === null) return skip();
  if (s.missing.length > 0) {
    return fatal(`InvalidConfigError: SSO profile ${p.name} is missing ${s.missing.join(', ')}`);
  }
  return use(ssoSource(input, p));
}

export function ssoSource(input: ChainInput, p: Profile) {
  const key = has(p.merged, 'sso_session') !== undefined ? 'sso_session' : 'sso_start_url';
  return source('sso', `${where(input, p, key)} (${key})`, {
    notes: ['the SSO token cache is not checked: calls fail until someone runs aws sso login'],
  });
}

/** Only the named file counts here; keys without a secret raise, as botocore does. */
function staticStep(input: ChainInput, p: Profile, file: 'credentials' | 'config'): Outcome {
  const k = staticKeys(input, p, file);
  if (k === null || !k.hasId) return skip();
  if (!k.complete) return fatal(`PartialCredentialsError: ${k.evidence} lacks a key of the pair`);
  return use(
    source(
      k.type,
      k.evidence,
      k.accessKeyIdMasked === undefined ? {} : { accessKeyIdMasked: k.accessKeyIdMasked },
    ),
  );
}
