/**
 * The emulator's only sockets and timers: a node:http server that reads the clock, asks the mode's
 * handler (ecs.ts, eks.ts, imds.ts) what to answer, and writes it. It never logs: the credentials
 * id and the EKS token are capabilities even when the credentials are synthetic, and tests search
 * output for canaries.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createEcsHandler, ecsEnv } from './ecs.ts';
import { createEksHandler, EKS_RATE_LIMIT, eksEnv, LOOPBACK_HOSTS } from './eks.ts';
import type { Current, EmulatorMode, Fault, Handler, Incoming } from './handler.ts';
import { createImdsHandler, imdsEnv } from './imds.ts';
import { ECS_RATE_LIMIT, type RateLimit } from './ratelimit.ts';
import type { Scenario } from './scenario.ts';
import type { TaskOverrides } from './task-doc.ts';
import {
  type Anchor,
  answerAt,
  DEFAULT_SECRET_PREFIX,
  generationAt,
  roleAt,
  scheduleSeconds,
} from './timeline.ts';
import {
  createTokenDir,
  removeTokenDir,
  syntheticServiceAccountToken,
  writeTokenFile,
} from './token-file.ts';
import type { Reply } from './wire.ts';

export interface EmulatorOptions {
  readonly scenario: Scenario;
  /** Which endpoint to emulate; default `ecs`. */
  readonly mode?: EmulatorMode;
  /** Default 127.0.0.1: the emulator binds loopback unless told otherwise. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** ECS: default a random UUID without dashes. */
  readonly credentialsId?: string;
  /**
   * EKS: the service-account token to require (written to the token file). Default a synthetic
   * JWT-shaped token; `rotateToken()` replaces either with a new synthetic one.
   */
  readonly authToken?: string;
  /** Start of every SecretAccessKey and Token; default `synthetic-secret-`. */
  readonly secretPrefix?: string;
  /**
   * The emulator's one clock, epoch ms (default Date.now): scenario timeline, `Date` header,
   * token-bucket refill and IMDS token expiry. A frozen test clock never refills the bucket, so
   * more than a burst of requests at one instant need `rateLimit: null`.
   */
  readonly now?: () => number;
  /** ECS: task metadata fields to pin. */
  readonly task?: TaskOverrides;
  /**
   * Default per mode: ECS 40/s burst 60 per (IP, path); EKS 1000/s burst 500 for everyone; IMDS
   * none (this option is ignored there). null turns throttling off.
   */
  readonly rateLimit?: RateLimit | null;
}

export interface Emulator {
  readonly mode: EmulatorMode;
  /** `http://127.0.0.1:PORT` (`http://[::1]:PORT` on IPv6), no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The variables that point an SDK or rolecall at this emulator (see `emulate`). */
  readonly env: Readonly<Record<string, string>>;
  /** EKS: the 0600 file holding the service-account token (removed on close); null otherwise. */
  readonly tokenFile: string | null;
  /** Requests that reached a credentials route (answered, failed or throttled). */
  requests(): number;
  /** Overrides the timeline on the credentials routes until set back to null. */
  setOutage(o: { status: number; code?: string } | null): void;
  /** Starts a new generation now; later ones follow on the scenario's cadence from here. */
  rotate(): void;
  /** Overrides the scenario's role from now on. */
  setRole(arn: string): void;
  /**
   * EKS: writes a new token to the token file; from then on only the new one is accepted, so a
   * client that does not re-read the file fails. A no-op in other modes.
   */
  rotateToken(): void;
  /** Closes the listener and every socket, idle keep-alive ones included. */
  close(): Promise<void>;
}

function send(res: ServerResponse, reply: Reply): void {
  res.statusCode = reply.status;
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  res.end(reply.body);
}

function incoming(req: IncomingMessage): Incoming {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  return {
    method: req.method ?? 'GET',
    path: q === -1 ? raw : raw.slice(0, q),
    query: q === -1 ? '' : raw.slice(q + 1),
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress ?? '',
    remotePort: req.socket.remotePort ?? 0,
  };
}

export async function startEmulator(opts: EmulatorOptions): Promise<Emulator> {
  const { scenario } = opts;
  const mode = opts.mode ?? 'ecs';
  const now = opts.now ?? Date.now;
  const startMs = now();
  const host = opts.host ?? '127.0.0.1';
  const secretPrefix = opts.secretPrefix ?? DEFAULT_SECRET_PREFIX;
  let served = 0;
  let outage: Fault | null = null;
  let anchor: Anchor | undefined;
  let roleArn: string | undefined;
  const pending = new Set<NodeJS.Timeout>();
  let closed = false;

  const current = (nowMs: number): Current => {
    const role = roleArn ?? roleAt(scenario, scheduleSeconds(scenario, startMs, nowMs));
    if (outage !== null) return { kind: 'outage', outage, roleArn: role };
    const a = answerAt({ scenario, startMs, nowMs, secretPrefix, anchor, roleArn });
    return a.kind === 'outage'
      ? { kind: 'outage', outage: a.outage, roleArn: role }
      : { ...a, roleArn: a.body.RoleArn };
  };

  // Per-mode state, decided before binding; the env needs the bound URL, so it comes after.
  const credentialsId = opts.credentialsId ?? randomUUID().replaceAll('-', '');
  const taskId = randomBytes(16).toString('hex');
  const metaId = `${taskId}-${randomBytes(4).readUInt32BE()}`;
  let tokenDir: string | null = null;
  let tokenFile: string | null = null;
  let token = '';
  const newToken = () => syntheticServiceAccountToken(randomBytes, now());
  let handler: Handler;
  switch (mode) {
    case 'ecs':
      handler = createEcsHandler({
        credentialsId,
        metaId,
        task: { taskId, startedMs: startMs, overrides: opts.task },
        rateLimit: opts.rateLimit === undefined ? ECS_RATE_LIMIT : opts.rateLimit,
      });
      break;
    case 'eks':
      token = opts.authToken ?? newToken();
      tokenDir = createTokenDir();
      tokenFile = join(tokenDir, 'eks-pod-identity-token');
      writeTokenFile(tokenFile, token);
      handler = createEksHandler({
        token: () => token,
        allowedHosts: [...LOOPBACK_HOSTS, host],
        rateLimit: opts.rateLimit === undefined ? EKS_RATE_LIMIT : opts.rateLimit,
        requestId: randomUUID,
      });
      break;
    case 'imds':
      handler = createImdsHandler({
        instance: {
          instanceId: `i-${randomBytes(9).toString('hex').slice(0, 17)}`,
          startedMs: startMs,
        },
        newToken: () => `AQAEA${randomBytes(42).toString('base64url')}==`,
      });
      break;
  }

  const server = createServer((req, res) => {
    const nowMs = now(); // one reading per request: Date header, bucket and timeline agree
    res.setHeader('date', new Date(nowMs).toUTCString());
    const handled = handler(incoming(req), nowMs, () => current(nowMs));
    if (handled.credentialsRoute) served++;
    const delayMs = scenario.latencyMs ?? 0;
    if (delayMs <= 0) {
      send(res, handled.reply);
      return;
    }
    const timer = setTimeout(() => {
      pending.delete(timer);
      send(res, handled.reply);
    }, delayMs);
    pending.add(timer);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if (tokenDir !== null) removeTokenDir(tokenDir);
    throw err;
  }
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  const env =
    mode === 'ecs'
      ? ecsEnv(url, { credentialsId, metaId })
      : mode === 'eks'
        ? eksEnv(url, tokenFile ?? '')
        : imdsEnv(url);
  return {
    mode,
    url,
    port,
    env: Object.freeze(env),
    tokenFile,
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
    rotateToken: () => {
      if (tokenFile === null || closed) return;
      token = newToken();
      writeTokenFile(tokenFile, token);
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const t of pending) clearTimeout(t);
        pending.clear();
        if (tokenDir !== null) removeTokenDir(tokenDir);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
