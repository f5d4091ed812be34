import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';

/** A container definition as CloudFormation renders it (PascalCase keys). */
export type ContainerJson = Record<string, unknown>;

export function fargateStack(): {
  stack: Stack;
  taskDefinition: ecs.FargateTaskDefinition;
  taskRole: iam.Role;
} {
  const stack = new Stack(new App(), 'Test');
  const taskRole = new iam.Role(stack, 'TaskRole', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
  });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TaskDefinition', { taskRole });
  return { stack, taskDefinition, taskRole };
}

export function ec2Stack(networkMode: ecs.NetworkMode): {
  stack: Stack;
  taskDefinition: ecs.Ec2TaskDefinition;
} {
  const stack = new Stack(new App(), 'Test');
  const taskDefinition = new ecs.Ec2TaskDefinition(stack, 'TaskDefinition', { networkMode });
  return { stack, taskDefinition };
}

/** The one task definition's properties in the synthesized template. */
export function taskDefinitionProps(stack: Stack): Record<string, unknown> {
  const resources = Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition');
  const all = Object.values(resources);
  if (all.length !== 1) throw new Error(`expected one task definition, found ${all.length}`);
  return (all[0] as { Properties: Record<string, unknown> }).Properties;
}

/** The container named `name` in the stack's one task definition. */
export function container(stack: Stack, name = 'rolecall'): ContainerJson {
  const definitions = taskDefinitionProps(stack).ContainerDefinitions as ContainerJson[];
  const found = definitions.find((c) => c.Name === name);
  if (found === undefined) throw new Error(`no container named ${name}`);
  return found;
}

/** Environment as a plain object, `undefined` when the container has none. */
export function env(c: ContainerJson): Record<string, unknown> | undefined {
  const list = c.Environment as { Name: string; Value: unknown }[] | undefined;
  return list === undefined ? undefined : Object.fromEntries(list.map((e) => [e.Name, e.Value]));
}

/** The example registry path of deploy/ecs/task-definition.json. */
export const REPOSITORY = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/rolecall';
export const IMAGE = { imageRepository: REPOSITORY } as const;
