/**
 * deploy/ecs/task-definition.json: the rolecall container's contract with the image (the static
 * health check on /livez, the port, essential: false, the measured memory), the app container's
 * own health check, the ECS Exec mounts of the incident path, and a valid Fargate size. The
 * document's shape against the ECS API model is test/tools/deploy-ecs-model.test.ts (botocore).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const TASK_DEF = new URL('../../deploy/ecs/task-definition.json', import.meta.url);

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
  mountPoints?: { sourceVolume: string; containerPath: string; readOnly?: boolean }[];
  restartPolicy?: { enabled: boolean };
  dockerLabels?: Record<string, string>;
  logConfiguration?: { logDriver: string; options?: Record<string, string> };
}
interface TaskDef {
  networkMode: string;
  volumes?: { name: string; host?: unknown }[];
  taskRoleArn: string;
  cpu: string;
  memory: string;
  containerDefinitions: Container[];
}

const taskDef = () => JSON.parse(readFileSync(TASK_DEF, 'utf8')) as TaskDef;

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
  // The static client on /livez: no Node process per check, and credentials never change health.
  assert.deepEqual(rc.healthCheck?.command, ['CMD', '/app/bin/healthcheck']);
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
  // Measured steady state plus headroom on Node 24 with the image's flags (docs/deploy.md, Sizing).
  assert.equal(rc.memoryReservation, 96);
  assert.equal(rc.memory, 128);
  const admin = rc.environment?.find((e) => e.name === 'ROLECALL_ADMIN_LISTEN');
  assert.equal(admin, undefined, 'admin listener stays on its loopback default');
});

test('the app container has its own health check, so rolecall never decides the task health', () => {
  const td = taskDef();
  const app = td.containerDefinitions.find((c) => c.essential === true);
  assert.ok(app, 'an essential app container');
  assert.ok(app.healthCheck?.command.length, 'the app container has a health check');
  assert.ok(!app.healthCheck?.command.join(' ').includes('rolecall'), 'it checks the app itself');
});

test('ECS Exec into the read-only app container: the agent gets its three writable mounts', () => {
  const td = taskDef();
  const app = td.containerDefinitions.find((c) => c.essential === true);
  assert.equal(app?.readonlyRootFilesystem, true);
  const paths = (app?.mountPoints ?? []).map((m) => m.containerPath).sort();
  assert.deepEqual(paths, ['/managed-agents', '/var/lib/amazon/ssm', '/var/log/amazon/ssm']);
  for (const m of app?.mountPoints ?? []) {
    assert.notEqual(m.readOnly, true, `${m.containerPath} is writable`);
    const v = td.volumes?.find((x) => x.name === m.sourceVolume);
    assert.deepEqual(v, { name: m.sourceVolume }, 'a task-scoped empty volume (no host path)');
  }
});
