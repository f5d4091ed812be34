/**
 * What the emulated endpoint answers at a given instant: pure arithmetic over a scenario, a start
 * time and `now`, so a six-hour life is a unit test with plain numbers. Keys and secrets are
 * hashes of the generation and role, so the same instant always yields the same answer.
 */
import { createHash } from 'node:crypto';
import type { Outage, Scenario } from './scenario.ts';

/** One credential set. `index` counts from 0; a new one starts every lifetime − lead seconds. */
export interface Generation {
  readonly index: number;
  readonly issuedMs: number;
  /** Whole seconds: the wire format has no milliseconds. */
  readonly expiresMs: number;
}

/** Left by a forced rotation: generation `index` began at `atMs`; later ones follow on cadence. */
export interface Anchor {
  readonly atMs: number;
  readonly index: number;
}

/** The success body, keys in the agent's order (JSON.stringify keeps insertion order). */
export interface CredentialsDoc {
  readonly RoleArn: string;
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
  readonly Expiration: string;
}

export type Answer =
  | { readonly kind: 'credentials'; readonly generation: Generation; readonly body: CredentialsDoc }
  | { readonly kind: 'outage'; readonly outage: Outage };

export interface TimelineInput {
  readonly scenario: Scenario;
  readonly startMs: number;
  readonly nowMs: number;
  /** Synthetic secrets start with this, so tests can search output for a canary. */
  readonly secretPrefix: string;
  readonly anchor?: Anchor | undefined;
  /** Replaces the scenario's role (manual `setRole`). */
  readonly roleArn?: string | undefined;
}

export const DEFAULT_SECRET_PREFIX = 'synthetic-secret-';

/** Real STS key alphabet (RFC 4648 base32): A–Z and 2–7. */
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `YYYY-MM-DDTHH:MM:SSZ`, UTC, no milliseconds: what ECS sends and the JS SDK v3 requires. */
export function formatExpiration(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Seconds since start on the scenario's schedule (wrapped when it repeats); never negative. */
export function scheduleSeconds(scenario: Scenario, startMs: number, nowMs: number): number {
  const elapsed = Math.max(0, nowMs - startMs) / 1000;
  return scenario.repeatSeconds === undefined ? elapsed : elapsed % scenario.repeatSeconds;
}

export function generationAt(
  scenario: Scenario,
  startMs: number,
  nowMs: number,
  anchor?: Anchor,
): Generation {
  const periodMs = (scenario.lifetimeSeconds - scenario.rotationLeadSeconds) * 1000;
  const base = anchor ?? { atMs: startMs, index: 0 };
  const steps = Math.floor(Math.max(0, nowMs - base.atMs) / periodMs);
  const issuedMs = base.atMs + steps * periodMs;
  const expiresMs = Math.floor((issuedMs + scenario.lifetimeSeconds * 1000) / 1000) * 1000;
  return { index: base.index + steps, issuedMs, expiresMs };
}

/** The role in force at schedule second `t`: the last change at or before it. */
export function roleAt(scenario: Scenario, t: number): string {
  let arn = scenario.roles[0]?.roleArn ?? '';
  for (const r of scenario.roles) if (r.at <= t) arn = r.roleArn;
  return arn;
}

/** The outage covering schedule second `t` ([at, at + duration)), or null. */
export function outageAt(scenario: Scenario, t: number): Outage | null {
  return scenario.outages.find((o) => t >= o.at && t < o.at + o.durationSeconds) ?? null;
}

function digest(...parts: (string | number)[]): Buffer {
  return createHash('sha256').update(parts.join('\0')).digest();
}

/** `ASIA` + 16 base32 characters (20 in all, like STS session keys); changes with role too. */
export function accessKeyIdFor(index: number, roleArn: string): string {
  const d = digest('key', index, roleArn);
  let key = 'ASIA';
  for (let i = 0; i < 16; i++) key += KEY_ALPHABET[(d[i] ?? 0) % 32];
  return key;
}

function credentialsFor(
  generation: Generation,
  roleArn: string,
  secretPrefix: string,
): CredentialsDoc {
  const n = generation.index;
  return {
    RoleArn: roleArn,
    AccessKeyId: accessKeyIdFor(n, roleArn),
    SecretAccessKey: `${secretPrefix}${n}-${digest('secret', n, roleArn).toString('hex').slice(0, 24)}`,
    Token: `${secretPrefix}token-${n}-${digest('token', n, roleArn).toString('base64url')}`,
    Expiration: formatExpiration(generation.expiresMs),
  };
}

/** The scenario's answer at `nowMs`: an outage if one covers it, otherwise credentials. */
export function answerAt(input: TimelineInput): Answer {
  const { scenario, startMs, nowMs } = input;
  const t = scheduleSeconds(scenario, startMs, nowMs);
  const outage = outageAt(scenario, t);
  if (outage !== null) return { kind: 'outage', outage };
  const generation = generationAt(scenario, startMs, nowMs, input.anchor);
  const roleArn = input.roleArn ?? roleAt(scenario, t);
  return {
    kind: 'credentials',
    generation,
    body: credentialsFor(generation, roleArn, input.secretPrefix),
  };
}
