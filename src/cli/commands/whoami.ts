/** `rolecall whoami`: the incident view from a running sidecar's admin listener. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../../sidecar/config.ts';
import { isWhoamiView, whoamiText } from '../../sidecar/http/views.ts';
import type { Io } from '../io.ts';
import { getStatus, localBase } from './healthcheck.ts';

function adminToken(env: Io['env']): string | null {
  if (env.ROLECALL_ADMIN_TOKEN_FILE) {
    try {
      return readFileSync(env.ROLECALL_ADMIN_TOKEN_FILE, 'utf8').trim();
    } catch {
      return null;
    }
  }
  return env.ROLECALL_ADMIN_TOKEN?.trim() || null;
}

export async function whoami(args: readonly string[], io: Io): Promise<number> {
  const opts = parseArgs({
    args: [...args],
    options: { url: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  }).values;
  const base = localBase(io.env.ROLECALL_ADMIN_LISTEN || DEFAULTS.ROLECALL_ADMIN_LISTEN);
  const url = typeof opts.url === 'string' ? opts.url : base === null ? null : `${base}/whoami`;
  if (url === null) {
    io.stderr('rolecall whoami: ROLECALL_ADMIN_LISTEN is not host:port; pass --url\n');
    return 1;
  }
  const token = adminToken(io.env);
  let res: { status: number; body: string };
  try {
    res = await getStatus(
      url,
      3000,
      token === null ? {} : { authorization: `Bearer ${token}`, accept: 'application/json' },
    );
  } catch (err) {
    io.stderr(`rolecall whoami: sidecar unreachable at ${url}: ${(err as Error).message}\n`);
    return 1;
  }
  if (res.status !== 200) {
    io.stderr(
      `rolecall whoami: ${url} answered HTTP ${res.status}${res.status === 401 ? ' (set ROLECALL_ADMIN_TOKEN or ROLECALL_ADMIN_TOKEN_FILE)' : ''}\n`,
    );
    return 1;
  }
  let view: unknown;
  try {
    view = JSON.parse(res.body);
  } catch {
    io.stderr(`rolecall whoami: ${url} did not answer JSON\n`);
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
