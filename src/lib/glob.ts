/**
 * Glob matching (`*` any run, `?` one character) without a regular expression, so no input can
 * make it backtrack: the pattern is split at `*` and each piece is found at its leftmost place,
 * which is correct for `*`-separated pieces. At most pattern × target comparisons.
 */

/** Whether `piece` (where `?` matches any one character) matches `text` at `at`. */
function pieceAt(piece: string, text: string, at: number): boolean {
  for (let i = 0; i < piece.length; i++) {
    const p = piece.charCodeAt(i);
    if (p !== 63 /* ? */ && p !== text.charCodeAt(at + i)) return false;
  }
  return true;
}

/** The leftmost index in [`from`, `end` - piece length] where `piece` matches, or -1. */
function findPiece(piece: string, text: string, from: number, end: number): number {
  if (!piece.includes('?')) {
    const at = text.indexOf(piece, from);
    return at >= 0 && at + piece.length <= end ? at : -1;
  }
  for (let at = from; at + piece.length <= end; at++) if (pieceAt(piece, text, at)) return at;
  return -1;
}

/** Whether `text` matches `pattern` as a whole. */
export function globMatch(pattern: string, text: string): boolean {
  const pieces = pattern.split('*');
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return first.length === text.length && pieceAt(first, text, 0);
  const last = pieces[pieces.length - 1] ?? '';
  if (first.length + last.length > text.length) return false;
  if (!pieceAt(first, text, 0) || !pieceAt(last, text, text.length - last.length)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    if (piece === '') continue;
    const found = findPiece(piece, text, at, end);
    if (found < 0) return false;
    at = found + piece.length;
  }
  return true;
}
