/**
 * `check`'s verdict: is each SDK's winner usable, which role would it end up with, does that role
 * match `--expect-role`, and the exit code. Pure. Because `check` cannot know which SDK the app
 * uses, one SDK without usable credentials is exit 1, and one SDK on an unknown or wrong role is
 * exit 3: the entrypoint guard errs on the side of saying so.
 */
import { matchRole } from '../lib/role-match.ts';
import type { ChainReport, Sdk } from './types.ts';

/** What one fetch from the container endpoint showed (already redacted by the fetcher). */
export type Identity =
  | {
      readonly ok: true;
      readonly source: string;
      readonly roleArn: string | null;
      readonly accountId: string | null;
      readonly expiration: string;
      readonly accessKeyIdMasked: string;
    }
  | { readonly ok: false; readonly reason: string; readonly message: string };

export interface SdkVerdict {
  readonly sdk: Sdk;
  readonly usable: boolean;
  /** Why not usable, when not. */
  readonly why: string | null;
  /** The role this SDK would end up with, when configuration or the fetch names it. */
  readonly roleArn: string | null;
  /** null without `--expect-role`. */
  readonly roleMatches: boolean | null;
}

export interface Verdict {
  readonly exitCode: 0 | 1 | 3;
  readonly sdks: readonly SdkVerdict[];
}

export function judge(
  report: ChainReport,
  identity: Identity | null,
  expectRole: string | null,
): Verdict {
  const sdks = report.sdks.map((r): SdkVerdict => {
    const w = r.winner;
    let why: string | null = null;
    if (r.error !== null) why = r.error;
    else if (w === null) why = 'no credential source';
    else if (w.problems.length > 0) why = w.problems.join('; ');
    else if (w.type === 'container-role' && identity?.ok === false) {
      why = `container endpoint failed: ${identity.reason}`;
    }
    const roleArn =
      w === null
        ? null
        : w.type === 'container-role'
          ? identity?.ok
            ? identity.roleArn
            : null
          : w.roleArn;
    const roleMatches =
      expectRole === null ? null : roleArn !== null && matchRole(expectRole, roleArn);
    return { sdk: r.sdk, usable: why === null, why, roleArn, roleMatches };
  });
  const exitCode = sdks.some((s) => !s.usable)
    ? 1
    : sdks.some((s) => s.roleMatches === false)
      ? 3
      : 0;
  return { exitCode, sdks };
}
