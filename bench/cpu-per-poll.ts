/**
 * `node --import tsx bench/cpu-per-poll.ts [--count 5000] [--endpoint URL]`: CPU per 1,000 polls
 * back to back, rolecall's whole poll path (in-process from src/, through a timer that polls on
 * the next turn of the event loop) vs a bare undici GET + JSON.parse against the same endpoint.
 * Without --endpoint the fast-scenario endpoint runs in this process and its CPU is in both.
 * The working tree's src/ is measured, whatever built tree the other scripts are given.
 */
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { fastEndpoint, fastTimer, startSidecar } from './lib/sidecar.ts';

const { values: args } = parseArgs({
  options: { count: { type: 'string' }, endpoint: { type: 'string' } },
});

/** CPU per 1,000 polls: rolecall's whole poll path vs a bare undici GET + JSON.parse. */
async function cpuPolls(count: number, external: string | undefined): Promise<void> {
  const own = external === undefined ? await fastEndpoint() : null;
  const endpoint = { url: external ?? own?.url ?? '' };
  const warm = Math.min(1000, Math.floor(count / 5));
  const timer = fastTimer(warm + count);
  const service = await startSidecar(endpoint.url, timer.setTimer);
  await timer.until(warm);
  let cpu = process.cpuUsage();
  let t = performance.now();
  await timer.until(warm + count);
  const rc = process.cpuUsage(cpu);
  const rcWall = performance.now() - t;
  await service.close();

  const agent = new Agent({ connections: 2, keepAliveTimeout: 4000 });
  const one = async () => {
    const res = await request(`${endpoint.url}/v2/credentials/soak`, {
      dispatcher: agent,
      headers: { accept: 'application/json' },
    });
    const text = await res.body.text();
    try {
      JSON.parse(text);
    } catch {
      // the scenario's 429 and 503 answers: a poll that failed, as in rolecall
    }
  };
  for (let i = 0; i < warm; i++) await one();
  cpu = process.cpuUsage();
  t = performance.now();
  for (let i = 0; i < count; i++) await one();
  const bare = process.cpuUsage(cpu);
  const bareWall = performance.now() - t;
  await agent.close();
  own?.server.closeAllConnections();
  await new Promise<void>((r) => (own === null ? r() : own.server.close(() => r())));
  const per1000 = (u: NodeJS.CpuUsage) => +(((u.user + u.system) / 1e6 / count) * 1000).toFixed(3);
  process.stdout.write(
    `${JSON.stringify({
      polls: count,
      // Without --endpoint the in-process endpoint's CPU is in both figures.
      externalEndpoint: external !== undefined,
      rolecallCpuSecondsPer1000: per1000(rc),
      bareCpuSecondsPer1000: per1000(bare),
      rolecallWallMsPerPoll: +(rcWall / count).toFixed(3),
      bareWallMsPerPoll: +(bareWall / count).toFixed(3),
    })}\n`,
  );
}

await cpuPolls(Number(args.count ?? 5000), args.endpoint);
