/** The whole sidecar on loopback ephemeral ports, logs captured. */
import { loadConfig } from '../src/sidecar/config.ts';
import { createLogger } from '../src/sidecar/logger.ts';
import { type Service, type ServiceDeps, startService } from '../src/sidecar/service.ts';
import { captureLogs } from './helpers.ts';

/**
 * Starts the whole sidecar on loopback ephemeral ports with the given environment. IMDS is
 * disabled and pointed at loopback by default, so no test can reach a link-local address.
 */
export async function startSidecar(
  env: Record<string, string>,
  extra: Partial<Omit<ServiceDeps, 'config' | 'logger' | 'version'>> = {},
): Promise<{
  service: Service;
  logs: ReturnType<typeof captureLogs>;
  publicUrl: string;
  adminUrl: string;
}> {
  const config = loadConfig(
    {
      ROLECALL_LISTEN: '127.0.0.1:0',
      ROLECALL_ADMIN_LISTEN: '127.0.0.1:0',
      ROLECALL_LOG_LEVEL: 'debug',
      // Tests never reach 169.254.169.254: IMDS is off unless a test points it at loopback.
      AWS_EC2_METADATA_DISABLED: 'true',
      ROLECALL_IMDS_HOST: 'http://127.0.0.1:9',
      ...env,
    },
    () => {
      throw new Error('no files in tests');
    },
  );
  const logs = captureLogs();
  const service = await startService({
    config,
    logger: createLogger(config.logLevel, logs.stream),
    version: '0.0.0-test',
    ...extra,
  });
  return { service, logs, publicUrl: service.public.url, adminUrl: service.admin.url };
}
