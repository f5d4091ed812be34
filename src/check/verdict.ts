/**
 * `check`'s verdict: is each SDK's winner usable, which role would it end up with, does that role
 * match `--expect-role`, and the exit code. Pure. Because `check` cannot know which SDK the app
 * uses, one SDK without usable credentials is exit 1, and so is, in a container, one SDK that
 * would not use the container role or would fall back to the instance role; one SDK on an unknown
 * or wrong role is exit 3: the entrypoint guard errs on the side of saying so.
 */
import { matchRole } from '../lib/role-match.ts';
import type { ChainReport, Sdk, Source } from './types.ts';

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

interface SdkVerdict {
  readonly sdk: Sdk;
  readonly usable: boolean;
  /** Why not usable, when not. */
  readonly why: string | null;
  /** Why check cannot confirm a usable-looking source (a credential_process it does not run). */
  readonly unverified: string | null;
  /** The role this SDK would end up with, when configuration or the fetch names it. */
  readonly roleArn: string | null;
  /** null without `--expect-role`. */
  readonly roleMatches: boolean | null;
}

/** In a container: the SDKs that miss the role the container should get, and what to remove first. */
interface ContainerVerdict {
  /** SDKs whose winner hides the configured container role. */
  readonly shadowedFor: readonly Sdk[];
  /** SDKs that would fall back to the EC2 instance role although this is a container. */
  readonly instanceRoleFor: readonly Sdk[];
  /** The one change that helps most: the source most of those SDKs pick, named as configured. */
  readonly removeFirst: string | null;
}

export interface Verdict {
  readonly exitCode: 0 | 1 | 3;
  readonly sdks: readonly SdkVerdict[];
  readonly container: ContainerVerdict;
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
    return {
      sdk: r.sdk,
      usable: why === null,
      why,
      unverified: why === null ? (w?.unverified ?? null) : null,
      roleArn,
      roleMatches,
    };
  });
  const container = containerVerdict(report);
  const exitCode =
    sdks.some((s) => !s.usable) ||
    container.shadowedFor.length > 0 ||
    container.instanceRoleFor.length > 0
      ? 1
      : sdks.some((s) => s.roleMatches === false)
        ? 3
        : 0;
  return { exitCode, sdks, container };
}

function containerVerdict(report: ChainReport): ContainerVerdict {
  if (!report.environment.inContainer) {
    return { shadowedFor: [], instanceRoleFor: [], removeFirst: null };
  }
  const shadowing = report.sdks.filter((r) => r.shadowsContainer);
  const instance = report.container.configured
    ? []
    : report.sdks.filter((r) => r.winner?.type === 'iam-role');
  return {
    shadowedFor: shadowing.map((r) => r.sdk),
    instanceRoleFor: instance.map((r) => r.sdk),
    removeFirst:
      shadowing.length > 0
        ? mostCommon(shadowing.map((r) => removal(r.winner!)))
        : instance.length > 0
          ? 'nothing: give the task a task role (taskRoleArn) so the SDKs get container credentials'
          : null,
  };
}

/** What to take out so this source stops winning: variables by name, else where it is configured. */
function removal(w: Source): string {
  if (w.type === 'env') return `unset ${w.evidence}`;
  if (w.type === 'assume-role-with-web-identity' && w.evidence.startsWith('AWS_')) {
    return `unset ${w.evidence}`;
  }
  return w.evidence;
}

function mostCommon(values: readonly string[]): string | null {
  let best: string | null = null;
  let bestCount = 0;
  for (const v of values) {
    const n = values.filter((x) => x === v).length;
    if (n > bestCount) [best, bestCount] = [v, n];
  }
  return best;
}

/** `check --json`: the report, each SDK's verdict beside its chain, and the container result. */
export interface CheckJson extends Omit<ChainReport, 'sdks'> {
  readonly sdks: readonly (ChainReport['sdks'][number] & SdkVerdict)[];
  readonly identity: Identity | null;
  readonly expectRole: string | null;
  readonly result: ContainerVerdict;
  readonly exitCode: Verdict['exitCode'];
}

export function checkJson(
  report: ChainReport,
  identity: Identity | null,
  verdict: Verdict,
  expectRole: string | null,
): CheckJson {
  const sdks = report.sdks.map((r, i) => ({ ...r, ...verdict.sdks[i]! }));
  return {
    ...report,
    sdks,
    identity,
    expectRole,
    result: verdict.container,
    exitCode: verdict.exitCode,
  };
}
