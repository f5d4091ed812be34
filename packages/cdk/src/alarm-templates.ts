/**
 * The CloudWatch alarm templates: PutMetricAlarm input with `${cluster_name}`, `${family}` and
 * `${runbook_base}` to fill in. A copy of deploy/cloudwatch/rolecall-alarms.json (which Terraform
 * reads), kept inside this package so it builds on its own; test/alarms.test.ts holds them equal.
 */
/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: placeholders, not template literals */

export interface AlarmTemplate {
  readonly AlarmName: string;
  readonly AlarmDescription: string;
  readonly Metrics: readonly {
    readonly Id: string;
    readonly ReturnData: boolean;
    readonly Expression?: string;
    readonly Label?: string;
    readonly MetricStat?: {
      readonly Metric: {
        readonly Namespace: string;
        readonly MetricName: string;
        readonly Dimensions: readonly { readonly Name: string; readonly Value: string }[];
      };
      readonly Period: number;
      readonly Stat: string;
    };
  }[];
  readonly ComparisonOperator: string;
  readonly Threshold: number;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm: number;
  readonly TreatMissingData: string;
  readonly Tags: readonly { readonly Key: string; readonly Value: string }[];
}

export const ALARM_TEMPLATES: readonly AlarmTemplate[] = [
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-CredentialsUnavailable',
    AlarmDescription:
      'A task of ${family} has held no valid credentials for 5 minutes (never obtained, lost, or no source). Runbook: ${runbook_base}#rolecallcredentialsunavailable',
    Metrics: [
      {
        Id: 'up',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_credentials_up',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 60,
          Stat: 'Minimum',
        },
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'LessThanThreshold',
    Threshold: 1,
    EvaluationPeriods: 5,
    DatapointsToAlarm: 5,
    TreatMissingData: 'missing',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallCredentialsUnavailable',
      },
      {
        Key: 'severity',
        Value: 'critical',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-FleetCredentialsUnavailable',
    AlarmDescription:
      'Half or more of the ${family} tasks hold no valid credentials: a cluster-wide or regional event. Runbook: ${runbook_base}#rolecallfleetcredentialsunavailable',
    Metrics: [
      {
        Id: 'up',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_credentials_up',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 60,
          Stat: 'Average',
        },
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'LessThanOrEqualToThreshold',
    Threshold: 0.5,
    EvaluationPeriods: 5,
    DatapointsToAlarm: 5,
    TreatMissingData: 'missing',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallFleetCredentialsUnavailable',
      },
      {
        Key: 'severity',
        Value: 'critical',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-CredentialsExpiringSoon',
    AlarmDescription:
      'Credentials of a ${family} task expire in under 10 minutes without rotation. Runbook: ${runbook_base}#rolecallcredentialsexpiringsoon',
    Metrics: [
      {
        Id: 'exp',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_credentials_expiration_timestamp_seconds',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 60,
          Stat: 'Minimum',
        },
        ReturnData: false,
      },
      {
        Id: 'left',
        Expression: 'exp - EPOCH(exp)',
        Label: 'Seconds until the soonest expiry',
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'LessThanThreshold',
    Threshold: 600,
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    TreatMissingData: 'missing',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallCredentialsExpiringSoon',
      },
      {
        Key: 'severity',
        Value: 'warning',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-CredentialsExpiringCritical',
    AlarmDescription:
      'Credentials of a ${family} task expire in under 5 minutes without rotation. Runbook: ${runbook_base}#rolecallcredentialsexpiringcritical',
    Metrics: [
      {
        Id: 'exp',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_credentials_expiration_timestamp_seconds',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 60,
          Stat: 'Minimum',
        },
        ReturnData: false,
      },
      {
        Id: 'left',
        Expression: 'exp - EPOCH(exp)',
        Label: 'Seconds until the soonest expiry',
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'LessThanThreshold',
    Threshold: 300,
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    TreatMissingData: 'missing',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallCredentialsExpiringCritical',
      },
      {
        Key: 'severity',
        Value: 'critical',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-CredentialsExpired',
    AlarmDescription:
      'Credentials of a ${family} task have expired (two minutes in a row). Runbook: ${runbook_base}#rolecallcredentialsexpired',
    Metrics: [
      {
        Id: 'exp',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_credentials_expiration_timestamp_seconds',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 60,
          Stat: 'Minimum',
        },
        ReturnData: false,
      },
      {
        Id: 'left',
        Expression: 'exp - EPOCH(exp)',
        Label: 'Seconds until the soonest expiry',
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'LessThanOrEqualToThreshold',
    Threshold: 0,
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    TreatMissingData: 'missing',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallCredentialsExpired',
      },
      {
        Key: 'severity',
        Value: 'critical',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-EndpointFailing',
    AlarmDescription:
      'A ${family} task has fetched no credentials for over 5 minutes. Runbook: ${runbook_base}#rolecallendpointfailing',
    Metrics: [
      {
        Id: 'last',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_last_successful_poll_timestamp_seconds',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 60,
          Stat: 'Minimum',
        },
        ReturnData: false,
      },
      {
        Id: 'stale',
        Expression: 'EPOCH(last) - last',
        Label: 'Seconds since the oldest last success',
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 300,
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    TreatMissingData: 'missing',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallEndpointFailing',
      },
      {
        Key: 'severity',
        Value: 'warning',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-NoSuccessfulPoll',
    AlarmDescription:
      'A ${family} task has fetched no credentials for over 15 minutes. Runbook: ${runbook_base}#rolecallnosuccessfulpoll',
    Metrics: [
      {
        Id: 'last',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_last_successful_poll_timestamp_seconds',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 60,
          Stat: 'Minimum',
        },
        ReturnData: false,
      },
      {
        Id: 'stale',
        Expression: 'EPOCH(last) - last',
        Label: 'Seconds since the oldest last success',
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 900,
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    TreatMissingData: 'missing',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallNoSuccessfulPoll',
      },
      {
        Key: 'severity',
        Value: 'critical',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-PollsStalled',
    AlarmDescription:
      'rolecall in ${family} holds credentials but has not polled for 15 minutes. Runbook: ${runbook_base}#rolecallpollsstalled',
    Metrics: [
      {
        Id: 'polls',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_polls_total',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 300,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      {
        Id: 'up',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_credentials_up',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 300,
          Stat: 'Maximum',
        },
        ReturnData: false,
      },
      {
        Id: 'stalled',
        Expression: 'IF(polls == 0 AND up >= 1, 1, 0)',
        Label: 'Stalled while holding credentials',
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 3,
    TreatMissingData: 'missing',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallPollsStalled',
      },
      {
        Key: 'severity',
        Value: 'warning',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-RoleChanged',
    AlarmDescription:
      'The IAM role of a running ${family} task changed. Runbook: ${runbook_base}#rolecallrolechanged',
    Metrics: [
      {
        Id: 'changes',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_role_changes_total',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 300,
          Stat: 'Sum',
        },
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    TreatMissingData: 'notBreaching',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallRoleChanged',
      },
      {
        Key: 'severity',
        Value: 'warning',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-UnexpectedRole',
    AlarmDescription:
      'A ${family} task runs with a role that does not match ROLECALL_EXPECTED_ROLE. Runbook: ${runbook_base}#rolecallunexpectedrole',
    Metrics: [
      {
        Id: 'match',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_expected_role_match',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 60,
          Stat: 'Minimum',
        },
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'LessThanThreshold',
    Threshold: 1,
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    TreatMissingData: 'missing',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallUnexpectedRole',
      },
      {
        Key: 'severity',
        Value: 'critical',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-InstanceRoleFallback',
    AlarmDescription:
      'A ${family} task uses the EC2 instance role instead of a task role. Runbook: ${runbook_base}#rolecallinstancerolefallback',
    Metrics: [
      {
        Id: 'fallback',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_identity_info',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
              {
                Name: 'source',
                Value: 'iam-role',
              },
            ],
          },
          Period: 60,
          Stat: 'Maximum',
        },
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1,
    EvaluationPeriods: 2,
    DatapointsToAlarm: 2,
    TreatMissingData: 'notBreaching',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallInstanceRoleFallback',
      },
      {
        Key: 'severity',
        Value: 'warning',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-CredentialsShadowed',
    AlarmDescription:
      'An SDK in a ${family} task uses other credentials than the task role. Runbook: ${runbook_base}#rolecallcredentialsshadowed',
    Metrics: [
      {
        Id: 'shadowed',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_credentials_shadowed',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 60,
          Stat: 'Maximum',
        },
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    Threshold: 1,
    EvaluationPeriods: 5,
    DatapointsToAlarm: 5,
    TreatMissingData: 'notBreaching',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallCredentialsShadowed',
      },
      {
        Key: 'severity',
        Value: 'warning',
      },
    ],
  },
  {
    AlarmName: 'rolecall-${cluster_name}-${family}-SidecarAbsent',
    AlarmDescription:
      'No rolecall metrics from any ${family} task for 10 minutes: the sidecar is down everywhere or not scraped. Runbook: ${runbook_base}#rolecallsidecarabsent',
    Metrics: [
      {
        Id: 'samples',
        MetricStat: {
          Metric: {
            Namespace: 'ECS/ContainerInsights/Prometheus',
            MetricName: 'rolecall_credentials_up',
            Dimensions: [
              {
                Name: 'ClusterName',
                Value: '${cluster_name}',
              },
              {
                Name: 'TaskDefinitionFamily',
                Value: '${family}',
              },
            ],
          },
          Period: 60,
          Stat: 'SampleCount',
        },
        ReturnData: true,
      },
    ],
    ComparisonOperator: 'LessThanThreshold',
    Threshold: 1,
    EvaluationPeriods: 10,
    DatapointsToAlarm: 10,
    TreatMissingData: 'breaching',
    Tags: [
      {
        Key: 'rolecall:alert',
        Value: 'RolecallSidecarAbsent',
      },
      {
        Key: 'severity',
        Value: 'warning',
      },
    ],
  },
];
