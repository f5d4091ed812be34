/**
 * AWS_EC2_METADATA_DISABLED per SDK: botocore, Go and Java disable the instance metadata service
 * only for `true` (any case), the JS SDK v3 for anything but `false`. The sidecar's instance-role
 * finding says which SDKs would use the instance role under the value set.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveEndpoint } from '../../src/credentials/endpoint.ts';
import { INITIAL_STATE } from '../../src/credentials/state.ts';
import { health } from '../../src/sidecar/health.ts';

const IMDS = { imdsHost: 'http://127.0.0.1:9' };

test('which SDKs would use the instance role, per value', () => {
  const sdksFor = (value: string | undefined) => {
    const e = resolveEndpoint(
      value === undefined ? {} : { AWS_EC2_METADATA_DISABLED: value },
      IMDS,
    );
    return e?.kind === 'imds' ? [...e.sdks] : null;
  };
  assert.deepEqual(sdksFor(undefined), ['botocore', 'js-v3', 'go-v2', 'java-v2']);
  assert.deepEqual(sdksFor('false'), ['botocore', 'js-v3', 'go-v2', 'java-v2']);
  assert.deepEqual(sdksFor('1'), ['botocore', 'go-v2', 'java-v2']);
  assert.deepEqual(sdksFor('yes'), ['botocore', 'go-v2', 'java-v2']);
  assert.equal(sdksFor('true'), null);
  assert.equal(sdksFor('TRUE'), null);
});

test('the source finding names the SDKs and the value that splits them', () => {
  const e = resolveEndpoint({ AWS_EC2_METADATA_DISABLED: '1' }, IMDS);
  assert.ok(e?.kind === 'imds');
  const h = health({
    state: INITIAL_STATE,
    now: 0,
    policy: { minTtlMs: 0, startupFailures: 3 },
    endpoint: e,
  });
  const source = h.checks.find((c) => c.name === 'source');
  assert.equal(source?.status, 'degraded');
  assert.match(
    source?.detail ?? '',
    /so botocore \(boto3, AWS CLI\), Go SDK v2, Java SDK v2 fall back to the EC2 instance role; JS SDK v3 read AWS_EC2_METADATA_DISABLED=1 as disabled$/,
  );
  const all = resolveEndpoint({}, IMDS);
  assert.ok(all?.kind === 'imds');
  const plain = health({
    state: INITIAL_STATE,
    now: 0,
    policy: { minTtlMs: 0, startupFailures: 3 },
    endpoint: all,
  }).checks.find((c) => c.name === 'source');
  assert.match(plain?.detail ?? '', /so SDKs fall back to the EC2 instance role$/);
});
