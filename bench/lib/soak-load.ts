/**
 * The soak's load phase: autocannon against /healthz, /metrics and /whoami while the credentials
 * endpoint is slow, then failing; every answer must still be a 200 that did not wait on it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { startSidecar } from './sidecar.ts';

/** A credentials endpoint that answers well until `set('slow' | 'failing')`. */
async function switchableEndpoint(stallMs: number) {
  let mode: 'good' | 'slow' | 'failing' = 'good';
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    if (mode === 'failing') {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"code":"CredentialsUninitialized","message":"x","HTTPErrorCode":503}');
      return;
    }
    const answer = () => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        `{"RoleArn":"arn:aws:iam::111122223333:role/orders-task","AccessKeyId":"ASIASOAKLOAD00000001","SecretAccessKey":"soak-secret","Token":"soak-token","Expiration":"${new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')}"}`,
      );
    };
    if (mode === 'slow') setTimeout(answer, stallMs).unref();
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (m: 'slow' | 'failing') => {
      mode = m;
    },
    hits: () => hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface LoadRow {
  readonly endpoint: 'slow' | 'failing';
  readonly route: string;
  readonly requests: number;
  readonly rps: number;
  readonly p99ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly errors: number;
}

/**
 * autocannon against the three routes while the endpoint is slow, then failing; real timers, a
 * poll every second with a 500 ms deadline. Each run is bounded by `seconds` and by `amount`.
 */
export async function loadPhase(seconds: number): Promise<{ rows: LoadRow[]; problems: string[] }> {
  const stallMs = 1500;
  const endpoint = await switchableEndpoint(stallMs);
  const service = await startSidecar(endpoint.url);
  const rows: LoadRow[] = [];
  const problems: string[] = [];
  try {
    for (let i = 0; i < 50 && service.state().lastSuccess === null; i++)
      await new Promise((r) => setTimeout(r, 100));
    if (service.state().lastSuccess === null) throw new Error('load: no first poll within 5 s');
    for (const mode of ['slow', 'failing'] as const) {
      endpoint.set(mode);
      const before = endpoint.hits();
      for (const [base, route] of [
        [service.public.url, '/healthz'],
        [service.public.url, '/metrics'],
        [service.admin.url, '/whoami'],
      ] as const) {
        const r = await autocannon({
          url: `${base}${route}`,
          connections: 10,
          duration: seconds, // bounded by time; autocannon's `amount` would override it
        });
        const row: LoadRow = {
          endpoint: mode,
          route,
          requests: r.requests.total,
          rps: Math.round(r.requests.average),
          p99ms: r.latency.p99,
          maxMs: r.latency.max,
          non2xx: r.non2xx,
          errors: r.errors + r.timeouts,
        };
        rows.push(row);
        if (row.non2xx > 0 || row.errors > 0)
          problems.push(`${mode} ${route}: ${row.non2xx} non-2xx, ${row.errors} errors`);
        if (row.p99ms >= stallMs)
          problems.push(`${mode} ${route}: p99 ${row.p99ms} ms ≥ the endpoint's stall`);
      }
      if (service.state().consecutiveFailures === 0)
        problems.push(`${mode}: no poll failed during the load, so the fault was not exercised`);
      // The sidecar kept polling on its own schedule, not per request.
      const polled = endpoint.hits() - before;
      if (polled > seconds * 3 * 3)
        problems.push(`${mode}: ${polled} endpoint hits during load: requests trigger fetches`);
    }
  } finally {
    await service.close();
    await endpoint.close();
  }
  return { rows, problems };
}
