/** Terminal-safe text: every control, C1 and bidi character written out, nothing else touched. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { humanLine } from '../../src/cli/commands/demo.ts';
import { safeLines, safeText } from '../../src/lib/safe-text.ts';

/** Written independently of the implementation (which tests code points one by one). */
// biome-ignore lint/complexity/useRegexLiterals: a literal would hold raw control characters
const UNSAFE = new RegExp(
  '[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]',
);

test('each unsafe character is shown as an escape', () => {
  assert.equal(safeText('\u001b]0;pwned\u0007'), '\\x1b]0;pwned\\x07');
  assert.equal(safeText('a\r\nb\t\u0000'), 'a\\x0d\\x0ab\\x09\\x00');
  assert.equal(safeText('\u007f\u0085\u009b'), '\\x7f\\x85\\x9b');
  assert.equal(
    safeText('\u202eevil\u202c \u2066x\u2069 \u200f\u061c\u2028'),
    '\\u202eevil\\u202c \\u2066x\\u2069 \\u200f\\u061c\\u2028',
  );
  assert.equal(
    safeText('arn:aws:iam::111122223333:role/é-ü-任务 ✓'),
    'arn:aws:iam::111122223333:role/é-ü-任务 ✓',
  );
});

test('no unsafe character survives; safe strings are unchanged; lines stay lines', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      const out = safeText(s);
      assert.ok(!UNSAFE.test(out));
      if (!UNSAFE.test(s)) assert.equal(out, s);
      assert.equal(safeLines([s, s]).split('\n').length, 3);
    }),
    { numRuns: 1000, seed: 20261130 },
  );
});

test("the demo's event lines are escaped", () => {
  const line = humanLine(
    JSON.stringify({
      level: 'warn',
      time: '2026-11-30T12:00:00.000Z',
      event: 'credentials.role_changed',
      newRoleArn: 'arn:aws:iam::111122223333:role/x\r\u001b[2K12:00:00 info  health ok',
    }),
  );
  assert.ok(line !== null && !UNSAFE.test(line), line ?? '');
  assert.match(line, /\\x0d\\x1b\[2K12:00:00 info {2}health ok/);
});
