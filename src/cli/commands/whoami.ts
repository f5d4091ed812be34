/** `rolecall whoami`: the incident view from a running sidecar's admin listener. */
import { parseArgs } from 'node:util';
import { DEFAULTS, readAdminTokenFile } from '../../sidecar/config.ts';
import { isWhoamiView, whoamiText } from '../../sidecar/http/views.ts';
import type { Io } from '../io.ts';
import { getStatus, localBase } from './healthcheck.ts';

const ADMIN_HINT = `/whoami is served only on the admin listener (ROLECALL_ADMIN_LISTEN, default ${DEFAULTS.ROLECALL_ADMIN_LISTEN}); the public listener (ROLECALL_LISTEN, default port 9477) serves /metrics, /healthz and /livez`;

/** The deadline for the whole answer. */
export const WHOAMI_TIMEOUT_MS = 3000;

function adminToken(env: Io['env']): string | null {
  if (env.ROLECALL_ADMIN_TOKEN_FILE) {
    try {
      return readAdminTokenFile(env.ROLECALL_ADMIN_TOKEN_FILE).text.trim();
    } catch {
      return null;
    }
  }
  return env.ROLECALL_ADMIN_TOKEN?.trim() || null;
}

/** `--url` may name the admin listener (`http://127.0.0.1:9478`) or its `/whoami`. */
export function whoamiUrl(given: string): string {
  try {
    const u = new URL(given);
    if (u.pathname === '/' || u.pathname === '') u.pathname = '/whoami';
    return u.toString();
  } catch {
    return given;
  }
}

/** A short reason for a non-200 answer, with what to do about it. */
function answerProblem(status: number, body: string): string {
  if (status === 401)
    return 'the admin listener wants a token: set ROLECALL_ADMIN_TOKEN or ROLECALL_ADMIN_TOKEN_FILE to the sidecar\'s token (sent as "Authorization: Bearer <token>")';
  if (status === 404) {
    let hint: unknown;
    try {
      hint = (JSON.parse(body) as { hint?: unknown }).hint;
    } catch {}
    return typeof hint === 'string' ? hint : `no /whoami there: ${ADMIN_HINT}`;
  }
  return "not an answer from rolecall's admin listener";
}

export async function whoami(args: readonly string[], io: Io): Promise<number> {
  const opts = parseArgs({
    args: [...args],
    options: { url: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  }).values;
  const base = localBase(io.env.ROLECALL_ADMIN_LISTEN || DEFAULTS.ROLECALL_ADMIN_LISTEN);
  const url =
    typeof opts.url === 'string' ? whoamiUrl(opts.url) : base === null ? null : `${base}/whoami`;
  if (url === null) {
    io.stderr(
      `rolecall whoami: ROLECALL_ADMIN_LISTEN="${io.env.ROLECALL_ADMIN_LISTEN}" is not host:port; fix it or pass --url http://<host>:<port>\n`,
    );
    return 1;
  }
  const token = adminToken(io.env);
  let res: { status: number; body: string };
  try {
    res = await getStatus(
      url,
      WHOAMI_TIMEOUT_MS,
      token === null ? {} : { authorization: `Bearer ${token}`, accept: 'application/json' },
    );
  } catch (err) {
    io.stderr(
      `rolecall whoami: sidecar unreachable at ${url}: ${(err as Error).message}\n` +
        `Is \`rolecall serve\` running with its admin listener there (ROLECALL_ADMIN_LISTEN, default ${DEFAULTS.ROLECALL_ADMIN_LISTEN})? In ECS, run this from a container of the same task.\n`,
    );
    return 1;
  }
  if (res.status !== 200) {
    io.stderr(
      `rolecall whoami: ${url} answered HTTP ${res.status}: ${answerProblem(res.status, res.body)}\n`,
    );
    return 1;
  }
  let view: unknown;
  try {
    view = JSON.parse(res.body);
  } catch {
    io.stderr(`rolecall whoami: ${url} did not answer JSON: ${ADMIN_HINT}\n`);
    return 1;
  }
  if (!isWhoamiView(view)) {
    io.stderr(`rolecall whoami: ${url} did not answer a rolecall /whoami document\n`);
    return 1;
  }
  io.stdout(opts.json ? `${JSON.stringify(view, null, 2)}\n` : whoamiText(view));
  const status = view.health.status;
  return status === 'ok' || status === 'degraded' ? 0 : 1;
}
