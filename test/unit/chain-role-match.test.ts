/** `matchRole`: used by `check --expect-role` and by ROLECALL_EXPECTED_ROLE. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchRole } from '../../src/lib/role-match.ts';

const ARN = 'arn:aws:iam::111122223333:role/service/orders-task';

for (const [pattern, target, want] of [
  [ARN, ARN, true],
  ['arn:aws:iam::111122223333:role/*', ARN, true],
  ['arn:aws:iam::999999999999:role/*', ARN, false],
  ['*-task', ARN, true],
  ['orders-*', ARN, true],
  ['orders-tas?', ARN, true],
  ['orders', ARN, false],
  ['service/*', ARN, false],
  ['*-task', 'arn:aws:sts::111122223333:assumed-role/orders-task/botocore-session-1', true],
  ['botocore-*', 'arn:aws:sts::111122223333:assumed-role/orders-task/botocore-session-1', false],
  ['orders-task', 'orders-task', true],
  ['a.b', 'axb', false],
] as const) {
  test(`matchRole(${pattern}, ${target}) is ${want}`, () =>
    assert.equal(matchRole(pattern, target), want));
}
