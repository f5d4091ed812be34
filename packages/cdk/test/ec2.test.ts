import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { RolecallSidecar } from '../src/index.ts';
import { container, ec2Stack, IMAGE, taskDefinitionProps } from './helpers.ts';

test('EC2 bridge mode: a dynamic host port for the named metrics port, same hardening', () => {
  const { stack, taskDefinition } = ec2Stack(ecs.NetworkMode.BRIDGE);
  // Not an ECR path, so CDK has no pull-permission warning to give either.
  new RolecallSidecar(taskDefinition, { imageRepository: 'registry.example/rolecall' });
  const c = container(stack);

  assert.equal(taskDefinitionProps(stack).NetworkMode, 'bridge');
  assert.deepEqual(c.PortMappings, [
    { AppProtocol: 'http', ContainerPort: 9477, HostPort: 0, Name: 'metrics', Protocol: 'tcp' },
  ]);
  // EC2 needs a memory figure per container; the reservation is it.
  assert.deepEqual([c.MemoryReservation, c.Memory], [96, 128]);
  assert.equal(c.Essential, false);
  assert.equal(c.ReadonlyRootFilesystem, true);
  assert.equal(c.User, '65532:65532');
  assert.deepEqual(c.LinuxParameters, {
    Capabilities: { Drop: ['ALL'] },
    InitProcessEnabled: true,
  });
  assert.equal((c.DockerLabels as Record<string, string>).ECS_PROMETHEUS_EXPORTER_PORT, '9477');
  assert.deepEqual((c.HealthCheck as { Command: string[] }).Command, [
    'CMD',
    '/app/bin/healthcheck',
  ]);
  Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
});

test('EC2 awsvpc mode: no host port, ECS uses the container port', () => {
  const { stack, taskDefinition } = ec2Stack(ecs.NetworkMode.AWS_VPC);
  new RolecallSidecar(taskDefinition, IMAGE);
  assert.deepEqual(container(stack).PortMappings, [
    { AppProtocol: 'http', ContainerPort: 9477, Name: 'metrics', Protocol: 'tcp' },
  ]);
});

test('EC2 host mode: an unnamed port (ECS rejects names and app protocols there) and a warning', () => {
  const { stack, taskDefinition } = ec2Stack(ecs.NetworkMode.HOST);
  new RolecallSidecar(taskDefinition, IMAGE);
  assert.deepEqual(container(stack).PortMappings, [{ ContainerPort: 9477, Protocol: 'tcp' }]);
  Annotations.fromStack(stack).hasWarning(
    '/Test/TaskDefinition/Rolecall',
    Match.stringLikeRegexp('binds 9477 on the host in host network mode'),
  );
});

test("network mode 'none' is refused: nothing could scrape the sidecar", () => {
  const { taskDefinition } = ec2Stack(ecs.NetworkMode.NONE);
  assert.throws(() => new RolecallSidecar(taskDefinition, IMAGE), /network mode is 'none'/);
});
