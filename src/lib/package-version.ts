/** The version in package.json, for `countersign version`, the API and the MCP server. */
import { existsSync, readFileSync } from 'node:fs';

export function packageVersion(): string {
  // compiled: dist/src/lib/package-version.js; run from source: src/lib/package-version.ts
  const file = existsSync(new URL('../../../package.json', import.meta.url))
    ? new URL('../../../package.json', import.meta.url)
    : new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
  return pkg.version;
}
