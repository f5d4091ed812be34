/**
 * The CLI's hint builders, without processes: typo suggestions, option-to-variable hints, unknown
 * variables, the "run me again" command, and the line the demo prints when its script is over.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseArgs } from 'node:util';
import { scriptEndLine, scriptEndSeconds } from '../../src/cli/commands/demo.ts';
import { optionsToVariables, unknownVariables } from '../../src/cli/commands/serve.ts';
import { whoamiUrl } from '../../src/cli/commands/whoami.ts';
import { listenProblem, selfCommand } from '../../src/cli/hints.ts';
import { COMMANDS, usageProblem } from '../../src/cli/main.ts';
import { closest, editDistance } from '../../src/cli/suggest.ts';
import { INITIAL_STATE } from '../../src/credentials/state.ts';
import { SCENARIOS } from '../../src/emulator/index.ts';

test('editDistance counts insertions, deletions, substitutions and adjacent swaps', () => {
  assert.equal(editDistance('whoami', 'whoami'), 0);
  assert.equal(editDistance('whoamii', 'whoami'), 1);
  assert.equal(editDistance('whaomi', 'whoami'), 1, 'a swap is one edit');
  assert.equal(editDistance('serv', 'serve'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('closest: a typo gets its command, a different word gets nothing', () => {
  assert.equal(closest('whoamii', COMMANDS), 'whoami');
  assert.equal(closest('WHOAMI', COMMANDS), 'whoami');
  assert.equal(closest('chekc', COMMANDS), 'check');
  assert.equal(closest('emualte', COMMANDS), 'emulate');
  assert.equal(closest('healtcheck', COMMANDS), 'healthcheck');
  assert.equal(closest('deploy', COMMANDS), null);
  assert.equal(closest('x', COMMANDS), null);
  assert.equal(
    closest('ROLECALL_POLL_INTERVALL', ['ROLECALL_POLL_INTERVAL']),
    'ROLECALL_POLL_INTERVAL',
  );
});

test('usageProblem: the unknown option, the closest one, and where the list is', () => {
  const err = (args: string[], options: Record<string, { type: 'string' | 'boolean' }>) => {
    try {
      parseArgs({ args, options, strict: true });
    } catch (e) {
      return e as Error;
    }
    throw new Error('parseArgs accepted it');
  };
  const opts = { url: { type: 'string' as const }, json: { type: 'boolean' as const } };
  assert.equal(
    usageProblem('whoami', err(['--jsno'], opts)),
    'unknown option --jsno; did you mean --json? `rolecall whoami --help` lists the options',
  );
  assert.equal(
    usageProblem('whoami', err(['--verbose'], opts)),
    'unknown option --verbose; `rolecall whoami --help` lists the options',
  );
  assert.match(usageProblem('whoami', err(['extra'], opts)), /^unexpected argument "extra"; /);
});

test('serve options become the variables to set; token values never printed', () => {
  const text = optionsToVariables([
    '--port',
    '9000',
    '--admin-port=9001',
    '--poll-interval',
    '30s',
    '--min-ttl=5m',
    '--admin-token',
    'synthetic-do-not-print',
    '--verbose',
    'extra',
  ]);
  assert.match(text, /^ {2}--port {2}-> {2}ROLECALL_LISTEN=0\.0\.0\.0:9000$/m);
  assert.match(text, /^ {2}--admin-port {2}-> {2}ROLECALL_ADMIN_LISTEN=127\.0\.0\.1:9001$/m);
  assert.match(text, /^ {2}--poll-interval {2}-> {2}ROLECALL_POLL_INTERVAL=30s$/m);
  assert.match(text, /^ {2}--min-ttl {2}-> {2}ROLECALL_MIN_TTL=5m$/m);
  assert.match(text, /^ {2}--admin-token {2}-> {2}ROLECALL_ADMIN_TOKEN=<token>$/m);
  assert.match(text, /^ {2}--verbose: no such setting$/m);
  assert.ok(!text.includes('synthetic-do-not-print'));
});

test('unknown ROLECALL_* variables, sorted, each with a suggestion when one is close', () => {
  assert.deepEqual(
    unknownVariables({
      ROLECALL_POLL_INTERVALL: '30s',
      ROLECALL_LISTEN: ':9477',
      ROLECALL_MINTTL: '5m',
      ROLECALL_COLOUR: 'blue',
      AWS_REGION: 'eu-west-1',
    }),
    [
      { variable: 'ROLECALL_COLOUR', suggestion: null },
      { variable: 'ROLECALL_MINTTL', suggestion: 'ROLECALL_MIN_TTL' },
      { variable: 'ROLECALL_POLL_INTERVALL', suggestion: 'ROLECALL_POLL_INTERVAL' },
    ],
  );
});

test('listenProblem names the listener and its fix; other errors are not its business', () => {
  const addresses = {
    listen: { host: '0.0.0.0', port: 9477 },
    adminListen: { host: '127.0.0.1', port: 9478 },
  };
  const fix = { listen: 'set ROLECALL_LISTEN', admin: 'set ROLECALL_ADMIN_LISTEN' };
  const inUse = (port: number) => Object.assign(new Error('in use'), { code: 'EADDRINUSE', port });
  assert.equal(
    listenProblem(inUse(9478), addresses, fix),
    'cannot listen on 127.0.0.1:9478 (the admin listener): the address is already in use; set ROLECALL_ADMIN_LISTEN',
  );
  assert.match(
    listenProblem(inUse(9477), addresses, fix) ?? '',
    /0\.0\.0\.0:9477 \(the public listener\).*ROLECALL_LISTEN$/,
  );
  assert.equal(listenProblem(new Error('boom'), addresses, fix), null);
});

test('selfCommand: `rolecall` when PATH has this script, else node and its absolute path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rolecall-self-'));
  const script = join(dir, 'my clone', 'dist', 'bin.js');
  mkdirSync(join(dir, 'my clone', 'dist'), { recursive: true });
  writeFileSync(script, '');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  assert.equal(
    selfCommand({ PATH: bin }, script, process.execPath),
    `${process.execPath} '${script}'`,
    'quoted for the shell, node by absolute path when PATH has none',
  );
  symlinkSync(process.execPath, join(bin, 'node'));
  assert.equal(selfCommand({ PATH: bin }, script, process.execPath), `node '${script}'`);
  // npx in a clone: its node_modules/.bin is on PATH for that process only.
  const local = join(dir, 'my clone', 'node_modules', '.bin');
  mkdirSync(local, { recursive: true });
  symlinkSync(script, join(local, 'rolecall'));
  assert.equal(
    selfCommand({ PATH: `${local}:${bin}` }, script, process.execPath),
    `node '${script}'`,
  );
  symlinkSync(script, join(bin, 'rolecall'));
  assert.equal(selfCommand({ PATH: bin }, script, process.execPath), 'rolecall');
});

test('whoami --url takes the admin base URL or the full /whoami URL', () => {
  assert.equal(whoamiUrl('http://127.0.0.1:9478'), 'http://127.0.0.1:9478/whoami');
  assert.equal(whoamiUrl('http://127.0.0.1:9478/'), 'http://127.0.0.1:9478/whoami');
  assert.equal(whoamiUrl('http://127.0.0.1:9478/whoami'), 'http://127.0.0.1:9478/whoami');
  assert.equal(whoamiUrl('http://[::1]:9478/x'), 'http://[::1]:9478/x');
});

test("the demo's end-of-script line: when, and the state it leaves", () => {
  const last = Math.max(...SCENARIOS.demo.outages.map((o) => o.at + o.durationSeconds));
  assert.equal(scriptEndSeconds(), last + 10);
  const line = scriptEndLine(
    180,
    {
      status: 'failing',
      checks: [
        { name: 'credentials', status: 'ok', detail: 'valid' },
        {
          name: 'expected_role',
          status: 'failing',
          detail: 'role x does not match expected *-task',
        },
      ],
    },
    {
      ...INITIAL_STATE,
      rotations: 3,
      roleChanges: 1,
      polls: 40,
    },
  );
  assert.match(line, /^The demo script is over \(180 s\)/m);
  assert.match(
    line,
    /^It leaves: health failing \(expected_role: role x does not match expected \*-task\);$/m,
  );
  assert.match(line, /role unknown, 3 rotations, 1 role change\(s\), 40 polls\./);
  assert.match(line, /From 240 s the script replays/);
});
