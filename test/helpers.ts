/** Test collaborators: loopback servers, captured logs, a sidecar wired to them. Nothing global. */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';

export interface TestServer {
  readonly url: string;
  readonly port: number;
  hits(): number;
  close(): Promise<void>;
}

/** A purpose-built HTTP server on 127.0.0.1, port 0. Sockets are tracked so close() is prompt. */
export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse, socket: Socket) => void,
): Promise<TestServer> {
  let hits = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    hits++;
    handler(req, res, req.socket);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits: () => hits,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A pino destination that keeps every line, parsed. */
export function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim() !== '') lines.push(l);
      cb();
    },
  });
  return {
    stream,
    lines,
    text: () => lines.join('\n'),
    events: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    named: (event: string) =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === event),
  };
}

/** Polls `predicate` every 20 ms until true or `timeoutMs` passes (bounded). */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
}

export const CANARY = {
  secret: 'CANARYSECRETzq8Xv1Lw3Pk5Rt7Ym9Nb2',
  token: 'CANARYTOKENaa11bb22cc33dd44ee55ff66gg77',
  authToken: 'CANARYAUTHTOKENhh88ii99jj00',
  credentialsId: 'canaryid0f1e2d3c4b5a69788796a5b4c3d2e1f0',
} as const;

/** Asserts that no canary value (or the relative URI) appears in `text`. */
export function assertNoCanary(text: string, where: string): void {
  for (const [name, value] of Object.entries(CANARY)) {
    if (text.includes(value)) throw new Error(`${where} leaked the ${name} canary`);
  }
}

/** An ECS-format success body. */
export function ecsBody(
  fields: {
    key?: string;
    expiration?: Date;
    roleArn?: string;
    secret?: string;
    token?: string;
  } = {},
): string {
  const exp = fields.expiration ?? new Date(Date.now() + 6 * 3600_000);
  return JSON.stringify({
    RoleArn: fields.roleArn ?? 'arn:aws:iam::111122223333:role/orders-task',
    AccessKeyId: fields.key ?? 'ASIAEXAMPLEKEY000001',
    SecretAccessKey: fields.secret ?? CANARY.secret,
    Token: fields.token ?? CANARY.token,
    Expiration: exp.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
}

/** What a child process printed and how it ended. */
export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output until it exits; SIGKILL after `timeoutMs` so a hung child ends the test. */
export async function collect(child: ChildProcess, timeoutMs: number): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c) => {
    stdout += c;
  });
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}

/** The variables `rolecall emulate` prints as `export NAME=value` lines. */
export function exportedVariables(printed: string): Record<string, string> {
  return Object.fromEntries(
    [...printed.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
}
