/**
 * The shell around the pure resolution: reads the two shared files, botocore's legacy files, the
 * SSO token cache entries the profiles name and the web identity token files, nothing else. Each
 * SDK parses the shared files its own way later (files.ts); only token states leave this module,
 * never a token.
 */
import { createHash } from 'node:crypto';
import { get } from '../lib/aws-env.ts';
import { readBoundedFile } from '../lib/bounded-file.ts';
import { sdkView } from './files.ts';
import { expandHome, sharedFilePaths } from './paths.ts';
import { has } from './profile.ts';
import { resolveChain, tokenFiles } from './resolve.ts';
import { sectionWarnings } from './sections.ts';
import type {
  ChainInput,
  ChainReport,
  Env,
  LegacyFile,
  SsoTokenStatus,
  TokenStatus,
} from './types.ts';
import { decodeTokenExpiry } from './webidentity.ts';

export type ReadFile = (path: string) => Promise<string | null>;

/** Larger than any shared config or credentials file, or web identity token, seen in practice. */
const FILE_MAX_BYTES = 1024 * 1024;

/**
 * The reader `check` and the sidecar's own diagnosis use: a missing, oversized or unreadable file
 * is null, and a FIFO or a device cannot hang it (bounded in size and to 2 s).
 */
export const readSharedFile: ReadFile = async (path) => {
  try {
    return await readBoundedFile(path, FILE_MAX_BYTES, AbortSignal.timeout(2000));
  } catch {
    return null;
  }
};

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
  const raw: ChainInput = {
    env,
    now,
    credentials: { path: paths.credentials, profiles: null, text: credText },
    config: { path: paths.config, profiles: null, text: confText },
    tokens: new Map(),
    fileWarnings: [
      ...(credText === null ? [] : sectionWarnings('credentials', paths.credentials, credText)),
      ...(confText === null ? [] : sectionWarnings('config', paths.config, confText)),
    ],
    legacy: await legacyFiles(env, readFile),
  };
  // The JS view is the report's own: the one a reader of the file most often expects.
  const js = sdkView(raw, 'js-v3');
  const base: ChainInput = {
    ...raw,
    credentials: { ...raw.credentials, profiles: js.credentials.profiles },
    config: { ...raw.config, profiles: js.config.profiles },
  };
  const tokens = new Map<string, TokenStatus>();
  for (const t of tokenFiles(base)) {
    tokens.set(t.path, decodeTokenExpiry(await readFile(t.path)));
  }
  return { ...base, tokens, ssoTokens: await ssoTokens(base, now, readFile) };
}

/** botocore's legacy files: `AWS_CREDENTIAL_FILE`; `BOTO_CONFIG`, else /etc/boto.cfg and ~/.boto. */
async function legacyFiles(
  env: Env,
  readFile: ReadFile,
): Promise<NonNullable<ChainInput['legacy']>> {
  const read = async (path: string): Promise<LegacyFile> => ({
    path,
    text: path === '' ? null : await readFile(path),
  });
  const cred = env.AWS_CREDENTIAL_FILE;
  const boto = env.BOTO_CONFIG;
  return {
    credentialFile: cred === undefined ? null : await read(expandHome(env, cred)),
    boto: await Promise.all(
      (boto === undefined ? ['/etc/boto.cfg', '~/.boto'] : [boto]).map((p) =>
        read(expandHome(env, p)),
      ),
    ),
  };
}

/** The SSO token cache entries the profiles could use: `~/.aws/sso/cache/<sha1(key)>.json`. */
async function ssoTokens(
  input: ChainInput,
  now: number,
  readFile: ReadFile,
): Promise<Map<string, SsoTokenStatus>> {
  const keys = new Set<string>();
  for (const view of [sdkView(input, 'js-v3'), sdkView(input, 'botocore')]) {
    for (const file of [view.credentials, view.config]) {
      for (const [name, section] of Object.entries(file.profiles ?? {})) {
        // Every session name and start URL: one of them is each SSO profile's cache key.
        if (name.startsWith('sso-session.')) keys.add(name.slice('sso-session.'.length));
        for (const k of ['sso_session', 'sso_start_url']) {
          const v = has(section, k);
          if (v !== undefined) keys.add(v);
        }
      }
    }
  }
  const home = get(input.env, 'HOME') ?? get(input.env, 'USERPROFILE') ?? '/root';
  const out = new Map<string, SsoTokenStatus>();
  for (const key of keys) {
    const sha = createHash('sha1').update(key).digest('hex');
    out.set(key, ssoStatus(await readFile(`${home}/.aws/sso/cache/${sha}.json`), now));
  }
  return out;
}

function ssoStatus(text: string | null, now: number): SsoTokenStatus {
  if (text === null) return 'missing';
  try {
    const doc = JSON.parse(text) as { accessToken?: unknown; expiresAt?: unknown };
    if (typeof doc.accessToken !== 'string' || typeof doc.expiresAt !== 'string')
      return 'malformed';
    const at = Date.parse(doc.expiresAt);
    if (Number.isNaN(at)) return 'malformed';
    return at > now ? 'ok' : 'expired';
  } catch {
    return 'malformed';
  }
}

/** Convenience for callers that want the report only (the sidecar's own environment, for one). */
export async function diagnose(env: Env, now: number, readFile: ReadFile): Promise<ChainReport> {
  return resolveChain(await loadChainInput(env, now, readFile));
}
