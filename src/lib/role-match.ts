/**
 * Matches a role against an expectation: a full ARN, or a glob (`*`, `?`) on the ARN or on the
 * role name. A pattern that starts with `arn:` is matched against the whole ARN; anything else
 * against the role name: the ARN's last path segment, or the role in an STS `assumed-role` ARN
 * (not the session name that follows it).
 */
import { parseRoleArn } from './aws-env.ts';
import { globMatch } from './glob.ts';

/** An IAM ARN is at most 2,048 characters, so a longer pattern can never match one. */
export const MAX_ROLE_PATTERN = 2048;

/** @param arnOrName a role ARN, or a bare role name when the ARN is unknown. */
export function matchRole(pattern: string, arnOrName: string): boolean {
  const target =
    pattern.startsWith('arn:') || !arnOrName.startsWith('arn:')
      ? arnOrName
      : (parseRoleArn(arnOrName).roleName ?? arnOrName.split('/').pop() ?? arnOrName);
  return globMatch(pattern, target);
}

/** A held role against a pattern: by ARN when the endpoint names it, else by role name. */
function matchIdentity(pattern: string, arn: string | null, name: string | null): boolean {
  if (arn !== null) return matchRole(pattern, arn);
  return name !== null && matchRole(pattern, name);
}

/**
 * `matchIdentity` remembered for the last role seen, so the pattern is matched once per change
 * of role, not on every health check or scrape.
 */
export function createRoleMatcher(
  pattern: string,
): (arn: string | null, name: string | null) => boolean {
  let last: { arn: string | null; name: string | null; result: boolean } | null = null;
  return (arn, name) => {
    if (last === null || last.arn !== arn || last.name !== name)
      last = { arn, name, result: matchIdentity(pattern, arn, name) };
    return last.result;
  };
}
