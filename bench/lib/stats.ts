/** Medians and rounding for the bench's figures. */
export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export const round = (x: number, digits = 2): number => +x.toFixed(digits);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
