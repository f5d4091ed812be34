/**
 * One step of a provider chain and how a chain's steps become a per-SDK report. Each SDK module
 * lists its steps in its own order (built with steps.ts); this module decides winner, shadowed
 * and warnings. Pure.
 */
import type { Sdk, SdkReport, Source } from './types.ts';

export type Outcome =
  | { readonly kind: 'skip'; readonly note?: string }
  | { readonly kind: 'use'; readonly source: Source }
  | { readonly kind: 'fatal'; readonly error: string };

export const use = (s: Source): Outcome => ({ kind: 'use', source: s });
export const fatal = (error: string): Outcome => ({ kind: 'fatal', error });
export const skip = (note?: string): Outcome =>
  note === undefined ? { kind: 'skip' } : { kind: 'skip', note };

/**
 * The first `use` wins; a `fatal` before it ends the chain with an error, as the SDKs raise
 * rather than fall through. Later `use`s are shadowed (IMDS left out: it is only the implicit
 * fallback). Skip notes before the end become warnings.
 */
export function runChain(
  sdk: Sdk,
  steps: readonly Outcome[],
  /** Safe description of the configured container endpoint, or null. */
  containerEvidence: string | null,
): SdkReport {
  const warnings: string[] = [];
  let winner: Source | null = null;
  let error: string | null = null;
  const shadowed: Source[] = [];
  for (const step of steps) {
    if (winner !== null) {
      if (step.kind === 'use' && step.source.type !== 'iam-role') shadowed.push(step.source);
      continue;
    }
    if (error !== null) break;
    if (step.kind === 'skip' && step.note !== undefined) warnings.push(step.note);
    if (step.kind === 'fatal') error = step.error;
    if (step.kind === 'use') winner = step.source;
  }
  if (winner === null && error === null) warnings.push('no credential source is configured');
  if (winner?.type === 'iam-role') {
    warnings.push('falls back to the EC2 instance role (IMDS, not probed): not the task role');
  }
  const shadowsContainer =
    containerEvidence !== null &&
    winner !== null &&
    winner.type !== 'container-role' &&
    winner.viaContainer !== true;
  if (shadowsContainer) {
    warnings.push(`${winner!.type} shadows the container role (${containerEvidence})`);
  }
  return { sdk, winner, shadowed, shadowsContainer, error, warnings };
}
