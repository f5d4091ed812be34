/**
 * The fault matrix, sidecar-level: the whole rolecall against a loopback endpoint that misbehaves
 * in one way at a time while good credentials are held. For each fault: the process keeps
 * serving, /livez is 200, /healthz says `degraded` with the reason, /metrics counts exactly that
 * reason, `credentials.fetch_failed` is logged once (not every poll), nothing secret leaks, and
 * once the fault clears the next poll recovers within one backoff step. docs/faults.md is the
 * table of these outcomes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { backoffMs, defaultSchedulePolicy } from '../../src/credentials/schedule.ts';
import { POLL_ERROR_REASONS, type PollErrorReason } from '../../src/lib/errors.ts';
import { assertNoCanary, CANARY, ecsBody, startServer, waitFor } from '../helpers.ts';
import { startSidecar } from '../sidecar.ts';

const INTERVAL_MS = 1000;
const TIMEOUT_MS = 500;
/** One backoff step at this interval (the cap), plus the poll's own deadline, plus slack. */
const RECOVERY_BOUND_MS =
  backoffMs(99, defaultSchedulePolicy(INTERVAL_MS, 600_000)) + TIMEOUT_MS + 1000;

type Responder = (req: IncomingMessage, res: ServerResponse, socket: Socket) => void;

/** A credentials endpoint on a fixed loopback port whose behaviour, or absence, the test sets. */
async function faultyEndpoint() {
  let responder: Responder | null = null;
  let key = 1;
  const hits: number[] = [];
  const sockets = new Set<Socket>();
  const good: Responder = (_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(ecsBody({ key: `ASIAFAULT${String(key).padStart(11, '0')}` }));
  };
  let server: Server | null = null;
  const bind = async (port: number) => {
    server = createServer((req, res) => {
      hits.push(Date.now());
      (responder ?? good)(req, res, req.socket);
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server?.listen(port, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  };
  const unbind = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      if (server === null) r();
      else server.close(() => r());
      server = null;
    });
  const port = await bind(0);
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    set(r: Responder | null) {
      responder = r;
    },
    /** The next good answer carries a new access key. */
    rotate() {
      key += 1;
    },
    refuse: unbind,
    accept: () => bind(port),
    close: unbind,
  };
}

type Endpoint = Awaited<ReturnType<typeof faultyEndpoint>>;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Responder =>
  (_req, res) => {
    res
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(typeof body === 'string' ? body : JSON.stringify(body));
  };
const text =
  (status: number, body: string, headers: Record<string, string> = {}): Responder =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
  };
const later =
  (ms: number, then: Responder): Responder =>
  (req, res, socket) => {
    const t = setTimeout(() => !res.destroyed && then(req, res, socket), ms);
    res.on('close', () => clearTimeout(t));
  };
const ecsError = (status: number, code: string) =>
  json(status, { code, message: `CredentialsV2Request: ${code}`, HTTPErrorCode: status });
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Ctx {
  readonly ep: Endpoint;
  readonly tokenFile: string;
}

interface Fault {
  readonly name: string;
  /** The reason counted while the fault lasts; null when the answer is (correctly) accepted. */
  readonly reason: PollErrorReason | null;
  readonly inject: (ctx: Ctx) => void | Promise<void>;
  readonly clear?: (ctx: Ctx) => void | Promise<void>;
  /** Sidecar in full-URI mode with a token file. */
  readonly tokenFile?: boolean;
  /** Retry-After the fault asks for, in ms: polls must not come sooner, recovery may take that long. */
  readonly retryAfterMs?: number;
  /** Extra checks on /metrics text while the fault lasts. */
  readonly metrics?: (m: Metrics) => void;
}

const respond =
  (r: Responder): Fault['inject'] =>
  ({ ep }) =>
    ep.set(r);

const FAULTS: Fault[] = [
  { name: 'endpoint down (accepts, never answers)', reason: 'timeout', inject: respond(() => {}) },
  {
    name: 'connection refused (nothing listening)',
    reason: 'connection',
    inject: ({ ep }) => ep.refuse(),
    clear: async ({ ep }) => {
      await ep.accept();
    },
  },
  {
    name: 'reset before any answer',
    reason: 'connection',
    inject: respond((_q, _s, socket) => socket.destroy()),
  },
  {
    name: 'reset mid-body',
    reason: 'connection',
    inject: respond((_q, res, socket) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      res.write(ecsBody().slice(0, 40));
      setTimeout(() => socket.destroy(), 20);
    }),
  },
  {
    name: 'stalls after headers',
    reason: 'timeout',
    inject: respond((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"RoleArn":');
    }),
  },
  {
    name: 'slow drip (one byte every 100 ms)',
    reason: 'timeout',
    inject: respond((_q, res) => {
      const body = ecsBody();
      res.writeHead(200, { 'content-type': 'application/json' });
      let i = 0;
      const t = setInterval(() => {
        if (res.destroyed || i >= body.length) return clearInterval(t);
        res.write(body[i++]);
      }, 100);
      res.on('close', () => clearInterval(t));
    }),
  },
  {
    name: `latency just under the deadline (${TIMEOUT_MS - 200} ms)`,
    reason: null,
    inject: ({ ep }) => ep.set(later(TIMEOUT_MS - 200, json(200, ecsBody()))),
  },
  {
    name: `latency just over the deadline (${TIMEOUT_MS + 150} ms)`,
    reason: 'timeout',
    inject: respond(later(TIMEOUT_MS + 150, json(200, ecsBody()))),
  },
  {
    name: '400 InvalidIdInRequest',
    reason: 'not_found',
    inject: respond(ecsError(400, 'InvalidIdInRequest')),
  },
  {
    name: '400 plain text (EKS)',
    reason: 'http_error',
    inject: respond(text(400, 'Service account token cannot be empty\n')),
  },
  { name: '401', reason: 'unauthorized', inject: respond(text(401, 'Unauthorized\n')) },
  {
    name: '403 (EKS Host check)',
    reason: 'unauthorized',
    inject: respond(text(403, 'Forbidden\n')),
  },
  { name: '404', reason: 'not_found', inject: respond(text(404, '404 page not found\n')) },
  {
    name: '429 without Retry-After',
    reason: 'throttled',
    inject: respond(text(429, 'You have reached maximum request limit.')),
  },
  {
    name: '429 with Retry-After: 2',
    reason: 'throttled',
    retryAfterMs: 2000,
    inject: respond(text(429, 'You have reached maximum request limit.', { 'retry-after': '2' })),
  },
  {
    name: '500 InternalServerError',
    reason: 'server_error',
    inject: respond(ecsError(500, 'InternalServerError')),
  },
  {
    name: '502 from a proxy',
    reason: 'server_error',
    inject: respond(text(502, '<html>Bad Gateway</html>')),
  },
  {
    name: '503 CredentialsUninitialized',
    reason: 'uninitialized',
    inject: respond(ecsError(503, 'CredentialsUninitialized')),
  },
  { name: '503 plain', reason: 'server_error', inject: respond(text(503, 'Service Unavailable')) },
  {
    name: '200 HTML (captive portal)',
    reason: 'invalid_json',
    inject: respond(text(200, '<html><body>Please log in</body></html>')),
  },
  {
    name: '200 truncated JSON',
    reason: 'invalid_json',
    inject: respond(json(200, ecsBody().slice(0, 90))),
  },
  {
    name: '200 wrong types',
    reason: 'invalid_response',
    inject: respond(
      json(200, {
        RoleArn: 42,
        AccessKeyId: ['ASIA'],
        SecretAccessKey: CANARY.secret,
        Token: CANARY.token,
        Expiration: true,
      }),
    ),
  },
  {
    name: '200 missing fields',
    reason: 'invalid_response',
    inject: respond(json(200, { SecretAccessKey: CANARY.secret, Token: CANARY.token })),
  },
  {
    name: 'Expiration in the past',
    reason: 'expired',
    inject: respond(
      json(
        200,
        ecsBody({ key: 'ASIAFAULTEXPIRED0001', expiration: new Date(Date.now() - 60_000) }),
      ),
    ),
  },
  {
    name: 'Expiration unparseable',
    reason: 'invalid_response',
    inject: respond(
      json(200, ecsBody().replace(/"Expiration":"[^"]+"/, `"Expiration":"${CANARY.secret}"`)),
    ),
  },
  {
    name: 'Expiration far in the future (2100)',
    reason: null,
    inject: respond(json(200, ecsBody({ expiration: new Date('2100-01-01T00:00:00Z') }))),
    metrics: (m) =>
      assert.equal(
        m.get('rolecall_credentials_expiration_timestamp_seconds'),
        Date.parse('2100-01-01T00:00:00Z') / 1000,
      ),
  },
  {
    name: 'Expiration with a +02:00 offset',
    reason: null,
    inject: ({ ep }) => {
      const at = Math.floor(Date.now() / 1000) * 1000 + 3 * 3600_000;
      const local = iso(at + 2 * 3600_000).replace('Z', '+02:00');
      ep.set(json(200, ecsBody().replace(/"Expiration":"[^"]+"/, `"Expiration":"${local}"`)));
      expectedExpiration.set('offset', at / 1000);
    },
    metrics: (m) =>
      assert.equal(
        m.get('rolecall_credentials_expiration_timestamp_seconds'),
        expectedExpiration.get('offset'),
      ),
  },
  {
    name: 'huge body (8 MiB declared)',
    reason: 'too_large',
    inject: respond((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(8 << 20) });
      res.write(Buffer.alloc(4096, 0x20));
    }),
  },
  {
    name: 'huge body (chunked, 2 MiB)',
    reason: 'too_large',
    inject: respond((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let n = 0;
      const pump = () => {
        while (n < 32 && !res.destroyed && res.write(chunk)) n++;
        if (n < 32 && !res.destroyed) res.once('drain', pump);
        else res.end();
      };
      pump();
    }),
  },
  {
    name: 'redirect loop (301 to itself)',
    reason: 'redirect',
    inject: respond((req, res) => res.writeHead(301, { location: req.url ?? '/' }).end()),
  },
  {
    name: 'token file vanishes (full URI)',
    reason: 'token_file',
    tokenFile: true,
    inject: ({ tokenFile }) => unlinkSync(tokenFile),
    clear: ({ tokenFile }) => writeFileSync(tokenFile, CANARY.authToken),
  },
  {
    name: 'token file gains a trailing newline (full URI)',
    reason: 'token_file',
    tokenFile: true,
    inject: ({ tokenFile }) => writeFileSync(tokenFile, `${CANARY.authToken}\n`),
    clear: ({ tokenFile }) => writeFileSync(tokenFile, CANARY.authToken),
  },
  {
    name: 'endpoint clock 10 minutes ahead',
    reason: null,
    inject: respond(skewed(+600)),
    metrics: (m) => near(m.get('rolecall_endpoint_clock_skew_seconds'), 600),
  },
  {
    name: 'endpoint clock 10 minutes behind',
    reason: null,
    inject: respond(skewed(-600)),
    metrics: (m) => near(m.get('rolecall_endpoint_clock_skew_seconds'), -600),
  },
];

const expectedExpiration = new Map<string, number>();

function skewed(seconds: number): Responder {
  return (_q, res) => {
    res
      .writeHead(200, {
        'content-type': 'application/json',
        date: new Date(Date.now() + seconds * 1000).toUTCString(),
      })
      .end(ecsBody());
  };
}

function near(actual: number | undefined, expected: number): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= 2,
    `expected about ${expected}, got ${actual}`,
  );
}

type Metrics = Map<string, number>;

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: await res.text() };
}

async function scrape(base: string): Promise<{ metrics: Metrics; text: string }> {
  const { status, body } = await get(`${base}/metrics`);
  assert.equal(status, 200, '/metrics answers 200 whatever the endpoint does');
  const metrics: Metrics = new Map();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    metrics.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { metrics, text: body };
}

const errorsFor = (m: Metrics, reason: string) =>
  m.get(`rolecall_poll_errors_total{reason="${reason}"}`) ?? Number.NaN;

async function runFault(t: TestContext, fault: Fault): Promise<void> {
  const ep = await faultyEndpoint();
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-faults-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, CANARY.authToken);
  const ctx: Ctx = { ep, tokenFile };
  const env: Record<string, string> = fault.tokenFile
    ? {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ep.url}/v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      }
    : {
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.credentialsId}`,
        ROLECALL_CONTAINER_HOST: ep.url,
      };
  const { service, logs, publicUrl, adminUrl } = await startSidecar(
    {
      ...env,
      ROLECALL_POLL_INTERVAL: `${INTERVAL_MS}ms`,
      ROLECALL_POLL_TIMEOUT: `${TIMEOUT_MS}ms`,
    },
    // The lowest jitter: polls and backoff at their shortest, so the matrix runs quickly.
    { random: () => 0 },
  );
  t.after(async () => {
    await service.close();
    await ep.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const answers: string[] = [];

  await waitFor(() => service.state().phase === 'tracking', 3000, 'first fetch');
  const before = await scrape(publicUrl);
  const lastSuccessBefore = before.metrics.get('rolecall_last_successful_poll_timestamp_seconds');
  const pollsBefore = service.state().polls;

  await fault.inject(ctx);
  if (fault.reason === null) {
    // Accepted as it should be: two more successful polls, no error of any kind.
    await waitFor(() => service.state().polls >= pollsBefore + 2, 5000, 'two more polls');
    const { metrics, text } = await scrape(publicUrl);
    answers.push(text);
    for (const r of POLL_ERROR_REASONS) assert.equal(errorsFor(metrics, r), 0, r);
    assert.equal(service.state().consecutiveFailures, 0);
    const h = await get(`${publicUrl}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(JSON.parse(h.body).status, 'ok');
    fault.metrics?.(metrics);
    assert.equal(logs.named('credentials.fetch_failed').length, 0);
    assertNoCanary([...answers, logs.text()].join('\n'), 'answers and logs');
    return;
  }

  const reason = fault.reason;
  await waitFor(
    () => service.state().consecutiveFailures >= 3,
    3 * (fault.retryAfterMs ?? INTERVAL_MS) + 3 * TIMEOUT_MS + 2000,
    `three failures (${reason})`,
  );
  const live = await get(`${publicUrl}/livez`);
  assert.equal(live.status, 200, '/livez is independent of the endpoint');
  const h = await get(`${publicUrl}/healthz`);
  answers.push(h.body);
  assert.equal(h.status, 200, 'held credentials are still good: degraded answers 200');
  const body = JSON.parse(h.body) as { status: string; checks: { detail: string }[] };
  assert.equal(body.status, 'degraded');
  assert.match(body.checks[0]?.detail ?? '', new RegExp(`^last poll failed \\(${reason}: `));
  const during = await scrape(publicUrl);
  answers.push(during.text);
  const failed = service.state().consecutiveFailures;
  assert.ok(errorsFor(during.metrics, reason) >= 3, `${reason} counted`);
  for (const r of POLL_ERROR_REASONS) {
    if (r !== reason) assert.equal(errorsFor(during.metrics, r), 0, `no ${r} misclassified`);
  }
  assert.equal(during.metrics.get('rolecall_credentials_up'), 1, 'held credentials still valid');
  assert.equal(
    during.metrics.get('rolecall_last_successful_poll_timestamp_seconds'),
    lastSuccessBefore,
    'last success does not move during the fault',
  );
  const whoami = await get(`${adminUrl}/whoami`);
  answers.push(whoami.body);
  assert.equal(JSON.parse(whoami.body).lastError.reason, reason);
  const failedLogs = logs.named('credentials.fetch_failed');
  assert.equal(failedLogs.length, 1, `logged once over ${failed} failed polls`);
  assert.equal(failedLogs[0]?.reason, reason);
  if (fault.retryAfterMs !== undefined) {
    const gaps = ep.hits
      .slice(-3)
      .map((at, i, all) => (i === 0 ? Infinity : at - (all[i - 1] ?? 0)));
    assert.ok(Math.min(...gaps) >= fault.retryAfterMs - 50, `Retry-After honoured: ${gaps}`);
  }

  ep.rotate();
  await (fault.clear ?? (() => ep.set(null)))(ctx);
  const cleared = Date.now();
  await waitFor(
    () => service.state().consecutiveFailures === 0,
    (fault.retryAfterMs ?? 0) + RECOVERY_BOUND_MS,
    'recovery within one backoff step',
  );
  const after = await get(`${publicUrl}/healthz`);
  assert.equal(JSON.parse(after.body).status, 'ok', `recovered after ${Date.now() - cleared} ms`);
  assert.equal(logs.named('credentials.recovered').length, 1);
  assert.equal(logs.named('credentials.fetch_failed').length, 1, 'still only one failure line');
  assertNoCanary([...answers, logs.text()].join('\n'), 'answers and logs');
}

describe('fault matrix: held credentials, one fault at a time', { concurrency: 8 }, () => {
  for (const fault of FAULTS) {
    test(`${fault.name} → ${fault.reason ?? 'accepted'}`, (t) => runFault(t, fault));
  }
});

describe('task metadata', () => {
  test('down: credentials unaffected, health ok, failure logged once, task info once it answers', async (t) => {
    const ep = await faultyEndpoint();
    let metadataUp = false;
    const meta = await startServer((_req, res) => {
      if (!metadataUp) return void res.socket?.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          Cluster: 'default',
          TaskARN: 'arn:aws:ecs:us-west-2:111122223333:task/default/0123456789abcdef',
          Family: 'orders',
          Revision: '7',
          AvailabilityZone: 'us-west-2a',
          LaunchType: 'FARGATE',
        }),
      );
    });
    const { service, logs, publicUrl } = await startSidecar(
      {
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${CANARY.credentialsId}`,
        ROLECALL_CONTAINER_HOST: ep.url,
        ROLECALL_POLL_INTERVAL: '1s',
        ROLECALL_POLL_TIMEOUT: '500ms',
        ECS_CONTAINER_METADATA_URI_V4: `${meta.url}/v4/meta`,
      },
      { random: () => 0 },
    );
    t.after(async () => {
      await service.close();
      await ep.close();
      await meta.close();
    });
    await waitFor(() => meta.hits() >= 3, 6000, 'three metadata attempts');
    assert.equal(service.state().phase, 'tracking');
    const h = await get(`${publicUrl}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(JSON.parse(h.body).status, 'ok');
    const { metrics, text: m } = await scrape(publicUrl);
    assert.doesNotMatch(m, /^rolecall_task_info\{/m, 'absent while unknown');
    for (const r of POLL_ERROR_REASONS) assert.equal(errorsFor(metrics, r), 0, r);
    assert.equal(logs.named('task.metadata_failed').length, 1, 'logged once, not per attempt');
    metadataUp = true;
    await waitFor(
      async () => /^rolecall_task_info\{.*family="orders"/m.test((await scrape(publicUrl)).text),
      10_000,
      'task info after metadata recovers',
    );
  });
});
