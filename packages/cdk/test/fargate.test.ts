import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ROLECALL_VERSION, RolecallSidecar } from '../src/index.ts';
import { container, env, fargateStack, IMAGE, REPOSITORY } from './helpers.ts';

test('adds a non-essential, locked-down rolecall container with the documented defaults', () => {
  const { stack, taskDefinition } = fargateStack();
  new RolecallSidecar(taskDefinition, IMAGE);
  const c = container(stack);

  assert.equal(c.Essential, false);
  assert.equal(c.Image, `${REPOSITORY}:${ROLECALL_VERSION}`);
  assert.equal(c.User, '65532:65532');
  assert.equal(c.ReadonlyRootFilesystem, true);
  assert.equal(c.StopTimeout, 10);
  assert.deepEqual(c.RestartPolicy, {
    Enabled: true,
    IgnoredExitCodes: [0, 2],
    RestartAttemptPeriod: 60,
  });
  assert.deepEqual(c.LinuxParameters, {
    Capabilities: { Drop: ['ALL'] },
    InitProcessEnabled: true,
  });
  assert.deepEqual([c.Cpu, c.MemoryReservation, c.Memory], [64, 96, 128]);
  assert.deepEqual(c.PortMappings, [
    { AppProtocol: 'http', ContainerPort: 9477, Name: 'metrics', Protocol: 'tcp' },
  ]);
  assert.deepEqual(c.DockerLabels, {
    ECS_PROMETHEUS_EXPORTER_PORT: '9477',
    ECS_PROMETHEUS_METRICS_PATH: '/metrics',
    ECS_PROMETHEUS_JOB_NAME: 'rolecall',
  });
  assert.deepEqual(c.HealthCheck, {
    // The image's static client on /livez: no Node process per check, liveness only.
    Command: ['CMD', '/app/bin/healthcheck'],
    Interval: 30,
    Timeout: 5,
    Retries: 3,
    StartPeriod: 10,
  });
});

test('logs go non-blocking to a new one-month log group with the stream prefix rolecall', () => {
  const { stack, taskDefinition } = fargateStack();
  new RolecallSidecar(taskDefinition, IMAGE);
  const log = container(stack).LogConfiguration as {
    LogDriver: string;
    Options: Record<string, unknown>;
  };
  const groups = Template.fromStack(stack).findResources('AWS::Logs::LogGroup');
  assert.equal(Object.keys(groups).length, 1);
  const [logicalId, group] = Object.entries(groups)[0] ?? [];

  assert.equal(log.LogDriver, 'awslogs');
  assert.deepEqual(log.Options, {
    'awslogs-group': { Ref: logicalId },
    'awslogs-stream-prefix': 'rolecall',
    'awslogs-region': { Ref: 'AWS::Region' },
    mode: 'non-blocking',
    'max-buffer-size': '1048576b',
  });
  assert.deepEqual(group?.Properties, { RetentionInDays: 30 });
});

test('sets no rolecall variable unless asked, so the sidecar keeps its own defaults', () => {
  const { stack, taskDefinition } = fargateStack();
  new RolecallSidecar(taskDefinition, IMAGE);
  assert.equal(env(container(stack)), undefined);
});

test('passes the expected role, minimum TTL and poll interval in rolecall duration syntax', () => {
  const { stack, taskDefinition } = fargateStack();
  new RolecallSidecar(taskDefinition, {
    ...IMAGE,
    expectedRole: '*-task',
    minTtl: Duration.minutes(10),
    pollInterval: Duration.seconds(30),
    environment: { ROLECALL_LOG_LEVEL: 'debug', ROLECALL_MIN_TTL: 'overridden by minTtl' },
  });
  assert.deepEqual(env(container(stack)), {
    ROLECALL_LOG_LEVEL: 'debug',
    ROLECALL_EXPECTED_ROLE: '*-task',
    ROLECALL_MIN_TTL: '10m',
    ROLECALL_POLL_INTERVAL: '30s',
  });
});

test('an expected role given as a role becomes its ARN', () => {
  const { stack, taskDefinition, taskRole } = fargateStack();
  new RolecallSidecar(taskDefinition, { ...IMAGE, expectedRole: taskRole });
  const roleId = stack.getLogicalId(taskRole.node.defaultChild as iam.CfnRole);
  assert.deepEqual(env(container(stack)), {
    ROLECALL_EXPECTED_ROLE: { 'Fn::GetAtt': [roleId, 'Arn'] },
  });
});

test('durations use the largest exact unit, down to milliseconds', () => {
  const cases: [Duration, string][] = [
    [Duration.hours(2), '2h'],
    [Duration.minutes(90), '90m'],
    [Duration.seconds(45), '45s'],
    [Duration.millis(1500), '1500ms'],
  ];
  for (const [pollInterval, expected] of cases) {
    const { stack, taskDefinition } = fargateStack();
    new RolecallSidecar(taskDefinition, { ...IMAGE, pollInterval });
    assert.equal(env(container(stack))?.ROLECALL_POLL_INTERVAL, expected);
  }
});

test('a zero duration is refused with the prop name', () => {
  const { taskDefinition } = fargateStack();
  assert.throws(
    () => new RolecallSidecar(taskDefinition, { ...IMAGE, minTtl: Duration.seconds(0) }),
    /TaskDefinition\/Rolecall: minTtl must be a positive whole number of milliseconds, got 0ms/,
  );
});

test('without image or imageRepository it says what to set', () => {
  const { taskDefinition } = fargateStack();
  assert.throws(
    () => new RolecallSidecar(taskDefinition, { imageTag: '0.1.0' }),
    /Test\/TaskDefinition\/Rolecall: set image \(an ecs.ContainerImage\) or imageRepository/,
  );
});

test('an ECR repository gives an ECR image the execution role may pull', () => {
  const { stack, taskDefinition } = fargateStack();
  const repository = ecr.Repository.fromRepositoryName(stack, 'Repo', 'rolecall');
  new RolecallSidecar(taskDefinition, { imageRepository: repository, imageTag: '0.2.0' });

  assert.match(JSON.stringify(container(stack).Image), /rolecall:0\.2\.0/);
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const actions = JSON.stringify(Object.values(policies).map((p) => p.Properties.PolicyDocument));
  assert.match(actions, /ecr:BatchGetImage/);
  assert.match(actions, /ecr:GetAuthorizationToken/);
  Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
});

test('an explicit image wins over repository and tag', () => {
  const { stack, taskDefinition } = fargateStack();
  new RolecallSidecar(taskDefinition, {
    image: ecs.ContainerImage.fromRegistry('mirror.example/rolecall@sha256:abc'),
    imageRepository: 'ignored',
    imageTag: 'ignored',
  });
  assert.equal(container(stack).Image, 'mirror.example/rolecall@sha256:abc');
});

test('credential health (/healthz) is opt-in; the health check can be left out', () => {
  const opted = fargateStack();
  new RolecallSidecar(opted.taskDefinition, { ...IMAGE, healthCheck: 'healthz' });
  assert.deepEqual((container(opted.stack).HealthCheck as { Command: string[] }).Command, [
    'CMD',
    '/app/bin/healthcheck',
    '--healthz',
  ]);
  const none = fargateStack();
  new RolecallSidecar(none.taskDefinition, { ...IMAGE, healthCheck: 'none' });
  assert.equal(container(none.stack).HealthCheck, undefined);
});

test('tag, name, labels, logging and resources can be overridden', () => {
  const { stack, taskDefinition } = fargateStack();
  const logGroup = new logs.LogGroup(stack, 'Shared');
  new RolecallSidecar(taskDefinition, {
    ...IMAGE,
    imageTag: '9.9.9',
    containerName: 'identity',
    dockerLabels: { ECS_PROMETHEUS_JOB_NAME: 'orders-rolecall', team: 'payments' },
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'sidecars', logGroup }),
    cpu: 32,
    memoryReservationMiB: 112,
    memoryLimitMiB: 192,
  });
  const c = container(stack, 'identity');
  const options = (c.LogConfiguration as { Options: Record<string, unknown> }).Options;

  assert.equal(c.Image, `${REPOSITORY}:9.9.9`);
  assert.deepEqual(c.DockerLabels, {
    ECS_PROMETHEUS_EXPORTER_PORT: '9477',
    ECS_PROMETHEUS_METRICS_PATH: '/metrics',
    ECS_PROMETHEUS_JOB_NAME: 'orders-rolecall',
    team: 'payments',
  });
  assert.equal(options['awslogs-stream-prefix'], 'sidecars');
  assert.deepEqual([c.Cpu, c.MemoryReservation, c.Memory], [32, 112, 192]);
  Template.fromStack(stack).resourceCountIs('AWS::Logs::LogGroup', 1);
});

test('exposes the container so the app can depend on it', () => {
  const { stack, taskDefinition } = fargateStack();
  const app = taskDefinition.addContainer('App', {
    containerName: 'app',
    image: ecs.ContainerImage.fromRegistry('app:1'),
  });
  const rolecall = new RolecallSidecar(taskDefinition, IMAGE);
  app.addContainerDependencies({
    container: rolecall.container,
    condition: ecs.ContainerDependencyCondition.START,
  });

  assert.equal(rolecall.metricsPort, 9477);
  assert.equal(rolecall.node.path, 'Test/TaskDefinition/Rolecall');
  assert.deepEqual(container(stack, 'app').DependsOn, [
    { ContainerName: 'rolecall', Condition: 'START' },
  ]);
});

test('a task definition holds at most one rolecall', () => {
  const { taskDefinition } = fargateStack();
  new RolecallSidecar(taskDefinition, IMAGE);
  assert.throws(
    () => new RolecallSidecar(taskDefinition, IMAGE),
    /There is already a Construct with name 'Rolecall'/,
  );
});

test('the default image tag is the version of rolecall and of this package', () => {
  const version = (path: string) =>
    (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string })
      .version;
  assert.equal(ROLECALL_VERSION, version('../package.json'));
  assert.equal(ROLECALL_VERSION, version('../../../package.json'));
});
