/**
 * `rolecall healthcheck`: for an ECS `healthCheck` in an image without curl or a shell. Uses
 * `node:http` only (no express, pino or undici loaded), with a short deadline for the whole answer.
 */
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { safeText } from '../../lib/safe-text.ts';
import { DEFAULTS, parseListen } from '../../sidecar/config.ts';
import type { Io } from '../io.ts';

export const HEALTHCHECK_TIMEOUT_MS = 2000;

/** `http://127.0.0.1:<port>` for the public listener (wildcard binds are reached over loopback). */
export function localBase(listenText: string): string | null {
  const addr = parseListen(listenText);
  if (addr === null) return null;
  const host = addr.host === '0.0.0.0' ? '127.0.0.1' : addr.host === '::' ? '::1' : addr.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
}

/**
 * One GET with a deadline for the whole exchange (connect, headers and body), not an idle
 * timeout: a server dripping a byte a second cannot keep the command running.
 */
export function getStatus(
  url: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 1024 * 1024) chunks.push(c);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    const deadline = setTimeout(
      () => req.destroy(new Error(`no complete answer within ${timeoutMs}ms`)),
      timeoutMs,
    );
    req.on('close', () => clearTimeout(deadline));
    req.on('error', reject);
    req.end();
  });
}

export async function healthcheck(args: readonly string[], io: Io): Promise<number> {
  const opts = parseArgs({
    args: [...args],
    options: { url: { type: 'string' }, live: { type: 'boolean' } },
    strict: true,
  }).values;
  const path = opts.live ? '/livez' : '/healthz';
  const base = localBase(io.env.ROLECALL_LISTEN || DEFAULTS.ROLECALL_LISTEN);
  const url = typeof opts.url === 'string' ? opts.url : base === null ? null : base + path;
  if (url === null) {
    io.stderr('rolecall healthcheck: ROLECALL_LISTEN is not host:port; pass --url\n');
    return 1;
  }
  try {
    const { status, body } = await getStatus(url, HEALTHCHECK_TIMEOUT_MS);
    const summary = (() => {
      try {
        return (JSON.parse(body) as { status?: string }).status ?? '';
      } catch {
        return '';
      }
    })();
    io.stdout(`${status} ${safeText(summary)}\n`);
    return status === 200 ? 0 : 1;
  } catch (err) {
    io.stderr(`rolecall healthcheck: ${url}: ${(err as Error).message}\n`);
    return 1;
  }
}
