/**
 * Prometheus metrics on a private registry. Gauges read the current state in `collect()`, so a
 * scrape never triggers a fetch and ages are computed at scrape time. Served as text format 0.0.4
 * only: OpenMetrics rendering would strip `_total` from counter names (client_js PR #829).
 */

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CredentialState } from '../credentials/state.ts';
import { POLL_ERROR_REASONS, type PollErrorReason } from '../lib/errors.ts';
import type { TaskInfo } from './task-metadata.ts';

export interface MetricsSource {
  state(): CredentialState;
  task(): TaskInfo | null;
  /** SDKs whose preferred source shadows the container role, with that source. */
  shadowed(): readonly { sdk: string; source: string }[];
  /** null when no expectation is set; otherwise whether the held role matches it. */
  expectedRoleMatch(): boolean | null;
  now(): number;
}

export interface Metrics {
  readonly registry: Registry;
  /** Records one finished poll (duration, and its failure reason if any). */
  recordPoll(durationSeconds: number, reason: PollErrorReason | null): void;
}

export function createMetrics(
  source: MetricsSource,
  build: { version: string; nodeVersion: string },
): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const held = () => {
    const s = source.state();
    return s.phase === 'tracking' ? s.held : null;
  };
  /**
   * A labelless gauge read at scrape time that is absent (no sample) while `read` returns null.
   * prom-client always renders a labelless gauge (as 0 after `reset()`), so `get()` is wrapped.
   */
  const optionalGauge = (name: string, help: string, read: () => number | null): void => {
    const g = new Gauge({ name, help, registers: [] });
    const get = g.get.bind(g);
    g.get = async () => {
      const v = read();
      if (v === null) return { ...(await get()), values: [] };
      g.set(v);
      return get();
    };
    registry.registerMetric(g);
  };

  new Gauge({
    name: 'rolecall_build_info',
    help: 'Build information; always 1.',
    labelNames: ['version', 'node_version'],
    registers,
  }).set({ version: build.version, node_version: build.nodeVersion }, 1);
  new Gauge({
    name: 'rolecall_identity_info',
    help: 'The identity of the held credentials; always 1, one series, replaced on a role change.',
    labelNames: ['source', 'role_arn', 'role_name', 'account_id'],
    registers,
    collect() {
      this.reset();
      const h = held();
      if (h === null) return;
      const id = h.identity;
      this.set(
        {
          source: id.source,
          role_arn: id.roleArn ?? '',
          role_name: id.roleName ?? '',
          account_id: id.accountId ?? '',
        },
        1,
      );
    },
  });
  new Gauge({
    name: 'rolecall_task_info',
    help: 'ECS task metadata; always 1. Absent until task metadata v4 has answered.',
    labelNames: ['cluster', 'task_arn', 'family', 'revision', 'launch_type', 'availability_zone'],
    registers,
    collect() {
      this.reset();
      const t = source.task();
      if (t === null) return;
      this.set(
        {
          cluster: t.cluster,
          task_arn: t.taskArn,
          family: t.family,
          revision: t.revision,
          launch_type: t.launchType,
          availability_zone: t.availabilityZone,
        },
        1,
      );
    },
  });
  new Gauge({
    name: 'rolecall_credentials_up',
    help: '1 when the held credentials are valid and unexpired.',
    registers,
    collect() {
      const h = held();
      this.set(h !== null && h.expiration > source.now() ? 1 : 0);
    },
  });
  optionalGauge(
    'rolecall_credentials_expiration_timestamp_seconds',
    'Expiry of the held credentials, Unix seconds. Absent until known.',
    () => {
      const h = held();
      return h === null ? null : h.expiration / 1000;
    },
  );
  optionalGauge(
    'rolecall_credentials_first_seen_timestamp_seconds',
    'When the held access key was first observed, Unix seconds.',
    () => {
      const h = held();
      return h === null ? null : h.firstSeen / 1000;
    },
  );
  optionalGauge(
    'rolecall_credentials_age_seconds',
    'Seconds since the held access key was first observed (now - first seen).',
    () => {
      const h = held();
      return h === null ? null : Math.max(0, (source.now() - h.firstSeen) / 1000);
    },
  );
  const fromState = (name: string, help: string, pick: (s: CredentialState) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(pick(source.state()));
      },
    });
  fromState(
    'rolecall_credentials_rotations_total',
    'Access key changes observed.',
    (s) => s.rotations,
  );
  fromState('rolecall_role_changes_total', 'Role ARN changes observed.', (s) => s.roleChanges);
  fromState('rolecall_polls_total', 'Polls of the credentials endpoint.', (s) => s.polls);
  optionalGauge(
    'rolecall_expected_role_match',
    '1 when the held role matches ROLECALL_EXPECTED_ROLE. Absent when no expectation is set, or the endpoint names no role (EKS Pod Identity).',
    () => {
      const m = source.expectedRoleMatch();
      return m === null ? null : m ? 1 : 0;
    },
  );
  new Gauge({
    name: 'rolecall_credentials_shadowed',
    help: "1 per SDK whose preferred source (label source) shadows the container role, in the sidecar's own environment.",
    labelNames: ['sdk', 'source'],
    registers,
    collect() {
      this.reset();
      for (const s of source.shadowed()) this.set({ sdk: s.sdk, source: s.source }, 1);
    },
  });
  const errors = new Counter({
    name: 'rolecall_poll_errors_total',
    help: 'Failed polls by reason.',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of POLL_ERROR_REASONS) errors.inc({ reason }, 0);
  const duration = new Histogram({
    name: 'rolecall_poll_duration_seconds',
    help: 'Duration of one poll of the credentials endpoint.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers,
  });
  optionalGauge(
    'rolecall_last_successful_poll_timestamp_seconds',
    'When a poll last succeeded, Unix seconds. Absent before the first success.',
    () => {
      const t = source.state().lastSuccess;
      return t === null ? null : t / 1000;
    },
  );
  optionalGauge(
    'rolecall_endpoint_clock_skew_seconds',
    "The endpoint's Date header minus local time at the last success, seconds.",
    () => source.state().clockSkewSeconds,
  );
  collectDefaultMetrics({ register: registry });

  return {
    registry,
    recordPoll(durationSeconds, reason) {
      duration.observe(durationSeconds);
      if (reason !== null) errors.inc({ reason });
    },
  };
}
