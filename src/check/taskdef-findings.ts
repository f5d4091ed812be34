/**
 * What in a task definition keeps each container's SDKs from the task role. Pure. Each group of
 * variables is run through the same per-SDK chain model as `check` (the container's environment,
 * as the ECS agent completes it, with no shared files since the image is not visible): a group is
 * an error when it changes some SDK's source, a warning when its effect depends on the image.
 */
import { resolveChain } from './resolve.ts';
import type { LaunchType, TaskContainer, TaskDefinition } from './taskdef.ts';
import { secretStore } from './taskdef.ts';
import type { ChainReport, Env } from './types.ts';

/** The closed set of finding codes; docs/check.md describes each one. */
export const FINDING_CODES = [
  'no_task_role',
  'env_credentials',
  'secret_credentials',
  'profile_variables',
  'web_identity',
  'endpoint_override',
  'botocore_legacy_files',
  'environment_files',
] as const;
type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  readonly code: FindingCode;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly variable?: string;
}

interface ContainerFindings {
  readonly name: string;
  readonly findings: readonly Finding[];
}

export interface TaskDefinitionReport {
  readonly containers: readonly ContainerFindings[];
  readonly findings: readonly Finding[];
}

const GROUPS: readonly { code: FindingCode; names: readonly string[] }[] = [
  {
    code: 'env_credentials',
    names: [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_ACCESS_KEY',
      'AWS_SECRET_KEY',
    ],
  },
  {
    code: 'profile_variables',
    names: ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'],
  },
  { code: 'web_identity', names: ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'] },
  {
    code: 'endpoint_override',
    names: [
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    ],
  },
  { code: 'botocore_legacy_files', names: ['AWS_CREDENTIAL_FILE', 'BOTO_CONFIG'] },
];

/** What the ECS agent adds to every container: the relative URI only with a task role. */
function agentEnv(td: TaskDefinition): Env {
  return {
    ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/container',
    AWS_EXECUTION_ENV: td.launchType === 'fargate' ? 'AWS_ECS_FARGATE' : 'AWS_ECS_EC2',
    ...(td.taskRole ? { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/modelled' } : {}),
  };
}

function model(env: Env): ChainReport {
  const none = { profiles: null };
  return resolveChain({
    env,
    now: 0,
    credentials: { path: '~/.aws/credentials', ...none },
    config: { path: '~/.aws/config', ...none },
    tokens: new Map(),
  });
}

/** One SDK's outcome, comparable across runs. */
const outcome = (r: ChainReport['sdks'][number]) =>
  r.error !== null ? `error: ${r.error}` : (r.winner?.type ?? 'none');

const onTaskRole = (r: ChainReport['sdks'][number]) =>
  r.error === null &&
  r.winner !== null &&
  (r.winner.type === 'container-role' || r.winner.viaContainer === true);

function describe(r: ChainReport['sdks'][number]): string {
  if (r.error !== null) return `${r.sdk} fails (${r.error.replace(/:.*/, '')})`;
  if (r.winner === null) return `${r.sdk} finds no credentials`;
  return `${r.sdk} uses ${r.winner.type}`;
}

export function taskDefinitionFindings(td: TaskDefinition): TaskDefinitionReport {
  const findings: Finding[] = [];
  if (!td.taskRole) findings.push(noTaskRole(td.launchType));
  return { containers: td.containers.map((c) => containerFindings(td, c)), findings };
}

function noTaskRole(launch: LaunchType): Finding {
  const where =
    launch === 'fargate'
      ? 'on Fargate the SDKs find no credentials at all'
      : launch === 'ec2'
        ? 'on EC2 the SDKs fall back to the instance role, shared by every task on the host'
        : 'on EC2 the SDKs fall back to the instance role; on Fargate they find no credentials';
  return {
    code: 'no_task_role',
    severity: 'error',
    message: `no taskRoleArn: ${where}`,
  };
}

function containerFindings(td: TaskDefinition, c: TaskContainer): ContainerFindings {
  const base = agentEnv(td);
  const baseline = model(base).sdks;
  const envValues = new Map(c.environment.map((e) => [e.name, e.value]));
  const secretNames = new Map(c.secrets.map((s) => [s.name, s.valueFrom]));
  const findings: Finding[] = [];
  for (const group of GROUPS) {
    const present = group.names.filter((n) => envValues.has(n) || secretNames.has(n));
    if (present.length === 0) continue;
    const env: Record<string, string | undefined> = { ...base };
    // Secrets are resolved by the agent to non-empty values; environment values are used as given.
    for (const n of present) env[n] = secretNames.has(n) ? 'secret-value' : envValues.get(n);
    const changed = model(env).sdks.filter((r, i) => outcome(r) !== outcome(baseline[i]!));
    for (const n of present) {
      const fromSecret = secretNames.has(n);
      const code =
        group.code === 'env_credentials' && fromSecret ? 'secret_credentials' : group.code;
      findings.push({
        code,
        severity: changed.length > 0 ? 'error' : 'warning',
        variable: n,
        message: message(group.code, n, fromSecret ? secretNames.get(n)! : null, changed),
      });
    }
  }
  if (c.environmentFiles > 0) {
    findings.push({
      code: 'environment_files',
      severity: 'warning',
      message: `${c.environmentFiles} environmentFiles (in S3) cannot be read offline: any AWS_* credential variable in them would shadow the task role`,
    });
  }
  return { name: c.name, findings };
}

function message(
  code: FindingCode,
  variable: string,
  secretFrom: string | null,
  changed: readonly ChainReport['sdks'][number][],
): string {
  const origin = secretFrom === null ? 'in environment' : `in secrets (${secretStore(secretFrom)})`;
  const effect =
    changed.length === 0
      ? null
      : `${changed.map(describe).join(', ')}${changed.some((r) => !onTaskRole(r)) ? ' instead of the task role' : ''}`;
  switch (code) {
    case 'env_credentials':
      return effect === null
        ? `${variable} ${origin} is ignored without a complete key pair, but is a credential that does not belong in a task with a task role`
        : `${variable} ${origin}: ${effect}`;
    case 'profile_variables':
      return effect === null
        ? `${variable} ${origin} points at shared files the task definition does not show: a profile with credentials in the image shadows the task role`
        : `${variable} ${origin}: ${effect} (unless the image holds that profile, whose source then wins instead)`;
    case 'web_identity':
      return effect === null
        ? `${variable} ${origin} is ignored without its partner variable, but web identity comes before the task role in every SDK`
        : `${variable} ${origin}: ${effect}`;
    case 'endpoint_override':
      return effect === null
        ? `${variable} ${origin} is set by hand: the ECS agent sets the container credentials variables itself`
        : `${variable} ${origin} is set by hand: ${effect}`;
    default:
      return effect === null
        ? `${variable} ${origin} names a legacy botocore file the task definition does not show: keys in it come before the task role for botocore`
        : `${variable} ${origin}: ${effect}`;
  }
}

/** Exit 1 when the task has no role or any finding is an error; warnings alone pass. */
export function taskDefinitionExitCode(r: TaskDefinitionReport): 0 | 1 {
  const all = [...r.findings, ...r.containers.flatMap((c) => c.findings)];
  return all.some((f) => f.severity === 'error') ? 1 : 0;
}
