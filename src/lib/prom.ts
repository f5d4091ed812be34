/**
 * The parts of prom-client 15 the sidecar uses, loaded from their own files instead of the package
 * index. The index loads `collectDefaultMetrics`, whose process-CPU metric loads
 * `@opentelemetry/api` (51 files) at import time for exemplars, which rolecall never enables. In the
 * whole sidecar that is about 2 MiB of idle RSS on Node 24 and 1 MiB on Node 20 (docs/performance.md;
 * alone it looks like 8 MiB, most of which is the CommonJS loader other packages also need).
 *
 * So the classes come from `prom-client/lib/*.js` (prom-client 15 has no `exports` map), the default
 * metrics from `prom-client/lib/metrics/*.js` in the order `collectDefaultMetrics` registers them,
 * and the three `process_cpu_*` counters are defined here with the names, help and values
 * prom-client gives them (user, system and both, seconds, from `process.cpuUsage()`).
 * `test/integration/prom.test.ts` fails if the classes stop being the index's, or if the default
 * metrics differ in name, type, help or labels from what `collectDefaultMetrics` registers, so an
 * upgrade that moves or adds something is caught before it ships.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

const require = createRequire(import.meta.url);

export const Registry = require('prom-client/lib/registry.js') as typeof PromClient.Registry;
export type Registry = PromClient.Registry;
export const Counter = require('prom-client/lib/counter.js') as typeof PromClient.Counter;
export const Gauge = require('prom-client/lib/gauge.js') as typeof PromClient.Gauge;
export const Histogram = require('prom-client/lib/histogram.js') as typeof PromClient.Histogram;

type DefaultMetric = (registry: Registry, config: { eventLoopMonitoringPrecision: number }) => void;

/** `collectDefaultMetrics`' list after `processCpuTotal`, in its order. */
const MODULES = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  ...(typeof process.getActiveResourcesInfo === 'function' ? ['processResources'] : []),
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
];

/** Counters that advance, at each scrape, by the CPU time used since the previous scrape. */
function processCpu(registry: Registry): void {
  let last = process.cpuUsage();
  const registers = [registry];
  const user = new Counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers,
    collect() {
      const now = process.cpuUsage();
      const userSeconds = (now.user - last.user) / 1e6;
      const systemSeconds = (now.system - last.system) / 1e6;
      last = now;
      user.inc(userSeconds);
      system.inc(systemSeconds);
      total.inc(userSeconds + systemSeconds);
    },
  });
  const system = new Counter({
    name: 'process_cpu_system_seconds_total',
    help: 'Total system CPU time spent in seconds.',
    registers,
  });
  const total = new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers,
  });
}

/** What `collectDefaultMetrics({ register: registry })` registers, without `@opentelemetry/api`. */
export function registerDefaultMetrics(registry: Registry): void {
  processCpu(registry);
  for (const name of MODULES) {
    (require(`prom-client/lib/metrics/${name}.js`) as DefaultMetric)(registry, {
      eventLoopMonitoringPrecision: 10,
    });
  }
}
