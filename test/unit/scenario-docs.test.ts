/**
 * docs/scenario.schema.json, the example scenarios and parseScenario cannot drift apart: the schema
 * names exactly the parser's fields at every level, every example and built-in scenario parses and
 * validates, and a field the schema calls required is one the parser refuses to go without.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  parseScenario,
  SCENARIO_KEYS,
  SCENARIOS,
  ScenarioError,
} from '../../src/emulator/index.ts';
import { OUTAGE_STATUSES } from '../../src/emulator/scenario.ts';
import { ROLE_ARN } from '../../src/emulator/scenario-parse.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string): unknown => JSON.parse(readFileSync(new URL(path, root), 'utf8'));

interface Schema {
  type?: string;
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, Schema>;
  items?: Schema;
  minItems?: number;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  $ref?: string;
  $defs?: Record<string, Schema>;
}

const schema = read('docs/scenario.schema.json') as Schema;
const defs = schema.$defs ?? {};
const examples = readdirSync(new URL('examples/scenarios/', root))
  .filter((f) => f.endsWith('.json'))
  .sort();

/** The subset of JSON Schema the scenario schema uses; returns every violation with its path. */
function validate(s: Schema, v: unknown, path = '(root)'): string[] {
  if (s.$ref !== undefined) {
    const target = defs[s.$ref.replace('#/$defs/', '')];
    assert.ok(target, `unresolved ${s.$ref}`);
    return validate(target, v, path);
  }
  const out: string[] = [];
  if (s.enum !== undefined && !s.enum.includes(v)) out.push(`${path}: not in enum`);
  if (s.type === 'number' && (typeof v !== 'number' || !Number.isFinite(v)))
    return [`${path}: not a number`];
  if (s.type === 'string' && typeof v !== 'string') return [`${path}: not a string`];
  if (s.type === 'array' && !Array.isArray(v)) return [`${path}: not an array`];
  if (s.type === 'object' && (typeof v !== 'object' || v === null || Array.isArray(v)))
    return [`${path}: not an object`];
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) out.push(`${path}: below minimum`);
    if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) out.push(`${path}: too small`);
  }
  if (typeof v === 'string' && s.pattern !== undefined && !new RegExp(s.pattern).test(v))
    out.push(`${path}: does not match pattern`);
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) out.push(`${path}: too few items`);
    if (s.items !== undefined)
      for (const [i, x] of v.entries()) out.push(...validate(s.items, x, `${path}[${i}]`));
  }
  if (s.type === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of s.required ?? []) if (!(k in o)) out.push(`${path}.${k}: required`);
    for (const [k, x] of Object.entries(o)) {
      const p = s.properties?.[k];
      if (p === undefined) {
        if (s.additionalProperties === false) out.push(`${path}.${k}: not allowed`);
      } else out.push(...validate(p, x, `${path}.${k}`));
    }
  }
  return out;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

test('the schema names exactly the parser fields, at the top and in roles[] and outages[]', () => {
  const levels: [string, Schema | undefined, readonly string[]][] = [
    ['top', schema, SCENARIO_KEYS.top],
    ['role', defs.role, SCENARIO_KEYS.role],
    ['outage', defs.outage, SCENARIO_KEYS.outage],
  ];
  for (const [name, s, keys] of levels) {
    assert.ok(s, name);
    assert.deepEqual(sorted(Object.keys(s.properties ?? {})), sorted(keys), name);
    assert.equal(
      s.additionalProperties,
      false,
      `${name}: unknown fields are refused, as the parser does`,
    );
  }
  assert.equal(schema.properties?.roles?.items?.$ref, '#/$defs/role');
  assert.equal(schema.properties?.outages?.items?.$ref, '#/$defs/outage');
  assert.deepEqual(defs.outage?.properties?.status?.enum, [...OUTAGE_STATUSES]);
  assert.equal(defs.role?.properties?.roleArn?.pattern, ROLE_ARN.source.replaceAll('\\/', '/'));
});

test('required in the schema ⇔ the parser refuses a scenario without it', () => {
  const full = {
    lifetimeSeconds: 600,
    rotationLeadSeconds: 60,
    roles: [{ at: 0, roleArn: 'arn:aws:iam::111122223333:role/orders-task' }],
    outages: [{ at: 10, durationSeconds: 5, status: 503, code: 'CredentialsUninitialized' }],
    latencyMs: 10,
    repeatSeconds: 120,
  };
  assert.deepEqual(validate(schema, full), []);
  parseScenario(full);
  const cases: [string, Schema | undefined, (drop: string) => unknown][] = [
    ['top', schema, (k) => ({ ...full, [k]: undefined })],
    ['role', defs.role, (k) => ({ ...full, roles: [{ ...full.roles[0], [k]: undefined }] })],
    [
      'outage',
      defs.outage,
      (k) => ({ ...full, outages: [{ ...full.outages[0], [k]: undefined }] }),
    ],
  ];
  for (const [level, s, without] of cases) {
    for (const key of Object.keys(s?.properties ?? {})) {
      const doc = JSON.parse(JSON.stringify(without(key))) as unknown; // drops the undefined key
      const required = (s?.required ?? []).includes(key);
      const parsed = (() => {
        try {
          parseScenario(doc);
          return true;
        } catch (err) {
          assert.ok(err instanceof ScenarioError);
          return false;
        }
      })();
      assert.equal(parsed, !required, `${level}.${key}: schema says required=${required}`);
      assert.equal(validate(schema, doc).length === 0, !required, `${level}.${key}: schema`);
    }
  }
});

test('unknown fields are refused at every level, by both', () => {
  const base = read('examples/scenarios/flaky-agent.json') as Record<string, unknown>;
  const docs = [
    { ...base, lifetime: 5 },
    { ...base, roles: [{ at: 0, roleArn: 'arn:aws:iam::111122223333:role/a', role: 'x' }] },
    { ...base, outages: [{ at: 1, durationSeconds: 1, status: 500, reason: 'x' }] },
  ];
  const paths = ['lifetime', 'roles[0].role', 'outages[0].reason'];
  for (const [i, doc] of docs.entries()) {
    assert.throws(
      () => parseScenario(doc),
      (err: unknown) =>
        err instanceof ScenarioError &&
        err.problems.some((p) => p.startsWith(`${paths[i]}: unknown field`)),
    );
    assert.ok(validate(schema, doc).some((p) => p.endsWith('not allowed')));
  }
});

test('every example scenario parses and validates; so does every built-in', () => {
  assert.ok(examples.length >= 3, `examples/scenarios/ has ${examples.length} files`);
  for (const file of examples) {
    const doc = read(`examples/scenarios/${file}`);
    assert.deepEqual(validate(schema, doc), [], file);
    const s = parseScenario(doc);
    assert.ok(s.roles.length >= 1, file);
  }
  for (const [name, s] of Object.entries(SCENARIOS)) {
    assert.deepEqual(validate(schema, JSON.parse(JSON.stringify(s))), [], name);
  }
});

test('docs/emulator.md names every example and every scenario field', () => {
  const doc = readFileSync(new URL('docs/emulator.md', root), 'utf8');
  for (const file of examples) assert.ok(doc.includes(`examples/scenarios/${file}`), file);
  for (const key of [...SCENARIO_KEYS.top, ...SCENARIO_KEYS.role, ...SCENARIO_KEYS.outage])
    assert.ok(new RegExp(`[.\`]${key}\``).test(doc), `docs/emulator.md: ${key}`);
});
