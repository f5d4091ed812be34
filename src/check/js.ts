/**
 * JS SDK v3 default chain (`@aws-sdk/credential-provider-node`): env (skipped entirely when
 * `AWS_PROFILE` is set) → SSO (only when configured in code, so never here) → ini profile →
 * process → web identity from env → container (relative, then full) or, only when neither
 * variable is set, IMDS unless `AWS_EC2_METADATA_DISABLED` is anything but `false`.
 * Inside a profile: `role_arn` > static keys > `web_identity_token_file` > `credential_process` > SSO.
 */

import { ssoSource } from './botocore.ts';
import { envKeys, profileName, source } from './env.ts';
import {
  containerStep,
  envKeysStep,
  envWebIdentityStep,
  fatal,
  imdsStep,
  type Outcome,
  skip,
  use,
} from './outcome.ts';
import {
  anyStaticKeys,
  credentialSource,
  has,
  lookup,
  type Profile,
  profileToken,
  sourceProfile,
  sso,
  where,
} from './profile.ts';
import type { ChainInput } from './types.ts';
import { webIdentitySource } from './webidentity.ts';

export function jsSteps(input: ChainInput): Outcome[] {
  const { name, variable } = profileName(input.env, 'js-v3');
  const keys = envKeys(input.env, 'js-v3');
  const env =
    variable !== null
      ? keys.state === 'none'
        ? skip()
        : skip('environment keys are ignored: the JS SDK skips them when AWS_PROFILE is set')
      : envKeysStep(keys);
  const p = lookup(input, name);
  const profile = p.exists
    ? profileStep(input, p)
    : skip(
        variable === null ? undefined : `profile ${name} (AWS_PROFILE) is in neither shared file`,
      );
  const remote = containerStep(input);
  return [
    env,
    profile,
    envWebIdentityStep(input, 'js-v3'),
    remote,
    remote.kind === 'use' ? skip() : imdsStep(input, 'js-v3'),
  ];
}

function profileStep(input: ChainInput, p: Profile): Outcome {
  const roleArn = has(p.merged, 'role_arn');
  const sp = has(p.merged, 'source_profile');
  const cs = has(p.merged, 'credential_source');
  const at = where(input, p, 'role_arn');
  // isAssumeRoleProfile: role_arn with exactly one of source_profile / credential_source.
  if (roleArn !== undefined && (sp === undefined) !== (cs === undefined)) {
    if (sp !== undefined) {
      const r = sourceProfile(input, sp, 'js-v3', new Set([p.name]));
      if ('error' in r) return fatal(r.error);
      return use(
        source('assume-role', `${at} (role_arn, source_profile = ${r.evidence})`, {
          roleArn,
          problems: r.problems,
          viaContainer: r.viaContainer,
        }),
      );
    }
    const r = credentialSource(input, cs!, 'js-v3');
    if ('error' in r) return fatal(r.error);
    return use(
      source('assume-role', `${at} (role_arn, credential_source = ${cs})`, {
        roleArn,
        problems: r.problems,
        viaContainer: cs === 'EcsContainer',
      }),
    );
  }
  const keys = anyStaticKeys(input, p);
  if (
    has(p.merged, 'aws_access_key_id') !== undefined &&
    has(p.merged, 'aws_secret_access_key') !== undefined &&
    keys !== null
  ) {
    return use(
      source(
        keys.type,
        keys.evidence,
        keys.accessKeyIdMasked === undefined ? {} : { accessKeyIdMasked: keys.accessKeyIdMasked },
      ),
    );
  }
  const tokenFile = has(p.merged, 'web_identity_token_file');
  if (tokenFile !== undefined && roleArn !== undefined) {
    const evidence = `${where(input, p, 'web_identity_token_file')} (web_identity_token_file, role_arn)`;
    return use(webIdentitySource(evidence, roleArn, profileToken(input, p, tokenFile)));
  }
  if (has(p.merged, 'credential_process') !== undefined) {
    return use(
      source('custom-process', `${where(input, p, 'credential_process')} (credential_process)`),
    );
  }
  const s = sso(input, p);
  if (s !== null) {
    if (s.missing.length > 0)
      return fatal(`SSO profile ${p.name} is missing ${s.missing.join(', ')}`);
    return use(ssoSource(input, p));
  }
  return skip(`profile ${p.name} has no credentials the JS SDK can use`);
}
