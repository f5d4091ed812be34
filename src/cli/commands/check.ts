/**
 * `rolecall check [--json] [--expect-role P]`: one-shot diagnosis of this process's credential
 * chain, meant for an app container's entrypoint. Reads the environment, the shared files and any
 * web identity token file; touches the network only through `fetchIdentity`, and only when a
 * container endpoint is configured. `--task-definition` hands over to check-taskdef.ts.
 */
import { parseArgs } from 'node:util';
import { loadChainInput, type ReadFile } from '../../check/load.ts';
import { renderText } from '../../check/render.ts';
import { resolveChain } from '../../check/resolve.ts';
import type { Env } from '../../check/types.ts';
import { checkJson, type Identity, judge } from '../../check/verdict.ts';
import { MAX_ROLE_PATTERN } from '../../lib/role-match.ts';

export interface CheckIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly env: Env;
  readonly now: () => number;
  readonly readFile: ReadFile;
  /** `--task-definition`'s input (`-` is stdin); defaults to the file system and process.stdin. */
  readonly readInput?: (path: string) => Promise<string>;
  /** One redacted fetch from the container endpoint; called only when one is configured. */
  readonly fetchIdentity?: () => Promise<Identity>;
}

export const CHECK_HELP = `Usage: rolecall check [--json] [--expect-role P]
       rolecall check --task-definition FILE|- [--json]

Shows which credential source botocore (boto3, AWS CLI), the JS SDK v3, the Go SDK v2 and the
Java SDK v2 would use in THIS process's environment, what each one shadows (a static
AWS_ACCESS_KEY_ID hiding the task role, for one), web identity token expiry, and, when a container
credentials endpoint is configured, the identity it serves (redacted). Secrets are never printed.

With --task-definition, reads an ECS task definition instead (RegisterTaskDefinition input, or
DescribeTaskDefinition output; - for stdin) and reports, offline, what in each container would
keep its SDKs from the task role. No AWS access is needed.

Options:
  --json                 machine-readable output
  --expect-role P        role ARN, or a glob on the ARN or role name (e.g. '*-task'); every SDK's
                         resolved role must match
  --task-definition F    check an ECS task definition file (- for stdin) instead of this process
  --help                 this text

Exit (this process):
  0  every SDK has usable credentials (and, in a container, uses the container role)
  1  some SDK has no usable credentials; or, in a container (ECS or EKS variables present),
     some SDK would not use the container role, or would fall back to the EC2 instance role
  3  a resolved role does not match P (or is unknown, as with static keys)
  2  bad usage
Exit (--task-definition):
  0  every container would use the task role
  1  some container would not, or the task has no task role
  2  bad usage, or a file that cannot be read or is not a task definition
`;

async function readInput(path: string): Promise<string> {
  if (path !== '-') return (await import('node:fs/promises')).readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runCheck(argv: string[], io: CheckIo): Promise<number> {
  let values: {
    json?: boolean;
    'expect-role'?: string;
    'task-definition'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        'expect-role': { type: 'string' },
        'task-definition': { type: 'string' },
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
  const taskDefinition = values['task-definition'];
  if (taskDefinition !== undefined) {
    if (taskDefinition === '' || values['expect-role'] !== undefined) {
      io.stderr(
        'rolecall check: --task-definition needs a file or - (stdin), and takes no --expect-role\n',
      );
      return 2;
    }
    const { runTaskDefinitionCheck } = await import('./check-taskdef.ts');
    return runTaskDefinitionCheck(taskDefinition, values.json === true, {
      stdout: io.stdout,
      stderr: io.stderr,
      readInput: io.readInput ?? readInput,
    });
  }
  const expectRole = values['expect-role'] ?? null;
  if (expectRole === '' || (expectRole !== null && expectRole.length > MAX_ROLE_PATTERN)) {
    io.stderr(
      `rolecall check: --expect-role needs a role ARN or a glob such as *-task, at most ${MAX_ROLE_PATTERN} characters\n`,
    );
    return 2;
  }
  const input = await loadChainInput(io.env, io.now(), io.readFile);
  const report = resolveChain(input);
  const identity =
    report.container.configured && io.fetchIdentity !== undefined ? await io.fetchIdentity() : null;
  const verdict = judge(report, identity, expectRole);
  if (values.json) {
    const body = checkJson(report, identity, verdict, expectRole);
    io.stdout(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    io.stdout(renderText({ env: io.env, report, identity, verdict, expectRole }));
  }
  return verdict.exitCode;
}
