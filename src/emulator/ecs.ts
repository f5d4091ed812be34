/**
 * ECS mode: the ECS agent's credentials routes (v2 and v1) and task metadata v4, behind its
 * per-(IP, path) token bucket. Routing and bodies live in wire.ts.
 */
import type { Handler } from './handler.ts';
import { createLimiter, type RateLimit, rateLimitHeaders } from './ratelimit.ts';
import { containerDoc, type TaskDocInput, taskDoc } from './task-doc.ts';
import * as wire from './wire.ts';

export interface EcsOptions {
  readonly credentialsId: string;
  readonly metaId: string;
  readonly task: TaskDocInput;
  readonly rateLimit: RateLimit | null;
}

/** AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, ROLECALL_CONTAINER_HOST, ECS_CONTAINER_METADATA_URI_V4. */
export function ecsEnv(url: string, opts: Pick<EcsOptions, 'credentialsId' | 'metaId'>) {
  return {
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: `/v2/credentials/${opts.credentialsId}`,
    ROLECALL_CONTAINER_HOST: url,
    ECS_CONTAINER_METADATA_URI_V4: `${url}/v4/${opts.metaId}`,
  };
}

export function createEcsHandler(opts: EcsOptions): Handler {
  const { credentialsId, metaId, task } = opts;
  const limit = opts.rateLimit;
  const limiter = limit === null ? null : createLimiter(limit);

  return (req, nowMs, current) => {
    // gorilla/mux cleans and redirects before the agent's rate limiter sees the request.
    const cleaned = wire.cleanPath(req.path);
    if (cleaned !== req.path)
      return { reply: wire.redirectReply(cleaned, req.query), credentialsRoute: false };
    const r = wire.route(req.path, req.query);
    const credentialsRoute = r.kind === 'credentials';
    let headers: Record<string, string> = {};
    if (limiter !== null && limit !== null) {
      const ip = req.remoteAddress;
      const addr = `${ip.includes(':') ? `[${ip}]` : ip}:${req.remotePort}`;
      const xff = String(req.headers['x-forwarded-for'] ?? '');
      headers = rateLimitHeaders(limit.rate, xff, addr);
      if (!limiter.take(`${ip}|${req.path}`, nowMs))
        return { reply: withHeaders(wire.throttledReply(), headers), credentialsRoute };
    }
    const reply = (): wire.Reply => {
      if (r.kind === 'not_found') return wire.notFoundReply();
      if (r.kind === 'credentials') {
        const { version, id } = r;
        if (id === '') return wire.credentialsErrorReply(400, 'NoIdInRequest', version);
        if (id !== credentialsId)
          return wire.credentialsErrorReply(400, 'InvalidIdInRequest', version);
        const now = current();
        return now.kind === 'outage'
          ? wire.outageReply(now.outage, version)
          : wire.credentialsReply(now.body);
      }
      if (r.metaId !== metaId) return wire.metadataNotFoundReply(r.doc, r.metaId);
      const doc =
        r.doc === 'container' ? containerDoc(task) : taskDoc(task, r.doc === 'taskWithTags');
      return wire.jsonReply(200, doc);
    };
    return { reply: withHeaders(reply(), headers), credentialsRoute };
  };
}

/** The reply with extra headers first (the reply's own win on a clash). */
function withHeaders(reply: wire.Reply, extra: Readonly<Record<string, string>>): wire.Reply {
  return { ...reply, headers: { ...extra, ...reply.headers } };
}
