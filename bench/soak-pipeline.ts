/**
 * `node --import tsx bench/soak-pipeline.ts [--short] [--json]`: pipelined requests never read,
 * against the built sidecar (`npm run build` first) in a child process, so its RSS is its own.
 * Phase 1 (baseline): `/healthz` probed on fresh connections, nothing else. Phase 2 (attack):
 * `--connections` sockets each pipeline `--requests` `GET /metrics` and never read, a closed one
 * replaced, while the same probe runs. Phase 3: the attacker leaves; one more probe.
 * Prints RSS before/peak/after and its ratio, probe latencies in both phases and their ratio.
 * Exits 1 when a probe got no answer within 1 s, or RSS peaked at 2x its baseline or more.
 * Bounded in time and sockets; only ever talks to 127.0.0.1. `runPipelineSoak` is the same run
 * for another script (`bench/soak.ts`) to call.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ecsBody, startServer } from '../test/helpers.ts';
import { probe, runAttack } from '../test/pipeline-attack.ts';
import { startSidecarProcess } from '../test/sidecar-process.ts';

export interface PipelineSoakOptions {
  readonly connections: number;
  readonly requests: number;
  readonly seconds: number;
}

export interface PipelineSoakResult {
  /** The rules: no probe over 1 s or failed, RSS peak under 2x, recovery, exit 0. */
  readonly ok: boolean;
  readonly figures: Record<string, unknown>;
  /** The figures as the lines printed by the command. */
  readonly text: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The whole scenario once; for `bench/soak.ts` to call, or this file's command line. */
export async function runPipelineSoak(o: PipelineSoakOptions): Promise<PipelineSoakResult> {
  const { connections, requests, seconds } = o;
  const endpoint = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(ecsBody());
  });
  const sidecar = await startSidecarProcess({
    ROLECALL_CONTAINER_HOST: endpoint.url,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/soak-pipeline',
  });
  try {
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
    const h = figures.healthzMs;
    const text = [
      `soak-pipeline (${process.version}): ${connections} connections x ${requests} pipelined GET /metrics, never read, ${seconds} s`,
      `  RSS MiB      before ${figures.rssMiB.before}  peak ${figures.rssMiB.peak}  after ${figures.rssMiB.after}  (peak/before ${figures.rssPeakRatio}x)`,
      `  /healthz ms  baseline median ${h.baselineMedian} worst ${h.baselineWorst}; under attack median ${h.attackMedian} worst ${h.attackWorst} (median ${figures.attackMedianRatio}x); recovery ${h.recovery}`,
      `  probes ${run.probes}, failed ${run.probesFailed}; attacker sockets ${run.sockets.opened} opened, ${run.sockets.closedByServer} closed by the sidecar; exit ${stopped.code} in ${figures.exit.ms} ms`,
    ].join('\n');
    const ok =
      run.probesFailed === 0 &&
      run.probeWorstMs < 1000 &&
      run.rssPeak < 2 * run.rssBefore &&
      run.recoveryStatus === 200 &&
      stopped.code === 0;
    return { ok, figures, text };
  } finally {
    await sidecar.stop('SIGKILL');
    await endpoint.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
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
  const result = await runPipelineSoak({
    connections: Number(args.connections ?? (args.short ? 20 : 50)),
    requests: Number(args.requests ?? 2000),
    seconds: Number(args.seconds ?? (args.short ? 5 : 30)),
  });
  console.log(args.json ? JSON.stringify(result.figures, null, 2) : result.text);
  if (!result.ok)
    console.error(
      'soak-pipeline: FAILED (a probe over 1 s, RSS at 2x or more, no recovery, or a bad exit)',
    );
  process.exit(result.ok ? 0 : 1);
}
