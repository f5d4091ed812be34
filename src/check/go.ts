/**
 * Go SDK v2 (`config.resolveCredentialChain`): a `switch`, not a fall-through chain. Env static
 * keys → env web identity → the profile (`AWS_PROFILE`, else `default`): `source_profile` →
 * static keys → `credential_source` → web identity → SSO → process → container → IMDS; a
 * `role_arn` then wraps whichever base was chosen with AssumeRole. A named profile that does not
 * exist is ignored (`loadSharedConfigIgnoreNotExist`); partial static keys or two credential
 * types in one profile are errors.
 */

import { container, containerSource, envKeys, profileName, source } from './env.ts';
import { fatal, type Outcome, skip, use } from './outcome.ts';
import {
  anyStaticKeys,
  credentialSource,
  has,
  lookup,
  type Profile,
  sourceProfile,
  sso,
  staticKeys,
  where,
} from './profile.ts';
import {
  envKeysStep,
  envWebIdentityStep,
  imdsStep,
  processSource,
  profileWebIdentitySource,
  ssoSource,
  staticSource,
} from './steps.ts';
import type { ChainInput, Source } from './types.ts';

export function goSteps(input: ChainInput): Outcome[] {
  const keys = envKeys(input.env, 'go-v2');
  const env = envKeysStep(keys);
  const { name, variable } = profileName(input.env, 'go-v2');
  const p = lookup(input, name);
  // loadSharedConfigIgnoreNotExist: even a profile named by AWS_PROFILE may be missing.
  const missing =
    variable !== null && !p.exists
      ? skip(`profile ${name} (AWS_PROFILE) is in neither shared file: ignored`)
      : skip();
  const roleArn = has(p.merged, 'role_arn');
  const wrap = (base: Source): Source =>
    roleArn === undefined || base.type === 'assume-role-with-web-identity'
      ? base
      : source(
          'assume-role',
          `${where(input, p, 'role_arn')} (role_arn over ${base.type}: ${base.evidence})`,
          {
            roleArn,
            problems: base.problems,
            ...(base.unverified === undefined ? {} : { unverified: base.unverified }),
          },
        );
  const wrapStep = (o: Outcome): Outcome => (o.kind === 'use' ? use(wrap(o.source)) : o);
  const c = container(input.env);
  return [
    env,
    envWebIdentityStep(input, 'go-v2'),
    p.exists ? profileStep(input, p, wrap) : missing,
    wrapStep(c === null ? skip() : use(containerSource(c))),
    wrapStep(imdsStep(input, 'go-v2')),
  ];
}

function profileStep(input: ChainInput, p: Profile, wrap: (s: Source) => Source): Outcome {
  const sp = has(p.merged, 'source_profile');
  const cs = has(p.merged, 'credential_source');
  const process = has(p.merged, 'credential_process');
  const tokenFile = has(p.merged, 'web_identity_token_file');
  const roleArn = has(p.merged, 'role_arn');
  const kinds = [
    sp && 'source_profile',
    cs && 'credential_source',
    process && 'credential_process',
    tokenFile && 'web_identity_token_file',
  ].filter((k): k is string => typeof k === 'string');
  for (const file of ['credentials', 'config'] as const) {
    const k = staticKeys(input, p, file);
    if (k !== null && !k.complete)
      return fatal(`partial credentials found for profile ${p.name}: ${k.evidence}`);
  }
  if (kinds.length > 1)
    return fatal(
      `profile ${p.name} sets ${kinds.join(' and ')}: Go allows one credential type per profile`,
    );
  const needsArn = kinds.find((k) => k !== 'credential_process');
  if (needsArn !== undefined && roleArn === undefined)
    return fatal(`profile ${p.name} sets ${needsArn} without role_arn`);
  if (sp !== undefined) {
    const r = sourceProfile(input, sp, 'go-v2', new Set([p.name]));
    if ('error' in r) return fatal(r.error);
    return use(
      source(
        'assume-role',
        `${where(input, p, 'role_arn')} (role_arn, source_profile = ${r.evidence})`,
        { roleArn: roleArn ?? null, problems: r.problems, viaContainer: r.viaContainer },
      ),
    );
  }
  const keys = anyStaticKeys(input, p);
  if (
    keys !== null &&
    has(p.merged, 'aws_access_key_id') !== undefined &&
    has(p.merged, 'aws_secret_access_key') !== undefined
  ) {
    return use(wrap(staticSource(keys)));
  }
  if (cs !== undefined) {
    const r = credentialSource(input, cs, 'go-v2');
    if ('error' in r) return fatal(r.error);
    return use(
      source(
        'assume-role',
        `${where(input, p, 'role_arn')} (role_arn, credential_source = ${cs})`,
        { roleArn: roleArn ?? null, problems: r.problems, viaContainer: cs === 'EcsContainer' },
      ),
    );
  }
  if (tokenFile !== undefined && roleArn !== undefined) {
    return use(profileWebIdentitySource(input, p, tokenFile, roleArn));
  }
  const s = sso(input, p);
  if (s !== null) {
    if (s.missing.length > 0)
      return fatal(`SSO profile ${p.name} is missing ${s.missing.join(', ')}`);
    return use(wrap(ssoSource(input, p)));
  }
  if (process !== undefined) {
    return use(wrap(processSource(input, p)));
  }
  return skip();
}
