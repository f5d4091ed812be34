import assert from 'node:assert/strict';
import { test } from 'node:test';
import { get, imdsDisabled, maskAccessKeyId, parseRoleArn } from '../../src/lib/aws-env.ts';

test('get: an empty variable is unset, any other value is kept as is', () => {
  assert.equal(get({ A: '' }, 'A'), undefined);
  assert.equal(get({}, 'A'), undefined);
  assert.equal(get({ A: ' ' }, 'A'), ' ');
  assert.equal(get({ A: 'x' }, 'A'), 'x');
});

test('parseRoleArn: IAM role paths, STS assumed roles, other partitions, and non-role ARNs', () => {
  assert.deepEqual(parseRoleArn('arn:aws:iam::111122223333:role/team/app/orders-task'), {
    accountId: '111122223333',
    roleName: 'orders-task',
  });
  assert.deepEqual(parseRoleArn('arn:aws-cn:sts::111122223333:assumed-role/orders-task/sess-1'), {
    accountId: '111122223333',
    roleName: 'orders-task',
  });
  assert.deepEqual(parseRoleArn('arn:aws:iam::111122223333:user/alice'), {
    accountId: null,
    roleName: null,
  });
  assert.deepEqual(parseRoleArn('orders-task'), { accountId: null, roleName: null });
});

test('maskAccessKeyId: 16 stars and the last 4; a too-short id is all stars', () => {
  assert.equal(maskAccessKeyId('ASIAEXAMPLEKEYID1234'), '****************1234');
  assert.equal(maskAccessKeyId('SHORT'), '********************');
});

test('imdsDisabled: JS disables for anything but false; the others only for true, any case', () => {
  const cases: [string | undefined, Record<string, boolean>][] = [
    [undefined, { botocore: false, 'js-v3': false, 'go-v2': false, 'java-v2': false }],
    ['', { botocore: false, 'js-v3': false, 'go-v2': false, 'java-v2': false }],
    ['true', { botocore: true, 'js-v3': true, 'go-v2': true, 'java-v2': true }],
    ['TRUE', { botocore: true, 'js-v3': true, 'go-v2': true, 'java-v2': true }],
    ['1', { botocore: false, 'js-v3': true, 'go-v2': false }],
    ['false', { botocore: false, 'js-v3': false, 'go-v2': false, 'java-v2': false }],
    ['FALSE', { botocore: false, 'js-v3': true, 'go-v2': false, 'java-v2': false }],
  ];
  for (const [value, expected] of cases) {
    const env = value === undefined ? {} : { AWS_EC2_METADATA_DISABLED: value };
    for (const [sdk, disabled] of Object.entries(expected)) {
      assert.equal(
        imdsDisabled(env, sdk as 'botocore' | 'js-v3' | 'go-v2' | 'java-v2'),
        disabled,
        `${sdk} with ${JSON.stringify(value)}`,
      );
    }
  }
});
