/**
 * The chain report as the sidecar shows it: a health check and the metric's series. Pure. The
 * sidecar diagnoses its own environment (the variables and files of the rolecall container), not
 * the app container's: `rolecall check` run in the app container is how to inspect that one.
 */

import type { ChainReport } from '../check/types.ts';
import type { HealthCheck } from './health.ts';

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

/** `degraded` when any SDK would prefer another source over the container role. */
export function shadowingCheck(report: ChainReport | null): HealthCheck | null {
  const series = shadowedSeries(report);
  if (report === null || series.length === 0) return null;
  const bySource = new Map<string, string[]>();
  for (const s of series) bySource.set(s.source, [...(bySource.get(s.source) ?? []), s.sdk]);
  const parts = [...bySource].map(([source, sdks]) => {
    const evidence = report.sdks.find((r) => r.winner?.type === source)?.winner?.evidence;
    return `${source}${evidence ? ` (${evidence})` : ''} shadows the container role for ${sdks.join(', ')}`;
  });
  return {
    name: 'shadowing',
    status: 'degraded',
    detail: `${parts.join('; ')} in the sidecar's environment`,
  };
}

/** The `/whoami` `chain` field: per SDK, the winner, what it shadows, and warnings. */
export function chainView(report: ChainReport | null): Record<string, unknown> | null {
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
