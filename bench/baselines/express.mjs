// A plain Express 5 app serving the same bodies: what one Express stack costs without rolecall.
import express from 'express';
import { health, metricsRegistry, port } from './shared.mjs';

const registry = await metricsRegistry();
const app = express();
app.get('/healthz', (_req, res) => {
  res.type('application/json').send(health);
});
app.get('/metrics', async (_req, res) => {
  if (registry === null) return res.sendStatus(404);
  res.set('content-type', registry.contentType).send(await registry.metrics());
});
app.listen(port, '127.0.0.1');
