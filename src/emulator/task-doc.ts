/**
 * Synthetic ECS task metadata v4 documents (`/v4/<id>`, `/task`, `/taskWithTags`), shaped like
 * the AWS documentation's EC2 example: Revision is a string, Containers hold NORMAL containers.
 * Pure: ids and times come in, so two calls with the same input give the same document.
 */
import { createHash } from 'node:crypto';
import { DEMO_ACCOUNT } from './scenario.ts';

/** Task-level fields a test may pin; everything else is derived from them. */
export interface TaskOverrides {
  readonly Cluster?: string;
  readonly TaskARN?: string;
  readonly Family?: string;
  readonly Revision?: string;
  readonly AvailabilityZone?: string;
  readonly LaunchType?: string;
  readonly ServiceName?: string;
}

export interface TaskDocInput {
  /** 32 hex characters, the last segment of the task ARN. */
  readonly taskId: string;
  readonly startedMs: number;
  readonly overrides?: TaskOverrides | undefined;
}

const REGION = 'us-west-2';

function hex(seed: string, chars: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, chars);
}

function uuidFrom(seed: string): string {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

function container(task: Required<TaskOverrides>, name: string, image: string, startedMs: number) {
  const at = new Date(startedMs).toISOString();
  return {
    DockerId: hex(`${task.TaskARN}/${name}`, 64),
    Name: name,
    DockerName: `ecs-${task.Family}-${task.Revision}-${name}-${hex(name, 20)}`,
    Image: image,
    ImageID: `sha256:${hex(image, 64)}`,
    Labels: {
      'com.amazonaws.ecs.cluster': task.Cluster,
      'com.amazonaws.ecs.container-name': name,
      'com.amazonaws.ecs.task-arn': task.TaskARN,
      'com.amazonaws.ecs.task-definition-family': task.Family,
      'com.amazonaws.ecs.task-definition-version': task.Revision,
    },
    DesiredStatus: 'RUNNING',
    KnownStatus: 'RUNNING',
    Limits: { CPU: name === 'rolecall' ? 32 : 256, Memory: name === 'rolecall' ? 64 : 512 },
    CreatedAt: at,
    StartedAt: at,
    Type: 'NORMAL',
    ContainerARN: `arn:aws:ecs:${REGION}:${DEMO_ACCOUNT}:container/${task.Cluster}/${uuidFrom(`${task.TaskARN}/${name}`)}`,
    Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.2.106'] }],
  };
}

/** The task-level values after overrides; `Cluster` is a short name, as on EC2. */
function taskFields(input: TaskDocInput): Required<TaskOverrides> {
  const o = input.overrides ?? {};
  const Cluster = o.Cluster ?? 'rolecall-demo';
  return {
    Cluster,
    TaskARN: o.TaskARN ?? `arn:aws:ecs:${REGION}:${DEMO_ACCOUNT}:task/${Cluster}/${input.taskId}`,
    Family: o.Family ?? 'orders',
    Revision: o.Revision ?? '7',
    AvailabilityZone: o.AvailabilityZone ?? `${REGION}a`,
    LaunchType: o.LaunchType ?? 'EC2',
    ServiceName: o.ServiceName ?? 'orders',
  };
}

/** `/v4/<id>`: the container the metadata URI was issued to, i.e. the `rolecall` sidecar. */
export function containerDoc(input: TaskDocInput) {
  return container(
    taskFields(input),
    'rolecall',
    'public.ecr.aws/rolecall/rolecall:0.1.0',
    input.startedMs,
  );
}

/** `/v4/<id>/task`, with `TaskTags` and `ContainerInstanceTags` when `withTags`. */
export function taskDoc(input: TaskDocInput, withTags: boolean) {
  const t = taskFields(input);
  const pulled = new Date(input.startedMs - 2000).toISOString();
  return {
    Cluster: t.Cluster,
    TaskARN: t.TaskARN,
    Family: t.Family,
    ServiceName: t.ServiceName,
    Revision: t.Revision,
    DesiredStatus: 'RUNNING',
    KnownStatus: 'RUNNING',
    Limits: { CPU: 0.5, Memory: 1024 },
    PullStartedAt: pulled,
    PullStoppedAt: new Date(input.startedMs - 500).toISOString(),
    AvailabilityZone: t.AvailabilityZone,
    LaunchType: t.LaunchType,
    Containers: [
      container(
        t,
        'app',
        `${DEMO_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${t.Family}:latest`,
        input.startedMs,
      ),
      container(t, 'rolecall', 'public.ecr.aws/rolecall/rolecall:0.1.0', input.startedMs),
    ],
    ...(withTags
      ? {
          ContainerInstanceTags: { team: 'orders' },
          TaskTags: { 'aws:ecs:serviceName': t.ServiceName },
        }
      : {}),
  };
}
