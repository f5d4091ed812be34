/**
 * Pipelined requests that are never read must not exhaust the sidecar's memory or starve its
 * health check: many connections each pipeline thousands of `GET /metrics` and never read. The
 * sidecar is the built `dist/bin.js` in a child process, so its RSS is its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ecsBody, startServer } from '../helpers.ts';
import { runAttack } from '../pipeline-attack.ts';
import { startSidecarProcess } from '../sidecar-process.ts';

test('pipelined /metrics never read: /healthz < 1 s, RSS < 2x, recovery', async (t) => {
  const endpoint = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(ecsBody());
  });
  t.after(() => endpoint.close());
  const sidecar = await startSidecarProcess({
    ROLECALL_CONTAINER_HOST: endpoint.url,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/pipelining-test',
  });
  t.after(() => sidecar.stop('SIGKILL'));
  const run = await runAttack(sidecar.publicUrl, sidecar.rssBytes, {
    connections: 20,
    requests: 2000,
    durationMs: 5000,
  });
  const mib = (b: number) => (b / 1048576).toFixed(1);
  t.diagnostic(
    `RSS ${mib(run.rssBefore)} -> peak ${mib(run.rssPeak)} MiB; /healthz worst ${run.probeWorstMs.toFixed(0)} ms, ` +
      `median ${run.probeMedianMs.toFixed(0)} ms over ${run.probes}; recovery ${run.recoveryMs.toFixed(0)} ms; ` +
      `sockets ${run.sockets.opened} opened, ${run.sockets.closedByServer} closed by the sidecar`,
  );
  assert.ok(run.probes >= 5, `only ${run.probes} probes`);
  assert.equal(run.probesFailed, 0);
  assert.ok(run.probeWorstMs < 1000, `a /healthz took ${run.probeWorstMs} ms`);
  assert.ok(
    run.rssPeak < 2 * run.rssBefore,
    `RSS ${mib(run.rssBefore)} -> ${mib(run.rssPeak)} MiB`,
  );
  assert.ok(run.recoveryMs < 1000 && run.recoveryStatus === 200, 'recovers once the attacker left');
  const { code } = await sidecar.stop('SIGTERM');
  assert.equal(code, 0, sidecar.stderr());
});
