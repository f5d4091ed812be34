/**
 * Over 250 lines on purpose: one function per botocore provider, in botocore's order.
 *
 * botocore / boto3 / AWS CLI (`create_credential_resolver`): env → assume-role → web identity →
 * sso → credentials file → login → process → config file → legacy `AWS_CREDENTIAL_FILE` → legacy
 * boto file → container → IMDS. botocore never falls through an error: a provider that raises
 * ends the chain. It tests most settings for presence (`key in profile`), so an empty value counts,
 * and reads the profile variables (and the web identity ones) even when empty. Pure.
 */
import { get } from '../lib/aws-env.ts';
import { container, containerSource, envKeys, source } from './env.ts';
import { botoFile, legacyCredentialFile } from './legacy.ts';
import { fatal, type Outcome, skip, use } from './outcome.ts';
import { has, lookup, type Profile, profileToken, staticKeys, where } from './profile.ts';
import { assumeRoleSource, imdsStep, processSource, ssoSource, staticSource } from './steps.ts';
import type { ChainInput, Env, IniSection, Source } from './types.ts';
import { tokenReport, webIdentitySource } from './webidentity.ts';

/** `key in section`: botocore's test, under which an empty value is set. */
const present = (s: IniSection | undefined, key: string): string | undefined => s?.[key];
/** `key in os.environ`. */
const defined = (env: Env, name: string): string | undefined => env[name];

/** The profile variable botocore reads: the first of the two that is defined, even empty. */
function botocoreProfile(env: Env): { name: string; variable: string } | null {
  for (const variable of ['AWS_DEFAULT_PROFILE', 'AWS_PROFILE']) {
    const name = defined(env, variable);
    if (name !== undefined) return { name, variable };
  }
  return null;
}

export function botocoreSteps(input: ChainInput): Outcome[] {
  if (input.iniError !== undefined) return [fatal(`ConfigParseError: ${input.iniError}`)];
  const chosen = botocoreProfile(input.env);
  if (chosen !== null && !lookup(input, chosen.name).exists) {
    const shown = chosen.name === '' ? '"" (empty)' : chosen.name;
    return [
      fatal(`ProfileNotFound: profile ${shown} (${chosen.variable}) is in neither shared file`),
    ];
  }
  const p = lookup(input, chosen?.name || 'default');
  return [
    envStep(input),
    assumeRoleStep(input, p),
    ...profileSteps(input, p, true),
    legacyCredentialFile(input),
    botoFile(input),
    containerStep(input),
    imdsStep(input, 'botocore'),
  ].map((step) => needsRegion(input, p, step));
}

/**
 * STS calls need a valid region: botocore reads `AWS_DEFAULT_REGION`, else the profile's `region`
 * (with any inline comment, which makes it invalid), never `AWS_REGION`. AssumeRole is signed and
 * fails without one; the unsigned AssumeRoleWithWebIdentity only fails on an invalid one.
 */
function needsRegion(input: ChainInput, p: Profile, step: Outcome): Outcome {
  if (step.kind !== 'use') return step;
  const t = step.source.type;
  if (t !== 'assume-role' && t !== 'assume-role-with-web-identity') return step;
  const region = get(input.env, 'AWS_DEFAULT_REGION') ?? has(p.merged, 'region');
  const problem =
    region === undefined
      ? t === 'assume-role'
        ? "NoRegionError: botocore needs AWS_DEFAULT_REGION or the profile's region for STS (it does not read AWS_REGION)"
        : null
      : /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(region)
        ? null
        : 'InvalidRegionError: the region botocore reads is not a region name (an inline comment?)';
  return problem === null
    ? step
    : use({ ...step.source, problems: [...step.source.problems, problem] });
}

function envStep(input: ChainInput): Outcome {
  const keys = envKeys(input.env, 'botocore');
  if (keys.state === 'ok') return use(keys.source);
  if (keys.state === 'partial' && keys.set === 'AWS_ACCESS_KEY_ID') {
    return fatal('PartialCredentialsError: AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY');
  }
  return skip();
}

/** `ProfileProviderBuilder.providers`: what a profile offers, also used for a source profile. */
function profileSteps(input: ChainInput, p: Profile, envVars: boolean): Outcome[] {
  return [
    webIdentityStep(input, p, envVars),
    ssoStep(input, p),
    fileKeys(input, p, 'credentials'),
    present(p.merged, 'login_session') === undefined
      ? skip()
      : use(source('login', `${where(input, p, 'login_session')} (login_session)`)),
    present(p.merged, 'credential_process') === undefined ? skip() : use(processSource(input, p)),
    fileKeys(input, p, 'config'),
  ];
}

/** role_arn present and no web_identity_token_file: validated, then the source resolved eagerly. */
function assumeRoleStep(input: ChainInput, p: Profile): Outcome {
  if (!isAssumeRole(p)) return skip();
  const r = resolveRole(input, p, [p.name]);
  return 'error' in r ? fatal(r.error) : use(r.source);
}

const isAssumeRole = (p: Profile) =>
  present(p.merged, 'role_arn') !== undefined &&
  present(p.merged, 'web_identity_token_file') === undefined;

const hasStatic = (p: Profile) =>
  present(p.merged, 'aws_access_key_id') !== undefined ||
  present(p.merged, 'aws_secret_access_key') !== undefined;

function resolveRole(
  input: ChainInput,
  p: Profile,
  visited: string[],
): { error: string } | { source: Source } {
  const roleArn = present(p.merged, 'role_arn') ?? '';
  const sp = present(p.merged, 'source_profile');
  const cs = present(p.merged, 'credential_source');
  if (sp !== undefined && cs !== undefined) {
    return {
      error: `InvalidConfigError: profile ${p.name} has both source_profile and credential_source`,
    };
  }
  if (sp === undefined && cs === undefined) {
    return {
      error: `PartialCredentialsError: profile ${p.name} has role_arn without source_profile or credential_source`,
    };
  }
  if (cs !== undefined) {
    const base = credentialSource(input, cs, p.name);
    if ('error' in base) return base;
    return {
      source: assumeRoleSource(input, p, roleArn, {
        evidence: `credential_source = ${cs}`,
        problems: base.problems,
        viaContainer: cs === 'EcsContainer',
      }),
    };
  }
  const s = lookup(input, sp!);
  if (!s.exists) {
    return {
      error: `InvalidConfigError: source_profile ${sp} of profile ${p.name} does not exist`,
    };
  }
  if (visited.includes(sp!) && (sp !== p.name || !hasStatic(s))) {
    return {
      error: `InfiniteLoopConfigError: source_profile ${sp} loops (${visited.join(' → ')})`,
    };
  }
  visited.push(sp!);
  let base: Parameters<typeof assumeRoleSource>[3];
  if (hasStatic(s) || !isAssumeRole(s)) {
    const winner = firstOf(profileSteps(input, s, false));
    if ('error' in winner) return winner;
    if (winner.source === null) {
      return { error: `InvalidConfigError: the source profile ${sp} must have credentials` };
    }
    base = {
      evidence: `source_profile = ${sp} (${winner.source.type})`,
      problems: winner.source.problems,
      viaContainer: false,
      unverified: winner.source.unverified,
    };
  } else {
    const inner = resolveRole(input, s, visited);
    if ('error' in inner) return inner;
    base = {
      evidence: `source_profile = ${sp} → ${inner.source.evidence}`,
      problems: inner.source.problems,
      viaContainer: inner.source.viaContainer === true,
      unverified: inner.source.unverified,
    };
  }
  return { source: assumeRoleSource(input, p, roleArn, base) };
}

/** The first provider that answers, as botocore's `CredentialResolver`: an error stops it. */
function firstOf(steps: readonly Outcome[]): { error: string } | { source: Source | null } {
  for (const step of steps) {
    if (step.kind === 'fatal') return { error: step.error };
    if (step.kind === 'use') return { source: step.source };
  }
  return { source: null };
}

/** `CanonicalNameCredentialSourcer`: the source's own provider; nothing from it is an error. */
function credentialSource(
  input: ChainInput,
  cs: string,
  profile: string,
): { error: string } | { problems: readonly string[] } {
  const none = {
    error: `CredentialRetrievalError: no credentials from credential_source ${cs} of profile ${profile}`,
  };
  switch (cs) {
    case 'Environment': {
      const r = firstOf([envStep(input)]);
      return 'error' in r ? r : r.source === null ? none : { problems: [] };
    }
    case 'EcsContainer': {
      const r = firstOf([containerStep(input)]);
      return 'error' in r ? r : r.source === null ? none : { problems: r.source.problems };
    }
    case 'Ec2InstanceMetadata':
      return imdsStep(input, 'botocore').kind === 'use' ? { problems: [] } : none;
    default:
      return {
        error: `InvalidConfigError: credential_source ${cs} of profile ${profile} is not valid`,
      };
  }
}

/** Each setting from the environment when defined (even empty), else from the profile. */
function webIdentityStep(input: ChainInput, p: Profile, envVars: boolean): Outcome {
  const fromEnv = (name: string) => (envVars ? defined(input.env, name) : undefined);
  const envFile = fromEnv('AWS_WEB_IDENTITY_TOKEN_FILE');
  const file = envFile ?? present(p.merged, 'web_identity_token_file');
  if (!file) return skip();
  const envRole = fromEnv('AWS_ROLE_ARN');
  const role = envRole ?? present(p.merged, 'role_arn');
  if (!role) {
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

/** Triggered by sso_role_name or sso_account_id; then every setting is required. */
function ssoStep(input: ChainInput, p: Profile): Outcome {
  const m = p.merged;
  if (present(m, 'sso_role_name') === undefined && present(m, 'sso_account_id') === undefined) {
    return skip();
  }
  const sessionName = present(m, 'sso_session');
  const session =
    sessionName === undefined ? undefined : input.config.profiles?.[`sso-session.${sessionName}`];
  if (sessionName !== undefined && session === undefined) {
    return fatal(
      `InvalidConfigError: the sso-session ${sessionName} of profile ${p.name} does not exist`,
    );
  }
  const required = ['sso_role_name', 'sso_account_id', 'sso_start_url', 'sso_region'];
  const missing = required.filter(
    (k) => present(m, k) === undefined && present(session, k) === undefined,
  );
  if (missing.length > 0) {
    return fatal(`InvalidConfigError: SSO profile ${p.name} is missing ${missing.join(', ')}`);
  }
  return use(ssoSource(input, p));
}

/** Keys of one file only: an access key id without its secret raises. */
function fileKeys(input: ChainInput, p: Profile, file: 'credentials' | 'config'): Outcome {
  const section = file === 'credentials' ? p.cred : p.conf;
  if (present(section, 'aws_access_key_id') === undefined) return skip();
  const k = staticKeys(input, p, file);
  if (present(section, 'aws_secret_access_key') === undefined || k === null) {
    return fatal(
      `PartialCredentialsError: profile ${p.name} in ${file === 'credentials' ? input.credentials.path : input.config.path} lacks aws_secret_access_key`,
    );
  }
  return use(staticSource(k));
}

/** Either container variable defined, even empty; an empty or refused full URI raises. */
function containerStep(input: ChainInput): Outcome {
  const rel = defined(input.env, 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
  const full = defined(input.env, 'AWS_CONTAINER_CREDENTIALS_FULL_URI');
  if (rel === undefined && full === undefined) return skip();
  const c = container(input.env);
  if (c === null) {
    return fatal(
      'ValueError: a container credentials variable is set but empty, which botocore does not accept',
    );
  }
  return use(containerSource(c));
}
