/**
 * The emulator's only sockets and timers: a node:http server that reads the clock, asks the pure
 * timeline and wire modules what to answer, and writes it. It never logs: the credentials id is a
 * capability even when the credentials are synthetic, and tests search output for canaries.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLimiter, ECS_RATE_LIMIT, type RateLimit, rateLimitHeaders } from './ratelimit.ts';
import type { Scenario } from './scenario.ts';
import { containerDoc, type TaskOverrides, taskDoc } from './task-doc.ts';
import { type Anchor, answerAt, DEFAULT_SECRET_PREFIX, generationAt } from './timeline.ts';
import * as wire from './wire.ts';

export interface EmulatorOptions {
  readonly scenario: Scenario;
  /** Default 127.0.0.1: the emulator binds loopback unless told otherwise. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default a random UUID without dashes. */
  readonly credentialsId?: string;
  /** Start of every SecretAccessKey and Token; default `synthetic-secret-`. */
  readonly secretPrefix?: string;
  /**
   * The emulator's one clock, epoch ms (default Date.now): scenario timeline, `Date` header and
   * token-bucket refill. A frozen test clock never refills the bucket, so more than 60 requests
   * to one path at one instant need `rateLimit: null`.
   */
  readonly now?: () => number;
  readonly task?: TaskOverrides;
  /** Default ECS's 40/s, burst 60 (ECS_RATE_LIMIT); null turns throttling off. */
  readonly rateLimit?: RateLimit | null;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, ROLECALL_CONTAINER_HOST, ECS_CONTAINER_METADATA_URI_V4. */
  readonly env: Readonly<Record<string, string>>;
  /** Requests that reached a credentials route (answered, failed or throttled). */
  requests(): number;
  /** Overrides the timeline on the credentials routes until set back to null. */
  setOutage(o: { status: number; code?: string } | null): void;
  /** Starts a new generation now; later ones follow on the scenario's cadence from here. */
  rotate(): void;
  /** Overrides the scenario's role from now on. */
  setRole(arn: string): void;
  /** Closes the listener and every socket, idle keep-alive ones included. */
  close(): Promise<void>;
}

function send(res: ServerResponse, reply: wire.Reply): void {
  res.statusCode = reply.status;
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  res.end(reply.body);
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const { scenario } = opts;
  const now = opts.now ?? Date.now;
  const startMs = now();
  const credentialsId = opts.credentialsId ?? randomUUID().replaceAll('-', '');
  const taskId = randomBytes(16).toString('hex');
  const metaId = `${taskId}-${randomBytes(4).readUInt32BE()}`;
  const secretPrefix = opts.secretPrefix ?? DEFAULT_SECRET_PREFIX;
  const limit = opts.rateLimit === undefined ? ECS_RATE_LIMIT : opts.rateLimit;
  const limiter = limit === null ? null : createLimiter(limit);
  const task = { taskId, startedMs: startMs, overrides: opts.task };
  let served = 0;
  let outage: { status: number; code?: string } | null = null;
  let anchor: Anchor | undefined;
  let roleArn: string | undefined;
  const pending = new Set<NodeJS.Timeout>();

  const credentials = (version: 1 | 2, id: string, nowMs: number): wire.Reply => {
    if (id === '') return wire.credentialsErrorReply(400, 'NoIdInRequest', version);
    if (id !== credentialsId) return wire.credentialsErrorReply(400, 'InvalidIdInRequest', version);
    if (outage !== null) return wire.outageReply(outage, version);
    const answer = answerAt({ scenario, startMs, nowMs, secretPrefix, anchor, roleArn });
    return answer.kind === 'outage'
      ? wire.outageReply(answer.outage, version)
      : wire.credentialsReply(answer.body);
  };

  /** Decides the answer; rate-limit and Date headers go straight onto `res`. */
  const decide = (req: IncomingMessage, res: ServerResponse): wire.Reply => {
    const nowMs = now(); // one reading per request: Date header, bucket and timeline agree
    res.setHeader('date', new Date(nowMs).toUTCString());
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q === -1 ? raw : raw.slice(0, q);
    const query = q === -1 ? '' : raw.slice(q + 1);
    // gorilla/mux cleans and redirects before the agent's rate limiter sees the request.
    const cleaned = wire.cleanPath(path);
    if (cleaned !== path) return wire.redirectReply(cleaned, query);
    const r = wire.route(path, query);
    if (r.kind === 'credentials') served++;
    if (limiter !== null && limit !== null) {
      const ip = req.socket.remoteAddress ?? '';
      const addr = `${ip.includes(':') ? `[${ip}]` : ip}:${req.socket.remotePort ?? 0}`;
      const xff = String(req.headers['x-forwarded-for'] ?? '');
      for (const [k, v] of Object.entries(rateLimitHeaders(limit.rate, xff, addr))) {
        res.setHeader(k, v);
      }
      if (!limiter.take(`${ip}|${path}`, nowMs)) return wire.throttledReply();
    }
    if (r.kind === 'not_found') return wire.notFoundReply();
    if (r.kind === 'credentials') return credentials(r.version, r.id, nowMs);
    if (r.metaId !== metaId) return wire.metadataNotFoundReply(r.doc, r.metaId);
    const doc =
      r.doc === 'container' ? containerDoc(task) : taskDoc(task, r.doc === 'taskWithTags');
    return wire.jsonReply(200, doc);
  };

  const server = createServer((req, res) => {
    const reply = decide(req, res);
    const delayMs = scenario.latencyMs ?? 0;
    if (delayMs <= 0) {
      send(res, reply);
      return;
    }
    const timer = setTimeout(() => {
      pending.delete(timer);
      send(res, reply);
    }, delayMs);
    pending.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  return {
    url,
    port,
    env: Object.freeze({
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${credentialsId}`,
      ROLECALL_CONTAINER_HOST: url,
      ECS_CONTAINER_METADATA_URI_V4: `${url}/v4/${metaId}`,
    }),
    requests: () => served,
    setOutage: (o) => {
      outage = o === null ? null : { ...o };
    },
    rotate: () => {
      const t = now();
      anchor = { atMs: t, index: generationAt(scenario, startMs, t, anchor).index + 1 };
    },
    setRole: (arn) => {
      roleArn = arn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of pending) clearTimeout(t);
        pending.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
