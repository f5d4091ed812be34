/**
 * Reading an ECS task definition: RegisterTaskDefinition input, DescribeTaskDefinition output
 * (`{"taskDefinition": {...}}`) or a CloudFormation `AWS::ECS::TaskDefinition` (as `cdk synth`
 * writes it), validated into one shape. Pure. Values are kept for the model and never printed.
 */

export type LaunchType = 'fargate' | 'ec2' | 'either' | 'unknown';

export interface TaskContainer {
  readonly name: string;
  /** `environment` in order; a later duplicate name wins, as in the container's process env. */
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  readonly secrets: readonly { readonly name: string; readonly valueFrom: string }[];
  readonly environmentFiles: number;
}

export interface TaskDefinition {
  readonly family: string | null;
  readonly revision: number | null;
  /** True when a task role is set (a CloudFormation reference counts: it resolves at deploy). */
  readonly taskRole: boolean;
  /** The ARN when it is a literal, for display. */
  readonly taskRoleArn: string | null;
  readonly launchType: LaunchType;
  readonly containers: readonly TaskContainer[];
}

export class TaskDefinitionError extends Error {
  override name = 'TaskDefinitionError';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the text; the error never quotes the input, which may hold secret values. */
export function parseTaskDefinition(text: string): TaskDefinition {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    const where = at === undefined ? '' : ` (${lineColumn(text, Number(at))})`;
    throw new TaskDefinitionError(`not valid JSON${where}`);
  }
  if (!isObject(doc)) throw new TaskDefinitionError('expected a JSON object');
  if (isObject(doc.taskDefinition)) return fromApi(doc.taskDefinition, 'taskDefinition');
  if (doc.Type === 'AWS::ECS::TaskDefinition' && isObject(doc.Properties)) {
    return fromCloudFormation(doc.Properties);
  }
  if ('ContainerDefinitions' in doc) return fromCloudFormation(doc);
  return fromApi(doc, '');
}

function lineColumn(text: string, index: number): string {
  const before = text.slice(0, index).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

function fromApi(td: Json, prefix: string): TaskDefinition {
  const at = (k: string) => (prefix === '' ? k : `${prefix}.${k}`);
  const defs = td.containerDefinitions;
  if (!Array.isArray(defs) || defs.length === 0) {
    throw new TaskDefinitionError(
      `${at('containerDefinitions')} is missing or empty: expected RegisterTaskDefinition input or DescribeTaskDefinition output`,
    );
  }
  const role = optionalString(td.taskRoleArn, at('taskRoleArn'));
  return {
    family: optionalString(td.family, at('family')),
    revision: typeof td.revision === 'number' ? td.revision : null,
    taskRole: role !== null,
    taskRoleArn: role,
    launchType: launchType(td.requiresCompatibilities, at('requiresCompatibilities')),
    containers: defs.map((c, i) =>
      container(c, `${at('containerDefinitions')}[${i}]`, {
        name: 'name',
        environment: 'environment',
        secrets: 'secrets',
        environmentFiles: 'environmentFiles',
        key: 'name',
        value: 'value',
        valueFrom: 'valueFrom',
      }),
    ),
  };
}

function fromCloudFormation(p: Json): TaskDefinition {
  const defs = p.ContainerDefinitions;
  if (!Array.isArray(defs) || defs.length === 0) {
    throw new TaskDefinitionError('Properties.ContainerDefinitions is missing or empty');
  }
  const role = p.TaskRoleArn;
  const literal = typeof role === 'string' && role !== '' ? role : null;
  return {
    family: typeof p.Family === 'string' ? p.Family : null,
    revision: null,
    taskRole: literal !== null || isObject(role),
    taskRoleArn: literal,
    launchType: launchType(p.RequiresCompatibilities, 'RequiresCompatibilities'),
    containers: defs.map((c, i) =>
      container(c, `ContainerDefinitions[${i}]`, {
        name: 'Name',
        environment: 'Environment',
        secrets: 'Secrets',
        environmentFiles: 'EnvironmentFiles',
        key: 'Name',
        value: 'Value',
        valueFrom: 'ValueFrom',
      }),
    ),
  };
}

interface Keys {
  readonly name: string;
  readonly environment: string;
  readonly secrets: string;
  readonly environmentFiles: string;
  readonly key: string;
  readonly value: string;
  readonly valueFrom: string;
}

function container(c: unknown, at: string, k: Keys): TaskContainer {
  if (!isObject(c)) throw new TaskDefinitionError(`${at} is not an object`);
  const name = c[k.name];
  if (typeof name !== 'string' || name === '') {
    throw new TaskDefinitionError(`${at}.${k.name} is missing`);
  }
  const list = (key: string): Json[] => {
    const v = c[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every(isObject)) {
      throw new TaskDefinitionError(`${at}.${key} is not a list of objects`);
    }
    return v;
  };
  const environment = list(k.environment).map((e, i) => {
    const n = e[k.key];
    const v = e[k.value] ?? '';
    // CloudFormation values may be intrinsics ({"Ref": ...}): set, value unknown until deploy.
    if (typeof n !== 'string' || n === '' || (typeof v !== 'string' && !isObject(v))) {
      throw new TaskDefinitionError(
        `${at}.${k.environment}[${i}] needs a ${k.key} and a ${k.value}`,
      );
    }
    return { name: n, value: typeof v === 'string' ? v : 'deploy-time-value' };
  });
  const secrets = list(k.secrets).map((e, i) => {
    const n = e[k.key];
    const from = e[k.valueFrom];
    if (typeof n !== 'string' || n === '' || (typeof from !== 'string' && !isObject(from))) {
      throw new TaskDefinitionError(
        `${at}.${k.secrets}[${i}] needs a ${k.key} and a ${k.valueFrom}`,
      );
    }
    return { name: n, valueFrom: typeof from === 'string' ? from : '' };
  });
  return { name, environment, secrets, environmentFiles: list(k.environmentFiles).length };
}

function optionalString(v: unknown, at: string): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw new TaskDefinitionError(`${at} is not a string`);
  return v;
}

function launchType(v: unknown, at: string): LaunchType {
  if (v === undefined || v === null) return 'unknown';
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw new TaskDefinitionError(`${at} is not a list of strings`);
  }
  const fargate = v.includes('FARGATE');
  const ec2 = v.includes('EC2') || v.includes('EXTERNAL');
  return fargate && ec2 ? 'either' : fargate ? 'fargate' : ec2 ? 'ec2' : 'unknown';
}

/** Where a secret comes from, named without its ARN or parameter name. */
export function secretStore(valueFrom: string): string {
  if (/^arn:[^:]+:secretsmanager:/.test(valueFrom)) return 'Secrets Manager';
  if (/^arn:[^:]+:ssm:/.test(valueFrom) || (valueFrom !== '' && !valueFrom.startsWith('arn:'))) {
    return 'SSM Parameter Store';
  }
  return 'a secret store';
}
