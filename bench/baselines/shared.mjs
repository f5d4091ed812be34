// What every baseline server shares: rolecall's /healthz body shape, the port, and, with
// WITH_METRICS=1, prom-client's default metrics in a private registry as rolecall serves them.
export const health = JSON.stringify({
  status: 'ok',
  checks: [
    {
      name: 'credentials',
      status: 'ok',
      detail: 'valid for 5h 59m 58s (until 2026-11-28T18:00:00.000Z)',
    },
  ],
});

export const port = Number(process.env.PORT);

// Exit normally on SIGTERM, as rolecall does, so V8 coverage (bench/modules.ts) is written.
process.once('SIGTERM', () => process.exit(0));

// IMPORTS=a,b: modules loaded before serving, to price each dependency alone (bench/imports.ts).
for (const specifier of (process.env.IMPORTS ?? '').split(',').filter(Boolean)) {
  await import(specifier);
}

export async function metricsRegistry() {
  if (process.env.WITH_METRICS !== '1') return null;
  const { Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
