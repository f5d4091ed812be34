/**
 * Property tests (fast-check, bounded runs): the boundary parsers and endpoint resolution never
 * throw anything but their typed errors and never echo a secret; the state machine keeps its
 * invariants over random event sequences; the schedule stays within its bounds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { resolveContainerEndpoint } from '../../src/credentials/endpoint.ts';
import { parseCredentialsBody, parseExpiration } from '../../src/credentials/parse.ts';
import { defaultSchedulePolicy, nextDelay } from '../../src/credentials/schedule.ts';
import {
  apply,
  type CredentialState,
  INITIAL_STATE,
  type StateEvent,
  type StatePolicy,
} from '../../src/credentials/state.ts';
import { EndpointConfigError, EndpointError, POLL_ERROR_REASONS } from '../../src/lib/errors.ts';
import { type HealthPolicy, health, httpStatusFor } from '../../src/sidecar/health.ts';

const RUNS = { numRuns: 300, seed: 20261128 };
const NOW = Date.parse('2026-11-28T12:00:00Z');

/** A secret-looking value long and distinctive enough that finding it in a message is a leak. */
const secret = fc.stringMatching(/^[A-Za-z0-9+/]{12,40}$/).map((s) => `S3CRET${s}`);

/** Any JSON-ish value, and objects shaped like credentials bodies with arbitrary field values. */
const anyField = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d{3}Z$/, '+02:00')),
);
const bodyLike = fc.record(
  {
    RoleArn: fc.oneof(anyField, fc.constant('arn:aws:iam::111122223333:role/orders-task')),
    AccessKeyId: fc.oneof(anyField, fc.constant('ASIAEXAMPLE000000001')),
    SecretAccessKey: fc.oneof(secret, anyField),
    Token: fc.oneof(secret, anyField),
    Expiration: fc.oneof(anyField, secret),
    AccountId: anyField,
  },
  { requiredKeys: [] },
);

function secretsOf(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const b = body as Record<string, unknown>;
  return [b.SecretAccessKey, b.Token, b.Expiration].filter(
    (v): v is string => typeof v === 'string' && v.startsWith('S3CRET'),
  );
}

test('parseCredentialsBody: any input → credentials or EndpointError, never a secret in either', () => {
  fc.assert(
    fc.property(
      fc.oneof(bodyLike, fc.jsonValue()),
      fc.constantFrom('container-role' as const, 'iam-role' as const),
      (body, source) => {
        let out: unknown;
        try {
          out = parseCredentialsBody(body, source, NOW);
        } catch (err) {
          assert.ok(err instanceof EndpointError, `threw ${String(err)}`);
          assert.ok(['invalid_response', 'expired'].includes(err.reason), err.reason);
          for (const s of secretsOf(body)) assert.ok(!err.message.includes(s), 'secret in message');
          return;
        }
        const { credentials } = out as ReturnType<typeof parseCredentialsBody>;
        assert.ok(credentials.expiration.getTime() > NOW, 'never accepts expired credentials');
        const shown = `${JSON.stringify(out)} ${String(credentials)}`;
        for (const s of secretsOf(body)) assert.ok(!shown.includes(s), 'secret serialised');
      },
    ),
    RUNS,
  );
});

test('parseExpiration: any string → a valid Date or null; ISO with any offset → the same instant', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const d = parseExpiration(s);
      assert.ok(d === null || Number.isFinite(d.getTime()));
    }),
    RUNS,
  );
  fc.assert(
    fc.property(
      fc.date({ min: new Date('2000-01-01Z'), max: new Date('2200-01-01Z'), noInvalidDate: true }),
      fc.integer({ min: -14 * 60, max: 14 * 60 }),
      (date, offsetMin) => {
        const instant = Math.floor(date.getTime() / 1000) * 1000;
        const local = new Date(instant + offsetMin * 60_000).toISOString().slice(0, 19);
        const sign = offsetMin < 0 ? '-' : '+';
        const abs = Math.abs(offsetMin);
        const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        assert.equal(parseExpiration(`${local}${off}`)?.getTime(), instant);
        assert.equal(parseExpiration(`${new Date(instant).toISOString()}`)?.getTime(), instant);
      },
    ),
    RUNS,
  );
});

test('resolveContainerEndpoint: any environment → endpoint, null or EndpointConfigError; never echoes the id or a token', () => {
  const id = fc.stringMatching(/^[a-f0-9]{32}$/).map((s) => `ID${s}`);
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const pathish = fc.oneof(
    id.map((i) => `/v2/credentials/${i}`),
    id.map((i) => `v2/credentials/${i}`),
    id.map((i) => `//v2/credentials/${i}\r\n`),
    fc.string(),
  );
  const urlish = fc.oneof(
    fc.webUrl(),
    id.map((i) => `http://127.0.0.1:9/creds/${i}`),
    id.map((i) => `http://10.0.0.1/creds/${i}`),
    fc.constant('http://[fd00:ec2::23]/v1/credentials'),
    fc.string(),
  );
  const token = fc.oneof(
    secret,
    secret.map((s) => `${s}\n`),
    fc.string(),
  );
  fc.assert(
    fc.property(
      fc.record({
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: maybe(pathish),
        AWS_CONTAINER_CREDENTIALS_FULL_URI: maybe(urlish),
        AWS_CONTAINER_AUTHORIZATION_TOKEN: maybe(token),
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: maybe(fc.string()),
      }),
      fc.oneof(
        fc.constant('http://169.254.170.2'),
        fc.constant('http://127.0.0.1:1234'),
        fc.string(),
      ),
      (env, host) => {
        const hidden = [
          ...(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI?.match(/ID[a-f0-9]{32}/g) ?? []),
          ...(env.AWS_CONTAINER_AUTHORIZATION_TOKEN?.startsWith('S3CRET')
            ? [env.AWS_CONTAINER_AUTHORIZATION_TOKEN.trim()]
            : []),
        ];
        try {
          const ep = resolveContainerEndpoint(env, host);
          if (ep === null) {
            assert.ok(!env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
            assert.ok(!env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
            return;
          }
          if (ep.via === 'relative') {
            for (const h of hidden) assert.ok(!ep.description.includes(h), 'id in description');
          }
          if (ep.authorization.kind === 'token')
            assert.doesNotMatch(ep.authorization.value, /[\r\n]/);
        } catch (err) {
          assert.ok(err instanceof EndpointConfigError, `threw ${String(err)}`);
          for (const h of hidden) assert.ok(!err.message.includes(h), 'secret or id in message');
        }
      },
    ),
    RUNS,
  );
});

const policy: StatePolicy = {
  historyLimit: 8,
  minTtlMs: 10 * 60_000,
  failureLogIntervalMs: 60_000,
};
const hp: HealthPolicy = { minTtlMs: policy.minTtlMs, startupFailures: 3 };
const ROLES = ['orders-task', 'payments-task', 'batch-task'];

/** One step: a gap in ms, then either a fetch (key and role from small pools) or a failure. */
const step = fc.tuple(
  fc.integer({ min: 0, max: 45 * 60_000 }),
  fc.oneof(
    fc.record({
      type: fc.constant('fetched' as const),
      key: fc.integer({ min: 1, max: 4 }),
      role: fc.constantFrom(...ROLES),
      ttlMs: fc.integer({ min: 1, max: 7 * 3600_000 }),
      skewS: fc.option(fc.integer({ min: -900, max: 900 }), { nil: null }),
    }),
    fc.record({
      type: fc.constant('failed' as const),
      reason: fc.constantFrom(...POLL_ERROR_REASONS),
    }),
  ),
);

test('state machine invariants over random event sequences', () => {
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 120 }), (steps) => {
      let state: CredentialState = INITIAL_STATE;
      let at = NOW;
      let lastFailureLog = null as { reason: string; at: number } | null;
      for (const [gap, s] of steps) {
        at += gap;
        const event: StateEvent =
          s.type === 'fetched'
            ? {
                type: 'fetched',
                at,
                identity: {
                  source: 'container-role',
                  roleArn: `arn:aws:iam::111122223333:role/${s.role}`,
                  roleName: s.role,
                  accountId: '111122223333',
                },
                accessKeyId: `ASIAPROPERTYKEY0000${s.key}`,
                expiration: at + s.ttlMs,
                endpointDate: s.skewS === null ? null : at + s.skewS * 1000,
              }
            : { type: 'failed', at, reason: s.reason, message: `failed: ${s.reason}` };
        const prev = state;
        const { state: next, logs } = apply(prev, event, policy);
        state = next;

        assert.equal(next.polls, prev.polls + 1, 'one poll per event');
        assert.ok(next.rotations >= prev.rotations && next.roleChanges >= prev.roleChanges);
        assert.ok(next.history.length <= policy.historyLimit, 'history capped');
        for (let i = 1; i < next.history.length; i++)
          assert.ok((next.history[i]?.at ?? 0) >= (next.history[i - 1]?.at ?? 0), 'in order');
        const failLogs = logs.filter((l) => l.event === 'credentials.fetch_failed');

        if (event.type === 'fetched') {
          assert.equal(next.phase, 'tracking');
          assert.equal(next.consecutiveFailures, 0, 'reset on success');
          assert.equal(next.lastSuccess, at);
          assert.equal(next.lastPollFailed, false);
          const held = prev.phase === 'tracking' ? prev.held : null;
          const rotated = held !== null && held.accessKeyId !== event.accessKeyId;
          const roleChanged = held !== null && held.identity.roleArn !== event.identity.roleArn;
          assert.equal(next.rotations, prev.rotations + (rotated ? 1 : 0));
          assert.equal(next.roleChanges, prev.roleChanges + (roleChanged ? 1 : 0));
          if (next.phase === 'tracking') {
            assert.equal(next.held.firstSeen, held !== null && !rotated ? held.firstSeen : at);
          }
          assert.equal(
            next.clockSkewSeconds,
            event.endpointDate === null ? null : Math.round((event.endpointDate - at) / 1000),
          );
          assert.equal(failLogs.length, 0);
          lastFailureLog = null;
        } else {
          assert.equal(next.consecutiveFailures, prev.consecutiveFailures + 1);
          assert.equal(next.lastSuccess, prev.lastSuccess, 'a failure never moves lastSuccess');
          assert.equal(next.lastError?.reason, event.reason);
          assert.equal(next.phase, prev.phase, 'a failure never drops held credentials');
          // Logged once per reason, then at most once per interval while it keeps failing.
          const sameRun: boolean =
            lastFailureLog !== null &&
            prev.lastPollFailed &&
            lastFailureLog.reason === event.reason;
          const due: boolean =
            !sameRun || at - (lastFailureLog?.at ?? 0) >= policy.failureLogIntervalMs;
          assert.equal(failLogs.length, due ? 1 : 0, `fetch_failed log due=${due}`);
          if (due) lastFailureLog = { reason: event.reason, at };
        }

        // Health is consistent with expiry, MIN_TTL and the last poll.
        const h = health({ state: next, now: at, policy: hp });
        const c = h.checks[0];
        assert.ok(c !== undefined);
        if (next.phase === 'starting') {
          assert.equal(
            c.status,
            next.consecutiveFailures >= hp.startupFailures ? 'failing' : 'starting',
          );
        } else {
          const remaining = next.held.expiration - at;
          const expect =
            remaining < hp.minTtlMs ? 'failing' : next.lastPollFailed ? 'degraded' : 'ok';
          assert.equal(c.status, expect);
        }
        assert.equal(
          httpStatusFor(h.status),
          h.status === 'ok' || h.status === 'degraded' ? 200 : 503,
        );
      }
    }),
    { ...RUNS, numRuns: 200 },
  );
});

test('schedule: the next delay is finite, at least 0, and within its bound', () => {
  const sp = defaultSchedulePolicy(60_000, 10 * 60_000);
  fc.assert(
    fc.property(
      fc.array(step, { minLength: 0, maxLength: 30 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      fc.option(fc.integer({ min: 0, max: 3600_000 }), { nil: undefined }),
      (steps, random, retryAfterMs) => {
        let state: CredentialState = INITIAL_STATE;
        let at = NOW;
        for (const [gap, s] of steps) {
          at += gap;
          const e: StateEvent =
            s.type === 'fetched'
              ? {
                  type: 'fetched',
                  at,
                  identity: {
                    source: 'iam-role',
                    roleArn: null,
                    roleName: s.role,
                    accountId: null,
                  },
                  accessKeyId: `K${s.key}`,
                  expiration: at + s.ttlMs,
                  endpointDate: null,
                }
              : { type: 'failed', at, reason: s.reason, message: s.reason };
          state = apply(state, e, policy).state;
        }
        const d = nextDelay(state, at, sp, random, retryAfterMs);
        assert.ok(Number.isFinite(d) && d >= 0, String(d));
        const bound =
          state.consecutiveFailures > 0
            ? Math.max(sp.maxBackoffMs, Math.min(retryAfterMs ?? 0, sp.maxRetryAfterMs))
            : Math.round(sp.intervalMs * 1.1);
        assert.ok(d <= bound, `${d} > ${bound}`);
        if (state.consecutiveFailures === 0 && state.phase === 'tracking') assert.ok(d >= 1000);
      },
    ),
    RUNS,
  );
});
