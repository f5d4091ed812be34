/** Binding and graceful closing of one listener, with timeouts that bound slow clients. */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from '../config.ts';

export interface Listener {
  readonly server: Server;
  /** `http://host:port` as bound (port resolved when 0 was asked). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const SERVER_LIMITS = {
  headersTimeout: 5_000,
  requestTimeout: 10_000,
  keepAliveTimeout: 5_000,
  maxHeadersCount: 64,
  maxConnections: 512,
} as const;

export async function listen(address: ListenAddress, handler: RequestListener): Promise<Listener> {
  const server = createServer({ maxHeaderSize: 16 * 1024 }, handler);
  server.headersTimeout = SERVER_LIMITS.headersTimeout;
  server.requestTimeout = SERVER_LIMITS.requestTimeout;
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveTimeout;
  server.maxHeadersCount = SERVER_LIMITS.maxHeadersCount;
  server.maxConnections = SERVER_LIMITS.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    server,
    port,
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
