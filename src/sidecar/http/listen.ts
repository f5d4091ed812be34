/**
 * Binding and graceful closing of one listener, with limits that keep a health check answering
 * while slow or idle clients hold sockets:
 *
 * - Node checks `headersTimeout`/`requestTimeout` only every `connectionsCheckingInterval`
 *   (30 s by default), so that interval is short here: an idle or slowloris socket gets a 408 and
 *   is closed within about `headersTimeout` + 0.5 s.
 * - The connection cap is soft: past it, a new connection evicts the oldest connection that has no
 *   request in flight (idle, keep-alive or still sending headers) instead of being refused. A
 *   hard cap (`server.maxConnections`) would let that many slow clients lock out the ECS health
 *   check and Prometheus; eviction always lets the newest client in.
 * - Pipelining is bounded: a connection may have `maxPipelined` requests without a finished answer,
 *   and at most `maxBufferedBytes` of answers waiting in its socket when a request arrives; past
 *   either the connection is closed, without running the route. A client that pipelines and never
 *   reads would otherwise make the server render and hold every answer (Node parses a whole
 *   64 KiB read, thousands of requests, before it pauses the socket).
 * - Both listeners are read-only: anything but GET/HEAD is a 405 and a request with a body is a
 *   413, answered before routing, without reading the body, and the connection is closed.
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ListenAddress } from '../config.ts';

export interface Listener {
  readonly server: Server;
  /** `http://host:port` to reach it (a wildcard bind is reached over loopback). */
  readonly url: string;
  /** The address actually bound, `host:port` (`0.0.0.0:9477`, `[::1]:9478`), for the start log. */
  readonly bound: string;
  readonly port: number;
  close(): Promise<void>;
}

export const SERVER_LIMITS = {
  /** A health check or a scrape sends its headers in one packet. */
  headersTimeout: 3_000,
  requestTimeout: 5_000,
  keepAliveTimeout: 5_000,
  /** How often the two timeouts above are enforced. */
  connectionsCheckingInterval: 500,
  /** A socket with no traffic at all for this long is closed. */
  socketTimeout: 10_000,
  maxHeadersCount: 64,
  maxHeaderSize: 16 * 1024,
  /** Soft cap: beyond it the oldest connection without a request in flight is closed. */
  maxConnections: 256,
  /** Requests on one connection whose answers have not finished; one more closes it. */
  maxPipelined: 4,
  /** Answer bytes a socket may hold unsent when its next request arrives. */
  maxBufferedBytes: 256 * 1024,
} as const;

function refuse(res: ServerResponse, status: 405 | 413, error: string): void {
  const body = `{"error":"${error}"}`;
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    connection: 'close',
    ...(status === 405 ? { allow: 'GET, HEAD' } : {}),
  });
  res.end(body);
}

/** GET/HEAD without a body reach `handler`; anything else is refused without reading a byte of it. */
function readOnly(handler: RequestListener): RequestListener {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuse(res, 405, 'method not allowed');
      return;
    }
    const length = req.headers['content-length'];
    if (
      req.headers['transfer-encoding'] !== undefined ||
      (length !== undefined && length !== '0')
    ) {
      refuse(res, 413, 'request bodies are not accepted');
      return;
    }
    handler(req, res);
  };
}

interface PipelineLimits {
  readonly maxPipelined: number;
  readonly maxBufferedBytes: number;
}

/** What Node's HTTP parser calls for each request head; an own property set per connection. */
type OnIncoming = (req: IncomingMessage, keepAlive: boolean) => number;

/**
 * Closes a connection that pipelines past the limits instead of rendering more answers for it.
 *
 * Node parses a whole read (up to 64 KiB, thousands of tiny requests) before it looks at the
 * socket again, creating a request and a response object for each even after the socket is
 * destroyed. So the check sits on the parser's per-request callback: over the limit it answers
 * "upgrade" (2), which makes the parser stop in the middle of the read, and Node then detaches
 * the socket, which is destroyed. Should a Node version lack that callback, the same check in the
 * request listener still closes the connection, only after parsing the rest of the read.
 * @returns the request listener to give the server (the fallback check, then `handler`).
 */
function boundPipelining(
  server: Server,
  handler: RequestListener,
  limits: PipelineLimits = SERVER_LIMITS,
): RequestListener {
  const pending = new WeakMap<Socket, number>();
  const over = (socket: Socket): boolean =>
    socket.destroyed ||
    (pending.get(socket) ?? 0) >= limits.maxPipelined ||
    socket.writableLength > limits.maxBufferedBytes;
  server.on('connection', (socket: Socket) => {
    // Answers still being written when the socket is destroyed must not surface as an error.
    socket.on('error', () => {});
    const parser = (socket as Socket & { parser?: { onIncoming?: unknown } }).parser;
    const original = parser?.onIncoming;
    if (parser === undefined || typeof original !== 'function') return;
    const next = original as OnIncoming;
    parser.onIncoming = ((req, keepAlive) => {
      if (!over(socket)) return next(req, keepAlive);
      (req as IncomingMessage & { upgrade: boolean }).upgrade = true;
      socket.destroy();
      return 2;
    }) satisfies OnIncoming;
  });
  return (req, res) => {
    const socket = req.socket;
    if (over(socket)) {
      socket.destroy();
      return;
    }
    pending.set(socket, (pending.get(socket) ?? 0) + 1);
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      pending.set(socket, (pending.get(socket) ?? 1) - 1);
    };
    res.once('finish', release);
    res.once('close', release);
    handler(req, res);
  };
}

/** Keeps at most `max` connections by closing the oldest one that is not serving a request. */
function capConnections(server: Server, max: number): void {
  const open = new Set<Socket>();
  const busy = new Set<Socket>();
  server.on('request', (req, res) => {
    const socket = req.socket;
    busy.add(socket);
    res.once('close', () => busy.delete(socket));
  });
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      busy.delete(socket);
    });
    if (open.size <= max) return;
    for (const old of open) {
      if (old !== socket && !busy.has(old)) {
        old.destroy();
        return;
      }
    }
    socket.destroy();
  });
}

export async function listen(address: ListenAddress, handler: RequestListener): Promise<Listener> {
  const server = createServer({
    maxHeaderSize: SERVER_LIMITS.maxHeaderSize,
    connectionsCheckingInterval: SERVER_LIMITS.connectionsCheckingInterval,
    headersTimeout: SERVER_LIMITS.headersTimeout,
    requestTimeout: SERVER_LIMITS.requestTimeout,
  });
  server.on('request', boundPipelining(server, readOnly(handler)));
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveTimeout;
  server.maxHeadersCount = SERVER_LIMITS.maxHeadersCount;
  server.timeout = SERVER_LIMITS.socketTimeout;
  capConnections(server, SERVER_LIMITS.maxConnections);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address: boundHost } = server.address() as AddressInfo;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    server,
    port,
    bound: `${boundHost.includes(':') ? `[${boundHost}]` : boundHost}:${port}`,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // In-flight requests are short (state reads); do not wait on a slow client for long.
        setTimeout(() => server.closeAllConnections(), 500).unref();
      }),
  };
}
