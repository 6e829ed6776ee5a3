// Bundles the compiled CLI (<dist>/src/cli/main.js) with the pure-JavaScript packages it loads into
// one ES module, <dist>/cli/countersign.js, which bin/countersign.js runs. A command then reads one
// file instead of resolving and reading over a thousand modules: about a third less CPU per
// command. The package's library entry points (./verify, ./client, ./evidence) stay unbundled.
//
//   node scripts/bundle-cli.js [dist]    (scripts/build.js runs it on every build)
//
// Files found relative to a module keep working: each `import.meta.url` in our sources becomes that
// source file's own URL, computed from the bundle's location (worker scripts, the console's files,
// package.json), so the bundle can sit anywhere as long as dist/ keeps its layout. Packages that
// find files relative to themselves (`__dirname`) or load code by a computed name stay external and
// are imported from node_modules as usual; so do native addons.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Packages the bundle imports from node_modules: native addons, and packages that read their own
 * files (`__dirname`), start workers from files, or `require` a computed name. `node
 * scripts/bundle-cli.js --audit` lists the bundled packages that do any of that.
 */
export const EXTERNAL = [
  'better-sqlite3',
  'pg-native',
  'pino',
  'thread-stream',
  'commander',
  '@fastify/swagger',
  '@fastify/swagger-ui',
  '@fastify/cookie',
];

/** CommonJS packages in an ES module bundle still get a working `require` (also the Action's). */
export const REQUIRE_BANNER =
  "import { createRequire as __csCreateRequire } from 'node:module';\nconst require = __csCreateRequire(import.meta.url);";

/** `import.meta.url` of the file at `source`, as an expression valid inside the bundle at `outfile`. */
export function metaUrlExpression(source, outfile) {
  let rel = relative(dirname(outfile), source).split(sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
}

function ownMetaUrl(outfile) {
  return {
    name: 'own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        return {
          contents: text.replaceAll('import.meta.url', metaUrlExpression(args.path, outfile)),
          loader: 'js',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

/** Builds <dist>/cli/countersign.js from <dist>/src/cli/main.js; returns the bundled inputs. */
export async function bundleCli(dist) {
  const outfile = join(dist, 'cli', 'countersign.js');
  const result = await build({
    entryPoints: [join(dist, 'src', 'cli', 'main.js')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // an ASCII file (other characters escaped) decodes and parses faster than a UTF-8 one, and the
    // CLI parses all of it on every command; names and line breaks inside a line stay as written
    minifyWhitespace: true,
    legalComments: 'eof',
    external: EXTERNAL,
    banner: { js: REQUIRE_BANNER },
    plugins: [ownMetaUrl(outfile)],
    metafile: true,
    logLevel: 'warning',
  });
  return Object.keys(result.metafile.inputs);
}

/** Bundled packages that find files relative to themselves or load code by a computed name. */
async function audit(inputs) {
  const found = new Map();
  for (const file of inputs) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (!m) continue;
    const text = await readFile(file, 'utf8');
    const hits = ['__dirname', '__filename', 'require.resolve', 'new Worker'].filter((p) =>
      text.includes(p),
    );
    if (/\brequire\(\s*[A-Za-z_$][\w$.]*\s*\)/.test(text)) hits.push('require(<name>)');
    if (hits.length > 0) found.set(m[1], [...new Set([...(found.get(m[1]) ?? []), ...hits])]);
  }
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'dist';
  const inputs = await bundleCli(dist);
  if (process.argv.includes('--audit')) {
    const found = await audit(inputs);
    for (const [name, hits] of found) console.log(`${name}: ${hits.join(', ')}`);
    if (found.size > 0) process.exit(1);
  }
}
