/* biome-ignore-all lint/suspicious/noTemplateCurlyInString: the templates' placeholders */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Template } from 'aws-cdk-lib/assertions';
import { ALARM_TEMPLATES } from '../src/alarm-templates.ts';
import { RolecallSidecar } from '../src/index.ts';
import { fargateStack, IMAGE } from './helpers.ts';

const shared = new URL('../../../deploy/cloudwatch/rolecall-alarms.json', import.meta.url);

test('the templates are the ones Terraform reads (deploy/cloudwatch/rolecall-alarms.json)', () => {
  const json = JSON.parse(readFileSync(shared, 'utf8')) as { alarms: unknown[] };
  assert.deepEqual(ALARM_TEMPLATES, json.alarms);
});

test('no alarms unless asked for', () => {
  const { stack, taskDefinition } = fargateStack();
  const rc = new RolecallSidecar(taskDefinition, IMAGE);
  assert.deepEqual(rc.alarms, []);
  Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
});

test('alarms: one per template for the family, filled in, actions by severity', () => {
  const { stack, taskDefinition } = fargateStack();
  const rc = new RolecallSidecar(taskDefinition, {
    ...IMAGE,
    alarms: {
      clusterName: 'prod',
      criticalActions: ['arn:aws:sns:eu-west-1:111122223333:page'],
      runbookBase: 'https://wiki.example.com/rolecall',
    },
  });
  assert.equal(rc.alarms.length, ALARM_TEMPLATES.length);
  const alarms = Object.values(
    Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'),
  ) as { Properties: Record<string, unknown> }[];
  assert.equal(alarms.length, ALARM_TEMPLATES.length);
  const family = stack.resolve(taskDefinition.family) as string;
  // CloudFormation's AWS::CloudWatch::Alarm has PutMetricAlarm's shape: the synthesized
  // properties are the templates with the placeholders filled in.
  const fill = (v: unknown) =>
    JSON.parse(
      JSON.stringify(v)
        .replaceAll('${cluster_name}', 'prod')
        .replaceAll('${family}', family)
        .replaceAll('${runbook_base}', 'https://wiki.example.com/rolecall'),
    ) as Record<string, unknown>;
  for (const t of ALARM_TEMPLATES) {
    const want = fill(t);
    const got = alarms.find((a) => a.Properties.AlarmName === want.AlarmName)?.Properties;
    assert.ok(got, `no alarm ${want.AlarmName}`);
    const critical = t.Tags.some((tag) => tag.Key === 'severity' && tag.Value === 'critical');
    const actions = critical ? ['arn:aws:sns:eu-west-1:111122223333:page'] : undefined;
    assert.deepEqual(got, {
      ...want,
      ...(actions ? { AlarmActions: actions, OKActions: actions } : {}),
    });
  }
});
