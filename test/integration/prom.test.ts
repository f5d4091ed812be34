/**
 * `src/prom.ts` loads prom-client's classes and default metrics from their own files so that
 * `@opentelemetry/api` is never loaded. They must be the very classes the index exports, and the
 * default metrics must be what `collectDefaultMetrics` registers: same names, order, types, help and
 * labels. A prom-client upgrade that moves or adds something fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import * as prom from 'prom-client';
import { Counter, Gauge, Histogram, Registry, registerDefaultMetrics } from '../../src/lib/prom.ts';

const ROOT = resolve(import.meta.dirname, '../..');

test("the classes are the index's", () => {
  assert.equal(Registry, prom.Registry);
  assert.equal(Counter, prom.Counter);
  assert.equal(Gauge, prom.Gauge);
  assert.equal(Histogram, prom.Histogram);
});

async function shape(registry: prom.Registry) {
  const metrics = await registry.getMetricsAsJSON();
  return metrics.map((m) => ({
    name: m.name,
    type: m.type,
    help: m.help,
    labels: [...new Set(m.values.flatMap((v) => Object.keys(v.labels)))].sort(),
  }));
}

test('the default metrics are what collectDefaultMetrics registers', async () => {
  const theirs = new prom.Registry();
  prom.collectDefaultMetrics({ register: theirs });
  const ours = new Registry();
  registerDefaultMetrics(ours);
  const expected = await shape(theirs);
  assert.ok(expected.length >= 20, `prom-client registered only ${expected.length} metrics`);
  assert.deepEqual(await shape(ours), expected);
});

test('process_cpu_* count the CPU time used, user + system = total', async () => {
  const registry = new Registry();
  registerDefaultMetrics(registry);
  const read = async () => {
    const text = await registry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    return {
      user: value('process_cpu_user_seconds_total'),
      system: value('process_cpu_system_seconds_total'),
      total: value('process_cpu_seconds_total'),
    };
  };
  const first = await read();
  const start = process.cpuUsage();
  const until = Date.now() + 150;
  let spin = 0;
  while (Date.now() < until) spin++;
  assert.ok(spin > 0);
  const used = process.cpuUsage(start);
  const second = await read();
  assert.ok(second.user - first.user >= used.user / 1e6 - 0.001, JSON.stringify([first, second]));
  assert.ok(second.total >= second.user + second.system - 1e-6);
  assert.ok(second.total <= second.user + second.system + 1e-6);
  assert.ok(second.total > first.total);
});

test('the sidecar never loads the prom-client index or @opentelemetry/api', () => {
  // A fresh process: serve's modules, a registry with every rolecall metric, one scrape.
  const script = `
    const { createRequire } = await import('node:module');
    await import('./src/commands/serve.ts');
    const { createMetrics } = await import('./src/metrics.ts');
    const { INITIAL_STATE } = await import('./src/credentials/state.ts');
    const m = createMetrics({ state: () => INITIAL_STATE, task: () => null, shadowed: () => [],
      expectedRoleMatch: () => null, now: () => Date.now() }, { version: '0', nodeVersion: process.version });
    const text = await m.registry.metrics();
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({
      cpu: text.includes('process_cpu_seconds_total '),
      otel: loaded.filter((f) => f.includes('@opentelemetry')),
      index: loaded.filter((f) => /prom-client[\\\\/]index\\.js$/.test(f)),
      prom: loaded.filter((f) => f.includes('prom-client')).length,
    }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  assert.deepEqual(out.otel, []);
  assert.deepEqual(out.index, []);
  assert.ok(out.prom > 5, 'prom-client files were loaded from lib/');
  assert.equal(out.cpu, true);
});
