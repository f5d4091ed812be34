/**
 * deploy/ecs/task-definition.json against the ECS API model: the RegisterTaskDefinition input
 * shape from botocore's service model (`python3` with botocore >= 1.43), so a typo such as
 * `essentail` or a string where ECS wants an integer fails. Also validates the container that the
 * docs' Terraform example and the CDK example template produce.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const TASK_DEF = new URL('../../deploy/ecs/task-definition.json', import.meta.url);

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
}
type Shapes = Record<string, Shape>;

/**
 * The ECS API model as botocore ships it (`ecs/<date>/service-2.json.gz`), loaded by the `python3`
 * on PATH (the pyenv one, botocore >= 1.43; Debian's python3-botocore is a 2022 model that predates
 * container restart policies). Fails if python3 or botocore is missing or too old.
 */
function loadShapes(): { shapes: Shapes; input: string } {
  const r = spawnSync(
    'python3',
    [
      '-c',
      [
        'import json, sys, botocore, botocore.loaders',
        'v = tuple(int(x) for x in botocore.__version__.split(".")[:2])',
        'sys.exit("botocore %s is older than 1.43" % botocore.__version__) if v < (1, 43) else None',
        'print(json.dumps(botocore.loaders.Loader().load_service_model("ecs", "service-2")))',
      ].join('\n'),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    },
  );
  if (r.error !== undefined || r.status !== 0) {
    assert.fail(
      `cannot load the ECS API model with python3 + botocore >= 1.43 (pip install botocore): ${r.error?.message ?? r.stderr}`,
    );
  }
  const model = JSON.parse(r.stdout) as {
    operations: Record<string, { input: { shape: string } }>;
    shapes: Shapes;
  };
  const input = model.operations.RegisterTaskDefinition?.input.shape;
  assert.ok(input, 'model has no RegisterTaskDefinition operation');
  return { shapes: model.shapes, input };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem of `value` against `shapeName`, as `path: problem` lines. */
export function validate(value: unknown, shapeName: string, shapes: Shapes, path = '$'): string[] {
  const shape = shapes[shapeName];
  if (shape === undefined) return [`${path}: model has no shape ${shapeName}`];
  const want = (what: string) => [`${path}: expected ${what} (${shapeName}), got ${show(value)}`];
  switch (shape.type) {
    case 'structure': {
      if (!isObject(value)) return want('an object');
      const members = shape.members ?? {};
      const out: string[] = [];
      for (const r of shape.required ?? [])
        if (!(r in value)) out.push(`${path}: missing required ${r} (${shapeName})`);
      for (const [k, v] of Object.entries(value)) {
        const m = members[k];
        if (m === undefined)
          out.push(
            `${path}.${k}: not a member of ${shapeName} (${Object.keys(members).join(', ')})`,
          );
        else out.push(...validate(v, m.shape, shapes, `${path}.${k}`));
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) return want('an array');
      if (shape.min !== undefined && value.length < shape.min) return want(`≥ ${shape.min} items`);
      return value.flatMap((v, i) =>
        validate(v, shape.member?.shape ?? '', shapes, `${path}[${i}]`),
      );
    case 'map':
      if (!isObject(value)) return want('an object (map)');
      return Object.entries(value).flatMap(([k, v]) => [
        ...validate(k, shape.key?.shape ?? '', shapes, `${path}{key ${k}}`),
        ...validate(v, shape.value?.shape ?? '', shapes, `${path}.${k}`),
      ]);
    case 'string':
      if (typeof value !== 'string') return want('a string');
      if (shape.enum && !shape.enum.includes(value)) return want(`one of ${shape.enum.join('|')}`);
      if (shape.min !== undefined && value.length < shape.min) return want(`≥ ${shape.min} chars`);
      if (shape.max !== undefined && value.length > shape.max) return want(`≤ ${shape.max} chars`);
      return [];
    case 'integer':
    case 'long':
      return Number.isInteger(value) ? [] : want('an integer');
    case 'double':
    case 'float':
      return typeof value === 'number' ? [] : want('a number');
    case 'boolean':
      return typeof value === 'boolean' ? [] : want('a boolean');
    default:
      return want(`a supported shape type, not ${shape.type}`);
  }
}

const show = (v: unknown) => (Array.isArray(v) ? 'an array' : `${typeof v} ${JSON.stringify(v)}`);

const taskDef = () => JSON.parse(readFileSync(TASK_DEF, 'utf8')) as Record<string, unknown>;

test('task-definition.json matches the RegisterTaskDefinition input shape', () => {
  const { shapes, input } = loadShapes();
  assert.deepEqual(validate(taskDef(), input, shapes), []);
});

test('the validator catches unknown keys, wrong types and bad enum values', () => {
  const { shapes, input } = loadShapes();
  const bad = taskDef() as { containerDefinitions: Record<string, unknown>[] };
  const c = bad.containerDefinitions[1] as Record<string, unknown>;
  c.essentail = false;
  c.stopTimeout = '10';
  c.portMappings = [{ containerPort: 9477, protocol: 'sctp' }];
  c.healthCheck = { command: 'healthcheck' };
  c.restartPolicy = { enabled: 'yes' };
  assert.deepEqual(
    validate(bad, input, shapes).map((p) => p.replace(/ \(.*$/, '')),
    [
      '$.containerDefinitions[1].portMappings[0].protocol: expected one of tcp|udp',
      '$.containerDefinitions[1].healthCheck.command: expected an array',
      '$.containerDefinitions[1].restartPolicy.enabled: expected a boolean',
      '$.containerDefinitions[1].stopTimeout: expected an integer',
      '$.containerDefinitions[1].essentail: not a member of ContainerDefinition',
    ],
  );
});
