import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EXAMPLE_STACK_NAME, exampleTemplateText } from '../scripts/example-app.ts';

const committed = new URL('../../../deploy/cdk/rolecall-example.template.json', import.meta.url);

test('deploy/cdk/rolecall-example.template.json is what the example synthesizes (npm run synth:example)', () => {
  assert.equal(
    readFileSync(committed, 'utf8'),
    exampleTemplateText(),
    `${EXAMPLE_STACK_NAME} drifted`,
  );
});

test('the committed example holds the app and the sidecar, which the app starts after', () => {
  const template = JSON.parse(readFileSync(committed, 'utf8')) as {
    Resources: Record<
      string,
      { Type: string; Properties: { ContainerDefinitions?: Record<string, unknown>[] } }
    >;
  };
  const taskDefinitions = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::ECS::TaskDefinition',
  );
  assert.equal(taskDefinitions.length, 1);
  const containers = taskDefinitions[0]?.Properties.ContainerDefinitions ?? [];
  assert.deepEqual(
    containers.map((c) => [c.Name, c.Essential]),
    [
      ['app', true],
      ['rolecall', false],
    ],
  );
  assert.deepEqual(containers[0]?.DependsOn, [{ ContainerName: 'rolecall', Condition: 'START' }]);
});
