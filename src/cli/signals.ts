/**
 * The signals that stop a long-running command (serve, emulate, demo), caught from the first line
 * of the process, before any module that takes time to load: a SIGTERM during start-up is then a
 * clean stop (exit 0) instead of the default kill (143). SIGHUP stops too: there is no
 * configuration file to reload, and a closed terminal should stop the process the same way.
 */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

const LONG_RUNNING = new Set(['serve', 'emulate', 'demo']);

export interface SignalLatch {
  /** Resolves with the first stop signal, at once if it already arrived. */
  until(): Promise<string>;
  received(): string | null;
}

/** The command `argv` runs, as `main` decides it. */
function commandOf(argv: readonly string[]): string {
  const first = argv[0];
  return first === undefined || first.startsWith('-') ? 'serve' : first;
}

/** Catches the stop signals when `argv` runs a long-running command; otherwise null (defaults). */
export function catchStopSignals(argv: readonly string[]): SignalLatch | null {
  if (!LONG_RUNNING.has(commandOf(argv)) || argv.includes('--help') || argv.includes('-h'))
    return null;
  let received: string | null = null;
  const waiting: ((signal: string) => void)[] = [];
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (received !== null) return;
      received = signal;
      for (const resolve of waiting.splice(0)) resolve(signal);
    });
  }
  return {
    until: () =>
      received !== null ? Promise.resolve(received) : new Promise((r) => waiting.push(r)),
    received: () => received,
  };
}
