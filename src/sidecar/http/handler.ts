/**
 * The request listener of both listeners. Health checks and scrapes — `GET`/`HEAD` of exactly
 * `/livez`, `/healthz` or `/metrics`, while debug logging is off — are answered here on plain
 * `node:http`, with the status, headers (same names, same order) and body the Express app in
 * `app.ts` would send. Everything else goes to that app, imported on first use: `/whoami`, 404s,
 * paths with a query, conditional requests (Express may answer those 304), and every request while
 * debug is on (so pino-http logs it, as before).
 *
 * Why: ECS health checks and Prometheus scrapes are nearly all the traffic a sidecar sees, and
 * Express with pino-http costs about 10 MiB of RSS and 150 ms of start-up before the first of
 * them can be answered (docs/performance.md). `test/integration/handler.test.ts` holds the two
 * paths to the same bytes.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Secret } from '../../lib/secret.ts';
import { httpStatusFor } from '../health.ts';
import type { AppDeps } from './app.ts';
import { tokenMatches } from './auth.ts';

/** Health checks and scrapes: their request logs stay at debug (CONTRACT.md, Logs). */
export const QUIET_PATHS: ReadonlySet<string> = new Set(['/healthz', '/livez', '/metrics']);

type Admin = { readonly token: Secret | null } | null;
type AppModule = Pick<typeof import('./app.ts'), 'createApp'>;

const JSON_TYPE = 'application/json; charset=utf-8';
const NO_STORE = ['cache-control', 'no-store'];
const UNAUTHORIZED = [...NO_STORE, 'www-authenticate', 'Bearer realm="rolecall"'];

/**
 * The app's headers in its order — its own (`first`), then what Express 5's `res.send` of a string
 * adds: Content-Type, then Content-Length — as one flat `writeHead` array (no header object per
 * request), then the body.
 */
function send(res: ServerResponse, status: number, type: string, body: string, first = NO_STORE) {
  const length = String(Buffer.byteLength(body));
  res.writeHead(status, [...first, 'Content-Type', type, 'Content-Length', length]);
  res.end(body);
}

/** Requests whose answer this file gives exactly as Express would. */
function plain(req: IncomingMessage): boolean {
  return (
    QUIET_PATHS.has(req.url ?? '') &&
    req.headers['if-none-match'] === undefined &&
    req.headers['if-modified-since'] === undefined
  );
}

export function createHandler(
  deps: AppDeps,
  admin: Admin,
  loadApp: () => Promise<AppModule> = () => import('./app.ts'),
): RequestListener {
  let app: Promise<RequestListener> | null = null;
  const viaExpress: RequestListener = (req, res) => {
    app ??= loadApp().then((m) => m.createApp(deps, admin));
    app.then(
      (handle) => handle(req, res),
      (err: unknown) => {
        app = null; // try again on the next request
        deps.logger.error({ err }, 'loading the HTTP app failed');
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      },
    );
  };
  const token = admin?.token ?? null;

  return (req, res) => {
    if (!plain(req) || deps.logger.isLevelEnabled('debug')) return viaExpress(req, res);
    if (token !== null && !tokenMatches(req.headers.authorization, token))
      return send(res, 401, JSON_TYPE, '{"error":"unauthorized"}', UNAUTHORIZED);
    if (req.url === '/livez') return send(res, 200, JSON_TYPE, '{"status":"ok"}');
    if (req.url === '/healthz') {
      let h: ReturnType<AppDeps['health']>;
      try {
        h = deps.health();
      } catch {
        // Express answers a throwing route with its own error page; let it, so the answer is the same.
        return viaExpress(req, res);
      }
      return send(res, httpStatusFor(h.status), JSON_TYPE, JSON.stringify(h));
    }
    deps.registry.metrics().then(
      (text) => send(res, 200, deps.registry.contentType, text),
      (err: unknown) => {
        // A metrics bug must not look like an endpoint failure; still never a secret in the answer.
        deps.logger.error({ err }, 'metrics rendering failed');
        send(res, 500, 'text/plain; charset=utf-8', 'metrics rendering failed\n');
      },
    );
  };
}
