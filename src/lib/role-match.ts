/**
 * Matches a role against an expectation: a full ARN, or a glob (`*`, `?`) on the ARN or on the
 * role name. A pattern that starts with `arn:` is matched against the whole ARN; anything else
 * against the role name: the ARN's last path segment, or the role in an STS `assumed-role` ARN
 * (not the session name that follows it).
 */
import { parseRoleArn } from './aws-env.ts';

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** @param arnOrName a role ARN, or a bare role name when the ARN is unknown. */
export function matchRole(pattern: string, arnOrName: string): boolean {
  const target =
    pattern.startsWith('arn:') || !arnOrName.startsWith('arn:')
      ? arnOrName
      : (parseRoleArn(arnOrName).roleName ?? arnOrName.split('/').pop() ?? arnOrName);
  return globToRegExp(pattern).test(target);
}
