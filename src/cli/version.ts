import { createRequire } from 'node:module';

/** The package version, read from package.json next to `dist/` (or `src/`). */
export function version(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return pkg.version;
}
