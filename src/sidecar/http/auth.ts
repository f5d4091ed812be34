/** The admin listener's bearer check: a constant-time comparison of the presented token. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../../lib/secret.ts';

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time bearer check: digests have equal length whatever the input. */
export function tokenMatches(header: string | undefined, token: Secret): boolean {
  const presented = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(sha256(presented), sha256(token.reveal())) && presented.length > 0;
}
