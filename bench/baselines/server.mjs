// Bare node:http server: the floor for idle RSS, start time, throughput and CPU per request.
import { createServer } from 'node:http';
import { health, metricsRegistry, port } from './shared.mjs';

const registry = await metricsRegistry();
createServer(async (req, res) => {
  if (registry !== null && req.url === '/metrics') {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(body);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(health);
}).listen(port, '127.0.0.1');
