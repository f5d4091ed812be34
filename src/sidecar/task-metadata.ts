/**
 * ECS task metadata v4 (`${ECS_CONTAINER_METADATA_URI_V4}/task`), validated into the few fields
 * rolecall labels with. Fetched at start and retried with backoff; never blocks health.
 */
import type { Dispatcher } from 'undici';
import { EndpointError } from '../lib/errors.ts';
import { boundedRequest } from '../lib/net.ts';

export interface TaskInfo {
  readonly cluster: string;
  readonly taskArn: string;
  readonly family: string;
  readonly revision: string;
  readonly availabilityZone: string;
  readonly launchType: string;
}

/** A task with many containers is tens of KiB. */
export const MAX_METADATA_BYTES = 1024 * 1024;

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Validates the `/task` body; fields are only ever added by ECS, so unknown ones are ignored. */
export function parseTaskMetadata(body: unknown): TaskInfo {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new EndpointError('invalid_response', 'task metadata is not a JSON object');
  }
  const b = body as Record<string, unknown>;
  const info: TaskInfo = {
    cluster: str(b.Cluster),
    taskArn: str(b.TaskARN),
    family: str(b.Family),
    revision: str(b.Revision),
    availabilityZone: str(b.AvailabilityZone),
    launchType: str(b.LaunchType),
  };
  if (info.taskArn === '' || info.family === '') {
    throw new EndpointError(
      'invalid_response',
      'task metadata lacks TaskARN or Family (expected the v4 /task document)',
    );
  }
  return info;
}

export async function fetchTaskMetadata(
  base: URL,
  deps: { dispatcher: Dispatcher; timeoutMs: number },
): Promise<TaskInfo> {
  const url = new URL(`${base.href.replace(/\/+$/, '')}/task`);
  const res = await boundedRequest(url, { ...deps, maxBytes: MAX_METADATA_BYTES });
  if (res.status !== 200)
    throw new EndpointError('http_error', `task metadata answered HTTP ${res.status}`, {
      status: res.status,
    });
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    throw new EndpointError('invalid_json', 'task metadata is not JSON');
  }
  return parseTaskMetadata(body);
}
