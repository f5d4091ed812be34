/**
 * Glob matching for ROLECALL_EXPECTED_ROLE and `check --expect-role`: agrees with a plain dynamic
 * programming reference on adversarial patterns and targets, and stays fast on inputs that make a
 * backtracking regex take seconds or minutes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { globMatch } from '../../src/lib/glob.ts';
import { matchRole } from '../../src/lib/role-match.ts';

const RUNS = { numRuns: 2000, seed: 20261130 };

/** The textbook O(n·m) table: cell (i, j) says whether pattern[0..i) matches text[0..j). */
function reference(pattern: string, text: string): boolean {
  let prev = new Array<boolean>(text.length + 1).fill(false);
  prev[0] = true;
  for (const p of pattern) {
    const next = new Array<boolean>(text.length + 1).fill(false);
    if (p === '*') {
      next[0] = prev[0] ?? false;
      for (let j = 1; j <= text.length; j++) next[j] = (prev[j] ?? false) || (next[j - 1] ?? false);
    } else {
      for (let j = 1; j <= text.length; j++)
        next[j] = (prev[j - 1] ?? false) && (p === '?' || p === text[j - 1]);
    }
    prev = next;
  }
  return prev[text.length] ?? false;
}

/** Small alphabets make matches and near misses likely; `*` and `?` runs make them adversarial. */
const alphabet = fc.constantFrom('a', 'b', '-', '/', ':');
const patternChar = fc.oneof(alphabet, fc.constantFrom('*', '?', '**'));
const pattern = fc.array(patternChar, { maxLength: 14 }).map((a) => a.join(''));
const text = fc.array(alphabet, { maxLength: 24 }).map((a) => a.join(''));

test('globMatch agrees with the reference on small alphabets', () => {
  fc.assert(
    fc.property(pattern, text, (p, t) => globMatch(p, t) === reference(p, t)),
    RUNS,
  );
});

test('globMatch agrees with the reference on any strings, and a pattern matches itself', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 }), (p, t) => {
      assert.equal(globMatch(p, t), reference(p, t));
      const literal = p.replace(/[*?]/g, '');
      assert.equal(globMatch(literal, literal), true);
    }),
    RUNS,
  );
});

test('a target built to match a pattern matches it', () => {
  const built = fc
    .array(fc.tuple(fc.constantFrom('*', '?', 'x'), fc.string({ maxLength: 4 })), {
      maxLength: 8,
    })
    .map((parts) => ({
      pattern: parts.map(([w, lit]) => (w === 'x' ? lit.replace(/[*?]/g, '') : w)).join(''),
      text: parts
        .map(([w, lit]) =>
          w === '*' ? lit.replace(/[*?]/g, '') : w === '?' ? 'q' : lit.replace(/[*?]/g, ''),
        )
        .join(''),
    }));
  fc.assert(
    fc.property(built, ({ pattern: p, text: t }) => globMatch(p, t)),
    RUNS,
  );
});

test('catastrophic-backtracking shapes answer within a few milliseconds each', () => {
  // The shapes that make `^.*-.*-.*-task$` style regexes explode, at the 2,048-character bound.
  const cases: [string, string][] = [
    ['*-*-*-task', 'a-'.repeat(1024)],
    ['*-*-*-*-*-*-*-*-*-*-*-x', '-'.repeat(2048)],
    ['*a*a*a*a*a*a*a*a*b', 'a'.repeat(2048)],
    ['*?*?*?*?*?*?*?*?*b', 'a'.repeat(2048)],
    [`${'?'.repeat(1000)}*b`, 'a'.repeat(2048)],
    [`*${'a?'.repeat(500)}b`, 'a'.repeat(2048)],
  ];
  for (const [p, t] of cases) {
    const started = performance.now();
    for (let i = 0; i < 10; i++) assert.equal(globMatch(p, t), false);
    const each = (performance.now() - started) / 10;
    // Generous for a loaded CI machine: the regex took seconds to minutes on these.
    assert.ok(each < 50, `${p.slice(0, 30)}: ${each.toFixed(1)} ms per match`);
  }
});

test('matchRole on a 2,048-character ARN answers at once', () => {
  const arn = `arn:aws:iam::111122223333:role/${'a-'.repeat(1008)}`;
  const started = performance.now();
  assert.equal(matchRole('*-*-*-task', arn), false);
  assert.ok(performance.now() - started < 50);
});
