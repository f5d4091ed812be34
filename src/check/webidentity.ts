/**
 * Web identity (IRSA, projected service-account tokens): the token's `exp` claim, decoded without
 * verification, because an expired or unreadable token is the failure users cannot see from
 * outside. Pure; nothing here ever echoes the token or any of its claims but `exp`.
 */
import { source } from './env.ts';
import type { Source, TokenReport, TokenStatus } from './types.ts';

/** Decodes a JWT's payload and returns its `exp` (seconds since the epoch) without verifying it. */
export function decodeTokenExpiry(text: string | null): TokenStatus {
  if (text === null) return { kind: 'unreadable' };
  const token = text.trim();
  if (token === '') return { kind: 'malformed', reason: 'the file is empty' };
  const parts = token.split('.');
  if (parts.length !== 3) {
    return { kind: 'malformed', reason: `expected 3 dot-separated parts, found ${parts.length}` };
  }
  const payload = parts[1] ?? '';
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(payload)) {
    return { kind: 'malformed', reason: 'the payload is not base64url' };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { kind: 'malformed', reason: 'the payload is not JSON' };
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    return { kind: 'malformed', reason: 'the payload is not a JSON object' };
  }
  const exp = (claims as Record<string, unknown>).exp;
  if (exp === undefined) return { kind: 'ok', exp: null };
  if (typeof exp !== 'number' || !Number.isFinite(exp)) {
    return { kind: 'malformed', reason: 'the exp claim is not a number' };
  }
  return { kind: 'ok', exp };
}

/** What a token file means at `now` (ms): one report line, and whether the SDK would fail. */
export function tokenReport(
  path: string,
  from: string,
  status: TokenStatus | undefined,
  now: number,
): TokenReport {
  if (status === undefined || status.kind === 'unreadable') {
    return {
      path,
      from,
      status: 'unreadable',
      expiresAt: null,
      message: `web identity token file ${path} (${from}) cannot be read`,
    };
  }
  if (status.kind === 'malformed') {
    return {
      path,
      from,
      status: 'malformed',
      expiresAt: null,
      message: `web identity token file ${path} (${from}) is not a JWT: ${status.reason}`,
    };
  }
  if (status.exp === null) {
    return {
      path,
      from,
      status: 'no-exp',
      expiresAt: null,
      message: `web identity token in ${path} (${from}) has no exp claim`,
    };
  }
  const expiresAt = new Date(status.exp * 1000).toISOString();
  const seconds = Math.round(status.exp - now / 1000);
  return seconds <= 0
    ? {
        path,
        from,
        status: 'expired',
        expiresAt,
        message: `web identity token in ${path} (${from}) expired at ${expiresAt} (${-seconds}s ago)`,
      }
    : {
        path,
        from,
        status: 'ok',
        expiresAt,
        message: `web identity token in ${path} (${from}) expires at ${expiresAt} (in ${seconds}s)`,
      };
}

/** True when the SDK would pick the token and then fail with it. */
export function tokenBlocks(report: TokenReport): boolean {
  return (
    report.status === 'unreadable' || report.status === 'malformed' || report.status === 'expired'
  );
}

/** A web identity source: the role is named by configuration, the token's state decides usability. */
export function webIdentitySource(evidence: string, roleArn: string, token: TokenReport): Source {
  return source('assume-role-with-web-identity', evidence, {
    roleArn,
    problems: tokenBlocks(token) ? [token.message] : [],
    notes: tokenBlocks(token) ? [] : [token.message],
  });
}
