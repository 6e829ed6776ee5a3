/** `countersign init | serve | start | migrate`: getting a deployment running. */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, renderStarterConfig, renderStarterPolicy } from '../../config/index.js';
import { ALL_SCOPES, SYSTEM_PRINCIPAL } from '../../domain/principal.js';
import { InputError } from '../../errors/index.js';
import { composeRuntime, startServer } from '../lazy-runtime.js';
import { openStore } from '../../store/open-store.js';
import { INIT_DIR, loadCliConfig, type GlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { runPlain } from '../run.js';

const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * The starter config lives inside the init directory, so its paths are relative to it.
 */
function starterConfigFor(dir: string): string {
  return renderStarterConfig({ dir: resolve(dir, '..') }).replaceAll(`${INIT_DIR}/`, '');
}

export interface InitResult {
  dir: string;
  configFile: string;
  adminToken: string;
  created: boolean;
}

/** Creates `dir` with config, demo policy, signing keys, the SQLite store and an admin key. */
export async function initialise(dir: string, opts: { force?: boolean } = {}): Promise<InitResult> {
  const absolute = resolve(dir);
  const configFile = join(absolute, 'countersign.yaml');
  if (existsSync(configFile) && !opts.force) {
    throw new InputError('validation_failed', `${dir} is already initialised`, [
      { path: configFile, message: 'exists (use --force to overwrite)' },
    ]);
  }
  mkdirSync(absolute, { recursive: true, mode: 0o700 });
  writeFileSync(configFile, starterConfigFor(absolute));
  writeFileSync(join(absolute, 'policy.yaml'), renderStarterPolicy());
  writeFileSync(join(absolute, '.gitignore'), '*\n');
  const config = loadConfig({ file: configFile, env: {} });
  const rt = await composeRuntime(config);
  try {
    const { key } = await rt.services.apiKeys.create(
      SYSTEM_PRINCIPAL,
      { name: 'admin (created by init)', scopes: [...ALL_SCOPES] },
      { bootstrap: true },
    );
    const tokenFile = join(absolute, ADMIN_TOKEN_FILE);
    writeFileSync(tokenFile, `${key}\n`, { mode: 0o600 });
    chmodSync(tokenFile, 0o600);
    return { dir: absolute, configFile, adminToken: key, created: true };
  } finally {
    await rt.close();
  }
}

function nextSteps(url: string, tokenFile: string): string {
  return [
    '',
    'Next, in another terminal:',
    `  export COUNTERSIGN_URL=${url}`,
    `  export COUNTERSIGN_TOKEN=$(cat ${tokenFile})`,
    '  npx countersign evaluate examples/deploy-prod.json',
    '  npx countersign approval create examples/deploy-prod.json',
    '  npx countersign approval list --state pending',
    'The README walks through a full approval with two reviewers.',
  ].join('\n');
}

async function serve(
  opts: GlobalOptions & { logLevel?: string },
  banner?: { tokenFile: string; token?: string },
) {
  const config = loadCliConfig(opts);
  const server = await startServer(
    config,
    opts.logLevel ? { logLevel: opts.logLevel } : { logLevel: 'warn' },
  );
  const lines = [
    `Countersign listening on ${server.url}  (console: ${server.url}/console, API docs: ${server.url}/docs)`,
  ];
  if (config.server.devMode)
    lines.push(
      'devMode is ON: no authentication, anyone can act. Never use it beyond your own machine.',
    );
  if (banner) {
    // the key is shown once, by the start that created it; later starts say where it is
    if (banner.token)
      lines.push(`Admin API key (shown once; also in ${banner.tokenFile}): ${banner.token}`);
    else if (existsSync(banner.tokenFile))
      lines.push(`Admin API key: in ${banner.tokenFile} (readable by you only)`);
    else
      lines.push(
        `No ${banner.tokenFile}: create a key with \`npx countersign apikey create --config ${join(INIT_DIR, 'countersign.yaml')} --name me --scopes admin\``,
      );
    lines.push(nextSteps(server.url, banner.tokenFile));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const shutdown = () => {
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

export function registerSetupCommands(program: Command): void {
  const g = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions & { logLevel?: string }>();
  program
    .command('init')
    .description(
      'create .countersign/ with a starter config, demo policy, signing keys, SQLite store and an admin API key',
    )
    .option('--dir <dir>', 'where', INIT_DIR)
    .option('--force', 'overwrite an existing configuration')
    .action((o: { dir: string; force?: boolean }, cmd: Command) =>
      runPlain(g(cmd), async (out) => {
        const r = await initialise(o.dir, { ...(o.force ? { force: true } : {}) });
        if (out.json)
          return printJson(out, { dir: r.dir, configFile: r.configFile, adminToken: r.adminToken });
        out.out(`initialised ${r.dir}`);
        out.out(
          `admin API key (shown once; also saved to ${join(o.dir, ADMIN_TOKEN_FILE)}, mode 0600):`,
        );
        out.out(`  ${r.adminToken}`);
        out.out('start the server with: npx countersign serve');
      }),
    );

  program
    .command('serve')
    .description('run the API, console and workers')
    .option('--listen <host:port>', 'address to listen on (overrides server.listen)')
    .option('--log-level <level>', 'pino level', 'info')
    .action((_o: unknown, cmd: Command) => runPlain(g(cmd), async () => serve(g(cmd))));

  program
    .command('start')
    .description('the quick start: `init` when .countersign/ is absent, then `serve`')
    .option('--listen <host:port>', 'address to listen on (overrides server.listen)')
    .action((_o: unknown, cmd: Command) =>
      runPlain(g(cmd), async (out) => {
        const tokenFile = join(INIT_DIR, ADMIN_TOKEN_FILE);
        let token: string | undefined;
        if (!existsSync(join(INIT_DIR, 'countersign.yaml'))) {
          token = (await initialise(INIT_DIR)).adminToken;
          out.out(`initialised ${resolve(INIT_DIR)} (demo policy, signing keys, SQLite store)`);
        }
        await serve(
          { ...g(cmd), config: join(INIT_DIR, 'countersign.yaml') },
          { tokenFile, ...(token ? { token } : {}) },
        );
      }),
    );

  program
    .command('migrate')
    .description('bring the store schema up to date (--db URL or the configured store)')
    .action((_o: unknown, cmd: Command) =>
      runPlain(g(cmd), async (out) => {
        const config = loadCliConfig(g(cmd));
        const store = await openStore(config.store, { migrate: true });
        await store.close();
        if (out.json) return printJson(out, { migrated: true, store: config.store.kind });
        out.out(`store is up to date (${config.store.kind})`);
      }),
    );
}
