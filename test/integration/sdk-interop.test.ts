/**
 * Interop with the real AWS SDK for JavaScript v3: its own default chain (`defaultProvider()` from
 * @aws-sdk/credential-provider-node) gets credentials from the emulator and follows its rotation.
 * The SDK runs in a child process (test/fixtures/sdk-resolve.mjs) whose whole environment is set
 * here: PATH, an empty HOME, shared config and credentials files that do not exist, and the mode's
 * variables, every address on loopback. The child prints access key ids, expirations and a sha256
 * of secret and token, never the values; each is checked against the emulator's pure timeline.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type TestContext, test } from 'node:test';
import {
  accessKeyIdFor,
  answerAt,
  type CredentialsDoc,
  DEFAULT_ROLE_ARN,
  DEFAULT_SECRET_PREFIX,
  DEMO_SECOND_ROLE_ARN,
  type EmulatorMode,
  generationAt,
  parseScenario,
  SCENARIOS,
  type Scenario,
  startEmulator,
} from '../../src/emulator/index.ts';
import { exportedVariables, waitFor } from '../helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const FIXTURE = join(ROOT, 'test/fixtures/sdk-resolve.mjs');
const BIN = join(ROOT, 'dist/bin.js');

/**
 * Two-second credentials, a new set every half second: always inside the SDK's 5-minute refresh
 * window, and each set more than half a second from expiry while it is the one served (so the
 * SDK's IMDS provider never sees expired credentials and stretches them).
 */
const QUICK_JSON = {
  lifetimeSeconds: 2,
  rotationLeadSeconds: 1.5,
  roles: [{ at: 0, roleArn: DEFAULT_ROLE_ARN }],
};
const QUICK = parseScenario(QUICK_JSON);

/** What the child reports for one credentials call (see the fixture). */
interface Observed {
  readonly label: string;
  readonly accessKeyId: string;
  readonly expiration: string | null;
  readonly digest: string;
  readonly accountId: string | null;
  readonly sources: readonly string[];
  readonly startMs: number;
  readonly endMs: number;
}

type Step =
  | { readonly op: 'get'; readonly label: string; readonly provider?: string }
  | {
      readonly op: 'pollChange';
      readonly label: string;
      readonly timeoutMs: number;
      readonly provider?: string;
    }
  | { readonly op: 'sleepPastExpiration'; readonly marginMs: number }
  | { readonly op: 'pause'; readonly label: string };

/** When the emulator read its clock at start: between `lo` and `hi`, epoch ms. */
interface Started {
  readonly lo: number;
  readonly hi: number;
}

/**
 * One memoized provider across a rotation (the SDK's own refresh, no forceRefresh), then a second
 * provider whose only credentials are left to expire before it is asked again.
 */
const ROTATION_PLAN: readonly Step[] = [
  { op: 'get', label: 'first' },
  { op: 'pollChange', label: 'rotated', timeoutMs: 3000 },
  { op: 'get', label: 'second provider', provider: 'second' },
  { op: 'sleepPastExpiration', marginMs: 100 },
  { op: 'get', label: 'after expiry', provider: 'second' },
];

/** PATH, an empty HOME and absent shared files, plus `vars`: nothing else reaches the SDK. */
function sdkEnv(t: TestContext, vars: Readonly<Record<string, string>>): Record<string, string> {
  const home = mkdtempSync(join(tmpdir(), 'rolecall-sdk-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'absent', 'credentials'),
    AWS_CONFIG_FILE: join(home, 'absent', 'config'),
    ...vars,
  };
}

/** Kills `child` if it is still running: SIGTERM, then SIGKILL after `graceMs`. */
async function stop(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs the fixture with `plan` in `env`; `onPause` runs at each pause step. Fails with the SDK's
 * error name and message (never a secret) unless the plan completed. Killed after 15 s.
 */
async function runSdk(
  t: TestContext,
  env: Readonly<Record<string, string>>,
  plan: readonly Step[],
  onPause: (label: string) => void = () => {},
): Promise<Observed[]> {
  const child = spawn(process.execPath, [FIXTURE, JSON.stringify(plan)], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.after(() => stop(child, 500));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const seen: Observed[] = [];
  const unexpected: string[] = [];
  let failure = '';
  let done = false;
  for await (const line of createInterface({ input: child.stdout })) {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      unexpected.push(line);
      continue;
    }
    if (event.credentials !== undefined) seen.push(event.credentials as Observed);
    else if (typeof event.paused === 'string') {
      onPause(event.paused);
      child.stdin.write('\n');
    } else if (event.error !== undefined) {
      const e = event.error as { name: string; message: string };
      failure = `${e.name}: ${e.message}`;
    } else if (event.done === true) done = true;
  }
  const [code, signal] = await exited;
  clearTimeout(timer);
  assert.ok(
    done && code === 0,
    `the SDK did not complete (exit ${code ?? signal}): ${failure}\nstderr: ${stderr}`,
  );
  assert.deepEqual(unexpected, [], 'the child printed only its JSON events');
  // The SDK warns on stderr when it stretches expired IMDS credentials or sees conflicting sources.
  assert.equal(stderr, '', 'the SDK warned about nothing');
  assert.equal(seen.length, plan.filter((s) => s.op === 'get' || s.op === 'pollChange').length);
  return seen;
}

function digestOf(doc: CredentialsDoc): string {
  return createHash('sha256').update(`${doc.SecretAccessKey}\0${doc.Token}`).digest('hex');
}

function periodMs(scenario: Scenario): number {
  return (scenario.lifetimeSeconds - scenario.rotationLeadSeconds) * 1000;
}

/** What the timeline issues as generation `index` of `roleArn`, the emulator started at `startMs`. */
function issued(
  scenario: Scenario,
  startMs: number,
  index: number,
  roleArn: string,
): CredentialsDoc {
  const nowMs = startMs + index * periodMs(scenario);
  const a = answerAt({ scenario, startMs, nowMs, secretPrefix: DEFAULT_SECRET_PREFIX, roleArn });
  assert.equal(a.kind, 'credentials');
  return a.kind === 'credentials' ? a.body : assert.fail('unreachable');
}

/**
 * The generation `obs` holds, checked against the timeline: its key names the generation, and the
 * secret and token (by digest) and the expiration must be what the emulator issued for it.
 */
function generationOf(
  obs: Observed,
  scenario: Scenario,
  started: Started,
  roleArn = DEFAULT_ROLE_ARN,
): number {
  const latest = generationAt(scenario, started.lo, obs.endMs).index;
  let index = -1;
  for (let i = 0; i <= latest; i++) {
    if (accessKeyIdFor(i, roleArn) === obs.accessKeyId) index = i;
  }
  assert.notEqual(
    index,
    -1,
    `${obs.label}: ${obs.accessKeyId} is none of ${roleArn}'s generations 0..${latest}`,
  );
  const early = issued(scenario, started.lo, index, roleArn);
  const late = issued(scenario, started.hi, index, roleArn);
  assert.equal(
    obs.digest,
    digestOf(early),
    `${obs.label}: secret and token are generation ${index}'s`,
  );
  const expiration = Date.parse(obs.expiration ?? '');
  assert.ok(
    expiration >= Date.parse(early.Expiration) && expiration <= Date.parse(late.Expiration),
    `${obs.label}: expiration ${obs.expiration} is generation ${index}'s (${early.Expiration}..${late.Expiration})`,
  );
  return index;
}

/** `obs` was fetched during its own call: the generation current at some instant of it. */
function assertFetchedDuring(
  obs: Observed,
  scenario: Scenario,
  started: Started,
  roleArn = DEFAULT_ROLE_ARN,
): number {
  const index = generationOf(obs, scenario, started, roleArn);
  const lo = generationAt(scenario, started.hi, obs.startMs).index;
  const hi = generationAt(scenario, started.lo, obs.endMs).index;
  assert.ok(
    index >= lo && index <= hi,
    `${obs.label}: generation ${index} was current during the call (${lo}..${hi})`,
  );
  return index;
}

/** ROTATION_PLAN's four observations against the timeline (see there). */
function assertRotation(seen: readonly Observed[], scenario: Scenario, started: Started): void {
  const [first, rotated, second, afterExpiry] = seen;
  assert.ok(first && rotated && second && afterExpiry);
  const g0 = assertFetchedDuring(first, scenario, started);
  const g1 = generationOf(rotated, scenario, started);
  assert.ok(g1 > g0, `rotation: generation ${g1} follows ${g0}`);
  const nextLo = started.lo + (g0 + 1) * periodMs(scenario);
  const nextHi = started.hi + (g0 + 1) * periodMs(scenario);
  assert.ok(rotated.endMs >= nextLo, 'the new key appeared only after the emulator issued it');
  assert.ok(
    rotated.startMs <= nextHi + 1500,
    `the memoized provider picked up the rotation ${rotated.startMs - nextHi} ms after it`,
  );

  const g2 = assertFetchedDuring(second, scenario, started);
  const expired = Date.parse(second.expiration ?? '');
  assert.ok(afterExpiry.startMs > expired, 'asked again only after the expiration');
  const g3 = assertFetchedDuring(afterExpiry, scenario, started);
  assert.ok(g3 > g2, `expired generation ${g2} was replaced by ${g3}, not served again`);
  assert.ok(
    Date.parse(afterExpiry.expiration ?? '') > afterExpiry.startMs,
    'the credentials handed out after expiry had not expired when asked for',
  );
}

async function emulator(t: TestContext, mode: EmulatorMode, scenario: Scenario) {
  const lo = Date.now();
  const emu = await startEmulator({ scenario, mode });
  const started: Started = { lo, hi: Date.now() };
  t.after(() => emu.close());
  return { emu, started };
}

/** `rolecall emulate` as users run it (dist/bin.js); the variables from its `export` lines. */
async function emulateCli(t: TestContext, args: readonly string[]) {
  assert.ok(existsSync(BIN), 'dist/bin.js is missing: run `npm run build`');
  const home = mkdtempSync(join(tmpdir(), 'rolecall-emulate-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const lo = Date.now();
  const child = spawn(process.execPath, [BIN, 'emulate', '--port', '0', ...args], {
    cwd: home,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      TMPDIR: home,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => stop(child));
  let printed = '';
  child.stdout.on('data', (c) => {
    printed += c;
  });
  await waitFor(
    () => /^# then:/m.test(printed) || child.exitCode !== null,
    10_000,
    'the export lines',
  );
  assert.equal(child.exitCode, null, `rolecall emulate exited early:\n${printed}`);
  const started: Started = { lo, hi: Date.now() };
  const exported = exportedVariables(printed);
  return { exported, started };
}

test('ECS: the v2 and v1 routes as AWS_CONTAINER_CREDENTIALS_FULL_URI give the SDK exactly the timeline credentials', {
  timeout: 15_000,
}, async (t) => {
  const { emu, started } = await emulator(t, 'ecs', SCENARIOS.steady);
  const base = emu.env.ROLECALL_CONTAINER_HOST ?? '';
  const relative = emu.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? '';
  const id = relative.slice('/v2/credentials/'.length);
  assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(id, /^\w+$/);
  const uris = [`${base}${relative}`, `${base}/v1/credentials?id=${id}`];
  const runs = await Promise.all(
    uris.map((uri) =>
      runSdk(
        t,
        sdkEnv(t, { AWS_CONTAINER_CREDENTIALS_FULL_URI: uri, AWS_EC2_METADATA_DISABLED: 'true' }),
        [{ op: 'get', label: uri.includes('/v1/') ? 'v1' : 'v2' }],
      ),
    ),
  );
  for (const [obs] of runs) {
    assert.ok(obs);
    assert.equal(assertFetchedDuring(obs, SCENARIOS.steady, started), 0);
    assert.deepEqual(obs.sources, ['CREDENTIALS_HTTP'], 'fromHttp took it, not the fallback');
    const hours = (Date.parse(obs.expiration ?? '') - started.hi) / 3_600_000;
    assert.ok(hours > 5.99 && hours <= 6, `six-hour credentials (${hours} h)`);
  }
  assert.equal(emu.requests(), 2, 'one request per resolution: no retries');
});

test('ECS through `rolecall emulate` and a JSON scenario: the printed lines, identity, rotation, expiry', {
  timeout: 15_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-scenario-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'quick.json');
  writeFileSync(file, JSON.stringify(QUICK_JSON));
  const { exported, started } = await emulateCli(t, ['--scenario', file]);
  const host = exported.ROLECALL_CONTAINER_HOST ?? '';
  const relative = exported.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? '';
  assert.match(host, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(relative, /^\/v2\/credentials\/\w+$/);
  // An SDK given the relative URI asks 169.254.170.2; the same route as a full URI asks the emulator.
  const env = sdkEnv(t, {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${host}${relative}`,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const seen = await runSdk(t, env, ROTATION_PLAN);
  assert.ok(seen.every((o) => o.sources.includes('CREDENTIALS_HTTP')));
  assertRotation(seen, QUICK, started);
});

test('EKS: the emulator env verbatim (full URI, token file): identity, rotation, expiry, and a rotated token re-read', {
  timeout: 15_000,
}, async (t) => {
  const { emu, started } = await emulator(t, 'eks', QUICK);
  assert.deepEqual(Object.keys(emu.env).sort(), [
    'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_EC2_METADATA_DISABLED',
  ]);
  const tokenDigest = () =>
    createHash('sha256')
      .update(readFileSync(emu.tokenFile ?? ''))
      .digest('hex');
  const tokens: string[] = [];
  const seen = await runSdk(
    t,
    sdkEnv(t, emu.env),
    [
      ...ROTATION_PLAN,
      { op: 'pause', label: 'rotate the token' },
      { op: 'get', label: 'after token rotation', provider: 'third' },
    ],
    () => {
      tokens.push(tokenDigest());
      emu.rotateToken();
      tokens.push(tokenDigest());
    },
  );
  assert.equal(tokens.length, 2);
  assert.notEqual(tokens[0], tokens[1], 'the token file holds a new token');
  assert.ok(seen.every((o) => o.sources.includes('CREDENTIALS_HTTP')));
  assertRotation(seen.slice(0, 4), QUICK, started);
  const last = seen[4];
  assert.ok(last);
  assertFetchedDuring(last, QUICK, started);
});

test('IMDS: the emulator env and IMDSv2 only (v1 fallback off): identity, rotation, expiry, and a role change', {
  timeout: 15_000,
}, async (t) => {
  const { emu, started } = await emulator(t, 'imds', QUICK);
  assert.match(emu.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  // No container variables, so the chain ends in IMDS; with v1 fallback blocked, success means
  // the SDK's token PUT and the token header worked.
  const env = sdkEnv(t, { ...emu.env, AWS_EC2_METADATA_V1_DISABLED: 'true' });
  const seen = await runSdk(
    t,
    env,
    [
      ...ROTATION_PLAN,
      { op: 'pause', label: 'change the role' },
      { op: 'get', label: 'after role change', provider: 'third' },
    ],
    () => emu.setRole(DEMO_SECOND_ROLE_ARN),
  );
  assertRotation(seen.slice(0, 4), QUICK, started);
  const last = seen[4];
  assert.ok(last);
  assertFetchedDuring(last, QUICK, started, DEMO_SECOND_ROLE_ARN);
});

test('`rolecall emulate --mode eks` and `--mode imds`: the printed export lines alone configure the SDK', {
  timeout: 15_000,
}, async (t) => {
  await Promise.all(
    (['eks', 'imds'] as const).map(async (mode) => {
      const { exported, started } = await emulateCli(t, ['--mode', mode, '--scenario', 'fast']);
      const expected =
        mode === 'eks'
          ? [
              'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
              'AWS_CONTAINER_CREDENTIALS_FULL_URI',
              'AWS_EC2_METADATA_DISABLED',
            ]
          : [
              'AWS_EC2_METADATA_DISABLED',
              'AWS_EC2_METADATA_SERVICE_ENDPOINT',
              'ROLECALL_IMDS_HOST',
            ];
      assert.deepEqual(Object.keys(exported).sort(), expected);
      const [obs] = await runSdk(t, sdkEnv(t, exported), [{ op: 'get', label: mode }]);
      assert.ok(obs);
      assertFetchedDuring(obs, SCENARIOS.fast, started);
    }),
  );
});
