/**
 * Table-driven: environment + shared files in, the winning source per SDK out.
 * Files are given as `@smithy/shared-ini-file-loader` parses them: config `[profile x]` is `x`, a
 * config `[x]` is dropped, a credentials `[profile x]` is kept as `profile.x`. `null` = missing file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveChain } from '../../src/check/resolve.ts';
import type {
  ChainInput,
  Env,
  ParsedProfiles,
  SdkReport,
  TokenStatus,
} from '../../src/check/types.ts';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const CRED = '/home/app/.aws/credentials';
const CONF = '/home/app/.aws/config';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARYKEY';
const KEYS = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET };
const STATIC = { aws_access_key_id: 'AKIAFILEKEYEXAMPLE01', aws_secret_access_key: SECRET };
const REL = { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/2f7f1c0e-capability' };
const FULL = { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' };
const TOKEN = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';
const IRSA = {
  AWS_WEB_IDENTITY_TOKEN_FILE: TOKEN,
  AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/irsa',
};
const ROLE = 'arn:aws:iam::111122223333:role/app-admin';
const GOOD_TOKEN: TokenStatus = { kind: 'ok', exp: NOW / 1000 + 3600 };

type Expect = string; // a SourceType, 'none' (nothing configured) or 'error' (the chain stops)

interface Case {
  readonly name: string;
  readonly env?: Env;
  readonly cred?: ParsedProfiles | null;
  readonly conf?: ParsedProfiles | null;
  /** botocore, js-v3, go-v2, java-v2 */
  readonly want: readonly [Expect, Expect, Expect, Expect];
}

const all = (w: Expect) => [w, w, w, w] as const;

export function input(
  c: Omit<Case, 'name' | 'want'>,
  tokens: Record<string, TokenStatus> = {},
): ChainInput {
  return {
    env: c.env ?? {},
    now: NOW,
    credentials: { path: CRED, profiles: c.cred === undefined ? null : c.cred },
    config: { path: CONF, profiles: c.conf === undefined ? null : c.conf },
    tokens: new Map(Object.entries({ [TOKEN]: GOOD_TOKEN, ...tokens })),
  };
}

const outcome = (r: SdkReport): Expect => r.winner?.type ?? (r.error === null ? 'none' : 'error');

const CASES: readonly Case[] = [
  { name: 'nothing configured, files missing: instance role', want: all('iam-role') },
  {
    name: 'nothing configured on Fargate: no IMDS there',
    env: { AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE' },
    want: all('none'),
  },
  { name: 'task role via the relative URI', env: REL, want: all('container-role') },
  { name: 'EKS Pod Identity via the full URI', env: FULL, want: all('container-role') },
  {
    name: 'classic incident: static env keys beside the task role',
    env: { ...KEYS, ...REL },
    want: all('env'),
  },
  {
    name: 'empty AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY count as unset',
    env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', ...REL },
    want: all('container-role'),
  },
  {
    // botocore reads a defined variable even when empty: profile "" does not exist.
    name: 'empty AWS_PROFILE: unset for JS, Go and Java; ProfileNotFound for botocore',
    env: { AWS_PROFILE: '', ...KEYS, ...REL },
    want: ['error', 'env', 'env', 'env'],
  },
  {
    name: 'empty container variables: unset for JS, Go and Java; an error for botocore',
    env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '', AWS_CONTAINER_CREDENTIALS_FULL_URI: '' },
    want: ['error', 'iam-role', 'iam-role', 'iam-role'],
  },
  {
    name: 'AWS_PROFILE makes JS skip env keys; botocore, Go and Java keep them',
    env: { AWS_PROFILE: 'app', ...KEYS, ...REL },
    cred: { app: STATIC },
    want: ['env', 'shared-credentials-file', 'env', 'env'],
  },
  {
    name: 'AWS_PROFILE naming a profile without credentials: JS falls to the container',
    env: { AWS_PROFILE: 'app', ...KEYS, ...REL },
    conf: { app: { region: 'eu-west-1' } },
    want: ['env', 'container-role', 'env', 'env'],
  },
  {
    name: 'AWS_ACCESS_KEY_ID without the secret: botocore raises, the others fall through',
    env: { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', ...REL },
    want: ['error', 'container-role', 'container-role', 'container-role'],
  },
  {
    name: 'secret without AWS_ACCESS_KEY_ID is ignored',
    env: { AWS_SECRET_ACCESS_KEY: SECRET, ...REL },
    want: all('container-role'),
  },
  {
    name: 'legacy AWS_ACCESS_KEY / AWS_SECRET_KEY: Go only',
    env: { AWS_ACCESS_KEY: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_KEY: SECRET, ...REL },
    want: ['container-role', 'container-role', 'env', 'container-role'],
  },
  {
    name: 'IRSA: web identity from the environment',
    env: IRSA,
    want: all('assume-role-with-web-identity'),
  },
  {
    name: 'IRSA beside a static default profile: JS reads the profile first',
    env: IRSA,
    cred: { default: STATIC },
    want: [
      'assume-role-with-web-identity',
      'shared-credentials-file',
      'assume-role-with-web-identity',
      'assume-role-with-web-identity',
    ],
  },
  {
    name: 'token file without AWS_ROLE_ARN: botocore and Go fail, JS and Java skip it',
    env: { AWS_WEB_IDENTITY_TOKEN_FILE: TOKEN, ...REL },
    want: ['error', 'container-role', 'error', 'container-role'],
  },
  {
    name: 'static default profile in the credentials file hides the task role',
    env: REL,
    cred: { default: STATIC },
    want: all('shared-credentials-file'),
  },
  {
    name: 'static default profile only in the config file',
    env: REL,
    conf: { default: STATIC },
    cred: null,
    want: all('config-file'),
  },
  {
    name: 'profile only in the config file ([profile app])',
    env: { AWS_PROFILE: 'app' },
    conf: { app: STATIC },
    cred: null,
    want: all('config-file'),
  },
  {
    name: 'profile only in the credentials file ([app])',
    env: { AWS_PROFILE: 'app' },
    cred: { app: STATIC },
    conf: null,
    want: all('shared-credentials-file'),
  },
  {
    name: 'the same profile in both files: the credentials file wins',
    env: REL,
    cred: { default: STATIC },
    conf: { default: { ...STATIC, aws_access_key_id: 'AKIACONFIGKEYEXAMPLE' } },
    want: all('shared-credentials-file'),
  },
  {
    name: 'AWS_PROFILE names a missing profile: botocore raises ProfileNotFound',
    env: { AWS_PROFILE: 'gone', ...REL },
    cred: {},
    conf: {},
    want: ['error', 'container-role', 'container-role', 'container-role'],
  },
  {
    name: 'missing AWS_PROFILE with env keys: JS alone ends on the container',
    env: { AWS_PROFILE: 'gone', ...KEYS, ...REL },
    want: ['error', 'container-role', 'env', 'env'],
  },
  {
    name: '[profile app] in the credentials file is not profile app',
    env: { AWS_PROFILE: 'app', ...REL },
    cred: { 'profile.app': STATIC },
    want: ['error', 'container-role', 'container-role', 'container-role'],
  },
  {
    name: 'role_arn + source_profile with static keys',
    env: { AWS_PROFILE: 'app', ...REL },
    conf: { app: { role_arn: ROLE, source_profile: 'base' } },
    cred: { base: STATIC },
    want: all('assume-role'),
  },
  {
    name: 'role_arn + a source_profile that does not exist: JS and Java go on, the others fail',
    env: { AWS_PROFILE: 'app', ...REL },
    conf: { app: { role_arn: ROLE, source_profile: 'nowhere' } },
    want: ['error', 'container-role', 'error', 'container-role'],
  },
  {
    name: 'role_arn + credential_source = EcsContainer',
    env: REL,
    conf: { default: { role_arn: ROLE, credential_source: 'EcsContainer' } },
    want: all('assume-role'),
  },
  {
    name: 'role_arn alone: botocore raises, Go wraps the container role, JS and Java ignore it',
    env: REL,
    conf: { default: { role_arn: ROLE } },
    want: ['error', 'container-role', 'assume-role', 'container-role'],
  },
  {
    name: 'credential_process',
    env: REL,
    conf: { default: { credential_process: '/bin/creds --json' } },
    want: all('custom-process'),
  },
  {
    name: 'static keys and credential_process in one profile: Java prefers the process',
    env: REL,
    cred: { default: STATIC },
    conf: { default: { credential_process: '/bin/creds' } },
    want: [
      'shared-credentials-file',
      'shared-credentials-file',
      'shared-credentials-file',
      'custom-process',
    ],
  },
  {
    name: 'SSO through an sso-session',
    env: REL,
    conf: {
      default: { sso_session: 'corp', sso_account_id: '111122223333', sso_role_name: 'Dev' },
      'sso-session.corp': {
        sso_start_url: 'https://corp.awsapps.com/start',
        sso_region: 'eu-west-1',
      },
    },
    want: all('sso'),
  },
  {
    // botocore looks at SSO only when sso_role_name or sso_account_id is set.
    name: 'a start URL alone: botocore and Java ignore it, JS and Go fail',
    env: REL,
    conf: { default: { sso_start_url: 'https://corp.awsapps.com/start' } },
    want: ['container-role', 'error', 'error', 'container-role'],
  },
  {
    name: 'web_identity_token_file in the profile',
    conf: { default: { role_arn: ROLE, web_identity_token_file: TOKEN } },
    want: all('assume-role-with-web-identity'),
  },
  {
    name: 'AWS_EC2_METADATA_DISABLED=true: nowhere to go',
    env: { AWS_EC2_METADATA_DISABLED: 'true' },
    want: all('none'),
  },
  {
    name: 'AWS_EC2_METADATA_DISABLED=1 disables IMDS for JS only',
    env: { AWS_EC2_METADATA_DISABLED: '1' },
    want: ['iam-role', 'none', 'iam-role', 'iam-role'],
  },
  {
    name: 'AWS_EC2_METADATA_DISABLED=false keeps IMDS',
    env: { AWS_EC2_METADATA_DISABLED: 'false' },
    want: all('iam-role'),
  },
  {
    name: 'partial keys in a profile: botocore and Go fail, JS and Java skip',
    env: REL,
    cred: { default: { aws_access_key_id: 'AKIAFILEKEYEXAMPLE01' } },
    want: ['error', 'container-role', 'error', 'container-role'],
  },
  {
    name: 'source_profile and credential_process in one profile: Go refuses',
    env: REL,
    conf: { default: { role_arn: ROLE, source_profile: 'base', credential_process: '/bin/creds' } },
    cred: { base: STATIC },
    want: ['assume-role', 'assume-role', 'error', 'assume-role'],
  },
  {
    name: 'AWS_DEFAULT_PROFILE is read by botocore only',
    env: { AWS_DEFAULT_PROFILE: 'app', ...REL },
    cred: { app: STATIC },
    want: ['shared-credentials-file', 'container-role', 'container-role', 'container-role'],
  },
  { name: 'env keys with both files missing', env: KEYS, cred: null, conf: null, want: all('env') },
  {
    name: 'env keys beat a role profile that would use them (credential_source = Environment)',
    env: { ...KEYS, ...REL },
    conf: { default: { role_arn: ROLE, credential_source: 'Environment' } },
    want: ['env', 'env', 'env', 'env'],
  },
];

test('at least 30 combinations are covered', () =>
  assert.ok(CASES.length >= 30, String(CASES.length)));

for (const c of CASES) {
  test(`winner per SDK: ${c.name}`, () => {
    const report = resolveChain(input(c));
    assert.deepEqual(
      report.sdks.map(outcome),
      [...c.want],
      JSON.stringify(report.sdks.map((s) => s.error ?? s.warnings)),
    );
    // Whatever the combination: no secret ever lands in the report.
    assert.ok(!JSON.stringify(report).includes(SECRET));
    assert.ok(!JSON.stringify(report).includes('2f7f1c0e-capability'));
  });
}

test('classic incident: every SDK shadows the container role and says where the keys are', () => {
  const report = resolveChain(input({ env: { ...KEYS, ...REL } }));
  for (const s of report.sdks) {
    assert.equal(s.shadowsContainer, true);
    assert.deepEqual(
      s.shadowed.map((x) => x.type),
      ['container-role'],
    );
    assert.match(s.winner?.evidence ?? '', /AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
    assert.equal(s.winner?.accessKeyIdMasked, '****************MPLE');
  }
  assert.deepEqual(report.container, {
    configured: true,
    via: 'relative',
    evidence: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (set)',
  });
});

test('the container role alone shadows nothing', () => {
  for (const s of resolveChain(input({ env: REL })).sdks) {
    assert.equal(s.shadowsContainer, false);
    assert.deepEqual(s.shadowed, []);
  }
});

test('the disagreement is visible: only JS hides the env keys behind AWS_PROFILE, with a warning', () => {
  const report = resolveChain(
    input({ env: { AWS_PROFILE: 'app', ...KEYS, ...REL }, cred: { app: STATIC } }),
  );
  const js = report.sdks.find((s) => s.sdk === 'js-v3')!;
  assert.ok(js.warnings.some((w) => /skips them when AWS_PROFILE is set/.test(w)));
  const boto = report.sdks.find((s) => s.sdk === 'botocore')!;
  assert.deepEqual(
    boto.shadowed.map((x) => x.type),
    ['shared-credentials-file', 'container-role'],
  );
});

test('evidence names the file and profile; assume-role carries the role ARN', () => {
  const report = resolveChain(
    input({
      env: { AWS_PROFILE: 'app' },
      conf: { app: { role_arn: ROLE, source_profile: 'base' } },
      cred: { base: STATIC },
    }),
  );
  const boto = report.sdks[0]!;
  assert.equal(boto.winner?.roleArn, ROLE);
  assert.match(
    boto.winner?.evidence ?? '',
    new RegExp(`profile app in ${CONF}.*source_profile = base`),
  );
});

test('the full URI shows its origin only; a disallowed host is a problem, not a pass', () => {
  const ok = resolveChain(input({ env: FULL }));
  assert.equal(
    ok.sdks[0]?.winner?.evidence,
    'AWS_CONTAINER_CREDENTIALS_FULL_URI (http://169.254.170.23)',
  );
  const bad = resolveChain(
    input({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://10.0.0.9/creds?token=abc' } }),
  );
  assert.match(bad.sdks[0]?.winner?.problems[0] ?? '', /10\.0\.0\.9 is refused/);
  assert.ok(!JSON.stringify(bad).includes('token=abc'));
});

test('a credential_process command line is never echoed (it may carry secrets)', () => {
  const report = resolveChain(
    input({ conf: { default: { credential_process: `/bin/vault --token ${SECRET}` } } }),
  );
  assert.equal(report.sdks[0]?.winner?.type, 'custom-process');
  assert.ok(!JSON.stringify(report).includes('vault'));
});

test('a source_profile cycle is an error; a profile naming itself with static keys is fine', () => {
  const cycle = resolveChain(
    input({
      conf: {
        a: { role_arn: ROLE, source_profile: 'b' },
        b: { role_arn: ROLE, source_profile: 'a' },
      },
      env: { AWS_PROFILE: 'a' },
    }),
  );
  assert.match(cycle.sdks[0]?.error ?? '', /InfiniteLoopConfigError: source_profile a loops/);
  const self = resolveChain(
    input({
      env: { AWS_PROFILE: 'a' },
      cred: { a: { ...STATIC, role_arn: ROLE, source_profile: 'a' } },
    }),
  );
  assert.equal(self.sdks[0]?.winner?.type, 'assume-role');
});

test('region as aws configure list shows it: AWS_REGION, then AWS_DEFAULT_REGION, then the profile', () => {
  assert.deepEqual(
    resolveChain(input({ env: { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' } }))
      .region,
    {
      value: 'eu-west-1',
      type: 'env',
      location: 'AWS_REGION',
    },
  );
  assert.deepEqual(resolveChain(input({ conf: { default: { region: 'ap-south-1' } } })).region, {
    value: 'ap-south-1',
    type: 'config-file',
    location: CONF,
  });
});

test('files report found or not; AWS_DEFAULT_PROFILE disagreeing with AWS_PROFILE is a warning', () => {
  const report = resolveChain(
    input({ env: { AWS_DEFAULT_PROFILE: 'a', AWS_PROFILE: 'b' }, cred: {} }),
  );
  assert.deepEqual(report.files, {
    credentials: { path: CRED, found: true },
    config: { path: CONF, found: false },
  });
  assert.ok(report.warnings.some((w) => /AWS_DEFAULT_PROFILE=a differs/.test(w)));
});

test('IMDS evidence names AWS_EC2_METADATA_SERVICE_ENDPOINT when it moves the service, origin only', () => {
  const def = resolveChain(input({ env: {} }));
  for (const s of def.sdks) {
    assert.equal(s.winner?.type, 'iam-role');
    assert.equal(s.winner?.evidence, 'instance metadata service (169.254.169.254)');
  }
  const moved = resolveChain(
    input({ env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://user:pw@127.0.0.1:8111/latest/x' } }),
  );
  for (const s of moved.sdks) {
    assert.equal(
      s.winner?.evidence,
      'instance metadata service (http://127.0.0.1:8111 from AWS_EC2_METADATA_SERVICE_ENDPOINT)',
    );
  }
});
