/** Where the shared files are, from the environment. Pure: the home directory is an input. */
import { get } from '../lib/aws-env.ts';
import type { Env } from './types.ts';

function home(env: Env): string {
  return get(env, 'HOME') ?? get(env, 'USERPROFILE') ?? '/root';
}

/** `~/` expands against HOME, as every SDK does for these two variables. */
export function expandHome(env: Env, path: string): string {
  return path === '~' || path.startsWith('~/') ? home(env) + path.slice(1) : path;
}

export function sharedFilePaths(env: Env): { credentials: string; config: string } {
  return {
    credentials: expandHome(env, get(env, 'AWS_SHARED_CREDENTIALS_FILE') ?? '~/.aws/credentials'),
    config: expandHome(env, get(env, 'AWS_CONFIG_FILE') ?? '~/.aws/config'),
  };
}
