/**
 * What every emulated endpoint (ECS agent, EKS Pod Identity Agent, IMDSv2) has in common: a
 * request seen as plain data, the timeline's answer at an instant, and a reply. A mode is a
 * `Handler`: no sockets, no clock of its own, so each is tested with plain values.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CredentialsDoc, Generation } from './timeline.ts';
import type { Reply } from './wire.ts';

export const EMULATOR_MODES = ['ecs', 'eks', 'imds'] as const;
export type EmulatorMode = (typeof EMULATOR_MODES)[number];

export interface Incoming {
  readonly method: string;
  /** As sent, before any cleaning; no query. */
  readonly path: string;
  /** The raw query string without `?` (empty when none). */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** A status to answer instead of credentials: scripted by a scenario or set by `setOutage`. */
export interface Fault {
  readonly status: number;
  readonly code?: string;
}

/** The timeline at one instant, manual controls applied. `roleArn` is known during outages too. */
export type Current =
  | {
      readonly kind: 'credentials';
      readonly generation: Generation;
      readonly body: CredentialsDoc;
      readonly roleArn: string;
    }
  | { readonly kind: 'outage'; readonly outage: Fault; readonly roleArn: string };

interface Handled {
  readonly reply: Reply;
  /** True when the request reached the credentials route (counted by `requests()`). */
  readonly credentialsRoute: boolean;
}

/** One request → one reply. `current` reads the timeline at `nowMs`. */
export type Handler = (req: Incoming, nowMs: number, current: () => Current) => Handled;

/** `arn:aws:iam::111122223333:role/path/name` → `111122223333`, or null. */
export function accountOf(roleArn: string): string | null {
  return /^arn:[^:]+:iam::(\d{12}):role\//.exec(roleArn)?.[1] ?? null;
}

/** `arn:aws:iam::111122223333:role/path/name` → `name` (what IMDS lists: no IAM path). */
export function roleNameOf(roleArn: string): string {
  const i = roleArn.indexOf(':role/');
  const rest = i === -1 ? roleArn : roleArn.slice(i + ':role/'.length);
  return rest.slice(rest.lastIndexOf('/') + 1);
}

/** `arn:aws-cn:...` → `aws-cn`; `aws` when the ARN does not say. */
export function partitionOf(roleArn: string): string {
  return /^arn:(aws[a-z-]*):/.exec(roleArn)?.[1] ?? 'aws';
}

/** A header's single value (Node joins or lists repeats; the emulator reads the first). */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
