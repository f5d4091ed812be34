/**
 * Shapes of the credential-chain diagnosis. Everything here is safe to print: no secret, token,
 * relative URI or credentials id ever enters these types (access key ids only masked).
 */
import type { Env, SdkFamily } from '../lib/aws-env.ts';

/** The SDK families `check` reports on; `botocore` stands for boto3 and the AWS CLI too. */
export type Sdk = SdkFamily;

/** Human names for the SDK column. */
export const SDK_LABELS: Readonly<Record<Sdk, string>> = {
  botocore: 'botocore (boto3, AWS CLI)',
  'js-v3': 'JS SDK v3',
  'go-v2': 'Go SDK v2',
  'java-v2': 'Java SDK v2',
};

/** The TYPE names `aws configure list` prints. */
const SOURCE_TYPES = [
  'env',
  'assume-role',
  'assume-role-with-web-identity',
  'sso',
  'shared-credentials-file',
  'login',
  'custom-process',
  'config-file',
  'ec2-credentials-file',
  'boto-config',
  'container-role',
  'iam-role',
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** One INI section as `@smithy/shared-ini-file-loader` yields it: key → value. */
export type IniSection = Readonly<Record<string, string | undefined>>;

/**
 * Profiles of one file, normalised as the SDK loader does: config-file `[profile x]` is `x`,
 * `[default]` is `default`, `[sso-session s]` is `sso-session.s`; config-file `[x]` is dropped.
 */
export type ParsedProfiles = Readonly<Record<string, IniSection | undefined>>;

/**
 * A shared file: where it was looked for, and its profiles, or null when missing or unreadable.
 * With `text`, each SDK re-parses the file its own way (see ini.ts); `profiles` is the JS view.
 */
interface SharedFile {
  readonly path: string;
  readonly profiles: ParsedProfiles | null;
  readonly text?: string | null;
}

/** What an SSO token cache file held: only whether it would serve a token, never the token. */
export type SsoTokenStatus = 'ok' | 'expired' | 'missing' | 'malformed';

/** A legacy botocore credentials file (`AWS_CREDENTIAL_FILE`, `BOTO_CONFIG`, `~/.boto`). */
export interface LegacyFile {
  readonly path: string;
  /** null when missing or unreadable. */
  readonly text: string | null;
}

/** What a web identity token file held, decoded without verification. */
export type TokenStatus =
  | { readonly kind: 'ok'; readonly exp: number | null }
  | { readonly kind: 'unreadable' }
  | { readonly kind: 'malformed'; readonly reason: string };

export type { Env } from '../lib/aws-env.ts';

/** Everything the pure resolution needs; the shell (`load.ts`) gathers it. */
export interface ChainInput {
  readonly env: Env;
  /** Milliseconds since the epoch, for token expiry. */
  readonly now: number;
  readonly credentials: SharedFile;
  readonly config: SharedFile;
  /** Token file path → what it held; a path missing here counts as unreadable. */
  readonly tokens: ReadonlyMap<string, TokenStatus>;
  /** Findings about the files' raw section headers (see `sections.ts`). */
  readonly fileWarnings?: readonly string[];
  /** SSO cache key (session name or start URL) → token state; a key missing here is `missing`. */
  readonly ssoTokens?: ReadonlyMap<string, SsoTokenStatus>;
  /** botocore's legacy files, in the order it reads them. */
  readonly legacy?: {
    readonly credentialFile: LegacyFile | null;
    readonly boto: readonly LegacyFile[];
  };
  /** Set in one SDK's view when that SDK cannot parse a shared file (botocore raises). */
  readonly iniError?: string;
}

/** A configured credential source as one SDK sees it. */
export interface Source {
  readonly type: SourceType;
  /** Variable names, or file and profile: where the source was found. Never a value that grants access. */
  readonly evidence: string;
  /** The role the SDK would end up with, when the configuration names it. */
  readonly roleArn: string | null;
  /** Why the SDK would pick this source and then fail (expired token, missing file, ...). */
  readonly problems: readonly string[];
  readonly notes: readonly string[];
  /** Access key id as 16 `*` + last 4, for static keys. */
  readonly accessKeyIdMasked?: string;
  /** A role assumed with the container role's credentials (`credential_source = EcsContainer`). */
  readonly viaContainer?: boolean;
  /** Why check cannot tell whether this source yields credentials (it never runs a process). */
  readonly unverified?: string;
}

export interface SdkReport {
  readonly sdk: Sdk;
  /** The source this SDK would use, or null (none, or a configuration error stopped the chain). */
  readonly winner: Source | null;
  /** Configured sources later in this SDK's chain, hidden by the winner (IMDS is not listed). */
  readonly shadowed: readonly Source[];
  /** True when the winner hides a configured container role: what the sidecar alerts on. */
  readonly shadowsContainer: boolean;
  /** A configuration error that makes this SDK fail before reaching any later source. */
  readonly error: string | null;
  readonly warnings: readonly string[];
}

export interface TokenReport {
  readonly path: string;
  /** `AWS_WEB_IDENTITY_TOKEN_FILE`, or `profile x`. */
  readonly from: string;
  readonly status: 'ok' | 'expired' | 'no-exp' | 'unreadable' | 'malformed';
  readonly expiresAt: string | null;
  readonly message: string;
}

export interface ChainReport {
  /** Whether this process runs in an ECS task or a Kubernetes pod, and the variable that says so. */
  readonly environment: { readonly inContainer: boolean; readonly evidence: string | null };
  readonly profile: { readonly name: string; readonly variable: string | null };
  readonly files: {
    readonly credentials: { readonly path: string; readonly found: boolean };
    readonly config: { readonly path: string; readonly found: boolean };
  };
  readonly container: {
    readonly configured: boolean;
    readonly via: 'relative' | 'full' | null;
    /** Safe description: never the relative URI's value. */
    readonly evidence: string | null;
  };
  /** As `aws configure list` shows it: env first, then the profile's `region` in the config file. */
  readonly region: {
    readonly value: string;
    readonly type: string;
    readonly location: string;
  } | null;
  readonly tokens: readonly TokenReport[];
  readonly sdks: readonly SdkReport[];
  readonly warnings: readonly string[];
}
