/**
 * The two INI dialects the SDKs read shared files with, on the lines where they disagree. Every
 * expectation here was observed in the real SDKs by the differential tests (test/tools).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  botocoreConfigProfiles,
  IniSyntaxError,
  jsConfigProfiles,
  parseIniJs,
  parseIniPython,
  shlexSplit,
} from '../../src/check/ini.ts';

const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

test('delimiters, key case and inline comments', () => {
  const text = '[default]\nA_KEY : colon\nUPPER_KEY = v\nhash = a # note\nglued = a# note\n';
  assert.deepEqual(plain(parseIniJs(text)), {
    default: { UPPER_KEY: 'v', hash: 'a', glued: 'a# note' },
  });
  assert.deepEqual(plain(parseIniPython(text)), {
    default: { a_key: 'colon', upper_key: 'v', hash: 'a # note', glued: 'a# note' },
  });
});

test('duplicates: JS merges, later key wins; Python refuses the file', () => {
  const sections = '[a]\nx = 1\n[b]\ny = 2\n[a]\nx = 3\n';
  assert.deepEqual(plain(parseIniJs(sections)), { a: { x: '3' }, b: { y: '2' } });
  assert.throws(() => parseIniPython(sections), IniSyntaxError);
  assert.throws(() => parseIniPython('[a]\nx = 1\nX = 2\n'), /key x appears twice/);
});

test('empty values, text before a section, a line without a delimiter', () => {
  assert.deepEqual(plain(parseIniJs('[a]\nx =\ny = 2\n')), { a: { y: '2' } });
  assert.deepEqual(plain(parseIniPython('[a]\nx =\ny = 2\n')), { a: { x: '', y: '2' } });
  // An indented line after an empty value: a sub-key in JS, the value's next line in Python.
  assert.deepEqual(plain(parseIniJs('[a]\nx =\n  y = 2\n')), { a: { 'x.y': '2' } });
  assert.deepEqual(plain(parseIniPython('[a]\nx =\n  y = 2\n')), { a: { x: '\ny = 2' } });
  assert.deepEqual(plain(parseIniJs('x = 1\n[a]\ny = 2\nnot a pair\n')), { a: { y: '2' } });
  assert.throws(() => parseIniPython('x = 1\n[a]\n'), /before any \[section\]/);
  assert.throws(() => parseIniPython('[a]\nnot a pair\n'), /not a key = value line/);
});

test('an indented line continues the value in Python, and is a plain key in JS', () => {
  const text = '[a]\nrole_arn = arn\n  source_profile = b\n';
  assert.deepEqual(plain(parseIniJs(text)), { a: { role_arn: 'arn', source_profile: 'b' } });
  assert.deepEqual(plain(parseIniPython(text)), { a: { role_arn: 'arn\nsource_profile = b' } });
});

test('[DEFAULT] gives its keys to every section in Python only', () => {
  const text = '[DEFAULT]\nregion = r\n[a]\nx = 1\n';
  assert.deepEqual(plain(parseIniPython(text)), { a: { region: 'r', x: '1' } });
  assert.deepEqual(plain(parseIniJs(text)), { DEFAULT: { region: 'r' }, a: { x: '1' } });
});

test('config-file section names: which are profiles, per SDK', () => {
  const text = [
    '[profile two  spaces]',
    'k = 1',
    '[profile  wide]',
    'k = 2',
    '[profile "quoted"]',
    'k = 3',
    '[profile.dotted]',
    'k = 4',
    '[bare]',
    'k = 5',
    '[sso-session s]',
    'k = 6',
  ].join('\n');
  assert.deepEqual(Object.keys(jsConfigProfiles(parseIniJs(text))).sort(), [
    'dotted',
    'quoted',
    'sso-session.s',
  ]);
  assert.deepEqual(Object.keys(botocoreConfigProfiles(parseIniPython(text))).sort(), [
    'quoted',
    'sso-session.s',
    'wide',
  ]);
});

test('[default] and [profile default]: JS prefers the latter, Python the later in the file', () => {
  const text = '[profile default]\nk = profile\n[default]\nk = plain\n';
  assert.equal(jsConfigProfiles(parseIniJs(text)).default?.k, 'profile');
  assert.equal(botocoreConfigProfiles(parseIniPython(text)).default?.k, 'plain');
});

test('shlexSplit follows Python: quotes, escapes, and null on an open quote', () => {
  assert.deepEqual(shlexSplit(`profile "a b"`), ['profile', 'a b']);
  assert.deepEqual(shlexSplit(`profile 'x'y`), ['profile', 'xy']);
  assert.deepEqual(shlexSplit('profile  a\\ b'), ['profile', 'a b']);
  assert.equal(shlexSplit('profile "open'), null);
});
