/**
 * Validation at the boundary: an endpoint's JSON body becomes `Credentials` + `Identity`, or an
 * `EndpointError` that states the expected shape. Error messages name fields, never their values
 * (a malformed body may still hold a real secret).
 */

import { parseRoleArn } from '../lib/aws-env.ts';
import { EndpointError } from '../lib/errors.ts';
import { Credentials, type Identity, type Source } from './types.ts';

const EXPECTED =
  'expected a JSON object with string fields AccessKeyId, SecretAccessKey, Token, Expiration ' +
  '(ISO 8601) and RoleArn (ECS) or AccountId (EKS Pod Identity)';

/**
 * Parses `Expiration` leniently: `Z`, offsets (`+00:00`), fractional seconds. Plain `Date.parse`
 * also accepts "Tuesday" style strings, so the ISO shape is checked first.
 */
export function parseExpiration(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value))
    return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/**
 * The longest or exact shape each identifying string may have; anything else is
 * `invalid_response`. IAM's own limits: an ARN is at most 2,048 characters, an access key id 16 to
 * 128 word characters, an account id 12 digits. The secret and the token are bounded only by the
 * body limit (64 KiB): they are never shown, so their length cannot flood anything.
 */
const FIELD_LIMITS = {
  roleArn: 2048,
  accessKeyId: /^\w{16,128}$/,
  accountId: /^\d{12}$/,
  expiration: 64,
} as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Turns a parsed JSON body into credentials and identity.
 * @param now epoch ms; credentials already expired at `now` are refused as `expired`.
 */
export function parseCredentialsBody(
  body: unknown,
  source: Source,
  now: number,
): { credentials: Credentials; identity: Identity } {
  if (!isRecord(body))
    throw new EndpointError('invalid_response', `response is not an object: ${EXPECTED}`);
  const problems: string[] = [];
  const str = (key: string, required: boolean): string | null => {
    const v = body[key];
    if (v === undefined || v === null) {
      if (required) problems.push(`${key} is missing`);
      return null;
    }
    if (typeof v !== 'string' || v.length === 0) {
      problems.push(`${key} is not a non-empty string`);
      return null;
    }
    return v;
  };
  const accessKeyId = str('AccessKeyId', true);
  const secretAccessKey = str('SecretAccessKey', true);
  const token = str('Token', true);
  const expirationText = str('Expiration', true);
  const roleArn = str('RoleArn', false);
  const accountIdField = str('AccountId', false);
  if (roleArn === null && accountIdField === null && source === 'container-role') {
    problems.push('neither RoleArn nor AccountId is present');
  }
  // Checked by length first so no pattern below ever runs on an unbounded string.
  if (
    accessKeyId !== null &&
    !(accessKeyId.length <= 128 && FIELD_LIMITS.accessKeyId.test(accessKeyId))
  )
    problems.push('AccessKeyId is not 16 to 128 letters, digits or underscores');
  if (roleArn !== null && roleArn.length > FIELD_LIMITS.roleArn)
    problems.push(`RoleArn is longer than ${FIELD_LIMITS.roleArn} characters`);
  if (accountIdField !== null && !FIELD_LIMITS.accountId.test(accountIdField))
    problems.push('AccountId is not 12 digits');
  if (expirationText !== null && expirationText.length > FIELD_LIMITS.expiration)
    problems.push(`Expiration is longer than ${FIELD_LIMITS.expiration} characters`);
  const expiration =
    expirationText === null || expirationText.length > FIELD_LIMITS.expiration
      ? null
      : parseExpiration(expirationText);
  if (
    expirationText !== null &&
    expirationText.length <= FIELD_LIMITS.expiration &&
    expiration === null
  )
    problems.push('Expiration is not an ISO 8601 timestamp');
  if (problems.length > 0 || !accessKeyId || !secretAccessKey || !token || !expiration) {
    throw new EndpointError('invalid_response', `${problems.join('; ')}: ${EXPECTED}`);
  }
  if (expiration.getTime() <= now) {
    throw new EndpointError(
      'expired',
      `endpoint served credentials that expired at ${expiration.toISOString()}`,
    );
  }
  const parsed = roleArn === null ? { accountId: null, roleName: null } : parseRoleArn(roleArn);
  return {
    credentials: new Credentials({ accessKeyId, secretAccessKey, sessionToken: token, expiration }),
    identity: {
      source,
      roleArn,
      roleName: parsed.roleName,
      accountId: parsed.accountId ?? accountIdField,
    },
  };
}
