/**
 * Every route of both listeners, on one Express app. Routes are thin: read cached state → view →
 * send; no route triggers a fetch. The admin app adds `/whoami` behind an optional bearer token.
 * Methods other than GET/HEAD and request bodies never get here: `listen.ts` refuses them first.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Registry } from 'prom-client';
import type { Secret } from '../../lib/secret.ts';
import { type Health, httpStatusFor } from '../health.ts';
import { tokenMatches } from './auth.ts';
import { type WhoamiView, whoamiText } from './views.ts';

/** Health checks and scrapes: their request logs stay at debug so they never flood a log group. */
const QUIET_PATHS: ReadonlySet<string> = new Set(['/healthz', '/livez', '/metrics']);

export interface AppDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly health: () => Health;
  readonly whoami: () => WhoamiView;
}

const pathOf = (url: string | undefined): string => (url ?? '').split('?')[0] ?? '';

const UNAUTHORIZED_HINT =
  'send "Authorization: Bearer <token>" with the token from ROLECALL_ADMIN_TOKEN or ROLECALL_ADMIN_TOKEN_FILE';
const WHOAMI_HINT =
  '/whoami is served only on the admin listener (ROLECALL_ADMIN_LISTEN, default 127.0.0.1:9478); this listener (ROLECALL_LISTEN) serves /metrics, /healthz and /livez';

/** Query key names logged, at most this many, each at most 64 characters. */
const MAX_QUERY_KEYS = 10;

/**
 * The request as logged: the path and the names of the query keys, never their values (a token
 * sent as `?token=` must not reach the log). Receives pino's standard request serialisation.
 */
function requestForLog(req: { url?: string; [key: string]: unknown }): Record<string, unknown> {
  // Express adds the parsed `query` (and `params`) to pino's serialisation: dropped with the URL's.
  const { url, query: _query, params: _params, ...rest } = req;
  const query = (url ?? '').split('?').slice(1).join('?');
  const keys = [...new Set([...new URLSearchParams(query).keys()])]
    .slice(0, MAX_QUERY_KEYS)
    .map((k) => k.slice(0, 64));
  return { ...rest, url: pathOf(url), ...(keys.length > 0 ? { queryKeys: keys } : {}) };
}

export function createApp(deps: AppDeps, admin: { token: Secret | null } | null): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  const httpLogger = pinoHttp({
    logger: deps.logger,
    customLogLevel: (req, res, err) => {
      if (QUIET_PATHS.has(pathOf(req.url))) return 'debug';
      return err || res.statusCode >= 500 ? 'warn' : 'info';
    },
    serializers: { req: requestForLog },
  });
  // One middleware for what every answer needs, since each Express layer costs per request.
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('cache-control', 'no-store');
    // Below debug, quiet paths skip pino-http altogether: its child logger and listeners would
    // cost more than the route, for a line that is never written.
    if (QUIET_PATHS.has(pathOf(req.url)) && !deps.logger.isLevelEnabled('debug')) return next();
    httpLogger(req, res, next);
  });
  if (admin?.token) {
    const token = admin.token;
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (tokenMatches(req.headers.authorization, token)) return next();
      res
        .set('www-authenticate', 'Bearer realm="rolecall"')
        .status(401)
        .json({ error: 'unauthorized', hint: UNAUTHORIZED_HINT });
    });
  }
  app.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/healthz', (_req, res) => {
    const h = deps.health();
    res.status(httpStatusFor(h.status)).json(h);
  });
  app.get('/metrics', async (req, res) => {
    try {
      // Rendering is the costliest answer: wait for the rest of this read to be parsed first, and
      // skip it when that closed the connection (a client pipelining past the limit).
      await new Promise((resolve) => setImmediate(resolve));
      if (req.socket.destroyed) return;
      const body = await deps.registry.metrics();
      res.set('content-type', deps.registry.contentType).send(body);
    } catch (err) {
      // A metrics bug must not look like an endpoint failure; still never a secret in the answer.
      deps.logger.error({ err }, 'metrics rendering failed');
      res.status(500).type('text/plain').send('metrics rendering failed\n');
    }
  });
  if (admin !== null) {
    app.get('/whoami', (req, res) => {
      const view = deps.whoami();
      const format = req.query.format;
      const wantsText =
        format === 'text' ||
        (format !== 'json' && req.accepts(['application/json', 'text/plain']) === 'text/plain');
      if (wantsText) {
        res.type('text/plain').send(whoamiText(view));
        return;
      }
      res.json(view);
    });
  }
  app.use((req, res) => {
    // The mapped public port is where people try /whoami first: say where it is instead.
    if (admin === null && pathOf(req.url) === '/whoami')
      res.status(404).json({ error: 'not found', hint: WHOAMI_HINT });
    else res.status(404).json({ error: 'not found' });
  });
  // A route that throws: one structured log line and a JSON 500, instead of Express's default (an
  // HTML page, and the raw stack on stderr, outside the JSON log stream). Every route answers in
  // one call, so a throw always comes before any header is sent.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    deps.logger.error({ err }, 'request failed');
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}
