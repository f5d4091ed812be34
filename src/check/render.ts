/**
 * `check`'s human output: an `aws configure list`-style block (botocore's view, as the CLI shows
 * it), one line per SDK, token and identity lines, and the verdict. Pure. Secrets never reach
 * here: the report holds masked key ids only, and the secret key is shown as stars whatever it is.
 */
import { safeLines } from '../lib/safe-text.ts';
import { profileName } from './env.ts';
import type { ChainReport, Env } from './types.ts';
import { SDK_LABELS } from './types.ts';
import type { Identity, Verdict } from './verdict.ts';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const row = (name: string, value: string, type: string, location: string) =>
  `${pad(name, 10)} : ${pad(value, 24)} : ${pad(type, 16)} : ${location}`.trimEnd();

export interface RenderInput {
  readonly env: Env;
  readonly report: ChainReport;
  readonly identity: Identity | null;
  readonly verdict: Verdict;
  readonly expectRole: string | null;
}

function configureList({ env, report, identity }: RenderInput): string[] {
  const lines = [row('NAME', 'VALUE', 'TYPE', 'LOCATION')];
  const p = profileName(env, 'botocore');
  lines.push(
    p.variable === null
      ? row('profile', '<not set>', 'None', 'None')
      : row('profile', p.name, 'env', p.variable),
  );
  const w = report.sdks.find((s) => s.sdk === 'botocore')?.winner ?? null;
  if (w === null) {
    lines.push(
      row('access_key', '<not set>', 'None', 'None'),
      row('secret_key', '<not set>', 'None', 'None'),
    );
  } else {
    const fetched =
      w.type === 'container-role' && identity?.ok ? identity.accessKeyIdMasked : undefined;
    const masked = w.accessKeyIdMasked ?? fetched;
    const location = w.type === 'env' ? 'AWS_ACCESS_KEY_ID' : w.evidence;
    lines.push(
      row('access_key', masked ?? '<not fetched>', w.type, location),
      row(
        'secret_key',
        masked === undefined ? '<not fetched>' : '*'.repeat(20),
        w.type,
        w.type === 'env' ? 'AWS_SECRET_ACCESS_KEY' : w.evidence,
      ),
    );
  }
  const r = report.region;
  lines.push(
    r === null
      ? row('region', '<not set>', 'None', 'None')
      : row('region', r.value, r.type, r.location),
  );
  return lines;
}

function sdkLines(input: RenderInput): string[] {
  const { report, verdict } = input;
  const width = Math.max(...Object.values(SDK_LABELS).map((l) => l.length));
  // One entry per source type: Go's role_arn wraps every later base as assume-role, and the same
  // type twice says nothing more.
  const shadowsOf = (r: (typeof report.sdks)[number]) =>
    [...new Set(r.shadowed.map((s) => s.type))].join(', ') || '-';
  const shadowsWidth = Math.max(7, ...report.sdks.map((r) => shadowsOf(r).length));
  const lines = [
    `${pad('SDK', width)}  ${pad('SOURCE', 30)}  ${pad('SHADOWS', shadowsWidth)}  EVIDENCE`,
  ];
  for (const r of report.sdks) {
    const v = verdict.sdks.find((s) => s.sdk === r.sdk);
    const src = r.winner?.type ?? (r.error === null ? 'none' : 'error');
    lines.push(
      `${pad(SDK_LABELS[r.sdk], width)}  ${pad(src, 30)}  ${pad(shadowsOf(r), shadowsWidth)}  ${r.winner?.evidence ?? r.error ?? '-'}`.trimEnd(),
    );
    for (const note of [...(r.winner?.notes ?? []), ...r.warnings]) lines.push(`    ! ${note}`);
    if (v !== undefined && !v.usable && v.why !== null && v.why !== r.error)
      lines.push(`    ✗ ${v.why}`);
    if (v?.unverified != null) lines.push(`    ? ${v.unverified}`);
    if (v?.roleMatches === false) {
      lines.push(
        v.roleArn === null
          ? `    ✗ this source's role is unknown, so it cannot be confirmed as ${input.expectRole}`
          : `    ✗ role ${v.roleArn} does not match ${input.expectRole}`,
      );
    }
  }
  return lines;
}

function identityLine(report: ChainReport, identity: Identity | null): string {
  if (!report.container.configured)
    return 'identity  not fetched: no container credentials endpoint configured';
  if (identity === null) return `identity  not fetched (${report.container.evidence})`;
  if (!identity.ok)
    return `identity  container endpoint failed (${identity.reason}): ${identity.message}`;
  return `identity  ${identity.source}  ${identity.roleArn ?? '(no role ARN)'}  account ${identity.accountId ?? '-'}  key ${identity.accessKeyIdMasked}  expires ${identity.expiration}`;
}

function resultLine(input: RenderInput): string {
  const { verdict, expectRole } = input;
  const { shadowedFor, instanceRoleFor, removeFirst } = verdict.container;
  if (verdict.exitCode === 1) {
    const parts: string[] = [];
    const bad = verdict.sdks.filter((s) => !s.usable).map((s) => `${s.sdk} (${s.why})`);
    if (bad.length > 0) parts.push(`NO USABLE CREDENTIALS for ${bad.join('; ')}`);
    if (shadowedFor.length > 0) parts.push(`CONTAINER ROLE SHADOWED for ${shadowedFor.join(', ')}`);
    if (instanceRoleFor.length > 0) {
      parts.push(`INSTANCE ROLE FALLBACK for ${instanceRoleFor.join(', ')} (no container role)`);
    }
    const first = removeFirst === null ? '' : `; remove first: ${removeFirst}`;
    return `result    ${parts.join('; ')}${first}`;
  }
  if (verdict.exitCode === 3) {
    const bad = verdict.sdks
      .filter((s) => s.roleMatches === false)
      .map((s) => `${s.sdk}: ${s.roleArn ?? 'role unknown'}`);
    return `result    ROLE MISMATCH: expected ${expectRole}; ${bad.join('; ')}`;
  }
  return 'result    ok';
}

export function renderText(input: RenderInput): string {
  const { report } = input;
  const lines = [...configureList(input), '', ...sdkLines(input), ''];
  for (const t of report.tokens) lines.push(`token     ${t.message}`);
  lines.push(identityLine(report, input.identity));
  for (const w of report.warnings) lines.push(`warning   ${w}`);
  for (const f of [report.files.credentials, report.files.config]) {
    if (!f.found) lines.push(`note      ${f.path} not found`);
  }
  lines.push(resultLine(input));
  // Values come from the environment, files and the endpoint: escaped per line for the terminal.
  return safeLines(lines);
}
