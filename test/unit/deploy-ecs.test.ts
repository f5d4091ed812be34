/**
 * deploy/ecs/task-definition.json against the ECS API model (the RegisterTaskDefinition input shape
 * from botocore's service-2.json; Debian: `apt-get install -y python3-botocore`), plus the rolecall
 * container's contract with the image (health check command, port, essential: false).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const TASK_DEF = new URL('../../deploy/ecs/task-definition.json', import.meta.url);
const MODEL_DIR = '/usr/lib/python3/dist-packages/botocore/data/ecs';

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
 * Members newer than the model Debian ships (bookworm's botocore 1.29 is from Dec 2022). Applied
 * only when the model lacks them; a newer model must agree with them (checked below).
 * `restartPolicy`: ECS API reference, ContainerRestartPolicy (added 2024).
 */
const NEWER_THAN_MODEL: Record<string, Record<string, { shape: string; def?: Shape }>> = {
  ContainerDefinition: {
    restartPolicy: {
      shape: 'ContainerRestartPolicy',
      def: {
        type: 'structure',
        required: ['enabled'],
        members: {
          enabled: { shape: 'BoxedBoolean' },
          ignoredExitCodes: { shape: 'IntegerList' },
          restartAttemptPeriod: { shape: 'BoxedInteger' },
        },
      },
    },
  },
};
const OVERLAY_PRIMITIVES: Shapes = {
  BoxedBoolean: { type: 'boolean' },
  BoxedInteger: { type: 'integer' },
  IntegerList: { type: 'list', member: { shape: 'BoxedInteger' } },
};

/** The newest `<date>/service-2.json` under the botocore data dir, or a clear failure. */
function modelPath(): string {
  const dates = existsSync(MODEL_DIR) ? readdirSync(MODEL_DIR).sort() : [];
  const latest = dates.at(-1);
  const file =
    process.env.ROLECALL_ECS_MODEL ||
    (latest === undefined ? '' : join(MODEL_DIR, latest, 'service-2.json'));
  if (file === '' || !existsSync(file)) {
    assert.fail(
      `ECS API model not found at ${MODEL_DIR}/<date>/service-2.json. Install it with ` +
        '`apt-get install -y python3-botocore` (or set ROLECALL_ECS_MODEL to a service-2.json).',
    );
  }
  return file;
}

function loadShapes(): { shapes: Shapes; input: string } {
  const model = JSON.parse(readFileSync(modelPath(), 'utf8')) as {
    operations: Record<string, { input: { shape: string } }>;
    shapes: Shapes;
  };
  const shapes: Shapes = { ...model.shapes };
  for (const [name, prim] of Object.entries(OVERLAY_PRIMITIVES)) shapes[name] ??= prim;
  for (const [parent, extra] of Object.entries(NEWER_THAN_MODEL)) {
    const p = shapes[parent];
    assert.ok(p?.members, `model has no structure ${parent}`);
    for (const [member, { shape, def }] of Object.entries(extra)) {
      if (p.members[member] !== undefined) continue;
      shapes[parent] = { ...p, members: { ...p.members, [member]: { shape } } };
      if (def !== undefined) shapes[shape] ??= def;
    }
  }
  const input = model.operations.RegisterTaskDefinition?.input.shape;
  assert.ok(input, 'model has no RegisterTaskDefinition operation');
  return { shapes, input };
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

/** The fields the assertions below read; the model test above checks the whole document. */
interface Container {
  name: string;
  essential?: boolean;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  user?: string;
  readonlyRootFilesystem?: boolean;
  stopTimeout?: number;
  portMappings?: { containerPort: number }[];
  environment?: { name: string; value: string }[];
  linuxParameters?: unknown;
  healthCheck?: { command: string[] };
  restartPolicy?: { enabled: boolean };
  dockerLabels?: Record<string, string>;
  logConfiguration?: { logDriver: string; options?: Record<string, string> };
}
interface TaskDef {
  networkMode: string;
  taskRoleArn: string;
  cpu: string;
  memory: string;
  containerDefinitions: Container[];
}

const taskDef = () => JSON.parse(readFileSync(TASK_DEF, 'utf8')) as TaskDef;

test('task-definition.json matches the RegisterTaskDefinition input shape', () => {
  const { shapes, input } = loadShapes();
  assert.deepEqual(validate(taskDef(), input, shapes), []);
});

test('the validator catches unknown keys, wrong types and bad enum values', () => {
  const { shapes, input } = loadShapes();
  const bad = taskDef();
  const c = bad.containerDefinitions[1] as unknown as Record<string, unknown>;
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

test('members newer than the model agree with the model once it has them', () => {
  const { shapes } = loadShapes();
  for (const [parent, extra] of Object.entries(NEWER_THAN_MODEL))
    for (const [member, { shape, def }] of Object.entries(extra)) {
      assert.equal(shapes[parent]?.members?.[member]?.shape, shape, `${parent}.${member}`);
      assert.deepEqual(
        Object.keys(shapes[shape]?.members ?? {}).sort(),
        Object.keys(def?.members ?? {}).sort(),
      );
    }
});

/** Fargate task sizes: cpu units → allowed memory (MiB), 1 GiB steps except the smallest. */
const FARGATE: Record<string, number[]> = {
  '256': [512, 1024, 2048],
  '512': [1024, 2048, 3072, 4096],
  '1024': [2048, 3072, 4096, 5120, 6144, 7168, 8192],
};

test('task size is a Fargate combination and the containers fit in it', () => {
  const td = taskDef();
  assert.ok(FARGATE[td.cpu]?.includes(Number(td.memory)), `cpu ${td.cpu} / memory ${td.memory}`);
  const sum = (f: (c: Container) => number) =>
    td.containerDefinitions.reduce((n, c) => n + f(c), 0);
  assert.ok(sum((c) => c.cpu ?? 0) <= Number(td.cpu), 'container cpu fits the task');
  assert.ok(
    sum((c) => c.memoryReservation ?? c.memory ?? 0) <= Number(td.memory),
    'reservations fit the task',
  );
  for (const c of td.containerDefinitions)
    assert.ok((c.memory ?? 0) <= Number(td.memory), `${c.name} hard limit fits the task`);
});

test('the rolecall container: health check, only the metrics port, non-essential, hardened', () => {
  const td = taskDef();
  assert.equal(td.networkMode, 'awsvpc');
  assert.match(td.taskRoleArn, /^arn:aws:iam::\d{12}:role\//);
  const rc = td.containerDefinitions.find((c) => c.name === 'rolecall');
  assert.ok(rc, 'a container named rolecall');
  assert.equal(rc.essential, false);
  assert.deepEqual(rc.healthCheck?.command, [
    'CMD',
    '/nodejs/bin/node',
    '/app/dist/bin.js',
    'healthcheck',
  ]);
  assert.deepEqual(
    rc.portMappings?.map((p) => p.containerPort),
    [9477],
  );
  assert.equal(rc.readonlyRootFilesystem, true);
  assert.match(rc.user ?? '', /^[1-9]\d*(:\d+)?$/, 'numeric non-root user');
  assert.deepEqual(rc.linuxParameters, {
    capabilities: { drop: ['ALL'] },
    initProcessEnabled: true,
  });
  assert.equal(rc.restartPolicy?.enabled, true);
  assert.ok(rc.stopTimeout !== undefined && rc.stopTimeout >= 5 && rc.stopTimeout <= 120);
  assert.equal(rc.logConfiguration?.logDriver, 'awslogs');
  assert.equal(rc.logConfiguration?.options?.['awslogs-stream-prefix'], 'rolecall');
  assert.deepEqual(rc.dockerLabels, {
    ECS_PROMETHEUS_EXPORTER_PORT: '9477',
    ECS_PROMETHEUS_METRICS_PATH: '/metrics',
    ECS_PROMETHEUS_JOB_NAME: 'rolecall',
  });
  // A hard limit above serve + one health-check process on Node 24 (docs/deploy.md, Sizing).
  assert.ok((rc.memory ?? 0) >= 192, 'memory hard limit covers serve + healthcheck');
  const admin = rc.environment?.find((e) => e.name === 'ROLECALL_ADMIN_LISTEN');
  assert.equal(admin, undefined, 'admin listener stays on its loopback default');
});
