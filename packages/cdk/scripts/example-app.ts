import { App, DefaultStackSynthesizer, Duration, type IStackSynthesizer, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RolecallSidecar } from '../src/index.ts';

export const EXAMPLE_STACK_NAME = 'RolecallExample';

/**
 * The stack behind `deploy/cdk/rolecall-example.template.json`: an app container on Fargate with
 * rolecall beside it, checking that the task runs as its own task role. No account, region or
 * bootstrap version is involved, so the template is the same on every machine.
 */
export function exampleTemplate(): Record<string, unknown> {
  const app = new App({ analyticsReporting: false });
  const stack = new Stack(app, EXAMPLE_STACK_NAME, {
    // No BootstrapVersion parameter and rule: they are noise in an example. (The cast bridges
    // aws-cdk-lib's typings, which predate exactOptionalPropertyTypes.)
    synthesizer: new DefaultStackSynthesizer({
      generateBootstrapVersionRule: false,
    }) as IStackSynthesizer,
  });

  const taskRole = new iam.Role(stack, 'TaskRole', {
    roleName: 'orders-task',
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
  });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TaskDefinition', {
    family: 'orders',
    cpu: 256,
    memoryLimitMiB: 512,
    taskRole,
  });
  const appContainer = taskDefinition.addContainer('App', {
    containerName: 'app',
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/nginx:1.27'),
    essential: true,
    portMappings: [{ containerPort: 80, name: 'http' }],
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app' }),
    // The app's own health check: with it, rolecall's (non-essential) check never decides the
    // task's health, whatever revision of the ECS rules applies.
    healthCheck: {
      command: ['CMD-SHELL', 'curl -fsS -o /dev/null http://127.0.0.1/ || exit 1'],
      interval: Duration.seconds(30),
      timeout: Duration.seconds(5),
      retries: 3,
      startPeriod: Duration.seconds(30),
    },
  });

  const rolecall = new RolecallSidecar(taskDefinition, {
    // An ECR repository, so the execution role is granted the pull.
    imageRepository: ecr.Repository.fromRepositoryName(stack, 'RolecallRepository', 'rolecall'),
    expectedRole: taskRole,
    minTtl: Duration.minutes(15),
  });
  // The app does not wait for rolecall to be healthy: an observer must not gate the workload.
  appContainer.addContainerDependencies({
    container: rolecall.container,
    condition: ecs.ContainerDependencyCondition.START,
  });

  return app.synth().getStackByName(EXAMPLE_STACK_NAME).template as Record<string, unknown>;
}

/** The committed file's text: two-space JSON with a final newline. */
export function exampleTemplateText(): string {
  return `${JSON.stringify(exampleTemplate(), null, 2)}\n`;
}
