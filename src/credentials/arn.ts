/** Pure helpers on IAM / STS ARNs. */

export interface ParsedRoleArn {
  readonly accountId: string | null;
  readonly roleName: string | null;
}

const ARN = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(role|assumed-role)\/(.+)$/;

/**
 * Splits `arn:aws:iam::111122223333:role/path/name` into account and role name (the last path
 * segment, as IAM names it). STS `assumed-role/name/session` ARNs yield the role name too.
 */
export function parseRoleArn(arn: string): ParsedRoleArn {
  const m = ARN.exec(arn);
  if (!m) return { accountId: null, roleName: null };
  const rest = m[5] ?? '';
  if (m[4] === 'assumed-role') {
    return { accountId: m[3] ?? null, roleName: rest.split('/')[0] ?? null };
  }
  const segments = rest.split('/');
  return { accountId: m[3] ?? null, roleName: segments[segments.length - 1] ?? null };
}
