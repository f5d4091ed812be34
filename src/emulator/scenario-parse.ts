/**
 * Scenario files are validated at the boundary: `unknown` JSON becomes a frozen `Scenario`, or a
 * `ScenarioError` listing every problem with its field path and the expected form, so a user fixes
 * the whole file in one go.
 */
import { RolecallError } from '../lib/errors.ts';
import {
  freezeScenario,
  OUTAGE_STATUSES,
  type Outage,
  type OutageStatus,
  type RoleChange,
  type Scenario,
} from './scenario.ts';

/** A scenario file is wrong; `problems` lists every one, each starting with its field path. */
export class ScenarioError extends RolecallError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('scenario_invalid', `invalid scenario:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

/**
 * Every field a scenario file may hold, per level. Anything else is reported as unknown, and a
 * test checks docs/scenario.schema.json names exactly these, so the schema and parser agree.
 */
export const SCENARIO_KEYS = Object.freeze({
  top: Object.freeze([
    'lifetimeSeconds',
    'rotationLeadSeconds',
    'roles',
    'outages',
    'latencyMs',
    'repeatSeconds',
  ]),
  role: Object.freeze(['at', 'roleArn']),
  outage: Object.freeze(['at', 'durationSeconds', 'status', 'code']),
});
const TOP_KEYS: readonly string[] = SCENARIO_KEYS.top;
/** What `roles[].roleArn` must look like (docs/scenario.schema.json has the same pattern). */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function shown(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Parses a scenario. Optional: `outages` (default []), `latencyMs`, `repeatSeconds`. */
export function parseScenario(json: unknown): Scenario {
  const problems: string[] = [];
  const bad = (path: string, expected: string, v: unknown) =>
    problems.push(`${path}: expected ${expected}, got ${shown(v)}`);
  /** A finite number >= min (> min when `strict`), or NaN after recording the problem. */
  const num = (path: string, v: unknown, min: number, strict: boolean): number => {
    const ok = typeof v === 'number' && Number.isFinite(v) && (strict ? v > min : v >= min);
    if (!ok) bad(path, `a number ${strict ? '>' : '>='} ${min}`, v);
    return ok ? (v as number) : Number.NaN;
  };
  if (!isRecord(json)) {
    bad('(root)', 'a JSON object', json);
    throw new ScenarioError(problems);
  }
  const unknownKeys = (path: string, o: Record<string, unknown>, known: readonly string[]) => {
    for (const k of Object.keys(o)) {
      if (!known.includes(k))
        problems.push(`${path}${k}: unknown field (expected one of ${known.join(', ')})`);
    }
  };
  unknownKeys('', json, TOP_KEYS);
  const lifetime = num('lifetimeSeconds', json.lifetimeSeconds, 0, true);
  const lead = num('rotationLeadSeconds', json.rotationLeadSeconds, 0, false);
  if (lead >= lifetime) {
    problems.push(
      `rotationLeadSeconds: expected less than lifetimeSeconds (${lifetime}), got ${lead}`,
    );
  }
  const optional = (key: 'latencyMs' | 'repeatSeconds', strict: boolean): number | undefined =>
    json[key] === undefined ? undefined : num(key, json[key], 0, strict);
  const latencyMs = optional('latencyMs', false);
  const repeat = optional('repeatSeconds', true);
  const within = (path: string, at: number) => {
    if (repeat !== undefined && at >= repeat) {
      problems.push(`${path}: expected less than repeatSeconds (${repeat}), got ${at}`);
    }
  };

  const roles: RoleChange[] = [];
  if (!Array.isArray(json.roles) || json.roles.length === 0) {
    bad('roles', 'a non-empty array of { at, roleArn }', json.roles);
  } else {
    for (const [i, r] of (json.roles as unknown[]).entries()) {
      const path = `roles[${i}]`;
      if (!isRecord(r)) {
        bad(path, 'an object { at, roleArn }', r);
        continue;
      }
      unknownKeys(`${path}.`, r, SCENARIO_KEYS.role);
      const at = num(`${path}.at`, r.at, 0, false);
      if (i === 0 && at !== 0) bad(`${path}.at`, '0 (the first role applies from the start)', r.at);
      const prev = roles.at(-1);
      if (prev !== undefined && at <= prev.at) {
        bad(`${path}.at`, `a number greater than roles[${i - 1}].at (${prev.at})`, r.at);
      }
      within(`${path}.at`, at);
      if (typeof r.roleArn !== 'string' || !ROLE_ARN.test(r.roleArn)) {
        bad(
          `${path}.roleArn`,
          'an IAM role ARN like arn:aws:iam::111122223333:role/name',
          r.roleArn,
        );
      }
      roles.push({ at, roleArn: String(r.roleArn) });
    }
  }

  const outages: Outage[] = [];
  if (json.outages !== undefined && !Array.isArray(json.outages)) {
    bad('outages', 'an array of { at, durationSeconds, status, code? }', json.outages);
  }
  const outageList: unknown[] = Array.isArray(json.outages) ? json.outages : [];
  for (const [i, o] of outageList.entries()) {
    const path = `outages[${i}]`;
    if (!isRecord(o)) {
      bad(path, 'an object { at, durationSeconds, status, code? }', o);
      continue;
    }
    unknownKeys(`${path}.`, o, SCENARIO_KEYS.outage);
    const at = num(`${path}.at`, o.at, 0, false);
    within(`${path}.at`, at);
    const durationSeconds = num(`${path}.durationSeconds`, o.durationSeconds, 0, true);
    if (!OUTAGE_STATUSES.includes(o.status as OutageStatus)) {
      bad(`${path}.status`, `one of ${OUTAGE_STATUSES.join(', ')}`, o.status);
    }
    if (o.code !== undefined && (typeof o.code !== 'string' || !/^[A-Za-z]+$/.test(o.code))) {
      bad(`${path}.code`, 'an error code of letters only, like CredentialsUninitialized', o.code);
    }
    const base = { at, durationSeconds, status: o.status as OutageStatus };
    outages.push(typeof o.code === 'string' ? { ...base, code: o.code } : base);
  }

  if (problems.length > 0) throw new ScenarioError(problems);
  return freezeScenario({
    lifetimeSeconds: lifetime,
    rotationLeadSeconds: lead,
    roles,
    outages,
    ...(latencyMs === undefined ? {} : { latencyMs }),
    ...(repeat === undefined ? {} : { repeatSeconds: repeat }),
  });
}
