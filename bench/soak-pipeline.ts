/**
 * `node --import tsx bench/soak-pipeline.ts [--short] [--json]`: pipelined requests never read,
 * against the built sidecar (`npm run build` first) in a child process, so its RSS is its own.
 * Phase 1 (baseline): `/healthz` probed on fresh connections, nothing else. Phase 2 (attack):
 * `--connections` sockets each pipeline `--requests` `GET /metrics` and never read, a closed one
 * replaced, while the same probe runs. Phase 3: the attacker leaves; one more probe.
 * Prints RSS before/peak/after and its ratio, probe latencies in both phases and their ratio.
 * Exits 1 when a probe got no answer within 1 s, or RSS peaked at 2x its baseline or more.
 * Bounded in time and sockets; only ever talks to 127.0.0.1.
 */
import { parseArgs } from 'node:util';
import { ecsBody, startServer } from '../test/helpers.ts';
import { probe, runAttack } from '../test/pipeline-attack.ts';
import { startSidecarProcess } from '../test/sidecar-process.ts';

const { values: args } = parseArgs({
  options: {
    short: { type: 'boolean' },
    json: { type: 'boolean' },
    connections: { type: 'string' },
    requests: { type: 'string' },
    seconds: { type: 'string' },
  },
  strict: true,
});
const connections = Number(args.connections ?? (args.short ? 20 : 50));
const requests = Number(args.requests ?? 2000);
const seconds = Number(args.seconds ?? (args.short ? 5 : 30));

const endpoint = await startServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(ecsBody());
});
const sidecar = await startSidecarProcess({
  ROLECALL_CONTAINER_HOST: endpoint.url,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/soak-pipeline',
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const baseline: number[] = [];
const until = performance.now() + Math.min(seconds, 10) * 1000;
while (performance.now() < until) {
  baseline.push((await probe(sidecar.publicUrl, 1000)).ms);
  await sleep(200);
}
baseline.sort((a, b) => a - b);
const run = await runAttack(sidecar.publicUrl, sidecar.rssBytes, {
  connections,
  requests,
  durationMs: seconds * 1000,
  resendEveryMs: 500,
  maxSockets: connections * seconds * 4,
});
const stopped = await sidecar.stop('SIGTERM');
await endpoint.close();

const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
const ms = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
const baseMedian = baseline[Math.floor(baseline.length / 2)] ?? Number.NaN;
const figures = {
  node: process.version,
  connections,
  requestsPerBurst: requests,
  seconds,
  rssMiB: { before: mib(run.rssBefore), peak: mib(run.rssPeak), after: mib(run.rssAfter) },
  rssPeakRatio: Math.round((run.rssPeak / run.rssBefore) * 100) / 100,
  healthzMs: {
    baselineMedian: ms(baseMedian),
    baselineWorst: ms(baseline.at(-1) ?? Number.NaN),
    attackMedian: ms(run.probeMedianMs),
    attackWorst: ms(run.probeWorstMs),
    recovery: ms(run.recoveryMs),
  },
  attackMedianRatio: Math.round((run.probeMedianMs / baseMedian) * 10) / 10,
  probes: run.probes,
  probesFailed: run.probesFailed,
  sockets: run.sockets,
  exit: { code: stopped.code, ms: Math.round(stopped.ms) },
};
if (args.json) console.log(JSON.stringify(figures, null, 2));
else {
  console.log(
    `soak-pipeline (${process.version}): ${connections} connections x ${requests} pipelined GET /metrics, never read, ${seconds} s`,
  );
  console.log(
    `  RSS MiB      before ${figures.rssMiB.before}  peak ${figures.rssMiB.peak}  after ${figures.rssMiB.after}  (peak/before ${figures.rssPeakRatio}x)`,
  );
  console.log(
    `  /healthz ms  baseline median ${figures.healthzMs.baselineMedian} worst ${figures.healthzMs.baselineWorst}; under attack median ${figures.healthzMs.attackMedian} worst ${figures.healthzMs.attackWorst} (median ${figures.attackMedianRatio}x); recovery ${figures.healthzMs.recovery}`,
  );
  console.log(
    `  probes ${run.probes}, failed ${run.probesFailed}; attacker sockets ${run.sockets.opened} opened, ${run.sockets.closedByServer} closed by the sidecar; exit ${stopped.code} in ${figures.exit.ms} ms`,
  );
}
const ok =
  run.probesFailed === 0 &&
  run.probeWorstMs < 1000 &&
  run.rssPeak < 2 * run.rssBefore &&
  run.recoveryStatus === 200 &&
  stopped.code === 0;
if (!ok)
  console.error(
    'soak-pipeline: FAILED (a probe over 1 s, RSS at 2x or more, no recovery, or a bad exit)',
  );
process.exit(ok ? 0 : 1);
