/**
 * The shared files as each SDK reads them. The JS SDK (and, unverified, Go and Java) uses the line
 * parser of `@smithy/shared-ini-file-loader`; botocore uses Python's `configparser.RawConfigParser`
 * (strict) and then its own profile map. They disagree on delimiters, key case, comments,
 * duplicates, `[DEFAULT]` and section names, so one file can hold different profiles per SDK.
 * Pure; the differential tests hold both ports to the real SDKs.
 */
import type { IniSection, ParsedProfiles } from './types.ts';

type MutableSections = Record<string, Record<string, string>>;

const dict = (): MutableSections => Object.create(null) as MutableSections;

/** `@smithy/shared-ini-file-loader` `parseIni`: `=` only, inline comments after whitespace. */
export function parseIniJs(text: string): MutableSections {
  const map = dict();
  const prefixKey = /^([\w-]+)\s(["'])?([\w-@+.%:/]+)\2$/;
  let section: string | undefined;
  let sub: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = (raw.split(/(^|\s)[;#]/)[0] ?? '').trim();
    if (line[0] === '[' && line[line.length - 1] === ']') {
      section = undefined;
      sub = undefined;
      const name = line.substring(1, line.length - 1);
      const m = prefixKey.exec(name);
      if (m) {
        if (['profile', 'sso-session', 'services'].includes(m[1]!)) section = `${m[1]}.${m[3]}`;
      } else {
        section = name;
      }
      if (name === '__proto__' || name === 'profile __proto__') {
        throw new IniSyntaxError(`invalid profile name "${name}"`);
      }
    } else if (section !== undefined) {
      const eq = line.indexOf('=');
      if (eq > 0) {
        const key = line.substring(0, eq).trim();
        const value = line.substring(eq + 1).trim();
        if (value === '') {
          sub = key;
        } else {
          if (sub !== undefined && raw.trimStart() === raw) sub = undefined;
          map[section] ??= Object.create(null) as Record<string, string>;
          map[section]![sub === undefined ? key : `${sub}.${key}`] = value;
        }
      }
    }
  }
  return map;
}

/** `getConfigData`: config-file `[profile x]` is `x`; `[profile default]` beats `[default]`. */
export function jsConfigProfiles(map: MutableSections): ParsedProfiles {
  const out: Record<string, IniSection> = Object.create(null);
  if (map.default !== undefined) out.default = map.default;
  for (const [key, value] of Object.entries(map)) {
    const dot = key.indexOf('.');
    if (dot === -1) continue;
    const prefix = key.substring(0, dot);
    if (!['profile', 'sso-session', 'services'].includes(prefix)) continue;
    out[prefix === 'profile' ? key.substring(dot + 1) : key] = value;
  }
  return out;
}

export class IniSyntaxError extends Error {
  override name = 'IniSyntaxError';
}

const PY_OPTION = /^(.*?)\s*([=:])\s*(.*)$/;

/**
 * `RawConfigParser(strict=True).read()` then botocore's `raw_config_parse`: `=` and `:`, keys
 * lower-cased, whole-line comments only, indented lines continue a value, `[DEFAULT]` keys in
 * every section, and a duplicate section or key, a line outside a section or without a delimiter
 * is an error (the message never quotes the line, which may hold a secret).
 */
export function parseIniPython(text: string): MutableSections {
  const sections = new Map<string, Map<string, string[]>>();
  const defaults = new Map<string, string[]>();
  const added = new Set<string>();
  let cur: Map<string, string[]> | null = null;
  let sectName: string | null = null;
  let opt: string | null = null;
  let indent = 0;
  let bad: number | null = null;
  // Python's universal newlines: \r\n, \r and \n all end a line.
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    const lineno = i + 1;
    const isComment = /^\s*[#;]/.test(line);
    const value = isComment ? '' : line.trim();
    if (value === '') {
      if (!isComment && cur !== null && opt !== null) cur.get(opt)?.push('');
      return;
    }
    const curIndent = line.length - line.trimStart().length;
    if (cur !== null && opt !== null && curIndent > indent) {
      cur.get(opt)!.push(value);
      return;
    }
    indent = curIndent;
    const header = /^\[(.+)\]/.exec(value);
    if (header) {
      sectName = header[1]!;
      if (sections.has(sectName)) {
        if (added.has(sectName)) {
          throw new IniSyntaxError(`section [${sectName}] appears twice (line ${lineno})`);
        }
        cur = sections.get(sectName)!;
      } else if (sectName === 'DEFAULT') {
        cur = defaults;
      } else {
        cur = new Map();
        sections.set(sectName, cur);
      }
      added.add(sectName);
      opt = null;
      return;
    }
    if (cur === null) throw new IniSyntaxError(`line ${lineno} comes before any [section]`);
    const m = PY_OPTION.exec(value);
    if (m === null || m[1] === '') {
      bad ??= lineno;
      return;
    }
    opt = m[1]!.trimEnd().toLowerCase();
    const id = `${sectName}\0${opt}`;
    if (added.has(id)) {
      throw new IniSyntaxError(`key ${opt} appears twice in [${sectName}] (line ${lineno})`);
    }
    added.add(id);
    cur.set(opt, [m[3]!.trim()]);
  });
  if (bad !== null) throw new IniSyntaxError(`line ${bad} is not a key = value line`);
  const join = (v: string[]) => v.join('\n').trimEnd();
  const out = dict();
  for (const [name, options] of sections) {
    const section: Record<string, string> = Object.create(null);
    for (const [k, v] of defaults) section[k] = join(v);
    for (const [k, v] of options) section[k] = join(v);
    out[name] = section;
  }
  return out;
}

/**
 * botocore `build_profile_map`: a section whose name starts with `profile` is split like a shell
 * line and counts when it has exactly two words; `[default]` is a profile; in file order, so a
 * later `[profile default]` replaces an earlier `[default]` and the other way round.
 */
export function botocoreConfigProfiles(sections: MutableSections): ParsedProfiles {
  const out: Record<string, IniSection> = Object.create(null);
  for (const [key, values] of Object.entries(sections)) {
    for (const prefix of ['profile', 'sso-session'] as const) {
      if (!key.startsWith(prefix)) continue;
      const parts = shlexSplit(key);
      if (parts !== null && parts.length === 2) {
        out[prefix === 'profile' ? parts[1]! : `sso-session.${parts[1]}`] = values;
      }
    }
    if (key === 'default') out.default = values;
  }
  return out;
}

/** Python's `shlex.split` (POSIX mode, no comments); null where it raises (an open quote). */
export function shlexSplit(s: string): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote === "'") {
      if (ch === "'") quote = null;
      else word = `${word ?? ''}${ch}`;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\'))
        word = `${word ?? ''}${s[++i]}`;
      else word = `${word ?? ''}${ch}`;
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (ch === '\\') {
      if (i + 1 >= s.length) return null;
      word = (word ?? '') + s[++i];
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (quote !== null) return null;
  if (word !== null) words.push(word);
  return words;
}

/** botocore's `parse_key_val_file_contents` (the legacy `AWS_CREDENTIAL_FILE`). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const line of text.split(/\r\n|\r|\n/)) {
    const eq = line.indexOf('=');
    if (eq === -1) continue;
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}
