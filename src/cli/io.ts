/** What a command may touch of the process: injected, so tests run commands in-process. */
export interface Io {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** Resolves when SIGTERM, SIGINT or SIGHUP arrives (injected so tests can stop `serve` in-process). */
  readonly untilSignal: () => Promise<string>;
  /** How to run this CLI again from any directory, for printed hints (default `rolecall`). */
  readonly self?: () => string;
}
