/** Request logs carry the path and the names of the query keys, never a query value. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../helpers.ts';
import { startSidecar } from '../sidecar.ts';

test('?token= and other query values never reach a request log line', async (t) => {
  const sc = await startSidecar({});
  t.after(() => sc.service.close());
  const secret = 'CANARYQUERYTOKEN0123456789';
  for (const path of [
    `/whoami?token=${secret}&format=text`,
    `/nope?access_token=${secret}`,
    `/healthz?x=${secret}`,
  ])
    await (await fetch(`${sc.adminUrl}${path}`)).text();
  await waitFor(() => sc.logs.lines.filter((l) => l.includes('"req"')).length >= 3, 3000, 'logs');
  assert.ok(!sc.logs.text().includes(secret), 'a query value was logged');
  const reqs = sc.logs
    .events()
    .flatMap((e) => (e.req === undefined ? [] : [e.req as { url: string; queryKeys?: string[] }]));
  assert.deepEqual(
    reqs.map((r) => [r.url, r.queryKeys]),
    [
      ['/whoami', ['token', 'format']],
      ['/nope', ['access_token']],
      ['/healthz', ['x']],
    ],
  );
});
