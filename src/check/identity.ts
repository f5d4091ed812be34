/**
 * `rolecall check`'s one fetch: the identity the container endpoint serves, redacted. Loaded only
 * when a container endpoint is configured, so `check` without one never imports undici.
 */
import { Agent } from 'undici';
import { DEFAULT_CONTAINER_HOST, resolveContainerEndpoint } from '../credentials/endpoint.ts';
import { fetchContainerCredentials } from '../credentials/fetcher.ts';
import { maskAccessKeyId } from '../lib/aws-env.ts';
import { EndpointConfigError, EndpointError } from '../lib/errors.ts';
import type { Identity } from './verdict.ts';

export const CHECK_TIMEOUT_MS = 2000;

export async function fetchIdentity(
  env: Readonly<Record<string, string | undefined>>,
): Promise<Identity> {
  const dispatcher = new Agent({ connect: { timeout: CHECK_TIMEOUT_MS } });
  try {
    const endpoint = resolveContainerEndpoint(
      env,
      env.ROLECALL_CONTAINER_HOST || DEFAULT_CONTAINER_HOST,
    );
    if (endpoint === null)
      return {
        ok: false,
        reason: 'not_configured',
        message: 'no container credentials endpoint is configured',
      };
    const f = await fetchContainerCredentials(endpoint, {
      dispatcher,
      timeoutMs: CHECK_TIMEOUT_MS,
      now: Date.now,
    });
    return {
      ok: true,
      source: f.identity.source,
      roleArn: f.identity.roleArn,
      accountId: f.identity.accountId,
      expiration: f.credentials.expiration.toISOString().replace(/\.000Z$/, 'Z'),
      accessKeyIdMasked: maskAccessKeyId(f.credentials.accessKeyId),
    };
  } catch (err) {
    if (err instanceof EndpointError)
      return { ok: false, reason: err.reason, message: err.message };
    if (err instanceof EndpointConfigError)
      return { ok: false, reason: 'config', message: err.message };
    throw err;
  } finally {
    await dispatcher.close();
  }
}
