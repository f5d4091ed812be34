/**
 * Wiring only: configuration, fetcher, poller, metrics, logs, task metadata and the two listeners,
 * returned as `{ close() }`. Decisions live elsewhere: health in `health.ts`, views in
 * `http/views.ts`, scheduling in `credentials/`. Collaborators (dispatcher, clock, randomness,
 * timers, files) are parameters so tests run the whole sidecar against loopback servers.
 */
import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import type { ChainReport } from '../check/types.ts';
import { fetchContainerCredentials } from '../credentials/fetcher.ts';
import { createImdsFetcher } from '../credentials/imds.ts';
import { type Poller, realTimer, type SetTimer, startPoller } from '../credentials/poller.ts';
import { defaultSchedulePolicy } from '../credentials/schedule.ts';
import { type CredentialState, INITIAL_STATE } from '../credentials/state.ts';
import { formatDuration } from '../lib/duration.ts';
import { createRoleMatcher } from '../lib/role-match.ts';
import { chainView, shadowedSeries } from './chain.ts';
import type { Config } from './config.ts';
import { type Health, health, NO_SOURCE_DETAIL } from './health.ts';
import { createApp } from './http/app.ts';
import { type Listener, listen } from './http/listen.ts';
import { whoamiView } from './http/views.ts';
import { logEvent } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { loadTaskMetadata, type TaskInfo } from './task-metadata.ts';

export interface ServiceDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly version: string;
  readonly dispatcher?: Dispatcher;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly setTimer?: SetTimer;
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
const FAILURE_LOG_INTERVAL_MS = 5 * 60_000;
/** Failures before the first success after which health turns from `starting` to `failing`. */
const STARTUP_FAILURES = 3;

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
  const endpoint = config.endpoint;

  let poller: Poller | null = null;
  let task: TaskInfo | null = null;
  let chain: ChainReport | null = null;
  const state = (): CredentialState => poller?.state() ?? INITIAL_STATE;
  const matcher = config.expectedRole === null ? null : createRoleMatcher(config.expectedRole);
  const roleMatch = (): boolean | null => {
    const s = state();
    if (matcher === null || s.phase !== 'tracking') return null;
    const { roleArn, roleName } = s.held.identity;
    // Unknown, not a mismatch: an endpoint that names no role (EKS Pod Identity).
    if (roleArn === null && roleName === null) return null;
    return matcher(roleArn, roleName);
  };
  const currentHealth = (): Health =>
    health({
      state: state(),
      now: now(),
      policy: { minTtlMs: config.minTtlMs, startupFailures: STARTUP_FAILURES },
      endpoint,
      allowInstanceRole: config.allowInstanceRole,
      expectedRole:
        config.expectedRole === null
          ? null
          : { pattern: config.expectedRole, matches: roleMatch() },
      chain,
    });

  const metrics = createMetrics(
    {
      state,
      task: () => task,
      shadowed: () => shadowedSeries(chain),
      now,
      expectedRoleMatch: roleMatch,
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
        source: endpoint === null ? null : endpoint.kind === 'imds' ? 'iam-role' : 'container-role',
        endpoint: endpoint?.description ?? null,
        expectedRole: config.expectedRole,
        chain: chainView(chain),
        task,
      }),
  };
  const publicListener = await listen(config.listen, createApp(appDeps, null));
  let adminListener: Listener;
  try {
    adminListener = await listen(
      config.adminListen,
      createApp(appDeps, { token: config.adminToken }),
    );
  } catch (err) {
    await publicListener.close();
    throw err;
  }

  if (endpoint !== null) {
    const fetchDeps = { dispatcher, timeoutMs: config.pollTimeoutMs, now };
    const fetch =
      endpoint.kind === 'imds'
        ? createImdsFetcher(endpoint, fetchDeps)
        : (signal: AbortSignal) => fetchContainerCredentials(endpoint, { ...fetchDeps, signal });
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
    logger.warn({ event: 'credentials.no_endpoint' }, NO_SOURCE_DETAIL);
  }

  // The sidecar's own credential chain: diagnosed once at start (its environment does not change).
  const env = deps.chainEnv;
  if (env !== undefined) {
    // Loaded only now, after the listeners are up: the chain model is not needed to serve.
    import('../check/load.ts')
      .then(({ diagnose, readSharedFile }) => diagnose(env, now(), readSharedFile))
      .then(
        (report) => {
          chain = report;
          const shadowing = currentHealth().checks.find((c) => c.name === 'shadowing');
          if (shadowing !== undefined)
            logger.warn(
              { event: 'credentials.shadowed', detail: shadowing.detail },
              'a source SDKs prefer shadows the container role',
            );
        },
        (err: Error) =>
          logger.warn(
            { event: 'chain.diagnosis_failed', err },
            'credential chain diagnosis failed',
          ),
      );
  }

  const metadata =
    config.metadataUrl === null
      ? null
      : loadTaskMetadata({
          url: config.metadataUrl,
          dispatcher,
          timeoutMs: config.pollTimeoutMs,
          setTimer,
          random,
          logger,
          onLoaded: (info) => {
            task = info;
          },
        });

  logger.info(
    {
      event: 'rolecall.started',
      version: deps.version,
      listen: publicListener.bound,
      admin: adminListener.bound,
      adminToken: config.adminToken !== null,
      endpoint: endpoint?.description ?? null,
      pollInterval: formatDuration(config.pollIntervalMs),
      pollTimeout: formatDuration(config.pollTimeoutMs),
      minTtl: formatDuration(config.minTtlMs),
      expectedRole: config.expectedRole,
      allowInstanceRole: config.allowInstanceRole,
      logLevel: config.logLevel,
    },
    'rolecall serving',
  );

  return {
    public: publicListener,
    admin: adminListener,
    state,
    health: currentHealth,
    async close() {
      metadata?.cancel();
      await Promise.all([poller?.close(), publicListener.close(), adminListener.close()]);
      if (ownDispatcher) await dispatcher.close();
    },
  };
}
