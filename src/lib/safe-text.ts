/**
 * Text meant for a terminal, with every character that could move the cursor, end a line, recolour
 * or retitle the terminal, or reorder what is shown written out visibly instead: C0 controls
 * (CR and LF included: call this per line), DEL, C1 controls, the bidirectional overrides and
 * isolates, and the line and paragraph separators. JSON output does not need it.
 */
function unsafe(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/** `s` with each unsafe character as `\xNN` or `\uNNNN`; everything else unchanged. */
export function safeText(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (!unsafe(code)) continue;
    out +=
      s.slice(from, i) +
      (code <= 0xff
        ? `\\x${code.toString(16).padStart(2, '0')}`
        : `\\u${code.toString(16).padStart(4, '0')}`);
    from = i + 1;
  }
  return from === 0 ? s : out + s.slice(from);
}

/** Lines joined for a terminal, each escaped on its own, so no value can start a new line. */
export function safeLines(lines: readonly string[]): string {
  return `${lines.map(safeText).join('\n')}\n`;
}
