import { Annotations, Duration, Size } from 'aws-cdk-lib';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  DEFAULT_CONTAINER_NAME,
  DEFAULT_CPU_UNITS,
  DEFAULT_MEMORY_LIMIT_MIB,
  DEFAULT_MEMORY_RESERVATION_MIB,
  DEFAULT_USER,
  HEALTH_CHECK,
  HEALTH_CHECK_COMMAND,
  LIVE_HEALTH_CHECK_COMMAND,
  LOG_MAX_BUFFER_MIB,
  LOG_STREAM_PREFIX,
  METRICS_PORT,
  METRICS_PORT_NAME,
  PROMETHEUS_DOCKER_LABELS,
  RESTART_ATTEMPT_PERIOD_SECONDS,
  RESTART_IGNORED_EXIT_CODES,
  ROLECALL_VERSION,
  STOP_TIMEOUT_SECONDS,
} from './defaults.ts';
import { formatDuration } from './duration.ts';

/**
 * What the container health check asks: `healthz` is credential health (503 while starting or
 * failing), `livez` only that the process serves, for those who alert on credentials through
 * metrics and never want ECS to act on an AWS-side problem.
 */
export type RolecallHealthCheck = 'healthz' | 'livez';

/** Give `image`, or `imageRepository` (with `imageTag`): rolecall publishes no public image. */
export interface RolecallSidecarProps {
  /** The image to run, e.g. `ContainerImage.fromEcrRepository(repo, '0.1.0')`. */
  readonly image?: ecs.ContainerImage;
  /**
   * Used without `image`: an ECR repository (the execution role is granted the pull), or any
   * registry path (`registry.example.com/rolecall`; pulling from ECR by path needs your own grant).
   */
  readonly imageRepository?: ecr.IRepository | string;
  /** Used with `imageRepository`. @default this package's version */
  readonly imageTag?: string;
  /** @default 'rolecall' */
  readonly containerName?: string;
  /**
   * `ROLECALL_EXPECTED_ROLE`: a role ARN, a glob on the ARN or role name (`*-task`), or a role
   * (its ARN is used, e.g. `taskDefinition.taskRole`). A mismatch makes `/healthz` failing.
   * @default unset: any role is accepted
   */
  readonly expectedRole?: string | iam.IRole;
  /** `ROLECALL_MIN_TTL`. @default unset: rolecall's own default, 10 minutes */
  readonly minTtl?: Duration;
  /** `ROLECALL_POLL_INTERVAL`. @default unset: rolecall's own default, 60 seconds */
  readonly pollInterval?: Duration;
  /** More variables (`ROLECALL_LOG_LEVEL`, ...); the typed props above win over these. */
  readonly environment?: Readonly<Record<string, string>>;
  /** More Docker labels, merged over the Prometheus discovery labels. */
  readonly dockerLabels?: Readonly<Record<string, string>>;
  /** @default 'healthz' */
  readonly healthCheck?: RolecallHealthCheck;
  /**
   * @default awslogs, stream prefix 'rolecall', non-blocking with a 1 MiB buffer, into a new
   * log group kept one month
   */
  readonly logging?: ecs.LogDriver;
  /** @default 64 */
  readonly cpu?: number;
  /** Soft limit. @default 128 */
  readonly memoryReservationMiB?: number;
  /** Hard limit, with room for the health-check process. @default 256 */
  readonly memoryLimitMiB?: number;
}

/**
 * Adds the rolecall sidecar to an ECS task definition, with the defaults of
 * `deploy/ecs/task-definition.json`: not essential, restarted when it exits (except after a clean
 * stop or a configuration error), non-root, read-only root file system, all capabilities dropped,
 * an init process, non-blocking awslogs, the metrics port only, the CloudWatch agent's Prometheus
 * labels and an exec-form health check.
 *
 * The construct lives under the task definition (`<TaskDefinition>/Rolecall`), so a task
 * definition holds at most one: a second is a construct-id clash, refused at once.
 *
 * ```ts
 * const rolecall = new RolecallSidecar(taskDefinition, {
 *   imageRepository: ecr.Repository.fromRepositoryName(this, 'RolecallRepo', 'rolecall'),
 *   expectedRole: taskDefinition.taskRole,
 * });
 * ```
 */
export class RolecallSidecar extends Construct {
  /** The construct id under the task definition. */
  static readonly ID = 'Rolecall';

  /** The container: for `addContainerDependencies`, `addMountPoints`, a service's `cloudMapOptions`, ... */
  readonly container: ecs.ContainerDefinition;
  /** The public port: `/metrics`, `/healthz`, `/livez`. */
  readonly metricsPort: number = METRICS_PORT;

  constructor(taskDefinition: ecs.TaskDefinition, props: RolecallSidecarProps) {
    super(taskDefinition, RolecallSidecar.ID);
    const networkMode = taskDefinition.networkMode;
    if (networkMode === ecs.NetworkMode.NONE) {
      throw new Error(
        `${this.node.path}: rolecall needs a network to reach the credentials endpoint and be scraped; the task definition's network mode is 'none'`,
      );
    }

    const linuxParameters = new ecs.LinuxParameters(this, 'LinuxParameters', {
      initProcessEnabled: true,
    });
    linuxParameters.dropCapabilities(ecs.Capability.ALL);

    this.container = new ecs.ContainerDefinition(this, 'Container', {
      taskDefinition,
      containerName: props.containerName ?? DEFAULT_CONTAINER_NAME,
      image: image(props, this.node.path),
      essential: false,
      enableRestartPolicy: true,
      restartIgnoredExitCodes: [...RESTART_IGNORED_EXIT_CODES],
      restartAttemptPeriod: Duration.seconds(RESTART_ATTEMPT_PERIOD_SECONDS),
      stopTimeout: Duration.seconds(STOP_TIMEOUT_SECONDS),
      user: DEFAULT_USER,
      readonlyRootFilesystem: true,
      linuxParameters,
      cpu: props.cpu ?? DEFAULT_CPU_UNITS,
      memoryReservationMiB: props.memoryReservationMiB ?? DEFAULT_MEMORY_RESERVATION_MIB,
      memoryLimitMiB: props.memoryLimitMiB ?? DEFAULT_MEMORY_LIMIT_MIB,
      logging: props.logging ?? defaultLogging(),
      portMappings: [
        {
          containerPort: METRICS_PORT,
          protocol: ecs.Protocol.TCP,
          // ECS accepts a port name and app protocol in awsvpc and bridge modes only.
          ...(networkMode === ecs.NetworkMode.HOST
            ? {}
            : { name: METRICS_PORT_NAME, appProtocol: ecs.AppProtocol.http }),
        },
      ],
      dockerLabels: { ...PROMETHEUS_DOCKER_LABELS, ...props.dockerLabels },
      healthCheck: {
        command: [
          ...(props.healthCheck === 'livez' ? LIVE_HEALTH_CHECK_COMMAND : HEALTH_CHECK_COMMAND),
        ],
        interval: Duration.seconds(HEALTH_CHECK.intervalSeconds),
        timeout: Duration.seconds(HEALTH_CHECK.timeoutSeconds),
        retries: HEALTH_CHECK.retries,
        startPeriod: Duration.seconds(HEALTH_CHECK.startPeriodSeconds),
      },
      environment: environment(props, this.node.path),
    });

    if (networkMode === ecs.NetworkMode.HOST) {
      Annotations.of(this).addWarningV2(
        '@rolecall/cdk:hostNetworkMode',
        `rolecall binds ${METRICS_PORT} on the host in host network mode: only one such task fits on an instance, and its admin listener is reachable from the whole host`,
      );
    }
  }
}

function image(props: RolecallSidecarProps, path: string): ecs.ContainerImage {
  if (props.image !== undefined) return props.image;
  if (props.imageRepository === undefined) {
    throw new Error(
      `${path}: set image (an ecs.ContainerImage) or imageRepository (an ECR repository or a registry path); rolecall publishes no public image, build it from the Dockerfile`,
    );
  }
  const tag = props.imageTag ?? ROLECALL_VERSION;
  const repository = props.imageRepository;
  return typeof repository === 'string'
    ? ecs.ContainerImage.fromRegistry(`${repository}:${tag}`)
    : ecs.ContainerImage.fromEcrRepository(repository, tag);
}

function defaultLogging(): ecs.LogDriver {
  return ecs.LogDrivers.awsLogs({
    streamPrefix: LOG_STREAM_PREFIX,
    mode: ecs.AwsLogDriverMode.NON_BLOCKING,
    maxBufferSize: Size.mebibytes(LOG_MAX_BUFFER_MIB),
    logRetention: logs.RetentionDays.ONE_MONTH,
  });
}

function environment(props: RolecallSidecarProps, path: string): Record<string, string> {
  const env: Record<string, string> = { ...props.environment };
  const role = props.expectedRole;
  if (role !== undefined) {
    env.ROLECALL_EXPECTED_ROLE = typeof role === 'string' ? role : role.roleArn;
  }
  if (props.minTtl !== undefined) {
    env.ROLECALL_MIN_TTL = formatDuration(props.minTtl, `${path}: minTtl`);
  }
  if (props.pollInterval !== undefined) {
    env.ROLECALL_POLL_INTERVAL = formatDuration(props.pollInterval, `${path}: pollInterval`);
  }
  return env;
}
