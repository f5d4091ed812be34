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
 * - Both listeners are read-only: anything but GET/HEAD is a 405 and a request with a body is a
 *   413, answered before routing, without reading the body, and the connection is closed.
 */
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
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
export function readOnly(handler: RequestListener): RequestListener {
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
  const server = createServer(
    {
      maxHeaderSize: SERVER_LIMITS.maxHeaderSize,
      connectionsCheckingInterval: SERVER_LIMITS.connectionsCheckingInterval,
      headersTimeout: SERVER_LIMITS.headersTimeout,
      requestTimeout: SERVER_LIMITS.requestTimeout,
    },
    readOnly(handler),
  );
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
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}
