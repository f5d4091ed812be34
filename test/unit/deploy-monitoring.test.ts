/**
 * The monitoring files under deploy/ against the code, with Node only: every metric name in the
 * alert rules, the dashboard, the CloudWatch agent's selectors and the CloudWatch alarms is one the
 * real metrics factory exports (read from `createMetrics`, so the list cannot drift); the CloudWatch
 * agent exports every metric an alert or alarm needs; every alert has a CloudWatch alarm or is
 * documented as one CloudWatch cannot express; the dashboard works without task metadata. The
 * promtool, botocore and terraform checks are in test/tools/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { INITIAL_STATE } from '../../src/credentials/state.ts';
import { createMetrics } from '../../src/sidecar/metrics.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const path = (...p: string[]) => join(ROOT, ...p);
const read = (...p: string[]) => readFileSync(path(...p), 'utf8');

/** Alerts with no CloudWatch alarm: per-task signals a per-family metric cannot carry. */
const NOT_IN_CLOUDWATCH = ['RolecallSidecarDown', 'RolecallSidecarCrashLooping'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every string at or below a key in `keys`, anywhere in `doc` (`keys` null: every string). */
function stringsUnder(doc: Json, keys: ReadonlySet<string> | null, out: string[] = []): string[] {
  if (typeof doc === 'string') {
    if (keys === null) out.push(doc);
  } else if (Array.isArray(doc)) for (const v of doc) stringsUnder(v, keys, out);
  else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) stringsUnder(v, keys?.has(k) ? null : keys, out);
  }
  return out;
}

function findKey(doc: Json, key: string): Json | undefined {
  if (Array.isArray(doc)) {
    for (const v of doc) {
      const f = findKey(v, key);
      if (f !== undefined) return f;
    }
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if (k === key) return v;
      const f = findKey(v, key);
      if (f !== undefined) return f;
    }
  }
  return undefined;
}

/** Metric names of rolecall and prom-client's defaults; not recording rules (`rolecall:...`). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/(?<![\w:])((?:rolecall|process|nodejs)_[A-Za-z0-9_]*)/g)].map(
    (m) => m[1] as string,
  );
}

async function exportedNames(): Promise<Set<string>> {
  const metrics = createMetrics(
    {
      state: () => INITIAL_STATE,
      task: () => null,
      shadowed: () => [],
      expectedRoleMatch: () => null,
      now: () => 0,
    },
    { version: '0.0.0-test', nodeVersion: process.version },
  );
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    // prom-client types `type` as a numeric enum; at run time it is the string name.
    if (String(m.type) === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
    } else names.add(m.name);
  }
  return names;
}

/** rules.yml without comments: the expressions and annotations (no YAML parser needed here). */
const rulesText = () =>
  read('deploy/prometheus/rules.yml')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
const alertNames = () =>
  [...rulesText().matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1] as string);

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource: { uid: string };
  targets: { expr: string; instant?: boolean; format?: string }[];
}
const dashboard = () =>
  JSON.parse(read('deploy/grafana/rolecall.json')) as Json & {
    uid: string;
    templating: { list: { name: string; type: string; query: unknown; regex?: string }[] };
    panels: Panel[];
  };
const cwagent = () => JSON.parse(read('deploy/cloudwatch-agent/cwagent-config.json')) as Json;
interface Alarm {
  AlarmName: string;
  Metrics: { Id: string; MetricStat?: { Metric: { MetricName: string } } }[];
  Tags: { Key: string; Value: string }[];
}
const alarms = () =>
  (JSON.parse(read('deploy/cloudwatch/rolecall-alarms.json')) as { alarms: Alarm[] }).alarms;
const alarmMetrics = () =>
  alarms().flatMap((a) =>
    a.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : [])),
  );
const cwSelectors = () => stringsUnder(cwagent(), new Set(['metric_selectors']));

test('every metric name in the rules, dashboard, CloudWatch selectors and alarms is exported', async () => {
  const exported = await exportedNames();
  for (const n of [
    'rolecall_credentials_expiration_timestamp_seconds',
    'rolecall_poll_duration_seconds_bucket',
    'process_start_time_seconds',
  ]) {
    assert.ok(exported.has(n), `createMetrics does not export ${n}`);
  }
  const sources: [string, string[]][] = [
    ['deploy/prometheus/rules.yml', [rulesText()]],
    [
      'deploy/grafana/rolecall.json',
      stringsUnder(dashboard(), new Set(['expr', 'query', 'definition'])),
    ],
    [
      'deploy/cloudwatch-agent/cwagent-config.json',
      [...cwSelectors(), ...Object.keys(findKey(cwagent(), 'metric_unit') as object)],
    ],
    ['deploy/cloudwatch/rolecall-alarms.json', alarmMetrics()],
  ];
  const unknown: string[] = [];
  let seen = 0;
  for (const [file, exprs] of sources) {
    assert.ok(exprs.length > 0, `no expressions found in ${file}`);
    for (const expr of exprs) {
      for (const name of metricNames(expr)) {
        seen++;
        if (!exported.has(name)) unknown.push(`${file}: ${name}`);
      }
    }
  }
  assert.ok(seen > 60, `only ${seen} metric references found: is the extraction broken?`);
  assert.deepEqual(unknown, [], 'metric names the code does not export');
});

test('the CloudWatch agent exports every metric the alerts and the alarms need', () => {
  const selected = (name: string) => cwSelectors().some((re) => new RegExp(re).test(name));
  // Histograms are dropped by the agent; the alerts use none. task_info and build_info only carry
  // labels for the Prometheus join; CloudWatch has its own ClusterName/TaskDefinitionFamily.
  const labelsOnly = new Set(['rolecall_task_info', 'rolecall_build_info']);
  const needed = new Set(
    [...metricNames(rulesText()), ...alarmMetrics()].filter((n) => !labelsOnly.has(n)),
  );
  assert.ok(needed.has('rolecall_polls_total') && needed.has('rolecall_credentials_shadowed'));
  assert.deepEqual(
    [...needed].filter((n) => !selected(n)),
    [],
    'metrics no CloudWatch alarm could be built on',
  );
});

test('every alert has an equivalent CloudWatch alarm, or the docs say why it has none', () => {
  const alerts = alertNames();
  assert.ok(alerts.length >= 14, alerts.join(', '));
  const alarmAlerts = alarms().map(
    (a) => a.Tags.find((t) => t.Key === 'rolecall:alert')?.Value ?? `untagged ${a.AlarmName}`,
  );
  for (const name of alarmAlerts)
    assert.ok(alerts.includes(name), `alarm for unknown alert ${name}`);
  assert.deepEqual(
    alerts.filter((a) => !alarmAlerts.includes(a) && !NOT_IN_CLOUDWATCH.includes(a)),
    [],
    'alerts without a CloudWatch alarm',
  );
  const docs = read('docs/monitoring.md');
  for (const name of NOT_IN_CLOUDWATCH)
    assert.match(docs, new RegExp(`${name}.*CloudWatch|CloudWatch.*${name}`));
  for (const a of alarms()) {
    const severity = a.Tags.find((t) => t.Key === 'severity')?.Value;
    const alert = a.Tags.find((t) => t.Key === 'rolecall:alert')?.Value ?? '';
    const rule = new RegExp(`- alert: ${alert}\\n[\\s\\S]*?severity: (\\w+)`).exec(rulesText());
    assert.equal(severity, rule?.[1], `${a.AlarmName}: same severity as ${alert}`);
    assert.match(a.AlarmName, new RegExp(`-${alert.replace(/^Rolecall/, '')}$`));
  }
  const expiry = alarms().filter((a) => /Expir/.test(a.AlarmName));
  assert.equal(expiry.length, 3);
  for (const a of expiry) assert.ok(JSON.stringify(a.Metrics).includes('EPOCH('), a.AlarmName);
});

test('the instance-role alert matches a source value the code produces', () => {
  const types = read('src/credentials/types.ts');
  assert.match(types, /'iam-role'/, "src/credentials/types.ts no longer has the 'iam-role' source");
  assert.match(rulesText(), /rolecall_identity_info\{source="iam-role"\}/);
});

test('CloudWatch agent: docker-label discovery matches the labels of the ECS task definition', () => {
  const sd = findKey(cwagent(), 'ecs_service_discovery') as {
    sd_result_file: string;
    docker_label: {
      sd_port_label: string;
      sd_metrics_path_label: string;
      sd_job_name_label: string;
    };
  };
  const scrape = read('deploy/cloudwatch-agent/prometheus.yaml');
  assert.ok(scrape.includes(sd.sd_result_file), 'prometheus.yaml does not read sd_result_file');
  const taskDef = JSON.parse(read('deploy/ecs/task-definition.json')) as {
    containerDefinitions: { name: string; dockerLabels?: Record<string, string> }[];
  };
  const labels = taskDef.containerDefinitions.find((c) => c.dockerLabels !== undefined)
    ?.dockerLabels as Record<string, string>;
  assert.ok(labels, 'no container with dockerLabels in deploy/ecs/task-definition.json');
  assert.equal(labels[sd.docker_label.sd_port_label], '9477');
  assert.equal(labels[sd.docker_label.sd_metrics_path_label], '/metrics');
  assert.equal(labels[sd.docker_label.sd_job_name_label], 'rolecall');
});

test('dashboard: variables, the panels operators need, an up panel', () => {
  const d = dashboard();
  assert.equal(d.uid, 'rolecall-credentials');
  const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v]));
  assert.equal(vars.datasource?.type, 'datasource');
  assert.equal(vars.datasource?.query, 'prometheus');
  for (const v of ['job', 'cluster', 'family', 'task']) assert.equal(vars[v]?.type, 'query', v);
  // The cluster variable offers the short name, on Fargate (an ARN) and on EC2 alike.
  const clusterRe = new RegExp((vars.cluster?.regex ?? '').replace(/^\/|\/$/g, ''));
  assert.equal(clusterRe.exec('arn:aws:ecs:eu-west-1:111122223333:cluster/prod')?.[1], 'prod');
  assert.equal(clusterRe.exec('prod')?.[1], 'prod');
  const ids = d.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'duplicate panel ids');
  for (const p of d.panels) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template
    assert.equal(p.datasource.uid, '${datasource}', p.title);
  }
  const titles = d.panels.map((p) => p.title.toLowerCase());
  for (const want of [
    'scrape up',
    'targets up',
    'sidecar restarts',
    'expiry timeline',
    'credential age',
    'rotations',
    'role changes',
    'poll errors by reason',
    'fleet by task family',
  ]) {
    assert.ok(
      titles.some((t) => t.includes(want)),
      `no panel titled like "${want}"`,
    );
  }
});

test('dashboard: tasks without task metadata stay visible; the cluster is a short name', () => {
  for (const p of dashboard().panels) {
    for (const t of p.targets) {
      if (t.expr.includes('rolecall_build_info')) continue;
      // Every per-task query filters by task and falls back to `up` for tasks without metadata,
      // instead of an inner join on rolecall_task_info that would drop them.
      assert.match(t.expr, /instance=~"\$task"/, `${p.title}: ${t.expr}`);
      assert.match(
        t.expr,
        /or on \(job, instance\) \(group by \(job, instance\) \(up\{[^}]*\}\) unless on \(job, instance\) rolecall_task_info/,
        `${p.title}: no fallback for tasks without task metadata`,
      );
      assert.match(t.expr, /label_replace\(.*"cluster", "\$1", "cluster", "arn:aws/, p.title);
    }
  }
});

test('dashboard: $__rate_interval in every rate, increase and changes over time', () => {
  let n = 0;
  for (const p of dashboard().panels) {
    for (const t of p.targets) {
      for (const [, fn, window] of t.expr.matchAll(
        /\b(rate|increase|changes)\([^[]*\[([^\]]+)\]/g,
      )) {
        n++;
        // Instant table cells cover the dashboard's time range; graphs use the rate interval.
        const want = t.instant ? '$__range' : '$__rate_interval';
        assert.equal(window, want, `${p.title}: ${fn}(...[${window}])`);
      }
    }
  }
  assert.ok(n >= 10, `only ${n} range functions found`);
});
