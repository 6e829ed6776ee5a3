#!/usr/bin/env node
// The countersign CLI. The TypeScript sources are compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// the CLI bundled into one module by the build (scripts/bundle-cli.js)
const entry = new URL('../dist/cli/countersign.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    'countersign is not built yet: run `npm run build` (npm ci does it for you)\n',
  );
  process.exit(2);
}
const { main } = await import(entry.href);
await main(process.argv);
