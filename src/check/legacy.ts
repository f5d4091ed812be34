/**
 * botocore's legacy credential files, read after the shared files and before the container:
 * `AWS_CREDENTIAL_FILE` (`AWSAccessKeyId=` lines) and the boto 2 file (`BOTO_CONFIG`, else
 * /etc/boto.cfg and ~/.boto, `[Credentials]`). No other SDK reads them. Pure.
 */
import { maskAccessKeyId } from '../lib/aws-env.ts';
import { source } from './env.ts';
import { parseIniPython, parseKeyValues } from './ini.ts';
import { fatal, type Outcome, skip, use } from './outcome.ts';
import type { ChainInput, Source } from './types.ts';

/** `AWS_CREDENTIAL_FILE` (defined, even empty): a missing file raises. */
export function legacyCredentialFile(input: ChainInput): Outcome {
  if (input.env.AWS_CREDENTIAL_FILE === undefined) return skip();
  const f = input.legacy?.credentialFile;
  if (f == null || f.text === null) {
    return fatal(`ConfigNotFound: AWS_CREDENTIAL_FILE ${f?.path ?? ''} cannot be read`);
  }
  const kv = parseKeyValues(f.text);
  if (kv.AWSAccessKeyId === undefined) return skip();
  if (kv.AWSSecretKey === undefined) return fatal(`KeyError: ${f.path} has no AWSSecretKey`);
  return use(
    legacySource('ec2-credentials-file', `${f.path} (AWS_CREDENTIAL_FILE)`, kv.AWSAccessKeyId),
  );
}

/** `BOTO_CONFIG`, else /etc/boto.cfg and ~/.boto: `[Credentials]` keys. */
export function botoFile(input: ChainInput): Outcome {
  for (const f of input.legacy?.boto ?? []) {
    if (f.text === null) continue;
    let sections: ReturnType<typeof parseIniPython>;
    try {
      sections = parseIniPython(f.text);
    } catch (err) {
      return fatal(`ConfigParseError: ${f.path}: ${(err as Error).message}`);
    }
    const creds = sections.Credentials;
    const id = creds?.aws_access_key_id;
    if (id === undefined) continue;
    if (creds?.aws_secret_access_key === undefined) {
      return fatal(`PartialCredentialsError: ${f.path} [Credentials] lacks aws_secret_access_key`);
    }
    return use(legacySource('boto-config', `${f.path} [Credentials]`, id));
  }
  return skip();
}

function legacySource(type: Source['type'], evidence: string, keyId: string): Source {
  return source(type, evidence, {
    accessKeyIdMasked: maskAccessKeyId(keyId),
    notes: ['a legacy botocore file: other SDKs do not read it'],
  });
}
