/**
 * Over 250 lines on purpose: one file per tool chain (promtool), so a missing tool fails one suite.
 *
 * The Prometheus side of deploy/ with the real tools: `promtool check rules`, the rules' unit tests
 * (`promtool test rules`), `promtool check config` on every scrape example, plus the structure the
 * alerts promise (labels, annotations, one runbook base, a firing and a silent case per alert).
 * Needs `promtool` (Debian: apt-get install prometheus) and python3 with PyYAML (Debian:
 * python3-yaml) to read YAML; a missing tool fails with a message saying so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const path = (...p: string[]) => join(ROOT, ...p);

/** The one runbook base every alert uses; docs/monitoring.md says how to change it. */
const RUNBOOK_BASE = 'https://rolecall.invalid/docs/monitoring.md';

const REQUIRED_ALERTS = [
  'RolecallCredentialsUnavailable',
  'RolecallCredentialsExpiringSoon',
  'RolecallCredentialsExpiringCritical',
  'RolecallCredentialsExpired',
  'RolecallEndpointFailing',
  'RolecallNoSuccessfulPoll',
  'RolecallFleetCredentialsUnavailable',
  'RolecallPollsStalled',
  'RolecallSidecarCrashLooping',
  'RolecallRoleChanged',
  'RolecallUnexpectedRole',
  'RolecallInstanceRoleFallback',
  'RolecallCredentialsShadowed',
  'RolecallSidecarDown',
  'RolecallSidecarAbsent',
];
/** Alerts that are about no single task, so carry no task labels. */
const NOT_PER_TASK = new Set(['RolecallFleetCredentialsUnavailable', 'RolecallSidecarAbsent']);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function run(cmd: string, args: readonly string[], cwd = ROOT) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true' },
  });
  return {
    code: r.status,
    out: `${r.stdout ?? ''}${r.stderr ?? ''}`,
    missing: r.error !== undefined,
  };
}

/** Debian's python3-yaml lands in /usr/bin/python3, which a pyenv `python3` on PATH may not see. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
function readYaml(file: string): Json {
  const r = run(PYTHON, [
    '-c',
    'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
    file,
  ]);
  if (r.missing || r.code !== 0) {
    assert.fail(
      `cannot parse ${file} as YAML with python3 + PyYAML (Debian: apt-get install -y python3-yaml):\n${r.out}`,
    );
  }
  return JSON.parse(r.out) as Json;
}

function promtool(args: readonly string[], cwd = ROOT) {
  const r = run('promtool', args, cwd);
  if (r.missing) {
    assert.fail('promtool not found on PATH (Debian: apt-get install -y prometheus)');
  }
  return r;
}
function assertPromtool(args: readonly string[], cwd = ROOT): void {
  const r = promtool(args, cwd);
  assert.equal(r.code, 0, `promtool ${args.join(' ')} failed:\n${r.out}`);
}

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface ExpAlert {
  exp_labels?: Record<string, string>;
  exp_annotations?: Record<string, string>;
}
interface AlertCase {
  alertname: string;
  eval_time: string;
  exp_alerts: ExpAlert[];
}

const allRules = () =>
  (
    readYaml(path('deploy/prometheus/rules.yml')) as unknown as {
      groups: { name: string; rules: Rule[] }[];
    }
  ).groups.flatMap((g) => g.rules);
const alertCases = () =>
  (
    readYaml(path('deploy/prometheus/rules.test.yml')) as unknown as {
      tests: { alert_rule_test?: AlertCase[] }[];
    }
  ).tests.flatMap((t) => t.alert_rule_test ?? []);

test('promtool: check rules, the unit tests, check config of the scrape examples', () => {
  assertPromtool(['check', 'rules', 'deploy/prometheus/rules.yml']);
  assertPromtool(['test', 'rules', 'rules.test.yml'], path('deploy/prometheus'));
  assertPromtool(['check', 'config', 'deploy/prometheus/prometheus.yml']);
  assertPromtool(['check', 'config', 'deploy/cloudwatch-agent/prometheus.yaml']);
});

test('every alert: severity, summary, description, absolute runbook_url from one base', () => {
  const alerts = allRules().filter((r) => r.alert !== undefined);
  assert.deepEqual(alerts.map((a) => a.alert).sort(), [...REQUIRED_ALERTS].sort());
  const docs = readFileSync(path('docs/monitoring.md'), 'utf8');
  for (const a of alerts) {
    const name = a.alert as string;
    assert.match(a.labels?.severity ?? '', /^(warning|critical)$/, name);
    assert.deepEqual(Object.keys(a.annotations ?? {}).sort(), [
      'description',
      'runbook_url',
      'summary',
    ]);
    // monitoring-mixin style: a static one-line summary, the details in the description.
    assert.match(a.annotations?.summary ?? '', /^[A-Za-z][^{}\n]{10,80}\.$/, `${name} summary`);
    assert.ok((a.annotations?.description ?? '').length > 40, `${name} description`);
    assert.equal(a.annotations?.runbook_url, `${RUNBOOK_BASE}#${name.toLowerCase()}`, name);
    assert.match(docs, new RegExp(`^### ${name}$`, 'm'), `docs/monitoring.md has no "### ${name}"`);
    if (!NOT_PER_TASK.has(name)) {
      assert.match(
        a.expr,
        /group_left \(family, cluster, task_arn\) rolecall:task_labels\s*$/,
        name,
      );
    }
  }
  const critical = alerts.find((a) => a.alert === 'RolecallCredentialsExpired');
  assert.notEqual(
    critical?.for ?? '0m',
    '0m',
    'RolecallCredentialsExpired must not page on one evaluation',
  );
});

test('the unit tests show every alert firing with its full labels, and not firing', () => {
  const cases = alertCases();
  for (const name of REQUIRED_ALERTS) {
    const mine = cases.filter((c) => c.alertname === name);
    assert.ok(
      mine.some((c) => c.exp_alerts.length === 0),
      `no test shows ${name} not firing`,
    );
    const firing = mine.flatMap((c) => c.exp_alerts);
    assert.ok(firing.length > 0, `no test shows ${name} firing`);
    for (const e of firing) {
      assert.ok(e.exp_annotations?.runbook_url?.startsWith(`${RUNBOOK_BASE}#`), name);
      assert.ok(e.exp_annotations?.description, `${name}: the test checks the description`);
    }
    if (NOT_PER_TASK.has(name)) continue;
    assert.ok(
      firing.some((e) => {
        const l = e.exp_labels ?? {};
        return (
          l.family === 'orders' && l.cluster === 'prod' && /^arn:aws:ecs:/.test(l.task_arn ?? '')
        );
      }),
      `no test shows ${name} with family, cluster (short name) and task_arn`,
    );
  }
});

test('thresholds: every rolecall:threshold is an overridable recording rule, documented', () => {
  const rules = allRules();
  const docs = readFileSync(path('docs/monitoring.md'), 'utf8');
  const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
  for (const r of rules) {
    for (const [name] of r.expr.matchAll(/rolecall:[A-Za-z0-9_:]+/g)) {
      const base = name.replace('rolecall:threshold_override:', 'rolecall:threshold:');
      assert.ok(recorded.has(base), `${name} (in ${r.alert ?? r.record}) is not recorded`);
    }
  }
  for (const rec of [...recorded].filter((r) => r.startsWith('rolecall:threshold:'))) {
    const override = rec.replace('rolecall:threshold:', 'rolecall:threshold_override:');
    const rule = rules.find((r) => r.record === rec);
    assert.match(rule?.expr ?? '', new RegExp(`^${override} or vector\\([0-9.]+\\)$`), rec);
    assert.ok(docs.includes(`\`${rec.replace('rolecall:threshold:', '')}\``), `${rec} documented`);
  }
});

/** Runs the shipped unit tests against a mutated rules.yml; returns promtool's output. */
function testMutated(from: string | RegExp, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-rules-'));
  try {
    const rules = readFileSync(path('deploy/prometheus/rules.yml'), 'utf8');
    const broken = rules.replace(from, to);
    assert.notEqual(broken, rules, `mutation ${from} did not apply`);
    writeFileSync(join(dir, 'rules.yml'), broken);
    writeFileSync(
      join(dir, 'rules.test.yml'),
      readFileSync(path('deploy/prometheus/rules.test.yml'), 'utf8'),
    );
    const r = promtool(['test', 'rules', 'rules.test.yml'], dir);
    assert.notEqual(r.code, 0, `promtool test rules passed with ${from} -> ${to}`);
    return r.out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the unit tests fail when a rule loses what makes it right', () => {
  // Instant values instead of the last value over a window: a restart clears the alert.
  assert.match(
    testMutated(
      'last_over_time(rolecall_credentials_up[3m]) == 0)\n',
      'rolecall_credentials_up == 0)\n',
    ),
    /a sidecar restart during an outage keeps the unavailable alert firing/,
  );
  assert.match(
    testMutated(
      /max_over_time\(rolecall_last_successful_poll_timestamp_seconds\[6h\]\)/g,
      'rolecall_last_successful_poll_timestamp_seconds',
    ),
    /a sidecar restart during an outage keeps the endpoint alerts firing/,
  );
  assert.match(
    testMutated(
      /last_over_time\(rolecall_credentials_expiration_timestamp_seconds\[6h\]\)/g,
      'rolecall_credentials_expiration_timestamp_seconds',
    ),
    /a sidecar restart does not clear an expiry/,
  );
  // Without `and on (job, instance) up`, a task that is gone keeps alerting.
  assert.match(
    testMutated(/\n\s+and on \(job, instance\) up\n/g, '\n'),
    /a task that is gone raises no endpoint or expiry alert/,
  );
  // Paging on a single evaluation past expiry.
  assert.match(
    testMutated(/(alert: RolecallCredentialsExpired\n[\s\S]*?)for: 2m/, '$1for: 0m'),
    /not on one evaluation/,
  );
  // Without its "> 0" guard the warning keeps firing after expiry.
  assert.match(
    testMutated(
      /\(last_over_time\(rolecall_credentials_expiration_timestamp_seconds\[6h\]\) - time\(\)\) > 0\n\s+and\n/,
      '',
    ),
    /RolecallCredentialsExpiringSoon/,
  );
  // A lower staleness threshold fires on a recovered 3-minute outage.
  assert.match(
    testMutated(
      'last_success_warning_seconds or vector(300)',
      'last_success_warning_seconds or vector(100)',
    ),
    /a 3-minute endpoint outage that recovered raises nothing/,
  );
});

test('aws_sd_configs example: parsed always, checked by promtool where the version supports it', (t) => {
  const file = 'deploy/prometheus/prometheus-aws-sd.yml';
  const doc = readYaml(path(file)) as unknown as {
    scrape_configs: { job_name: string; aws_sd_configs: { role: string; port: number }[] }[];
  };
  const job = doc.scrape_configs[0];
  assert.equal(job?.job_name, 'rolecall');
  assert.equal(job?.aws_sd_configs[0]?.role, 'ecs');
  assert.equal(job?.aws_sd_configs[0]?.port, 9477);
  const r = promtool(['check', 'config', file]);
  if (r.code !== 0 && /field aws_sd_configs not found/.test(r.out)) {
    t.diagnostic('this promtool predates aws_sd_configs (needs Prometheus >= 3.8); parsed only');
    return;
  }
  assert.equal(r.code, 0, r.out);
});

test('ADOT collector: a consistent pipeline whose embedded Prometheus config promtool accepts', () => {
  const doc = readYaml(path('deploy/adot/rolecall-ecs.yaml')) as unknown as {
    receivers: Record<string, { config?: Json }>;
    processors: Record<string, unknown>;
    exporters: Record<string, unknown>;
    extensions: Record<string, unknown>;
    service: {
      extensions: string[];
      pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
    };
  };
  for (const ext of doc.service.extensions) assert.ok(ext in doc.extensions, ext);
  for (const [name, p] of Object.entries(doc.service.pipelines)) {
    for (const r of p.receivers) assert.ok(r in doc.receivers, `${name}: receiver ${r}`);
    for (const r of p.processors) assert.ok(r in doc.processors, `${name}: processor ${r}`);
    for (const r of p.exporters) assert.ok(r in doc.exporters, `${name}: exporter ${r}`);
  }
  const config = doc.receivers.prometheus?.config as
    | { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] }
    | undefined;
  assert.ok(config, 'no prometheus receiver config');
  assert.equal(config.scrape_configs[0]?.job_name, 'rolecall');
  assert.deepEqual(config.scrape_configs[0]?.static_configs[0]?.targets, ['127.0.0.1:9477']);
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-adot-'));
  try {
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
    assertPromtool(['check', 'config', join(dir, 'prometheus.yml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
