/**
 * JS SDK v3 default chain (`@aws-sdk/credential-provider-node`): env (skipped entirely when
 * `AWS_PROFILE` is set) → SSO (only when configured in code, so never here) → ini profile →
 * process → web identity from env → container (relative, then full) or, only when neither
 * variable is set, IMDS unless `AWS_EC2_METADATA_DISABLED` is anything but `false`.
 * The chain tries the next provider after a `CredentialsProviderError` (a missing profile, a
 * source that yields nothing, a cycle) and stops at anything else (an unreadable token file, an
 * SSO profile without a token, an MFA profile): `skip` and `fatal`/`use` with problems here.
 */
import { get } from '../lib/aws-env.ts';
import { container, envKeys, onFargate, source } from './env.ts';
import { fatal, type Outcome, skip, use } from './outcome.ts';
import { has, lookup, mergedStaticKeys, type Profile, where } from './profile.ts';
import {
  assumeRoleSource,
  containerStep,
  envKeysStep,
  firstRule,
  imdsStep,
  type ProfileRule,
  processSource,
  profileWebIdentitySource,
  ssoSource,
  staticSource,
} from './steps.ts';
import type { ChainInput } from './types.ts';
import { tokenReport, webIdentitySource } from './webidentity.ts';

export function jsSteps(input: ChainInput): Outcome[] {
  const profile = get(input.env, 'AWS_PROFILE');
  const name = profile ?? 'default';
  const keys = envKeys(input.env, 'js-v3');
  const env =
    profile === undefined
      ? envKeysStep(keys)
      : keys.state === 'ok'
        ? skip('environment keys are ignored: the JS SDK skips them when AWS_PROFILE is set')
        : skip();
  const p = lookup(input, name);
  const remote = containerStep(input);
  return [
    env,
    p.exists
      ? resolveProfileData(input, name, [], false)
      : skip(
          profile === undefined
            ? undefined
            : `profile ${name} (AWS_PROFILE) is in neither shared file`,
        ),
    fromProcess(input, p),
    envWebIdentity(input),
    remote,
    remote.kind === 'use' ? skip() : imdsStep(input, 'js-v3'),
  ];
}

const isStatic = (p: Profile) =>
  has(p.merged, 'aws_access_key_id') !== undefined &&
  has(p.merged, 'aws_secret_access_key') !== undefined;
const isAssumeRole = (p: Profile) =>
  has(p.merged, 'role_arn') !== undefined &&
  (has(p.merged, 'source_profile') === undefined) !==
    (has(p.merged, 'credential_source') === undefined);
const credentialSourceWithoutRoleArn = (p: Profile) =>
  has(p.merged, 'role_arn') === undefined && has(p.merged, 'credential_source') !== undefined;
const SSO_KEYS = ['sso_start_url', 'sso_account_id', 'sso_session', 'sso_region', 'sso_role_name'];

/** `resolveProfileData`: its `isX` / `resolveX` pairs, in its order. */
function resolveProfileData(
  input: ChainInput,
  name: string,
  visited: readonly string[],
  roleCall: boolean,
): Outcome {
  const p = lookup(input, name);
  const staticKeys = (q: Profile) => use(staticSource(mergedStaticKeys(input, q)!));
  if (visited.length > 0 && isStatic(p)) return staticKeys(p);
  if (roleCall || isAssumeRole(p)) return resolveAssumeRole(input, p, visited);
  const rules: readonly ProfileRule[] = [
    [isStatic, staticKeys],
    [
      (q) =>
        has(q.merged, 'web_identity_token_file') !== undefined &&
        has(q.merged, 'role_arn') !== undefined,
      (q) =>
        use(
          profileWebIdentitySource(
            input,
            q,
            has(q.merged, 'web_identity_token_file')!,
            has(q.merged, 'role_arn')!,
          ),
        ),
    ],
    [(q) => has(q.merged, 'credential_process') !== undefined, (q) => use(processSource(input, q))],
    [(q) => SSO_KEYS.some((k) => has(q.merged, k) !== undefined), (q) => sso(input, q)],
    [
      (q) => has(q.merged, 'login_session') !== undefined,
      (q) => use(source('login', `${where(input, q, 'login_session')} (login_session)`)),
    ],
  ];
  return firstRule(rules, p, skip(`profile ${name} has no credentials the JS SDK can use`));
}

/** `resolveAssumeRoleCredentials`: the source first (its errors travel up), then STS. */
function resolveAssumeRole(input: ChainInput, p: Profile, visited: readonly string[]): Outcome {
  const sp = has(p.merged, 'source_profile');
  if (sp !== undefined && visited.includes(sp)) {
    return skip(
      `source_profile ${sp} of profile ${p.name} loops: the JS SDK tries the next provider`,
    );
  }
  let base: Outcome;
  let evidence: string;
  let viaContainer = false;
  if (sp !== undefined) {
    const s = lookup(input, sp);
    base = resolveProfileData(input, sp, [...visited, sp], credentialSourceWithoutRoleArn(s));
    evidence = `source_profile = ${sp}`;
    viaContainer = base.kind === 'use' && base.source.viaContainer === true;
  } else {
    const cs = has(p.merged, 'credential_source') ?? '';
    base = credentialSource(input, cs, p.name);
    evidence = `credential_source = ${cs}`;
    viaContainer = cs === 'EcsContainer';
  }
  if (base.kind !== 'use') {
    return base.kind === 'skip' && base.note === undefined
      ? skip(
          `profile ${p.name}'s ${evidence} yields no credentials: the JS SDK tries the next provider`,
        )
      : base;
  }
  if (credentialSourceWithoutRoleArn(p)) {
    return use({ ...base.source, viaContainer });
  }
  if (has(p.merged, 'mfa_serial') !== undefined) {
    return fatal(`profile ${p.name} needs an MFA code, which the default chain cannot prompt for`);
  }
  const roleArn = has(p.merged, 'role_arn')!;
  return use(
    assumeRoleSource(input, p, roleArn, {
      evidence,
      problems: base.source.problems,
      viaContainer,
      unverified: base.source.unverified,
    }),
  );
}

/**
 * `credential_source` in the JS SDK: Ec2InstanceMetadata goes to IMDS directly, without the
 * `AWS_EC2_METADATA_DISABLED` test the default chain makes.
 */
function credentialSource(input: ChainInput, cs: string, profile: string): Outcome {
  switch (cs) {
    case 'Environment':
      return envKeys(input.env, 'js-v3').state === 'ok'
        ? use(source('env', 'credential_source = Environment'))
        : skip();
    case 'EcsContainer': {
      const c = container(input.env);
      return c === null
        ? skip()
        : use(source('container-role', c.evidence, { problems: c.problems }));
    }
    case 'Ec2InstanceMetadata':
      return onFargate(input.env)
        ? skip()
        : use(source('iam-role', 'credential_source = Ec2InstanceMetadata'));
    default:
      return skip(`credential_source ${cs} of profile ${profile} is not one the JS SDK knows`);
  }
}

/** fromSSO: every failure stops the chain (`tryNextLink: false`). */
function sso(input: ChainInput, p: Profile): Outcome {
  const sessionName = has(p.merged, 'sso_session');
  const session =
    sessionName === undefined ? undefined : input.config.profiles?.[`sso-session.${sessionName}`];
  if (sessionName !== undefined && session === undefined) {
    return fatal(`the sso-session ${sessionName} of profile ${p.name} does not exist`);
  }
  const missing = ['sso_account_id', 'sso_region', 'sso_role_name', 'sso_start_url'].filter(
    (k) => has(p.merged, k) === undefined && has(session, k) === undefined,
  );
  if (missing.length > 0) return fatal(`SSO profile ${p.name} is missing ${missing.join(', ')}`);
  return use(ssoSource(input, p));
}

/** fromProcess: the profile's credential_process, whatever else the profile holds. */
function fromProcess(input: ChainInput, p: Profile): Outcome {
  return p.exists && has(p.merged, 'credential_process') !== undefined
    ? use(processSource(input, p))
    : skip();
}

/** fromTokenFile: both variables set, else the next provider; an unreadable file stops. */
function envWebIdentity(input: ChainInput): Outcome {
  const file = get(input.env, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  const role = get(input.env, 'AWS_ROLE_ARN');
  if (file === undefined || role === undefined) {
    return file === undefined
      ? skip()
      : skip('AWS_WEB_IDENTITY_TOKEN_FILE is set without AWS_ROLE_ARN: ignored');
  }
  const token = tokenReport(file, 'AWS_WEB_IDENTITY_TOKEN_FILE', input.tokens.get(file), input.now);
  return use(webIdentitySource('AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN', role, token));
}
