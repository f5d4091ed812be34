/**
 * `rolecall check [--json] [--expect-role P]`: one-shot diagnosis of this process's credential
 * chain, meant for an app container's entrypoint. Reads the environment, the two shared files and
 * any web identity token file; touches the network only through `fetchIdentity`, and only when a
 * container endpoint is configured. Exit 0 ok, 1 no usable credentials, 3 role mismatch, 2 usage.
 */
import { parseArgs } from 'node:util';
import { loadChainInput, type ReadFile } from '../../check/load.ts';
import { renderText } from '../../check/render.ts';
import { resolveChain } from '../../check/resolve.ts';
import type { Env } from '../../check/types.ts';
import { type Identity, judge } from '../../check/verdict.ts';

export interface CheckIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly env: Env;
  readonly now: () => number;
  readonly readFile: ReadFile;
  /** One redacted fetch from the container endpoint; called only when one is configured. */
  readonly fetchIdentity?: () => Promise<Identity>;
}

export const CHECK_HELP = `Usage: rolecall check [--json] [--expect-role P]

Shows which credential source botocore (boto3, AWS CLI), the JS SDK v3, the Go SDK v2 and the
Java SDK v2 would use in THIS process's environment, what each one shadows (a static
AWS_ACCESS_KEY_ID hiding the task role, for one), web identity token expiry, and, when a container
credentials endpoint is configured, the identity it serves (redacted). Secrets are never printed.

Options:
  --json             machine-readable output
  --expect-role P    role ARN, or a glob on the ARN or role name (e.g. '*-task'); every SDK's
                     resolved role must match
  --help             this text

Exit: 0 ok, 1 some SDK has no usable credentials, 3 a resolved role does not match P (or is
unknown, as with static keys), 2 bad usage.
`;

export async function runCheck(argv: string[], io: CheckIo): Promise<number> {
  let values: { json?: boolean; 'expect-role'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        'expect-role': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr(`rolecall check: ${(err as Error).message}\n\n${CHECK_HELP}`);
    return 2;
  }
  if (values.help) {
    io.stdout(CHECK_HELP);
    return 0;
  }
  const expectRole = values['expect-role'] ?? null;
  if (expectRole === '') {
    io.stderr('rolecall check: --expect-role needs a role ARN or a glob such as *-task\n');
    return 2;
  }
  const input = await loadChainInput(io.env, io.now(), io.readFile);
  const report = resolveChain(input);
  const identity =
    report.container.configured && io.fetchIdentity !== undefined ? await io.fetchIdentity() : null;
  const verdict = judge(report, identity, expectRole);
  if (values.json) {
    const sdks = report.sdks.map((r) => ({ ...r, ...verdict.sdks.find((v) => v.sdk === r.sdk) }));
    const body = { ...report, sdks, identity, expectRole, exitCode: verdict.exitCode };
    io.stdout(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    io.stdout(renderText({ env: io.env, report, identity, verdict, expectRole }));
  }
  return verdict.exitCode;
}
