/**
 * The sidecar in-process from the working tree's src/, for the soak and the back-to-back CPU per
 * poll: a fast-scenario endpoint, a timer that polls back to back, and startSidecar.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { SetTimer } from '../../src/credentials/poller.ts';
import { loadConfig } from '../../src/sidecar/config.ts';
import { createLogger } from '../../src/sidecar/logger.ts';
import { type Service, startService } from '../../src/sidecar/service.ts';

export { HISTORY_LIMIT, type Service } from '../../src/sidecar/service.ts';

/** The fast scenario: every 40th answer rotates, every 400th changes role, 5 % outages, some 429s. */
export async function fastEndpoint(): Promise<{ url: string; server: Server; hits: () => number }> {
  let n = 0;
  const server = createServer((_req, res) => {
    n++;
    const phase = n % 200;
    if (phase >= 190) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"code":"CredentialsUninitialized","message":"x","HTTPErrorCode":503}');
      return;
    }
    if (phase === 100) {
      res.writeHead(429, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('You have reached maximum request limit.');
      return;
    }
    const key = `ASIASOAK${String(Math.floor(n / 40)).padStart(12, '0')}`;
    const role = Math.floor(n / 400) % 2 === 0 ? 'orders-task' : 'payments-task';
    res.writeHead(200, { 'content-type': 'application/json', date: new Date().toUTCString() });
    res.end(
      `{"RoleArn":"arn:aws:iam::111122223333:role/${role}","AccessKeyId":"${key}","SecretAccessKey":"soak-secret","Token":"soak-token","Expiration":"${new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z')}"}`,
    );
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    hits: () => n,
  };
}

/**
 * A timer that ignores the schedule (polls back to back on the next turn of the event loop) and
 * counts completed polls; `until(n)` resolves once n polls have completed, and polling stops.
 */
export function fastTimer(limit: number) {
  let polls = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  const setTimer: SetTimer = (fn) => {
    polls++;
    for (const w of waiters.filter((w) => polls >= w.at)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
    if (polls >= limit) return { cancel() {} };
    const i = setImmediate(fn);
    return { cancel: () => clearImmediate(i) };
  };
  return {
    setTimer,
    polls: () => polls,
    until: (at: number) =>
      new Promise<void>((resolve) => (polls >= at ? resolve() : waiters.push({ at, resolve }))),
  };
}

export async function startSidecar(endpointUrl: string, setTimer?: SetTimer): Promise<Service> {
  const config = loadConfig(
    {
      ROLECALL_LISTEN: '127.0.0.1:0',
      ROLECALL_ADMIN_LISTEN: '127.0.0.1:0',
      ROLECALL_LOG_LEVEL: 'info',
      ROLECALL_POLL_INTERVAL: '1s',
      ROLECALL_POLL_TIMEOUT: '500ms',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/soak',
      ROLECALL_CONTAINER_HOST: endpointUrl,
    },
    () => '',
  );
  // Logs go to /dev/null through the real pino destination: their cost is part of a poll.
  const logger = createLogger(config.logLevel, pino.destination({ dest: '/dev/null', sync: true }));
  return startService(
    setTimer === undefined
      ? { config, logger, version: 'soak' }
      : { config, logger, version: 'soak', setTimer },
  );
}
