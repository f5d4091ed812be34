/**
 * `rolecall check --task-definition FILE|-`: offline static analysis of an ECS task definition,
 * for CI before a deploy. Exit 0 every container would use the task role, 1 some would not (or
 * the task has none), 2 unreadable or invalid input. Never prints a variable's value or a
 * secret's valueFrom.
 */

import {
  parseTaskDefinition,
  type TaskDefinition,
  TaskDefinitionError,
} from '../../check/taskdef.ts';
import {
  type Finding,
  type TaskDefinitionReport,
  taskDefinitionExitCode,
  taskDefinitionFindings,
} from '../../check/taskdef-findings.ts';
import { safeLines } from '../../lib/safe-text.ts';

export interface TaskDefIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** The file's text; `-` is stdin. Throws a Node fs error when it cannot be read. */
  readonly readInput: (path: string) => Promise<string>;
}

export async function runTaskDefinitionCheck(
  path: string,
  json: boolean,
  io: TaskDefIo,
): Promise<number> {
  const label = path === '-' ? 'stdin' : path;
  let text: string;
  try {
    text = await io.readInput(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : (code ?? 'unreadable');
    io.stderr(`rolecall check: cannot read task definition ${label}: ${why}\n`);
    return 2;
  }
  let td: TaskDefinition;
  try {
    td = parseTaskDefinition(text);
  } catch (err) {
    if (!(err instanceof TaskDefinitionError)) throw err;
    io.stderr(`rolecall check: ${label} is not a task definition: ${err.message}\n`);
    return 2;
  }
  const report = taskDefinitionFindings(td);
  const exitCode = taskDefinitionExitCode(report);
  io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : renderTaskDefinition(td, report));
  return exitCode;
}

const MARK = { error: '✗', warning: '!' } as const;

function line(f: Finding): string {
  return `  ${MARK[f.severity]} ${f.code.padEnd(21)} ${f.message}`;
}

function renderTaskDefinition(td: TaskDefinition, r: TaskDefinitionReport): string {
  const name =
    td.family === null
      ? '(no family)'
      : td.revision === null
        ? td.family
        : `${td.family}:${td.revision}`;
  const launch = {
    fargate: 'Fargate',
    ec2: 'EC2',
    either: 'EC2 or Fargate',
    unknown: 'launch type not set',
  }[td.launchType];
  const role = td.taskRole ? (td.taskRoleArn ?? 'set at deploy') : 'none';
  const lines = [`task      ${name} (${launch}), task role ${role}`];
  for (const f of r.findings) lines.push(line(f));
  for (const c of r.containers) {
    lines.push(`container ${c.name}`);
    if (c.findings.length === 0) lines.push('  ✓ nothing here keeps the SDKs from the task role');
    for (const f of c.findings) lines.push(line(f));
  }
  lines.push(resultLine(r));
  // Family, role ARN, container names and variable names come from the file: escape them.
  return safeLines(lines);
}

function resultLine(r: TaskDefinitionReport): string {
  if (taskDefinitionExitCode(r) === 0) {
    const warnings = r.containers.some((c) => c.findings.length > 0);
    return warnings
      ? 'result    ok: every container would use the task role (see the warnings)'
      : 'result    ok: every container would use the task role';
  }
  const bad = r.containers.filter((c) => c.findings.some((f) => f.severity === 'error'));
  const first = bad[0]?.findings.find((f) => f.severity === 'error');
  const parts: string[] = [];
  if (r.findings.some((f) => f.code === 'no_task_role')) parts.push('the task has no task role');
  if (bad.length > 0) {
    parts.push(`${bad.map((c) => c.name).join(', ')} would not use the task role`);
  }
  const fix =
    first?.variable !== undefined
      ? `; remove first: ${first.variable} from container ${bad[0]!.name}`
      : r.findings.some((f) => f.code === 'no_task_role')
        ? '; first: set taskRoleArn'
        : '';
  return `result    FAIL: ${parts.join('; ')}${fix}`;
}
