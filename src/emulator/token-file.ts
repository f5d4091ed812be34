/**
 * The EKS emulator's service-account token: a synthetic JWT (three base64url segments shaped like a
 * projected Kubernetes token, signed by nobody) and the 0600 file it lives in. The file is replaced
 * by rename, so a reader re-reading it on every request never sees it half written.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * A JWT-shaped token. `random` supplies the pod UID and the (meaningless) signature, so tokens
 * differ; `issuedMs` sets `iat`/`nbf` and a 24 h `exp`. No CR or LF, so every SDK sends it.
 */
export function syntheticServiceAccountToken(random: (bytes: number) => Buffer, issuedMs: number) {
  const iat = Math.floor(issuedMs / 1000);
  const uid = random(16).toString('hex');
  const header = { alg: 'RS256', kid: random(20).toString('hex') };
  const claims = {
    aud: ['pods.eks.amazonaws.com'],
    exp: iat + 86_400,
    iat,
    iss: 'https://oidc.eks.us-west-2.amazonaws.com/id/ROLECALLEMULATOR',
    'kubernetes.io': {
      namespace: 'default',
      pod: { name: 'orders-7d4b9c6f5-x2x7k', uid },
      serviceaccount: { name: 'orders', uid: random(16).toString('hex') },
    },
    nbf: iat,
    sub: 'system:serviceaccount:default:orders',
  };
  return `${b64(header)}.${b64(claims)}.${random(256).toString('base64url')}`;
}

/** A private directory (mkdtemp creates it 0700) for the token file. */
export function createTokenDir(): string {
  return mkdtempSync(join(tmpdir(), 'rolecall-emulator-'));
}

/** Writes the token to `path` with mode 0600, atomically (temporary file, then rename). */
export function writeTokenFile(path: string, token: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, token, { mode: 0o600 });
  renameSync(tmp, path);
}

export function removeTokenDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
