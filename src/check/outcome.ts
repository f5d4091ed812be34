/**
 * One step of a provider chain and how a chain's steps become a per-SDK report. Each SDK module
 * lists its steps in its own order; this module decides winner, shadowed and warnings. Pure.
 */
import { get, imdsDisabled } from '../lib/aws-env.ts';
import { container, containerSource, type EnvKeys, onFargate, source } from './env.ts';
import type { ChainInput, Sdk, SdkReport, Source } from './types.ts';
import { tokenReport, webIdentitySource } from './webidentity.ts';

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

/** Env keys as a step: both set wins; one without the other is skipped with a warning. */
export function envKeysStep(keys: EnvKeys): Outcome {
  if (keys.state === 'ok') return use(keys.source);
  if (keys.state === 'partial') return skip(`${keys.set} is set without ${keys.missing}: ignored`);
  return skip();
}

export function containerStep(input: ChainInput): Outcome {
  const c = container(input.env);
  return c === null ? skip() : use(containerSource(c));
}

export function imdsStep(input: ChainInput, sdk: Sdk): Outcome {
  if (imdsDisabled(input.env, sdk)) return skip();
  if (onFargate(input.env)) return skip();
  return use(source('iam-role', `instance metadata service (${imdsWhere(input)})`));
}

/** Where the SDKs would reach IMDS: `AWS_EC2_METADATA_SERVICE_ENDPOINT`'s origin, else the default. */
function imdsWhere(input: ChainInput): string {
  const override = get(input.env, 'AWS_EC2_METADATA_SERVICE_ENDPOINT');
  if (override === undefined) return '169.254.169.254';
  try {
    return `${new URL(override).origin} from AWS_EC2_METADATA_SERVICE_ENDPOINT`;
  } catch {
    return 'AWS_EC2_METADATA_SERVICE_ENDPOINT, not a URL';
  }
}

/**
 * `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`. A token file without a role is an error in Go
 * (`roleARNRequired`), ignored by JS and Java; botocore mixes in the profile (see botocore.ts).
 */
export function envWebIdentityStep(input: ChainInput, sdk: Sdk): Outcome {
  const file = get(input.env, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  if (file === undefined) return skip();
  const role = get(input.env, 'AWS_ROLE_ARN');
  if (role === undefined) {
    return sdk === 'go-v2'
      ? fatal('AWS_WEB_IDENTITY_TOKEN_FILE is set without AWS_ROLE_ARN (Go: role ARN is not set)')
      : skip('AWS_WEB_IDENTITY_TOKEN_FILE is set without AWS_ROLE_ARN: ignored');
  }
  const token = tokenReport(file, 'AWS_WEB_IDENTITY_TOKEN_FILE', input.tokens.get(file), input.now);
  return use(webIdentitySource('AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN', role, token));
}
