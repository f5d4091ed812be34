/**
 * Java SDK v2 `DefaultCredentialsProvider`: system properties (not visible here) → env →
 * web identity from env → profile files → container → IMDS. Every provider's failure is caught
 * and the next one tried, so configuration errors become warnings rather than a stop. Inside a
 * profile (`ProfileCredentialsUtils`): `role_arn` (with `source_profile`, `credential_source` or
 * `web_identity_token_file`) > `credential_process` > SSO > static keys.
 */

import { envKeys, profileName } from './env.ts';
import { type Outcome, skip, use } from './outcome.ts';
import {
  anyStaticKeys,
  credentialSource,
  has,
  lookup,
  type Profile,
  sourceProfile,
  sso,
  where,
} from './profile.ts';
import {
  assumeRoleSource,
  containerStep,
  envKeysStep,
  envWebIdentityStep,
  imdsStep,
  processSource,
  profileWebIdentitySource,
  ssoSource,
  staticSource,
} from './steps.ts';
import type { ChainInput } from './types.ts';

export function javaSteps(input: ChainInput): Outcome[] {
  const keys = envKeys(input.env, 'java-v2');
  const env = envKeysStep(keys);
  const { name, variable } = profileName(input.env, 'java-v2');
  const p = lookup(input, name);
  const profile = p.exists
    ? profileStep(input, p)
    : skip(
        variable === null ? undefined : `profile ${name} (AWS_PROFILE) is in neither shared file`,
      );
  const web = envWebIdentityStep(input, 'java-v2');
  return [
    env,
    web.kind === 'use'
      ? use({
          ...web.source,
          notes: [...web.source.notes, 'needs the sts module on the classpath'],
        })
      : web,
    profile,
    containerStep(input),
    imdsStep(input, 'java-v2'),
  ];
}

function profileStep(input: ChainInput, p: Profile): Outcome {
  const roleArn = has(p.merged, 'role_arn');
  const sp = has(p.merged, 'source_profile');
  const cs = has(p.merged, 'credential_source');
  const tokenFile = has(p.merged, 'web_identity_token_file');
  const at = where(input, p, 'role_arn');
  if (roleArn !== undefined) {
    if (sp !== undefined && cs !== undefined)
      return skip(`${at} has both source_profile and credential_source: ignored`);
    if (sp !== undefined) {
      const r = sourceProfile(input, sp, 'java-v2', new Set([p.name]));
      if ('error' in r) return skip(`${r.error}: profile ${p.name} ignored`);
      return use(
        assumeRoleSource(input, p, roleArn, {
          evidence: `source_profile = ${r.evidence}`,
          problems: r.problems,
          viaContainer: r.viaContainer,
        }),
      );
    }
    if (cs !== undefined) {
      const r = credentialSource(input, cs, 'java-v2');
      if ('error' in r) return skip(`${r.error}: profile ${p.name} ignored`);
      return use(
        assumeRoleSource(input, p, roleArn, {
          evidence: `credential_source = ${cs}`,
          problems: r.problems,
          viaContainer: cs === 'EcsContainer',
        }),
      );
    }
    if (tokenFile !== undefined) {
      return use(profileWebIdentitySource(input, p, tokenFile, roleArn));
    }
  }
  if (has(p.merged, 'credential_process') !== undefined) {
    return use(processSource(input, p));
  }
  const s = sso(input, p);
  if (
    s !== null &&
    (has(p.merged, 'sso_session') !== undefined || has(p.merged, 'sso_start_url') !== undefined)
  ) {
    if (s.missing.length > 0)
      return skip(`SSO profile ${p.name} is missing ${s.missing.join(', ')}: ignored`);
    return use(ssoSource(input, p));
  }
  const keys = anyStaticKeys(input, p);
  if (keys !== null && has(p.merged, 'aws_access_key_id') !== undefined) {
    if (has(p.merged, 'aws_secret_access_key') === undefined)
      return skip(`${keys.evidence} lacks aws_secret_access_key: ignored`);
    return use(staticSource(keys));
  }
  return skip(`profile ${p.name} has no credentials the Java SDK can use`);
}
