/**
 * A credentials endpoint in the bench's own process (so its CPU and memory are not the measured
 * child's), on 127.0.0.1. Synthetic credentials valid for 6 hours, so rolecall polls at its
 * interval; polls are counted per path, so concurrent children can share one endpoint.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Endpoint {
  readonly url: string;
  polls(path: string): number;
  close(): Promise<void>;
}

export async function startEndpoint(): Promise<Endpoint> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const exp = new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      `{"RoleArn":"arn:aws:iam::111122223333:role/bench-task","AccessKeyId":"ASIABENCH00000000001","SecretAccessKey":"bench","Token":"bench","Expiration":"${exp}"}`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    polls: (path) => hits.get(path) ?? 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
