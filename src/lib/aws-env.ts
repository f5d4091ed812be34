/**
 * The AWS conventions every part of rolecall shares: reading AWS variables, role ARNs, masking
 * access key ids, and each SDK's reading of `AWS_EC2_METADATA_DISABLED`. Pure.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** The SDK families whose rules differ; `botocore` stands for boto3 and the AWS CLI too. */
export const SDK_FAMILIES = ['botocore', 'js-v3', 'go-v2', 'java-v2'] as const;
export type SdkFamily = (typeof SDK_FAMILIES)[number];

/**
 * An AWS variable, with an empty value counted as unset: every SDK tests truthiness or
 * `len(v) > 0` for the variables rolecall reads.
 */
export function get(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export interface ParsedRoleArn {
  readonly accountId: string | null;
  readonly roleName: string | null;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(role|assumed-role)\/(.+)$/;

/**
 * Splits `arn:aws:iam::111122223333:role/path/name` into account and role name (the last path
 * segment, as IAM names it). STS `assumed-role/name/session` ARNs yield the role name too.
 */
export function parseRoleArn(arn: string): ParsedRoleArn {
  const m = ROLE_ARN.exec(arn);
  if (!m) return { accountId: null, roleName: null };
  const rest = m[5] ?? '';
  if (m[4] === 'assumed-role') {
    return { accountId: m[3] ?? null, roleName: rest.split('/')[0] ?? null };
  }
  const segments = rest.split('/');
  return { accountId: m[3] ?? null, roleName: segments[segments.length - 1] ?? null };
}

/**
 * 16 `*` + the last 4 characters, as `aws configure list` shows access key ids. An id shorter
 * than 12 characters is not a real key id, and its last 4 would be most of it: all stars then.
 */
export function maskAccessKeyId(id: string): string {
  return '*'.repeat(16) + (id.length >= 12 ? id.slice(-4) : '****');
}

/**
 * Whether this SDK skips the instance metadata service. botocore, Go v2 and Java v2 disable it
 * only for `true` (any case); the JS SDK for anything but `false`, so `=1` splits them.
 */
export function imdsDisabled(env: Env, sdk: SdkFamily): boolean {
  const v = get(env, 'AWS_EC2_METADATA_DISABLED');
  if (v === undefined) return false;
  return sdk === 'js-v3' ? v !== 'false' : v.toLowerCase() === 'true';
}
