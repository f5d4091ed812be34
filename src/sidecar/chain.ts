/**
 * The chain report as the sidecar shows it: the metric's series and the `/whoami` field. Pure. The
 * sidecar diagnoses its own environment (the variables and files of the rolecall container), not
 * the app container's: `rolecall check` run in the app container is how to inspect that one.
 */

import type { ChainReport } from '../check/types.ts';

export interface ShadowedSeries {
  readonly sdk: string;
  readonly source: string;
}

/** One series per SDK whose winning source hides the configured container role. */
export function shadowedSeries(report: ChainReport | null): ShadowedSeries[] {
  if (report === null) return [];
  return report.sdks.flatMap((r) =>
    r.shadowsContainer && r.winner !== null ? [{ sdk: r.sdk, source: r.winner.type }] : [],
  );
}

/** The `/whoami` `chain` field: per SDK, the winner, what it shadows, and warnings. */
export interface ChainView {
  readonly scope: string;
  readonly profile: ChainReport['profile'];
  readonly sdks: readonly {
    readonly sdk: string;
    readonly source: string | null;
    readonly evidence: string | null;
    readonly shadowed: readonly string[];
    readonly shadowsContainer: boolean;
    readonly error: string | null;
    readonly warnings: readonly string[];
  }[];
  readonly warnings: readonly string[];
}

export function chainView(report: ChainReport | null): ChainView | null {
  if (report === null) return null;
  return {
    scope:
      "the rolecall container's own environment; run `rolecall check` in the app container for the app's",
    profile: report.profile,
    sdks: report.sdks.map((r) => ({
      sdk: r.sdk,
      source: r.winner?.type ?? null,
      evidence: r.winner?.evidence ?? null,
      shadowed: r.shadowed.map((s) => s.type),
      shadowsContainer: r.shadowsContainer,
      error: r.error,
      warnings: r.warnings,
    })),
    warnings: report.warnings,
  };
}
