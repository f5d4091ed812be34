/**
 * The CloudWatch alarms with the real tools: every template in deploy/cloudwatch/rolecall-alarms.json
 * is valid PutMetricAlarm input by botocore's CloudWatch model (python3 with botocore >= 1.43), and
 * the Terraform module deploy/terraform/rolecall-alarms plans them (terraform with the AWS provider
 * from a local plugin directory, TF_PLUGIN_DIR, default /opt/tf-plugins; offline: a synthetic key,
 * no credential or metadata lookups). Fails if python3/botocore, terraform or the provider is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..', '..');
const ALARMS = join(ROOT, 'deploy/cloudwatch/rolecall-alarms.json');
const MODULE = join(ROOT, 'deploy/terraform/rolecall-alarms');

interface Alarm {
  AlarmName: string;
  Metrics: { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
  Tags: { Key: string; Value: string }[];
  [k: string]: unknown;
}
const templates = () => (JSON.parse(readFileSync(ALARMS, 'utf8')) as { alarms: Alarm[] }).alarms;
const fill = (text: string, vars: Record<string, string>) =>
  text.replace(/\$\{(\w+)\}/g, (_, k: string) => vars[k] ?? assert.fail(`no value for \${${k}}`));

test('every alarm template is valid PutMetricAlarm input (botocore CloudWatch model)', () => {
  const filled = JSON.parse(
    fill(readFileSync(ALARMS, 'utf8'), {
      cluster_name: 'prod',
      family: 'orders',
      runbook_base: 'https://wiki.example.com/rolecall',
    }),
  ) as { alarms: Alarm[] };
  // botocore's own parameter validator, the one every boto3 call runs before sending.
  const script = [
    'import json, sys, botocore, botocore.session',
    'from botocore.validate import ParamValidator',
    'v = tuple(int(x) for x in botocore.__version__.split(".")[:2])',
    'sys.exit("botocore %s is older than 1.43" % botocore.__version__) if v < (1, 43) else None',
    'model = botocore.session.get_session().get_service_model("cloudwatch")',
    'shape = model.operation_model("PutMetricAlarm").input_shape',
    'out = []',
    'for a in json.load(sys.stdin)["alarms"]:',
    '    report = ParamValidator().validate(a, shape)',
    '    out.append([a["AlarmName"], report.generate_report() if report.has_errors() else ""])',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    input: JSON.stringify(filled),
    encoding: 'utf8',
  });
  if (r.error !== undefined || r.status !== 0) {
    assert.fail(
      `python3 with botocore >= 1.43 is needed (pip install botocore): ${r.error?.message ?? r.stderr}`,
    );
  }
  const results = JSON.parse(r.stdout) as [string, string][];
  assert.equal(results.length, templates().length);
  assert.deepEqual(
    results.filter(([, problems]) => problems !== ''),
    [],
  );
});

function tool(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      // Offline: no checkpoint call, no instance metadata, no user CLI config.
      CHECKPOINT_DISABLE: '1',
      AWS_EC2_METADATA_DISABLED: 'true',
      TF_CLI_CONFIG_FILE: '/dev/null',
      TF_IN_AUTOMATION: '1',
      ...env,
    },
  });
  if (r.error !== undefined) assert.fail(`${cmd} is needed on PATH: ${r.error.message}`);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

test('terraform: fmt, validate, and a plan of the module with two families', () => {
  const pluginDir = process.env.TF_PLUGIN_DIR ?? '/opt/tf-plugins';
  assert.ok(
    existsSync(join(pluginDir, 'registry.terraform.io/hashicorp/aws')),
    `the hashicorp/aws provider is needed under ${pluginDir} (set TF_PLUGIN_DIR)`,
  );
  tool('terraform', ['fmt', '-check', '-diff', '.'], MODULE);
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-tf-'));
  try {
    writeFileSync(
      join(dir, 'main.tf'),
      `provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "AKIAEXAMPLESYNTHETIC"
  secret_key                  = "synthetic"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
module "alarms" {
  source        = "${relative(dir, MODULE)}"
  cluster_name  = "prod"
  families      = ["orders", "billing"]
  runbook_base  = "https://wiki.example.com/rolecall"
  alarm_actions = { critical = ["arn:aws:sns:eu-west-1:111122223333:page"] }
}
`,
    );
    tool('terraform', ['init', '-backend=false', `-plugin-dir=${pluginDir}`, '-input=false'], dir);
    tool('terraform', ['validate', '-no-color'], dir);
    tool(
      'terraform',
      ['plan', '-input=false', '-refresh=false', '-no-color', '-out=plan.bin'],
      dir,
    );
    const plan = JSON.parse(tool('terraform', ['show', '-json', 'plan.bin'], dir)) as {
      resource_changes: { change: { after: Record<string, unknown> } }[];
    };
    const after = plan.resource_changes.map((c) => c.change.after);
    assert.equal(after.length, 2 * templates().length, 'one alarm set per family');
    const byName = new Map(after.map((a) => [a.alarm_name as string, a]));
    const expired = byName.get('rolecall-prod-orders-CredentialsExpired') as {
      metric_query: { id: string; expression: string; metric: { dimensions: object }[] }[];
      alarm_actions: string[];
      alarm_description: string;
      datapoints_to_alarm: number;
      tags: Record<string, string>;
    };
    assert.ok(expired, [...byName.keys()].join(', '));
    assert.equal(expired.metric_query.find((q) => q.id === 'left')?.expression, 'exp - EPOCH(exp)');
    assert.deepEqual(expired.metric_query.find((q) => q.id === 'exp')?.metric[0]?.dimensions, {
      ClusterName: 'prod',
      TaskDefinitionFamily: 'orders',
    });
    assert.deepEqual(expired.alarm_actions, ['arn:aws:sns:eu-west-1:111122223333:page']);
    assert.equal(expired.datapoints_to_alarm, 2, 'not on a single data point');
    assert.match(
      expired.alarm_description,
      /https:\/\/wiki\.example\.com\/rolecall#rolecallcredentialsexpired$/,
    );
    assert.deepEqual(expired.tags, {
      'rolecall:alert': 'RolecallCredentialsExpired',
      severity: 'critical',
    });
    const warning = byName.get('rolecall-prod-billing-EndpointFailing') as {
      alarm_actions: string[];
    };
    assert.deepEqual(warning.alarm_actions ?? [], [], 'no action for a severity without actions');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
