/**
 * Over 250 lines on purpose: the oracles, the comparison and its report belong together.
 *
 * Differential tests: `rolecall check --json` against the real SDKs as oracles, on a few hundred
 * seeded, generated configurations (see differential-gen.ts). Oracles: the JS SDK v3's
 * `defaultProvider()` (@aws-sdk/credential-provider-node) and botocore (the `python3` on PATH,
 * which must have botocore >= 1.43), each in one child process that takes the cases one by one.
 *
 * Loopback only: the container endpoint, IMDS and STS are local fakes that answer with key ids
 * naming the source (and, for STS, the role), so each oracle's answer is a label such as
 * `key:T001`, `container`, `sts:T002` or `error`, compared with the label of rolecall's winner.
 * Seed and count come from DIFF_SEED and DIFF_CASES (default 20261130 and 300).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { runCheck } from '../../src/cli/commands/check.ts';
import { type Case, generate, SECRET } from './differential-gen.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SEED = Number(process.env.DIFF_SEED ?? 20261130);
const COUNT = Number(process.env.DIFF_CASES ?? 300);
const expires = () => new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');

type Label = string;

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const creds = (id: string) => ({
  AccessKeyId: id,
  SecretAccessKey: SECRET,
  Token: 'token-container',
  Expiration: expires(),
  Code: 'Success',
  Type: 'AWS-HMAC',
  LastUpdated: new Date().toISOString(),
});

/** Container endpoint: any GET gets the container role's credentials. */
const container = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(creds('ASIACONTAINER000CTNR')));
});

/** IMDSv2: token, role listing, the instance role's credentials; anything else is 404. */
const imds = createServer((req, res) => {
  const base = '/latest/meta-data/iam/security-credentials/';
  if (req.method === 'PUT' && req.url === '/latest/api/token') return void res.end('imds-token');
  if (req.url === base) return void res.end('diff-instance');
  if (req.url === `${base}diff-instance`) {
    res.setHeader('content-type', 'application/json');
    return void res.end(JSON.stringify(creds('ASIAIMDS000000000IMD')));
  }
  res.statusCode = 404;
  res.end();
});

/** STS (query protocol): AssumeRole and AssumeRoleWithWebIdentity, key id named after the role. */
const sts = createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  const form = new URLSearchParams(body);
  const action = form.get('Action') ?? '';
  const role = form.get('RoleArn') ?? '';
  const tag = role.slice(-4);
  const prefix = action === 'AssumeRoleWithWebIdentity' ? 'ASIAWEB' : 'ASIASTS';
  const id = `${prefix}${'0'.repeat(20 - prefix.length - 4)}${tag}`;
  res.setHeader('content-type', 'text/xml');
  res.end(
    `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>` +
      `<Credentials><AccessKeyId>${id}</AccessKeyId><SecretAccessKey>${SECRET}</SecretAccessKey>` +
      `<SessionToken>token-sts</SessionToken><Expiration>${expires()}</Expiration></Credentials>` +
      `<AssumedRoleUser><AssumedRoleId>AROA:diff</AssumedRoleId><Arn>${role}</Arn></AssumedRoleUser>` +
      `</${action}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></${action}Response>`,
  );
});

let root = '';
let cases: Case[] = [];
before(async () => {
  const v = spawnSync('python3', ['-c', 'import botocore; print(botocore.__version__)'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    encoding: 'utf8',
  });
  assert.equal(v.status, 0, 'python3 with botocore is required (pip install "botocore>=1.43")');
  const [major, minor] = v.stdout.trim().split('.').map(Number);
  assert.ok(major! > 1 || minor! >= 43, `botocore ${v.stdout.trim()} is older than 1.43`);
  root = mkdtempSync(join(tmpdir(), 'rolecall-diff-'));
  const ep = {
    container: `${await listen(container)}/creds`,
    imds: await listen(imds),
    sts: await listen(sts),
  };
  cases = generate(SEED, COUNT, root, ep);
});
after(() => {
  for (const s of [container, imds, sts]) s.close();
  rmSync(root, { recursive: true, force: true });
});

interface OracleAnswer {
  id: number;
  accessKeyId?: string;
  none?: boolean;
  error?: { name: string; message: string };
  fatal?: string;
}

/** Runs an oracle over every case in one child; the env it starts with is minimal and safe. */
async function oracle(cmd: string, args: string[]): Promise<Map<number, OracleAnswer>> {
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', HOME: root },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const answers = new Map<number, OracleAnswer>();
  const lines = createInterface({ input: child.stdout });
  const done = (async () => {
    for await (const line of lines) {
      const a = JSON.parse(line) as OracleAnswer;
      assert.equal(a.fatal, undefined, a.fatal);
      answers.set(a.id, a);
    }
  })();
  for (const c of cases) child.stdin.write(`${JSON.stringify({ id: c.id, env: c.env })}\n`);
  child.stdin.end();
  const [code] = await once(child, 'exit');
  await done;
  assert.equal(code, 0, `${cmd} exited ${code}`);
  return answers;
}

function oracleLabel(a: OracleAnswer | undefined): Label {
  if (a === undefined) return 'missing';
  if (a.none) return 'none';
  if (a.error !== undefined) {
    return /Could not load credentials from any providers/.test(a.error.message) ? 'none' : 'error';
  }
  const id = a.accessKeyId ?? '';
  if (id.startsWith('ASIACONTAINER')) return 'container';
  if (id.startsWith('ASIAIMDS')) return 'imds';
  if (id.startsWith('ASIASTS')) return `sts:${id.slice(-4)}`;
  if (id.startsWith('ASIAWEB')) return `web:${id.slice(-4)}`;
  if (id.startsWith('AKIAPROC')) return 'process';
  return `key:${id.slice(-4)}`;
}

interface SdkJson {
  sdk: string;
  winner: { type: string; roleArn: string | null; accessKeyIdMasked?: string } | null;
  error: string | null;
  usable: boolean;
  unverified: string | null;
}

async function rolecall(
  c: Case,
): Promise<Map<string, { label: Label; unverified: string | null }>> {
  let out = '';
  await runCheck(['--json'], {
    stdout: (s) => {
      out += s;
    },
    stderr: () => {},
    env: c.env,
    now: Date.now,
    readFile: async (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return null;
      }
    },
  });
  assert.ok(!out.includes(SECRET), `case ${c.id}: the secret reached check's output`);
  const body = JSON.parse(out) as { sdks: SdkJson[] };
  return new Map(
    body.sdks.map((s) => [s.sdk, { label: rolecallLabel(s), unverified: s.unverified }]),
  );
}

function rolecallLabel(s: SdkJson): Label {
  if (s.error !== null) return 'error';
  const w = s.winner;
  if (w === null) return 'none';
  if (!s.usable) return 'error';
  switch (w.type) {
    case 'container-role':
      return 'container';
    case 'iam-role':
      return 'imds';
    case 'assume-role':
      return `sts:${w.roleArn?.slice(-4)}`;
    case 'assume-role-with-web-identity':
      return `web:${w.roleArn?.slice(-4)}`;
    case 'custom-process':
      return 'process';
    case 'sso':
      return 'sso';
    default:
      return `key:${w.accessKeyIdMasked?.slice(-4)}`;
  }
}

test(`rolecall check agrees with the real JS SDK v3 and botocore (seed ${SEED})`, async () => {
  const [js, boto] = await Promise.all([
    oracle(process.execPath, [join(ROOT, 'test/fixtures/sdk-chain-oracle.mjs')]),
    oracle('python3', [join(ROOT, 'test/fixtures/sdk-botocore-oracle.py')]),
  ]);
  const failures: string[] = [];
  const passed = { 'js-v3': 0, botocore: 0 };
  // Where rolecall says it cannot tell (a credential_process it does not run), a different
  // answer from the SDK is counted apart, not as agreement.
  const declined = { 'js-v3': 0, botocore: 0 };
  for (const c of cases) {
    const ours = await rolecall(c);
    for (const [sdk, answers] of [
      ['js-v3', js],
      ['botocore', boto],
    ] as const) {
      const want = oracleLabel(answers.get(c.id));
      const got = ours.get(sdk)?.label;
      if (want === got) passed[sdk]++;
      else if (ours.get(sdk)?.unverified != null) declined[sdk]++;
      else {
        const a = answers.get(c.id);
        failures.push(
          `case ${c.id} ${sdk}: SDK ${want}${a?.error ? ` (${a.error.name})` : ''}, rolecall ${got}\n` +
            `  env: ${JSON.stringify(Object.fromEntries(Object.entries(c.env).filter(([k]) => !['PATH', 'HOME', 'AWS_REGION', 'AWS_ENDPOINT_URL_STS'].includes(k))))}\n` +
            `  config:\n${indent(c.files.config)}\n  credentials:\n${indent(c.files.credentials)}`,
        );
      }
    }
  }
  const total = cases.length;
  console.log(
    `differential: ${total} cases, seed ${SEED}; agree: js-v3 ${passed['js-v3']}/${total}, botocore ${passed.botocore}/${total}; undecided (credential_process not run): js-v3 ${declined['js-v3']}, botocore ${declined.botocore}`,
  );
  assert.equal(
    failures.length,
    0,
    `${failures.length} differences:\n${failures.slice(0, Number(process.env.DIFF_SHOW ?? 12)).join('\n')}`,
  );
});

function indent(text: string | undefined): string {
  return (text ?? '')
    .split('\n')
    .map((l) => `    | ${l.replaceAll(SECRET, '<secret>')}`)
    .join('\n');
}
