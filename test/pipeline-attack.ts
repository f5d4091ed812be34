/**
 * The pipelining attack, shared by its regression test and its soak: `connections` sockets each
 * send `requests` pipelined `GET <path>` at once and never read an answer; a closed socket is
 * replaced until `stop()`. Alongside, a fresh connection asks `/healthz` every `probeEveryMs` and
 * the sidecar's RSS is sampled. Loopback only; bounded in time by the caller and in sockets here.
 */
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface AttackOptions {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  readonly requests: number;
  readonly path?: string;
  /** A socket sends one more request (or its whole burst) this often (default 500 ms) until closed. */
  readonly resendEveryMs?: number;
  readonly resend?: 'one' | 'burst';
  /** Replace sockets the server closed (default true). */
  readonly replace?: boolean;
  /** Most sockets opened in all (replacements included), so a fast-closing server ends the loop. */
  readonly maxSockets?: number;
}

interface Attack {
  /** Sockets opened so far, and how many the server closed on us. */
  stats(): { opened: number; closedByServer: number };
  stop(): void;
}

function startAttack(o: AttackOptions): Attack {
  const path = o.path ?? '/metrics';
  const one = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  const burst = Buffer.from(one.repeat(o.requests));
  const maxSockets = o.maxSockets ?? o.connections * 50;
  const open = new Set<Socket>();
  let opened = 0;
  let closedByServer = 0;
  let stopped = false;
  const launch = (): void => {
    if (stopped || opened >= maxSockets) return;
    opened++;
    const s = connect({ host: o.host, port: o.port });
    open.add(s);
    let again: NodeJS.Timeout | undefined;
    s.on('connect', () => {
      s.pause(); // never read: answers pile up in the kernel, then in the server
      s.write(burst);
      // A socket the server closed fails its next write, and is replaced.
      if (o.replace === false) return;
      again = setInterval(
        () => s.write(o.resend === 'burst' ? burst : one),
        o.resendEveryMs ?? 500,
      );
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(again);
      open.delete(s);
      if (stopped) return;
      closedByServer++;
      // Replace it a little later, so a server that closes at once is not hammered in a busy loop.
      setTimeout(launch, 20).unref();
    });
  };
  for (let i = 0; i < o.connections; i++) launch();
  return {
    stats: () => ({ opened, closedByServer }),
    stop() {
      stopped = true;
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}

/** One `/healthz` on a fresh connection: its status and how long it took (Infinity if none). */
export function probe(url: string, timeoutMs: number): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }),
      );
      res.on('error', () => resolve({ status: 0, ms: Number.POSITIVE_INFINITY }));
    });
    req.setTimeout(timeoutMs, () => req.destroy());
    req.on('error', () => resolve({ status: 0, ms: Number.POSITIVE_INFINITY }));
    req.end();
  });
}

export interface AttackRun {
  readonly rssBefore: number;
  readonly rssPeak: number;
  readonly rssAfter: number;
  /** Slowest `/healthz` during the attack (Infinity when one got no answer within the timeout). */
  readonly probeWorstMs: number;
  readonly probeMedianMs: number;
  readonly probes: number;
  readonly probesFailed: number;
  /** First `/healthz` after the attacker left. */
  readonly recoveryMs: number;
  readonly recoveryStatus: number;
  readonly sockets: { opened: number; closedByServer: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Attacks for `durationMs`, probing and sampling RSS, then stops and probes once more.
 * @param rss reads the target's resident set size in bytes.
 */
export async function runAttack(
  url: string,
  rss: () => number,
  o: Omit<AttackOptions, 'host' | 'port'> & { durationMs: number; probeEveryMs?: number },
): Promise<AttackRun> {
  const { hostname, port } = new URL(url);
  // Warm the routes first so the baseline includes what serving them costs anyway.
  for (let i = 0; i < 5; i++) await probe(url, 2000);
  const rssBefore = rss();
  const attack = startAttack({ ...o, host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    try {
      rssPeak = Math.max(rssPeak, rss());
    } catch {
      // the process is gone; the caller will see it
    }
  }, 50);
  const times: number[] = [];
  let failed = 0;
  const until = performance.now() + o.durationMs;
  try {
    while (performance.now() < until) {
      const p = await probe(url, 1000);
      times.push(p.ms);
      if (p.status !== 200 && p.status !== 503) failed++;
      await sleep(o.probeEveryMs ?? 200);
    }
  } finally {
    attack.stop();
  }
  const sockets = attack.stats();
  const recovery = await probe(url, 5000);
  await sleep(500);
  clearInterval(sampler);
  const rssAfter = rss();
  rssPeak = Math.max(rssPeak, rssAfter);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    rssBefore,
    rssPeak,
    rssAfter,
    probeWorstMs: sorted.at(-1) ?? Number.POSITIVE_INFINITY,
    probeMedianMs: sorted[Math.floor(sorted.length / 2)] ?? Number.POSITIVE_INFINITY,
    probes: times.length,
    probesFailed: failed,
    recoveryMs: recovery.ms,
    recoveryStatus: recovery.status,
    sockets,
  };
}
