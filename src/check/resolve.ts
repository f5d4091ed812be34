/**
 * Which credential source each SDK would use for this environment and these shared files, what
 * it hides, and why. Pure: environment, parsed files and token states in, a printable report out.
 * The per-SDK orders live in botocore.ts, js.ts, go.ts and java.ts.
 */

import { get } from '../lib/aws-env.ts';
import { botocoreSteps } from './botocore.ts';
import { container, profileName } from './env.ts';
import { sdkView } from './files.ts';
import { goSteps } from './go.ts';
import { javaSteps } from './java.ts';
import { jsSteps } from './js.ts';
import { type Outcome, runChain } from './outcome.ts';
import { has, lookup } from './profile.ts';
import type { ChainInput, ChainReport, Sdk, TokenReport } from './types.ts';
import { tokenReport } from './webidentity.ts';

const STEPS: Readonly<Record<Sdk, (input: ChainInput) => Outcome[]>> = {
  botocore: botocoreSteps,
  'js-v3': jsSteps,
  'go-v2': goSteps,
  'java-v2': javaSteps,
};

export function resolveChain(input: ChainInput): ChainReport {
  const c = container(input.env);
  const sdks = (Object.keys(STEPS) as Sdk[]).map((sdk) =>
    runChain(sdk, STEPS[sdk](sdkView(input, sdk)), c?.evidence ?? null),
  );
  const profile = profileName(input.env, 'js-v3');
  const warnings = [...(input.fileWarnings ?? [])];
  const legacy = get(input.env, 'AWS_DEFAULT_PROFILE');
  if (legacy !== undefined && legacy !== profile.name) {
    warnings.push(
      `AWS_DEFAULT_PROFILE=${legacy} differs from the profile other SDKs use (${profile.name}): botocore and the AWS CLI read AWS_DEFAULT_PROFILE first`,
    );
  }
  return {
    environment: containerEnvironment(input.env, c !== null),
    profile,
    files: {
      credentials: { path: input.credentials.path, found: input.credentials.profiles !== null },
      config: { path: input.config.path, found: input.config.profiles !== null },
    },
    container: { configured: c !== null, via: c?.via ?? null, evidence: c?.evidence ?? null },
    region: region(input),
    tokens: tokenReports(input),
    sdks,
    warnings,
  };
}

/**
 * Every web identity token file this environment points at: `AWS_WEB_IDENTITY_TOKEN_FILE` and
 * the active profiles' `web_identity_token_file`. The shell reads exactly these.
 */
export function tokenFiles(
  input: Omit<ChainInput, 'tokens' | 'now'>,
): { path: string; from: string }[] {
  const out: { path: string; from: string }[] = [];
  const envFile = get(input.env, 'AWS_WEB_IDENTITY_TOKEN_FILE');
  if (envFile !== undefined) out.push({ path: envFile, from: 'AWS_WEB_IDENTITY_TOKEN_FILE' });
  const names = new Set([
    'default',
    profileName(input.env, 'botocore').name,
    profileName(input.env, 'js-v3').name,
  ]);
  const full = { ...input, tokens: new Map(), now: 0 };
  for (const view of [sdkView(full, 'js-v3'), sdkView(full, 'botocore')])
    for (const name of names) {
      // Follow source_profile links a few hops: a role may be assumed from a web identity profile.
      let current: string | undefined = name;
      for (let hop = 0; current !== undefined && hop < 5; hop++) {
        const p = lookup(view, current);
        const file = has(p.merged, 'web_identity_token_file');
        if (file !== undefined && !out.some((t) => t.path === file)) {
          out.push({ path: file, from: `profile ${current}` });
        }
        current = has(p.merged, 'source_profile');
      }
    }
  return out;
}

/** Variables the ECS agent or Kubernetes set in every container, task role or not. */
const CONTAINER_MARKERS = [
  'ECS_CONTAINER_METADATA_URI_V4',
  'ECS_CONTAINER_METADATA_URI',
  'KUBERNETES_SERVICE_HOST',
] as const;

function containerEnvironment(
  env: ChainInput['env'],
  endpoint: boolean,
): ChainReport['environment'] {
  if (endpoint) return { inContainer: true, evidence: 'container credentials variables' };
  const marker = CONTAINER_MARKERS.find((v) => get(env, v) !== undefined);
  if (marker !== undefined) return { inContainer: true, evidence: marker };
  const exec = get(env, 'AWS_EXECUTION_ENV');
  if (exec?.startsWith('AWS_ECS_')) return { inContainer: true, evidence: 'AWS_EXECUTION_ENV' };
  return { inContainer: false, evidence: null };
}

function region(input: ChainInput): ChainReport['region'] {
  for (const variable of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    const value = get(input.env, variable);
    if (value !== undefined) return { value, type: 'env', location: variable };
  }
  const view = sdkView(input, 'botocore');
  const value = has(view.config.profiles?.[profileName(input.env, 'botocore').name], 'region');
  return value === undefined ? null : { value, type: 'config-file', location: input.config.path };
}

function tokenReports(input: ChainInput): TokenReport[] {
  return tokenFiles(input).map((t) =>
    tokenReport(t.path, t.from, input.tokens.get(t.path), input.now),
  );
}
