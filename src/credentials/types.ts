/**
 * The credential domain: what a fetch yields, what the sidecar remembers, and the events between.
 * Secrets live in `Credentials`, whose serialised and inspected forms never contain them.
 */
import { inspect } from 'node:util';
import { maskAccessKeyId } from '../lib/aws-env.ts';

/** Where credentials came from, named as `aws configure list` names the TYPE. */
export type Source = 'container-role' | 'iam-role';

/**
 * One set of temporary credentials. The secret and the token are private fields, so
 * `JSON.stringify`, `util.inspect`, pino and template strings cannot leak them by accident.
 */
export class Credentials {
  readonly accessKeyId: string;
  readonly expiration: Date;
  readonly #secretAccessKey: string;
  readonly #sessionToken: string;

  constructor(fields: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
    expiration: Date;
  }) {
    this.accessKeyId = fields.accessKeyId;
    this.expiration = fields.expiration;
    this.#secretAccessKey = fields.secretAccessKey;
    this.#sessionToken = fields.sessionToken;
  }

  /** True when both secret fields are present; never returns them. */
  hasSecrets(): boolean {
    return this.#secretAccessKey.length > 0 && this.#sessionToken.length > 0;
  }

  toJSON(): { accessKeyId: string; expiration: string } {
    return {
      accessKeyId: maskAccessKeyId(this.accessKeyId),
      expiration: this.expiration.toISOString(),
    };
  }

  toString(): string {
    return `Credentials(${maskAccessKeyId(this.accessKeyId)})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Who the credentials belong to. `roleArn` is null where the endpoint does not say (EKS). */
export interface Identity {
  readonly source: Source;
  readonly roleArn: string | null;
  readonly roleName: string | null;
  readonly accountId: string | null;
}

/** A successful fetch, validated at the boundary. */
export interface Fetched {
  readonly credentials: Credentials;
  readonly identity: Identity;
  /** The endpoint's `Date` header, when it sent a parseable one. */
  readonly endpointDate: Date | null;
  /** IMDS `LastUpdated`: when EC2 last refreshed the instance-role credentials. */
  readonly lastUpdated?: string | null;
}

/** A history entry: what changed, and when (epoch ms). Never carries a secret. */
export type HistoryEvent =
  | {
      readonly type: 'rotated';
      readonly at: number;
      readonly accessKeyId: string;
      readonly expiration: string;
      /** Rotations folded into this entry (see `fold.ts`), and the latest; absent when one. */
      readonly count?: number;
      readonly lastAt?: number;
    }
  | {
      readonly type: 'role_changed';
      readonly at: number;
      readonly from: string | null;
      readonly to: string | null;
      readonly count?: number;
      readonly lastAt?: number;
    }
  | {
      readonly type: 'fetch_failed';
      readonly at: number;
      readonly reason: string;
      readonly message: string;
      /** Consecutive failures with this reason folded into one entry; `lastAt` is the latest. */
      readonly count: number;
      readonly lastAt: number;
    }
  | { readonly type: 'recovered'; readonly at: number; readonly afterFailures: number };
