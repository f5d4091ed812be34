/**
 * ECS task metadata v4 (`${ECS_CONTAINER_METADATA_URI_V4}/task`), validated into the few fields
 * rolecall labels with. Fetched at start and retried with the poller's backoff until it answers;
 * never blocks health.
 */
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { SetTimer } from '../credentials/poller.ts';
import { retryDelay, type SchedulePolicy } from '../credentials/schedule.ts';
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
const MAX_METADATA_BYTES = 1024 * 1024;

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Validates the `/task` body; fields are only ever added by ECS, so unknown ones are ignored. */
function parseTaskMetadata(body: unknown): TaskInfo {
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

async function fetchTaskMetadata(
  base: URL,
  deps: { dispatcher: Dispatcher; timeoutMs: number; signal?: AbortSignal },
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

/** Backoff between attempts: the poller's, from 1 s up to a minute. */
const METADATA_BACKOFF: SchedulePolicy = {
  intervalMs: 60_000,
  minTtlMs: 0,
  backoffBaseMs: 1000,
  maxBackoffMs: 60_000,
  maxRetryAfterMs: 0,
};

export interface MetadataLoaderDeps {
  readonly url: URL;
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  readonly setTimer: SetTimer;
  readonly random: () => number;
  readonly logger: Logger;
  readonly onLoaded: (info: TaskInfo) => void;
}

/** Fetches task metadata until it answers once; `cancel()` aborts the attempt in flight and stops. */
export function loadTaskMetadata(deps: MetadataLoaderDeps): { cancel(): void } {
  let attempt = 0;
  let timer: { cancel(): void } | null = null;
  let cancelled = false;
  const stop = new AbortController();
  const tryOnce = (): void => {
    timer = null;
    fetchTaskMetadata(deps.url, { ...deps, signal: stop.signal }).then(
      (info) => {
        if (cancelled) return;
        deps.onLoaded(info);
        deps.logger.info(
          {
            event: 'task.metadata',
            family: info.family,
            revision: info.revision,
            cluster: info.cluster,
          },
          'task metadata loaded',
        );
      },
      (err: Error) => {
        if (cancelled) return;
        attempt += 1;
        if (attempt === 1 || attempt % 10 === 0)
          deps.logger.warn(
            { event: 'task.metadata_failed', attempt, err },
            'task metadata unavailable; retrying',
          );
        if (!cancelled)
          timer = deps.setTimer(tryOnce, retryDelay(attempt, METADATA_BACKOFF, deps.random()));
      },
    );
  };
  tryOnce();
  return {
    cancel() {
      cancelled = true;
      timer?.cancel();
      stop.abort();
    },
  };
}
