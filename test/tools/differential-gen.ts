/**
 * Over 250 lines on purpose: the generator is one grammar of configurations, read top to bottom.
 *
 * A seeded generator of credential configurations for the differential tests: environment
 * variables (empty values included), config and credentials files written in many INI dialects,
 * profiles of every kind, container and IMDS variables. Every source carries a distinct synthetic
 * key id or role, so whichever one an SDK picks is unambiguous from its access key id alone.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Endpoints {
  readonly container: string;
  readonly imds: string;
  readonly sts: string;
}

export interface Case {
  readonly id: number;
  readonly env: Record<string, string>;
  /** For failure reports: the files as written. */
  readonly files: Record<string, string>;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACCOUNT = '111122223333';
export const SECRET = 'differentialSECRETwJalrXUtnFEMIK7MDENGbP';

/** A 20-character access key id whose last 4 characters name its source. */
const keyId = (tag: string) => `AKIADIFF${'0'.repeat(8)}${tag}`;
const roleArn = (tag: string) => `arn:aws:iam::${ACCOUNT}:role/diff-${tag}`;

type Kind = 'static' | 'role-source' | 'role-credsource' | 'webid' | 'process' | 'sso' | 'region';
const KINDS: readonly Kind[] = [
  'static',
  'static',
  'role-source',
  'role-credsource',
  'webid',
  'process',
  'sso',
  'region',
];
const NAMES = ['default', 'app', 'base', 'ops'] as const;

function jwt(exp: number): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'RS256' })}.${b64({ sub: 'system:serviceaccount:ns:app', exp })}.c2lnbmF0dXJl`;
}

export function generate(seed: number, count: number, root: string, ep: Endpoints): Case[] {
  const r = rng(seed);
  const chance = (p: number) => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const cases: Case[] = [];
  for (let id = 0; id < count; id++) {
    const dir = join(root, `case-${id}`);
    mkdirSync(join(dir, '.aws'), { recursive: true });
    let n = 0;
    const tag = () => `T${(++n).toString(36).toUpperCase().padStart(3, '0')}`;
    const files: Record<string, string> = {};
    const write = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text, { mode: 0o600 });
      files[name] = text;
      return path;
    };
    const token = write('token.jwt', jwt(Math.floor(Date.now() / 1000) + 3600));
    const proc = (t: string) =>
      write(
        `proc-${t}.sh`,
        `#!/bin/sh\necho '{"Version": 1, "AccessKeyId": "${keyId(t).replace('AKIADIFF', 'AKIAPROC')}", "SecretAccessKey": "${SECRET}"}'\n`,
      );

    // Profiles: what each holds, before it is written out in some dialect.
    const names = NAMES.filter(() => chance(0.55));
    if (names.length === 0) names.push(pick(NAMES));
    const profiles = new Map<string, [string, string][]>();
    for (const name of names) {
      const kind = pick(KINDS);
      const keys: [string, string][] = [];
      const other = names.filter((x) => x !== name);
      switch (kind) {
        case 'static': {
          const t = tag();
          keys.push(['aws_access_key_id', keyId(t)], ['aws_secret_access_key', SECRET]);
          if (chance(0.2)) keys.pop();
          if (chance(0.2)) keys.push(['aws_session_token', chance(0.3) ? '' : `session-${t}`]);
          break;
        }
        case 'role-source':
          keys.push(
            ['role_arn', roleArn(tag())],
            ['source_profile', other.length > 0 && chance(0.85) ? pick(other) : pick(NAMES)],
          );
          break;
        case 'role-credsource':
          keys.push(
            ['role_arn', roleArn(tag())],
            [
              'credential_source',
              pick(['Environment', 'EcsContainer', 'Ec2InstanceMetadata', 'Environment']),
            ],
          );
          if (chance(0.1)) keys.push(['source_profile', pick(NAMES)]);
          break;
        case 'webid':
          keys.push(
            ['role_arn', roleArn(tag())],
            ['web_identity_token_file', chance(0.85) ? token : join(dir, 'missing.jwt')],
          );
          break;
        case 'process':
          keys.push(['credential_process', `/bin/sh ${proc(tag())}`]);
          break;
        case 'sso':
          keys.push(
            ['sso_start_url', 'https://diff.awsapps.com/start'],
            ['sso_region', 'us-east-1'],
            ['sso_account_id', ACCOUNT],
            ['sso_role_name', 'Diff'],
          );
          if (chance(0.3)) keys.splice(1, 1);
          break;
        case 'region':
          break;
      }
      if (chance(0.4)) keys.push(['region', 'us-east-1']);
      if (chance(0.15) && kind !== 'static') {
        const t = tag();
        keys.push(['aws_access_key_id', keyId(t)], ['aws_secret_access_key', SECRET]);
      }
      profiles.set(name, keys);
    }

    // Where each profile lives: config file, credentials file, or split across both.
    const conf: string[] = [];
    const cred: string[] = [];
    const line = (k: string, v: string): string => {
      let key = k;
      if (chance(0.04)) key = k.toUpperCase();
      const delim = chance(0.08)
        ? pick([': ', ':', ' : '])
        : pick([' = ', '=', ' =', '= ', '  =  ']);
      const comment = chance(0.04) ? pick([' # note', ' ; note', '# glued']) : '';
      const indent = chance(0.03) ? '  ' : '';
      return `${indent}${key}${delim}${v}${comment}`;
    };
    const header = (file: 'config' | 'credentials', name: string): string => {
      if (file === 'credentials')
        return chance(0.06) ? `[profile ${name}]` : chance(0.03) ? `[ ${name} ]` : `[${name}]`;
      if (name === 'default') return chance(0.2) ? '[profile default]' : '[default]';
      return chance(0.85)
        ? `[profile ${name}]`
        : pick([
            `[${name}]`,
            `[profile  ${name}]`,
            `[profile "${name}"]`,
            `[profile.${name}]`,
            `[ profile ${name} ]`,
            `[profile ${name}] ; c`,
          ]);
    };
    for (const [name, keys] of profiles) {
      const where = pick(['config', 'config', 'credentials', 'credentials', 'both'] as const);
      const inConf =
        where === 'both' ? keys.filter((_, i) => i % 2 === 0) : where === 'config' ? keys : [];
      const inCred =
        where === 'both' ? keys.filter((_, i) => i % 2 === 1) : where === 'credentials' ? keys : [];
      for (const [out, file, ks] of [
        [conf, 'config', inConf],
        [cred, 'credentials', inCred],
      ] as const) {
        if (ks.length === 0 && !(where === file && chance(0.5))) continue;
        if (chance(0.2)) out.push(pick(['# comment', '; comment', '']));
        out.push(header(file, name));
        for (const [k, v] of ks) out.push(line(k, v));
        if (ks.length > 0 && chance(0.05)) out.push(line(ks[0]![0], ks[0]![1]));
        if (chance(0.04)) out.push(header(file, name), line('output', 'json'));
      }
    }
    if (chance(0.03)) conf.unshift('region = us-east-1');
    if (chance(0.03))
      (chance(0.5) ? conf : cred).push(
        '[DEFAULT]',
        line('aws_access_key_id', keyId(tag())),
        line('aws_secret_access_key', SECRET),
      );
    if (chance(0.03)) cred.push('[orphan]', 'not a key value line');

    const env: Record<string, string> = {
      PATH: '/usr/bin:/bin',
      HOME: dir,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_STS: ep.sts,
    };
    const confPath = chance(0.5) ? join(dir, '.aws', 'config') : join(dir, 'conf.ini');
    const credPath = chance(0.5) ? join(dir, '.aws', 'credentials') : join(dir, 'cred.ini');
    if (conf.length > 0 || chance(0.1)) writeFileSync(confPath, `${conf.join('\n')}\n`);
    if (cred.length > 0 || chance(0.1))
      writeFileSync(credPath, `${cred.join(chance(0.1) ? '\r\n' : '\n')}\n`);
    files.config = conf.join('\n');
    files.credentials = cred.join('\n');
    if (!confPath.includes('.aws')) env.AWS_CONFIG_FILE = confPath;
    if (!credPath.includes('.aws')) env.AWS_SHARED_CREDENTIALS_FILE = credPath;

    // Environment: keys, profile selection, web identity, container, IMDS, legacy files.
    const k = r();
    if (k < 0.2)
      Object.assign(env, { AWS_ACCESS_KEY_ID: keyId('ENV1'), AWS_SECRET_ACCESS_KEY: SECRET });
    else if (k < 0.25) env.AWS_ACCESS_KEY_ID = keyId('ENV2');
    else if (k < 0.3) env.AWS_SECRET_ACCESS_KEY = SECRET;
    else if (k < 0.35) Object.assign(env, { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: SECRET });
    if (env.AWS_ACCESS_KEY_ID && chance(0.3)) env.AWS_SESSION_TOKEN = 'session-env';
    const p = r();
    const profileValue = () => (chance(0.75) ? pick(names) : chance(0.5) ? 'missing' : '');
    if (p < 0.4) env.AWS_PROFILE = profileValue();
    else if (p < 0.5) env.AWS_DEFAULT_PROFILE = profileValue();
    else if (p < 0.55)
      Object.assign(env, { AWS_PROFILE: profileValue(), AWS_DEFAULT_PROFILE: profileValue() });
    const w = r();
    if (w < 0.1)
      Object.assign(env, { AWS_WEB_IDENTITY_TOKEN_FILE: token, AWS_ROLE_ARN: roleArn('WEB1') });
    else if (w < 0.13) env.AWS_WEB_IDENTITY_TOKEN_FILE = token;
    else if (w < 0.15) env.AWS_ROLE_ARN = roleArn('WEB2');
    else if (w < 0.17)
      Object.assign(env, { AWS_WEB_IDENTITY_TOKEN_FILE: '', AWS_ROLE_ARN: roleArn('WEB3') });
    const c = r();
    if (c < 0.35) env.AWS_CONTAINER_CREDENTIALS_FULL_URI = ep.container;
    else if (c < 0.4) env.AWS_CONTAINER_CREDENTIALS_FULL_URI = '';
    // IMDS always points at the loopback fake: the JS SDK's credential_source = Ec2InstanceMetadata
    // reaches it even when AWS_EC2_METADATA_DISABLED=true.
    env.AWS_EC2_METADATA_SERVICE_ENDPOINT = ep.imds;
    if (chance(0.7)) env.AWS_EC2_METADATA_DISABLED = 'true';
    else {
      const v = pick([undefined, 'false', '1', 'FALSE', 'TRUE', '']);
      if (v !== undefined) env.AWS_EC2_METADATA_DISABLED = v;
    }
    if (chance(0.5)) env.AWS_DEFAULT_REGION = 'us-east-1';
    if (chance(0.04)) {
      env.AWS_CREDENTIAL_FILE = write(
        'legacy.txt',
        `AWSAccessKeyId=${keyId('LEG1')}\nAWSSecretKey=${SECRET}\n`,
      );
    }
    if (chance(0.04)) {
      env.BOTO_CONFIG = write(
        'boto.cfg',
        `[Credentials]\naws_access_key_id = ${keyId('BOT1')}\naws_secret_access_key = ${SECRET}\n`,
      );
    }
    cases.push({ id, env, files });
  }
  return cases;
}
