/**
 * Lints section headers, the one mistake the INI loader hides: it silently drops a config-file
 * `[x]` (only `[profile x]` and `[default]` are profiles there) and keeps a credentials-file
 * `[profile x]` as a profile literally named "profile x". Only header lines are looked at; values
 * are left to the per-SDK parsers in `ini.ts`.
 */

const HEADER = /^\s*\[([^\]]*)\]\s*(?:[;#].*)?$/;
const CONFIG_PREFIXES = ['profile ', 'sso-session ', 'services '];

export function sectionWarnings(
  kind: 'credentials' | 'config',
  path: string,
  text: string,
): string[] {
  const warnings: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = HEADER.exec(line);
    if (m === null) continue;
    const name = (m[1] ?? '').trim();
    if (kind === 'config') {
      if (name !== 'default' && !CONFIG_PREFIXES.some((p) => name.startsWith(p))) {
        warnings.push(
          `${path}: section [${name}] is not a profile; in the config file write [profile ${name}]`,
        );
      }
    } else if (name.startsWith('profile ')) {
      const bare = name.slice('profile '.length).trim();
      warnings.push(
        `${path}: section [${name}] is not profile ${bare}; in the credentials file write [${bare}]`,
      );
    }
  }
  return warnings;
}
