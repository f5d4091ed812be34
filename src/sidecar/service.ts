/**
 * Wires configuration, fetcher, poller, metrics, logs and the two listeners together, and returns
 * `{ close() }`. Collaborators (dispatcher, clock, randomness, timers, files) are parameters so
 * tests run the whole sidecar against loopback servers with nothing global mutated.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { diagnose } from '../check/load.ts';
import type { ChainReport } from '../check/types.ts';
import { fetchContainerCredentials } from '../credentials/fetcher.ts';
import { createImdsFetcher } from '../credentials/imds.ts';
import { type Poller, realTimer, type SetTimer, startPoller } from '../credentials/poller.ts';
import { defaultSchedulePolicy } from '../credentials/schedule.ts';
import { type CredentialState, INITIAL_STATE } from '../credentials/state.ts';
import { matchRole } from '../lib/role-match.ts';
import { Agent } from '../lib/undici.ts';
import { chainView, shadowedSeries, shadowingCheck } from './chain.ts';
import type { Config } from './config.ts';
import { type Health, type HealthCheck, type HealthPolicy, health, sourceCheck } from './health.ts';
import { createHandler } from './http/handler.ts';
import { type Listener, listen } from './http/listen.ts';
import { whoamiView } from './http/views.ts';
import { logEvent } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { fetchTaskMetadata, type TaskInfo } from './task-metadata.ts';

export interface ServiceDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly version: string;
  readonly dispatcher?: Dispatcher;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly setTimer?: SetTimer;
  readonly readFile?: (path: string) => Promise<string>;
  /**
   * The process environment, for diagnosing which source SDKs in this container would use
   * (`/whoami` `chain`, the `shadowing` check, `rolecall_credentials_shadowed`). Omitted: skipped.
   */
  readonly chainEnv?: Readonly<Record<string, string | undefined>>;
}

export interface Service {
  readonly public: Listener;
  readonly admin: Listener;
  state(): CredentialState;
  health(): Health;
  close(): Promise<void>;
}

/** History entries kept for `/whoami`; consecutive failures of one reason fold into one entry. */
export const HISTORY_LIMIT = 50;
/** While failing, `credentials.fetch_failed` is logged once per reason, then at most every 5 min. */
export const FAILURE_LOG_INTERVAL_MS = 5 * 60_000;

const NO_ENDPOINT: HealthCheck = {
  name: 'credentials',
  status: 'failing',
  detail:
    'no credentials source: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are unset ' +
    '(the task has no task role, or the variables were dropped) and AWS_EC2_METADATA_DISABLED=true rules out the instance role',
};

export async function startService(deps: ServiceDeps): Promise<Service> {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const setTimer = deps.setTimer ?? realTimer;
  const ownDispatcher = deps.dispatcher === undefined;
  const dispatcher =
    deps.dispatcher ??
    new Agent({
      connections: 2,
      keepAliveTimeout: 4_000,
      connect: { timeout: config.pollTimeoutMs },
    });
  const readFile = deps.readFile ?? ((p: string) => fsReadFile(p, 'utf8'));

  let task: TaskInfo | null = null;
  let chain: ChainReport | null = null;
  /** `shadowingCheck(chain)`, computed once when the report arrives (health is read per request). */
  let shadowing: HealthCheck | null = null;
  const expected = config.expectedRole;
  const roleMatches = (arn: string | null, name: string | null): boolean =>
    expected !== null &&
    ((arn !== null && matchRole(expected, arn)) ||
      (arn === null && name !== null && matchRole(expected, name)));
  const healthPolicy: HealthPolicy = {
    minTtlMs: config.minTtlMs,
    startupFailures: 3,
    ...(expected === null ? {} : { expectedRole: { pattern: expected, matches: roleMatches } }),
  };

  let poller: Poller | null = null;
  const state = (): CredentialState => poller?.state() ?? INITIAL_STATE;
  const currentHealth = (): Health => {
    if (config.endpoint === null) return { status: 'failing', checks: [NO_ENDPOINT] };
    const s = state();
    const source = sourceCheck(config.endpoint.kind, s, config.allowInstanceRole);
    if (source === null && shadowing === null) return health(s, now(), healthPolicy);
    const extraChecks = [source, shadowing].filter((c): c is HealthCheck => c !== null);
    return health(s, now(), { ...healthPolicy, extraChecks });
  };

  const metrics = createMetrics(
    {
      state,
      task: () => task,
      shadowed: () => shadowedSeries(chain),
      now,
      expectedRoleMatch: () => {
        const s = state();
        if (expected === null || s.phase !== 'tracking') return null;
        return roleMatches(s.held.identity.roleArn, s.held.identity.roleName);
      },
    },
    { version: deps.version, nodeVersion: process.version },
  );

  const appDeps = {
    logger,
    registry: metrics.registry,
    health: currentHealth,
    whoami: () =>
      whoamiView({
        state: state(),
        health: currentHealth(),
        now: now(),
        source:
          config.endpoint === null
            ? null
            : config.endpoint.kind === 'imds'
              ? 'iam-role'
              : 'container-role',
        endpoint: config.endpoint?.description ?? null,
        expectedRole: expected,
        chain: chainView(chain),
        task,
      }),
  };
  const publicListener = await listen(config.listen, createHandler(appDeps, null));
  let adminListener: Listener;
  try {
    adminListener = await listen(
      config.adminListen,
      createHandler(appDeps, { token: config.adminToken }),
    );
  } catch (err) {
    await publicListener.close();
    throw err;
  }

  const endpoint = config.endpoint;
  if (endpoint !== null) {
    const fetch =
      endpoint.kind === 'imds'
        ? createImdsFetcher(endpoint, { dispatcher, timeoutMs: config.pollTimeoutMs, now })
        : () =>
            fetchContainerCredentials(endpoint, {
              dispatcher,
              timeoutMs: config.pollTimeoutMs,
              now,
              readFile,
            });
    if (endpoint.kind === 'imds') {
      logger.warn(
        { event: 'credentials.instance_role_fallback', endpoint: endpoint.description },
        'no container credentials variables: polling the EC2 instance role, as SDKs here would',
      );
    }
    poller = startPoller({
      fetch,
      now,
      random,
      setTimer,
      statePolicy: {
        historyLimit: HISTORY_LIMIT,
        minTtlMs: config.minTtlMs,
        failureLogIntervalMs: FAILURE_LOG_INTERVAL_MS,
      },
      schedulePolicy: defaultSchedulePolicy(config.pollIntervalMs, config.minTtlMs),
      onChange: (_s, logs, outcome) => {
        metrics.recordPoll(outcome.durationSeconds, outcome.reason);
        for (const e of logs) logEvent(logger, e);
      },
    });
  } else {
    logger.warn({ event: 'credentials.no_endpoint' }, NO_ENDPOINT.detail);
  }

  // The sidecar's own credential chain: computed once at start (its environment does not change).
  const chainEnv = deps.chainEnv;
  if (chainEnv !== undefined) {
    diagnose(chainEnv, now(), (p) => readFile(p).catch(() => null)).then(
      (report) => {
        chain = report;
        shadowing = shadowingCheck(report);
        if (shadowing !== null)
          logger.warn(
            { event: 'credentials.shadowed', detail: shadowing.detail },
            'a source SDKs prefer shadows the container role',
          );
      },
      (err: Error) =>
        logger.warn(
          { event: 'chain.diagnosis_failed', err: { message: err.message } },
          'credential chain diagnosis failed',
        ),
    );
  }

  // Task metadata: retried with backoff until it answers; never blocks health.
  let metadataTimer: { cancel(): void } | null = null;
  let metadataClosed = false;
  const metadataUrl = config.metadataUrl;
  if (metadataUrl !== null) {
    let attempt = 0;
    const tryMetadata = (): void => {
      metadataTimer = null;
      fetchTaskMetadata(metadataUrl, { dispatcher, timeoutMs: config.pollTimeoutMs }).then(
        (info) => {
          task = info;
          logger.info(
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
          attempt += 1;
          if (attempt === 1 || attempt % 10 === 0)
            logger.warn(
              { event: 'task.metadata_failed', attempt, err: { message: err.message } },
              'task metadata unavailable; retrying',
            );
          if (!metadataClosed)
            metadataTimer = setTimer(
              tryMetadata,
              Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6)) * (0.5 + random() / 2),
            );
        },
      );
    };
    tryMetadata();
  }

  logger.info(
    {
      event: 'rolecall.started',
      version: deps.version,
      listen: publicListener.url,
      admin: adminListener.url,
      endpoint: endpoint?.description ?? null,
    },
    'rolecall serving',
  );

  return {
    public: publicListener,
    admin: adminListener,
    state,
    health: currentHealth,
    async close() {
      metadataClosed = true;
      (metadataTimer as { cancel(): void } | null)?.cancel();
      await Promise.all([poller?.close(), publicListener.close(), adminListener.close()]);
      if (ownDispatcher) await dispatcher.close();
    },
  };
}
