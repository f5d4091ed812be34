// The least a polling sidecar does: an undici GET of CREDENTIALS_URL and JSON.parse every
// POLL_INTERVAL_MS, plus a node:http /healthz. The floor for settled RSS and CPU per poll.
// WITH_METRICS=1 also keeps prom-client's default metrics, as rolecall does.
import { createServer } from 'node:http';
import { Agent, request } from 'undici';
import { health, metricsRegistry, port } from './shared.mjs';

await metricsRegistry();

const url = process.env.CREDENTIALS_URL;
const intervalMs = Number(process.env.POLL_INTERVAL_MS ?? 1000);
const dispatcher = new Agent({ connections: 1 });
let held = null;

async function poll() {
  try {
    const res = await request(url, { dispatcher, headers: { accept: 'application/json' } });
    held = JSON.parse(await res.body.text());
  } catch {
    held = null;
  }
  setTimeout(poll, intervalMs);
}
await poll();

createServer((_req, res) => {
  res.writeHead(held === null ? 503 : 200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(health);
}).listen(port, '127.0.0.1');
