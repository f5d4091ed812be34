/**
 * Each SDK's own view of the shared files: the same text parsed by that SDK's parser (ini.ts).
 * Pure. An input built with profiles only (no text) is the same for every SDK.
 */
import {
  botocoreConfigProfiles,
  IniSyntaxError,
  jsConfigProfiles,
  parseIniJs,
  parseIniPython,
} from './ini.ts';
import type { ChainInput, ParsedProfiles, Sdk } from './types.ts';

/** Which parser an SDK uses. Go and Java have their own; the JS one is the closest stand-in. */
const PARSER: Readonly<Record<Sdk, 'python' | 'js'>> = {
  botocore: 'python',
  'js-v3': 'js',
  'go-v2': 'js',
  'java-v2': 'js',
};

export function sdkView(input: ChainInput, sdk: Sdk): ChainInput {
  const { credentials, config } = input;
  if (credentials.text === undefined && config.text === undefined) return input;
  return PARSER[sdk] === 'python' ? pythonView(input) : jsView(input);
}

function jsView(input: ChainInput): ChainInput {
  // The JS loader swallows a file it cannot parse: that file then holds no profiles.
  const parse = (text: string): Record<string, Record<string, string>> => {
    try {
      return parseIniJs(text);
    } catch {
      return Object.create(null);
    }
  };
  const cred = input.credentials.text;
  const conf = input.config.text;
  return {
    ...input,
    credentials: { ...input.credentials, profiles: cred == null ? null : parse(cred) },
    config: { ...input.config, profiles: conf == null ? null : jsConfigProfiles(parse(conf)) },
  };
}

function pythonView(input: ChainInput): ChainInput {
  let iniError: string | undefined;
  const parse = (path: string, text: string | null | undefined) => {
    if (text == null) return null;
    try {
      return parseIniPython(text);
    } catch (err) {
      if (!(err instanceof IniSyntaxError)) throw err;
      iniError ??= `${path}: ${err.message}`;
      return Object.create(null) as Record<string, Record<string, string>>;
    }
  };
  const cred = parse(input.credentials.path, input.credentials.text);
  const conf = parse(input.config.path, input.config.text);
  const profiles: ParsedProfiles | null = conf === null ? null : botocoreConfigProfiles(conf);
  return {
    ...input,
    credentials: { ...input.credentials, profiles: cred },
    config: { ...input.config, profiles },
    ...(iniError === undefined ? {} : { iniError }),
  };
}
