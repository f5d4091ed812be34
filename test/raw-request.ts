/**
 * One HTTP request with node:http, exactly as written: the path is not normalised and the `Host`
 * header can be set (fetch forbids both). Loopback only: the target is an emulator's URL.
 */
import { request } from 'node:http';

export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export function rawRequest(
  base: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const url = new URL(base);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', '::1', 'localhost'].includes(hostname))
    throw new Error(`rawRequest: ${hostname} is not loopback`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname,
        port: url.port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('rawRequest timed out')));
    req.on('error', reject);
    req.end();
  });
}
