/**
 * The `RolecallSidecar` construct: adds the rolecall container to a task definition with the
 * shared defaults, and optionally its CloudWatch alarms. Over 250 lines on purpose: one construct
 * and its props, documented in one place.
 */
import { Annotations, Duration, Size } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ALARM_TEMPLATES, type AlarmTemplate } from './alarm-templates.ts';
import {
  DEFAULT_CONTAINER_NAME,
  DEFAULT_CPU_UNITS,
  DEFAULT_MEMORY_LIMIT_MIB,
  DEFAULT_MEMORY_RESERVATION_MIB,
  DEFAULT_USER,
  HEALTH_CHECK,
  HEALTH_CHECK_COMMAND,
  HEALTHZ_HEALTH_CHECK_COMMAND,
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

/** The opt-in CloudWatch alarms (docs/monitoring.md, "CloudWatch"). */
export interface RolecallAlarmsProps {
  /** The `ClusterName` dimension: the `cluster_name` of the CloudWatch agent's prometheus section. */
  readonly clusterName: string;
  /** ARNs (e.g. SNS topics) notified on ALARM and OK by the critical alarms. @default none */
  readonly criticalActions?: readonly string[];
  /** The same for the warning alarms. @default none */
  readonly warningActions?: readonly string[];
  /** Absolute URL of your copy of docs/monitoring.md, linked from each alarm's description. */
  readonly runbookBase?: string;
}

/** The default runbook base: the same placeholder as the Prometheus rules' runbook_url. */
export const DEFAULT_RUNBOOK_BASE = 'https://rolecall.invalid/docs/monitoring.md';

/**
 * What the container health check asks: `livez` (the default) only that the process serves, so a
 * credentials problem never changes the task's health; `healthz` is credential health (unhealthy
 * while starting or failing), for those who want it in `DescribeTasks` and accept that ECS may act
 * on it (docs/deploy.md, "The health check"); `none` leaves the container without a health check.
 */
export type RolecallHealthCheck = 'healthz' | 'livez' | 'none';

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
  /** @default 'livez' */
  readonly healthCheck?: RolecallHealthCheck;
  /**
   * @default awslogs, stream prefix 'rolecall', non-blocking with a 1 MiB buffer, into a new
   * log group kept one month
   */
  readonly logging?: ecs.LogDriver;
  /** @default 64 */
  readonly cpu?: number;
  /** Soft limit. @default 96 */
  readonly memoryReservationMiB?: number;
  /** Hard limit. @default 128 */
  readonly memoryLimitMiB?: number;
  /**
   * CloudWatch alarms equivalent to the Prometheus alerts, on the metrics the CloudWatch agent
   * sends (deploy/cloudwatch-agent): one set for this task definition's family. Opt-in.
   * @default no alarms
   */
  readonly alarms?: RolecallAlarmsProps;
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
  /** The CloudWatch alarms, when `alarms` is set; empty otherwise. */
  readonly alarms: readonly cloudwatch.CfnAlarm[];

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
      ...(props.healthCheck === 'none'
        ? {}
        : {
            healthCheck: {
              command: [
                ...(props.healthCheck === 'healthz'
                  ? HEALTHZ_HEALTH_CHECK_COMMAND
                  : HEALTH_CHECK_COMMAND),
              ],
              interval: Duration.seconds(HEALTH_CHECK.intervalSeconds),
              timeout: Duration.seconds(HEALTH_CHECK.timeoutSeconds),
              retries: HEALTH_CHECK.retries,
              startPeriod: Duration.seconds(HEALTH_CHECK.startPeriodSeconds),
            },
          }),
      environment: environment(props, this.node.path),
    });

    this.alarms =
      props.alarms === undefined ? [] : alarms(this, taskDefinition.family, props.alarms);

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

/** One CfnAlarm per template: the templates are PutMetricAlarm input, CloudFormation's shape. */
function alarms(
  scope: Construct,
  family: string,
  props: RolecallAlarmsProps,
): cloudwatch.CfnAlarm[] {
  const vars: Record<string, string> = {
    cluster_name: props.clusterName,
    family,
    runbook_base: props.runbookBase ?? DEFAULT_RUNBOOK_BASE,
  };
  const fill = (text: string) => text.replace(/\$\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');
  return ALARM_TEMPLATES.map((t: AlarmTemplate) => {
    const severity = t.Tags.find((tag) => tag.Key === 'severity')?.Value;
    const arns = [
      ...((severity === 'critical' ? props.criticalActions : props.warningActions) ?? []),
    ];
    const id = t.Tags.find((tag) => tag.Key === 'rolecall:alert')?.Value ?? t.AlarmName;
    return new cloudwatch.CfnAlarm(scope, id, {
      alarmName: fill(t.AlarmName),
      alarmDescription: fill(t.AlarmDescription),
      comparisonOperator: t.ComparisonOperator,
      threshold: t.Threshold,
      evaluationPeriods: t.EvaluationPeriods,
      datapointsToAlarm: t.DatapointsToAlarm,
      treatMissingData: t.TreatMissingData,
      ...(arns.length > 0 ? { alarmActions: arns, okActions: arns } : {}),
      metrics: t.Metrics.map((m) => ({
        id: m.Id,
        returnData: m.ReturnData,
        ...(m.Expression === undefined ? {} : { expression: m.Expression }),
        ...(m.Label === undefined ? {} : { label: m.Label }),
        ...(m.MetricStat === undefined
          ? {}
          : {
              metricStat: {
                metric: {
                  namespace: m.MetricStat.Metric.Namespace,
                  metricName: m.MetricStat.Metric.MetricName,
                  dimensions: m.MetricStat.Metric.Dimensions.map((d) => ({
                    name: d.Name,
                    value: fill(d.Value),
                  })),
                },
                period: m.MetricStat.Period,
                stat: m.MetricStat.Stat,
              },
            }),
      })),
      tags: t.Tags.map((tag) => ({ key: tag.Key, value: tag.Value })),
    });
  });
}
