/**
 * The construct and the hand-written deploy/ecs/task-definition.json must agree on every default:
 * this synthesizes the construct with nothing but an image and compares its rolecall container
 * with the JSON's, key by key. Only the environment is the deployment's own choice.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { RolecallSidecar } from '../src/index.ts';
import { container, fargateStack, IMAGE } from './helpers.ts';

type Json = Record<string, unknown>;

const DEPLOYMENT_SPECIFIC = new Set(['environment']);
/** Maps whose keys are data (label names, driver options), not CloudFormation property names. */
const DATA_MAPS = new Set(['DockerLabels', 'Options']);

/** CloudFormation's PascalCase container definition in the ECS API's camelCase. */
function camel(value: unknown, keepKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => camel(v));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      keepKeys ? k : k.charAt(0).toLowerCase() + k.slice(1),
      camel(v, DATA_MAPS.has(k)),
    ]),
  );
}

/** Docker's size syntax (`1m`, `1048576b`) in bytes, so both spellings compare equal. */
function bytes(size: unknown): number {
  const match = /^(\d+)([bkmg]?)$/i.exec(String(size));
  assert.ok(match, `not a size: ${String(size)}`);
  const power = ['b', 'k', 'm', 'g'].indexOf((match[2] || 'b').toLowerCase());
  return Number(match[1]) * 1024 ** power;
}

function handWritten(): Json {
  const path = new URL('../../../deploy/ecs/task-definition.json', import.meta.url);
  const taskDefinition = JSON.parse(readFileSync(path, 'utf8')) as { containerDefinitions: Json[] };
  const found = taskDefinition.containerDefinitions.find((c) => c.name === 'rolecall');
  assert.ok(found, 'deploy/ecs/task-definition.json has no rolecall container');
  return found;
}

function synthesized(): Json {
  const { stack, taskDefinition } = fargateStack();
  new RolecallSidecar(taskDefinition, IMAGE);
  return camel(container(stack)) as Json;
}

test('every key of the hand-written rolecall container has the value the construct renders', () => {
  const expected = handWritten();
  const actual = synthesized();
  for (const [key, value] of Object.entries(expected)) {
    if (DEPLOYMENT_SPECIFIC.has(key)) continue;
    if (key === 'logConfiguration') continue; // below: the log group is created, not named
    assert.deepEqual(actual[key], value, `${key} differs from deploy/ecs/task-definition.json`);
  }
});

test('awslogs agrees on driver, stream prefix, mode and buffer size', () => {
  type Log = { logDriver: string; options: Record<string, unknown> };
  const expected = handWritten().logConfiguration as Log;
  const actual = synthesized().logConfiguration as Log;
  assert.equal(actual.logDriver, expected.logDriver);
  for (const option of ['awslogs-stream-prefix', 'mode']) {
    assert.equal(actual.options[option], expected.options[option], option);
  }
  assert.equal(
    bytes(actual.options['max-buffer-size']),
    bytes(expected.options['max-buffer-size']),
  );
});

test('the construct sets nothing the hand-written container leaves out', () => {
  const expected = handWritten();
  const extra = Object.keys(synthesized()).filter((k) => !(k in expected));
  assert.deepEqual(extra, []);
});
