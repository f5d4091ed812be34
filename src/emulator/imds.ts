/**
 * IMDS mode: EC2 instance metadata with IMDSv2 required. A session token comes
 * from `PUT /latest/api/token` with a TTL; every other request must carry a live one or gets 401.
 * Serves what rolecall's fetcher (src/credentials/imds.ts) and the SDKs ask for: the role name,
 * the role's credentials, `iam/info`, the region and the instance identity document.
 */
import { STATUS_CODES } from 'node:http';
import {
  accountOf,
  type Current,
  type Handler,
  headerValue,
  partitionOf,
  roleNameOf,
} from './handler.ts';
import { DEMO_ACCOUNT } from './scenario.ts';
import { formatExpiration } from './timeline.ts';
import type { Reply } from './wire.ts';

export const IMDS_TOKEN_PATH = '/latest/api/token';
export const IMDS_CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';
const IMDS_TTL_HEADER = 'x-aws-ec2-metadata-token-ttl-seconds';
const IMDS_TOKEN_HEADER = 'x-aws-ec2-metadata-token';
const IMDS_MAX_TTL_SECONDS = 21_600;
const REGION = 'us-west-2';
/** Live session tokens kept; past this the oldest are dropped (a load test cannot grow it). */
const MAX_TOKENS = 4096;

/** The TTL header: an integer from 1 to 21600, or null. */
function parseTtl(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,5}$/.test(value.trim())) return null;
  const ttl = Number(value.trim());
  return ttl >= 1 && ttl <= IMDS_MAX_TTL_SECONDS ? ttl : null;
}

/** IMDS's error page: a small XHTML document titled `<status> - <reason>`. */
function imdsError(status: number, headers: Readonly<Record<string, string>> = {}): Reply {
  const title = `${status} - ${STATUS_CODES[status] ?? 'Error'}`;
  const body = [
    '<?xml version="1.0" encoding="iso-8859-1"?>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"',
    '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">',
    ' <head>',
    `  <title>${title}</title>`,
    ' </head>',
    ' <body>',
    `  <h1>${title}</h1>`,
    ' </body>',
    '</html>',
    '',
  ].join('\n');
  return { status, headers: { 'content-type': 'text/html', ...headers }, body };
}

/** IMDS's JSON style: two-space indent and `"Key" : value`, no trailing newline. */
function imdsJson(value: Readonly<Record<string, string | null>>): string {
  const lines = Object.entries(value).map(([k, v]) => `  "${k}" : ${JSON.stringify(v)}`);
  return `{\n${lines.join(',\n')}\n}`;
}

const text = (body: string): Reply => ({
  status: 200,
  headers: { 'content-type': 'text/plain' },
  body,
});

/** The credentials document for the role in force, `LastUpdated` = when the set was issued. */
function imdsCredentialsReply(now: Extract<Current, { kind: 'credentials' }>): Reply {
  const { AccessKeyId, SecretAccessKey, Token, Expiration } = now.body;
  return text(
    imdsJson({
      Code: 'Success',
      LastUpdated: formatExpiration(now.generation.issuedMs),
      Type: 'AWS-HMAC',
      AccessKeyId,
      SecretAccessKey,
      Token,
      Expiration,
    }),
  );
}

/** Facts about the synthetic instance that do not change over its life. */
interface Instance {
  readonly instanceId: string;
  readonly startedMs: number;
}

function accountOrDemo(roleArn: string): string {
  return accountOf(roleArn) ?? DEMO_ACCOUNT;
}

/** `iam/info`: the instance profile is named after the role, in the role's account. */
function iamInfoReply(roleArn: string, instance: Instance): Reply {
  const name = roleNameOf(roleArn);
  return text(
    imdsJson({
      Code: 'Success',
      LastUpdated: formatExpiration(instance.startedMs),
      InstanceProfileArn: `arn:${partitionOf(roleArn)}:iam::${accountOrDemo(roleArn)}:instance-profile/${name}`,
      InstanceProfileId: `AIPA${instance.instanceId.slice(2, 18).toUpperCase()}`,
    }),
  );
}

function identityDocumentReply(roleArn: string, instance: Instance): Reply {
  return text(
    imdsJson({
      accountId: accountOrDemo(roleArn),
      architecture: 'x86_64',
      availabilityZone: `${REGION}a`,
      billingProducts: null,
      devpayProductCodes: null,
      marketplaceProductCodes: null,
      imageId: 'ami-0abcdef1234567890',
      instanceId: instance.instanceId,
      instanceType: 'm5.large',
      kernelId: null,
      pendingTime: formatExpiration(instance.startedMs),
      privateIp: '10.0.2.106',
      ramdiskId: null,
      region: REGION,
      version: '2017-09-30',
    }),
  );
}

/** A scripted outage on the credentials paths: the status with IMDS's error page (`code` unused). */
function imdsOutageReply(status: number): Reply {
  return imdsError(status);
}

/** A percent-encoded path segment (`encodeURIComponent` of a role name), or itself if malformed. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export interface ImdsOptions {
  readonly instance: Instance;
  /** A fresh session token (random; never logged). */
  readonly newToken: () => string;
}

/** AWS_EC2_METADATA_SERVICE_ENDPOINT (SDKs) and ROLECALL_IMDS_HOST (rolecall); no container variables. */
export function imdsEnv(url: string) {
  return {
    AWS_EC2_METADATA_SERVICE_ENDPOINT: url,
    ROLECALL_IMDS_HOST: url,
    AWS_EC2_METADATA_DISABLED: 'false',
  };
}

export function createImdsHandler(opts: ImdsOptions): Handler {
  const tokens = new Map<string, number>(); // token → expiry, epoch ms on the emulator's clock
  const { instance } = opts;

  const issue = (ttlHeader: string | undefined, forwarded: boolean, nowMs: number): Reply => {
    // IMDSv2 refuses token requests that passed through a proxy.
    if (forwarded) return imdsError(403);
    const ttl = parseTtl(ttlHeader);
    if (ttl === null) return imdsError(400);
    if (tokens.size >= MAX_TOKENS) {
      for (const [t, until] of tokens) if (until <= nowMs) tokens.delete(t);
      for (const t of tokens.keys()) {
        if (tokens.size < MAX_TOKENS) break;
        tokens.delete(t);
      }
    }
    const token = opts.newToken();
    tokens.set(token, nowMs + ttl * 1000);
    return {
      status: 200,
      headers: { 'content-type': 'text/plain', [IMDS_TTL_HEADER]: String(ttl) },
      body: token,
    };
  };

  const live = (token: string | undefined, nowMs: number): boolean => {
    if (token === undefined) return false;
    const until = tokens.get(token);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    tokens.delete(token);
    return false;
  };

  return (req, nowMs, current) => {
    const path = req.path;
    if (path === IMDS_TOKEN_PATH) {
      if (req.method !== 'PUT')
        return { reply: imdsError(405, { allow: 'PUT' }), credentialsRoute: false };
      const forwarded = headerValue(req.headers, 'x-forwarded-for') !== undefined;
      const reply = issue(headerValue(req.headers, IMDS_TTL_HEADER), forwarded, nowMs);
      return { reply, credentialsRoute: false };
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return { reply: imdsError(405, { allow: 'GET' }), credentialsRoute: false };
    const isCredentials =
      path === IMDS_CREDENTIALS_PATH.slice(0, -1) || path.startsWith(IMDS_CREDENTIALS_PATH);
    if (!live(headerValue(req.headers, IMDS_TOKEN_HEADER), nowMs))
      return { reply: imdsError(401), credentialsRoute: isCredentials };
    const now = current();
    const roleName = roleNameOf(now.roleArn);
    if (isCredentials) {
      if (now.kind === 'outage')
        return { reply: imdsOutageReply(now.outage.status), credentialsRoute: true };
      const name = decoded(path.slice(IMDS_CREDENTIALS_PATH.length));
      if (name === '') return { reply: text(roleName), credentialsRoute: true };
      const reply = name === roleName ? imdsCredentialsReply(now) : imdsError(404);
      return { reply, credentialsRoute: true };
    }
    const reply = ((): Reply => {
      switch (path) {
        case '/latest/meta-data/iam/info':
          return iamInfoReply(now.roleArn, instance);
        case '/latest/meta-data/instance-id':
          return text(instance.instanceId);
        case '/latest/meta-data/placement/region':
          return text(REGION);
        case '/latest/meta-data/placement/availability-zone':
          return text(`${REGION}a`);
        case '/latest/dynamic/instance-identity/document':
          return identityDocumentReply(now.roleArn, instance);
        default:
          return imdsError(404);
      }
    })();
    return { reply, credentialsRoute: false };
  };
}
