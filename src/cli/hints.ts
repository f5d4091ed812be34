/** Messages that name the fix, shared by the commands that bind a port. No heavy imports. */
import { realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { ListenAddress } from '../sidecar/config.ts';

/** A listener that could not bind (in use, not local, no permission) → what to change, else null. */
export function listenProblem(
  err: unknown,
  addresses: { readonly listen: ListenAddress; readonly adminListen: ListenAddress },
  fix: { readonly listen: string; readonly admin: string },
): string | null {
  const e = err as { code?: string; port?: number };
  const why =
    e.code === 'EADDRINUSE'
      ? 'is already in use'
      : e.code === 'EADDRNOTAVAIL'
        ? 'is not an address of this machine'
        : e.code === 'EACCES'
          ? 'needs privileges this process does not have'
          : null;
  if (why === null) return null;
  const admin = e.port === addresses.adminListen.port && e.port !== addresses.listen.port;
  const { host, port } = admin ? addresses.adminListen : addresses.listen;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return `cannot listen on ${where} (the ${admin ? 'admin' : 'public'} listener): the address ${why}; ${admin ? fix.admin : fix.listen}`;
}

/** Quotes a path for a POSIX shell when it needs it. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

function realpath(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/**
 * How a printed hint should run this CLI so that it works from any directory: `rolecall` when
 * that name on PATH is this very script (npm link, a global install), otherwise node and the
 * script's absolute path (a clone, where `rolecall` is not on PATH).
 */
export function selfCommand(
  env: Readonly<Record<string, string | undefined>>,
  script: string | undefined,
  execPath: string,
): string {
  const me = script === undefined ? null : realpath(script);
  if (me === null) return 'rolecall';
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  // npx and npm run put node_modules/.bin on PATH for this process only, not for the user's shell.
  const onPath = dirs.filter((d) => !/[\\/]node_modules[\\/]\.bin[\\/]?$/.test(d));
  if (onPath.some((d) => realpath(join(d, 'rolecall')) === me)) return 'rolecall';
  const node = dirs.some((d) => realpath(join(d, 'node')) === realpath(execPath))
    ? 'node'
    : execPath;
  return `${shellWord(node)} ${shellWord(me)}`;
}
