/** Durations as the configuration spells them: `500ms`, `30s`, `5m`, `1h`. */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or null when the text is not `<integer><ms|s|m|h>`. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,9})(ms|s|m|h)$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * (UNITS[m[2] ?? ''] ?? Number.NaN);
}

/** Short human form for details and logs: `45s`, `12m`, `5.9h`. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

/** Milliseconds back in the configuration's own form, exactly: 60000 → `1m`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
