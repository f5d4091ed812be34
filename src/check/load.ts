/**
 * The shell around the pure resolution: reads the two shared files and the token files, nothing
 * else. Values are parsed by `@smithy/shared-ini-file-loader` (the JS SDK's own loader, imported
 * only when a file exists, so a container without ~/.aws pays nothing for it).
 */

import { sharedFilePaths } from './paths.ts';
import { resolveChain, tokenFiles } from './resolve.ts';
import { sectionWarnings } from './sections.ts';
import type { ChainInput, ChainReport, Env, ParsedProfiles, TokenStatus } from './types.ts';
import { decodeTokenExpiry } from './webidentity.ts';

export type ReadFile = (path: string) => Promise<string | null>;

async function parseFiles(
  credentials: string,
  config: string,
): Promise<{ credentialsFile: ParsedProfiles; configFile: ParsedProfiles }> {
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  // ignoreCache: the loader memoises by path, and tests rewrite the same temp files.
  return loadSharedConfigFiles({
    filepath: credentials,
    configFilepath: config,
    ignoreCache: true,
  });
}

export async function loadChainInput(
  env: Env,
  now: number,
  readFile: ReadFile,
): Promise<ChainInput> {
  const paths = sharedFilePaths(env);
  const [credText, confText] = await Promise.all([
    readFile(paths.credentials),
    readFile(paths.config),
  ]);
  const parsed =
    credText === null && confText === null
      ? { credentialsFile: {}, configFile: {} }
      : await parseFiles(paths.credentials, paths.config);
  const base = {
    env,
    credentials: {
      path: paths.credentials,
      profiles: credText === null ? null : parsed.credentialsFile,
    },
    config: { path: paths.config, profiles: confText === null ? null : parsed.configFile },
    fileWarnings: [
      ...(credText === null ? [] : sectionWarnings('credentials', paths.credentials, credText)),
      ...(confText === null ? [] : sectionWarnings('config', paths.config, confText)),
    ],
  };
  const tokens = new Map<string, TokenStatus>();
  for (const t of tokenFiles(base)) {
    tokens.set(t.path, decodeTokenExpiry(await readFile(t.path)));
  }
  return { ...base, now, tokens };
}

/** Convenience for callers that want the report only (the sidecar's own environment, for one). */
export async function diagnose(env: Env, now: number, readFile: ReadFile): Promise<ChainReport> {
  return resolveChain(await loadChainInput(env, now, readFile));
}
