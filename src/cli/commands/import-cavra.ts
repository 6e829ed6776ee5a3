/**
 * `countersign import cavra`: a CAVRA installation's routing, provider, OIDC and RBAC files
 * become countersign.yaml and policy.yaml, and its approval stores become requests. Everything
 * that could not be carried over is listed with the reason.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../errors/index.js';
import { parseCavraApproval } from '../../import/cavra/approval-record.js';
import { configDocument, policyDocument, renderYaml } from '../../import/cavra/fragments.js';
import type { ConfigFragment } from '../../import/cavra/fragments.js';
import { CavraFileError, parseCavraText, type ImportNote } from '../../import/cavra/notes.js';
import { convertOidc } from '../../import/cavra/oidc.js';
import { convertProviders } from '../../import/cavra/providers.js';
import { convertRbac } from '../../import/cavra/rbac.js';
import { CAVRA_DEFAULT_ROUTING, convertRouting } from '../../import/cavra/routing.js';
import type { RoutingRuleDoc } from '../../import/cavra/routing.js';
import { composeRuntime } from '../lazy-runtime.js';
import { createImportService, type ImportOutcome } from '../../services/import-service.js';
import { localPrincipal } from '../backend.js';
import {
  discoverCavraFiles,
  readCavraText,
  readJsonStore,
  readSqliteStore,
  type CavraFiles,
  type StoreRecord,
} from '../cavra-files.js';
import {
  findConfigFile,
  loadCliConfig,
  requireDeploymentConfig,
  type GlobalOptions,
} from '../context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type Output } from '../output.js';
import { runPlain } from '../run.js';

interface ImportCavraOptions {
  from?: string;
  routing?: string;
  providers?: string;
  oidc?: string;
  rbac?: string;
  store: string[];
  sqlite: string[];
  out?: string;
  dryRun?: boolean;
  environment: string;
  project: string;
  jiraProject?: string;
}

interface Conversion {
  /** Output file name → text. */
  documents: Record<string, string>;
  notes: ImportNote[];
  refused: { file: string; message: string }[];
  converted: string[];
}

function filesOf(o: ImportCavraOptions): CavraFiles {
  const found = o.from ? discoverCavraFiles(o.from) : { jsonStores: [], sqliteStores: [] };
  const pick = (flag: string | undefined, seen: string | undefined) =>
    flag !== undefined ? resolve(flag) : seen;
  const files: CavraFiles = {
    jsonStores: o.store.length > 0 ? o.store.map((f) => resolve(f)) : found.jsonStores,
    sqliteStores: o.sqlite.length > 0 ? o.sqlite.map((f) => resolve(f)) : found.sqliteStores,
  };
  for (const kind of ['routing', 'providers', 'oidc', 'rbac'] as const) {
    const file = pick(o[kind], found[kind]);
    if (file !== undefined) files[kind] = file;
  }
  return files;
}

/** Converts the configuration files; a file CAVRA would refuse is listed, the rest go on. */
function convertConfig(files: CavraFiles, o: ImportCavraOptions): Conversion {
  const c: Conversion = { documents: {}, notes: [], refused: [], converted: [] };
  const outDir = resolve(o.out ?? '.');
  const fragment: ConfigFragment = {};
  const step = (
    file: string | undefined,
    what: string,
    fn: (doc: unknown, file: string) => void,
  ) => {
    if (file === undefined) return;
    try {
      fn(parseCavraText(readCavraText(file, what), file), file);
      c.converted.push(file);
    } catch (err) {
      if (!(err instanceof CavraFileError)) throw err;
      c.refused.push({ file: err.file, message: err.message });
    }
  };
  let routing: RoutingRuleDoc[] | null = null;
  step(files.routing, 'approval routing file', (doc, file) => {
    const r = convertRouting(doc, file);
    routing = r.routing;
    c.notes.push(...r.notes.list);
  });
  if (files.routing === undefined && o.from !== undefined) {
    // no routing file: CAVRA routes with its built-in rules
    routing = convertRouting([...CAVRA_DEFAULT_ROUTING], "CAVRA's default routing").routing;
  }
  step(files.providers, 'approval provider config', (doc, file) => {
    const r = convertProviders(doc, file, o.jiraProject ? { jiraProject: o.jiraProject } : {});
    fragment.providers = r.providers;
    c.notes.push(...r.notes.list);
  });
  step(files.oidc, 'approval OIDC config file', (doc, file) => {
    const r = convertOidc(doc, file, { configDir: dirname(file), outDir });
    if ('source' in r.jwks && !existsSync(r.jwks.source)) {
      throw new CavraFileError(file, `approval OIDC JWKS file not found: ${r.jwks.source}`);
    }
    if ('content' in r.jwks) c.documents[r.jwks.path] = r.jwks.content;
    fragment.oidc = r.oidc;
    c.notes.push(...r.notes.list);
  });
  step(files.rbac, 'approval RBAC file', (doc, file) => {
    const r = convertRbac(doc, file);
    fragment.rbac = r.rbac;
    c.notes.push(...r.notes.list);
  });
  const config = configDocument(fragment);
  const header =
    'Imported from CAVRA by `countersign import cavra`; see docs/migrating-from-cavra.md.';
  if (config) {
    c.documents['countersign.yaml'] = renderYaml(
      `${header}\nMerge these sections into your countersign.yaml.`,
      config,
    );
  }
  if (routing !== null) {
    c.documents['policy.yaml'] = renderYaml(
      `${header}\nCAVRA's baseline rules under CAVRA's rule ids, and its routing (first match wins).`,
      policyDocument(o.environment, routing),
    );
  }
  return c;
}

/** Writes the documents into --out, refusing to overwrite anything (checked before writing). */
function writeDocuments(outDir: string, documents: Record<string, string>): string[] {
  const paths = Object.keys(documents).map((name) => join(outDir, name));
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0) {
    throw new InputError(
      'validation_failed',
      'import cavra never overwrites files',
      existing.map((p) => ({ path: p, message: 'already exists' })),
    );
  }
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(documents))
    writeFileSync(join(outDir, name), text, { flag: 'wx' });
  return paths;
}

/** The record's own id, for reports about a record that failed validation. */
function rawIdOf(raw: unknown): string | null {
  const id = (raw as { approval_id?: unknown } | null)?.approval_id;
  return typeof id === 'string' ? id.slice(0, 64) : null;
}

interface StoreResult {
  file: string;
  kind: 'json' | 'sqlite';
  outcomes: ImportOutcome[];
}

type Refusal = { file: string; message: string };
type LoadedStore = { file: string; kind: 'json' | 'sqlite'; records: StoreRecord[] };

function unreadable(r: StoreRecord): ImportOutcome {
  return { at: r.at, cavraId: null, id: null, result: 'rejected', errors: [r.problem as string] };
}

/** Reads every store; a file that is not a CAVRA store is refused, the others go on. */
function loadStores(files: CavraFiles, refused: Refusal[]): LoadedStore[] {
  const sources: { file: string; kind: 'json' | 'sqlite' }[] = [
    ...files.jsonStores.map((file) => ({ file, kind: 'json' as const })),
    ...files.sqliteStores.map((file) => ({ file, kind: 'sqlite' as const })),
  ];
  const loaded: LoadedStore[] = [];
  for (const s of sources) {
    try {
      const records = s.kind === 'json' ? readJsonStore(s.file) : readSqliteStore(s.file);
      loaded.push({ ...s, records });
    } catch (err) {
      if (!(err instanceof CavraFileError)) throw err;
      refused.push({ file: err.file, message: err.message });
    }
  }
  return loaded;
}

/** A dry run with no deployment named: validation only. */
function validateOnly(s: LoadedStore): StoreResult {
  const outcomes = s.records.map((r): ImportOutcome => {
    if (r.problem) return unreadable(r);
    const p = parseCavraApproval(r.raw);
    return p.ok
      ? {
          at: r.at,
          cavraId: p.record.approvalId,
          id: null,
          result: 'would_import',
          state: p.record.state,
        }
      : { at: r.at, cavraId: rawIdOf(r.raw), id: null, result: 'rejected', errors: p.errors };
  });
  return { file: s.file, kind: s.kind, outcomes };
}

/** Writes the records of every store into the deployment, each in its own transaction. */
async function writeStores(loaded: LoadedStore[], o: ImportCavraOptions, g: GlobalOptions) {
  const rt = await composeRuntime(
    loadCliConfig(requireDeploymentConfig(g, 'import cavra (approval stores)')),
  );
  try {
    const service = createImportService({
      store: rt.store,
      clock: rt.clock,
      ids: rt.ids,
      policy: rt.policy,
      evaluator: rt.services.evaluator,
    });
    const stores: StoreResult[] = [];
    for (const s of loaded) {
      const good = s.records.filter((r) => !r.problem);
      const outcomes = await service.importCavra(localPrincipal([]), good, {
        environment: o.environment,
        project: o.project,
        source: { store: s.kind, file: s.file },
        ...(o.dryRun ? { dryRun: true } : {}),
      });
      const bad = s.records.filter((r) => r.problem).map(unreadable);
      stores.push({ file: s.file, kind: s.kind, outcomes: [...bad, ...outcomes] });
    }
    return stores;
  } finally {
    await rt.close();
  }
}

async function importStores(
  files: CavraFiles,
  o: ImportCavraOptions,
  g: GlobalOptions,
): Promise<{ stores: StoreResult[]; refused: Refusal[] }> {
  const refused: Refusal[] = [];
  const loaded = loadStores(files, refused);
  if (loaded.length === 0) return { stores: [], refused };
  const deployment = g.db !== undefined || findConfigFile(g) !== undefined;
  if (!deployment && o.dryRun) return { stores: loaded.map(validateOnly), refused };
  if (!deployment) {
    // the configuration files convert without a deployment; requests need one to be written to
    const message =
      'not imported: approval stores are written to a deployment (pass --config or --db)';
    for (const s of loaded) refused.push({ file: s.file, message });
    return { stores: [], refused };
  }
  return { stores: await writeStores(loaded, o, g), refused };
}

function printReport(
  out: Output,
  c: Conversion,
  stores: StoreResult[],
  written: string[],
  toStderr: boolean,
): void {
  const say = toStderr ? out.err : out.out;
  for (const f of c.converted) say(`converted ${f}`);
  for (const p of written) say(`wrote ${p}`);
  for (const [kind, title] of [
    ['unmapped', 'not carried over'],
    ['changed', 'carried over with a different meaning'],
  ] as const) {
    const notes = c.notes.filter((n) => n.kind === kind);
    if (notes.length > 0) say(`${title}:`);
    for (const n of notes) say(`  ${n.file} ${n.path}: ${n.message}`);
  }
  for (const r of c.refused) say(`refused ${r.file}: ${r.message}`);
  for (const s of stores) {
    const count = (result: ImportOutcome['result']) =>
      s.outcomes.filter((x) => x.result === result).length;
    const parts = [
      `${count('imported')} imported`,
      ...(count('would_import') > 0 ? [`${count('would_import')} would be imported`] : []),
      `${count('already_imported')} already imported`,
      `${count('rejected')} rejected`,
    ];
    say(`approvals from ${s.file} (${s.kind}): ${parts.join(', ')}`);
    for (const x of s.outcomes.filter((y) => y.result === 'rejected')) {
      say(
        `  rejected ${x.at}${x.cavraId ? ` (${x.cavraId})` : ''}: ${(x.errors ?? []).join('; ')}`,
      );
    }
  }
}

async function run(o: ImportCavraOptions, g: GlobalOptions, out: Output): Promise<void> {
  const files = filesOf(o);
  const any = files.routing ?? files.providers ?? files.oidc ?? files.rbac;
  if (any === undefined && files.jsonStores.length + files.sqliteStores.length === 0 && !o.from) {
    throw new InputError('validation_failed', 'nothing to import', [
      {
        path: '--from',
        message:
          'name a CAVRA directory (--from) or files (--routing, --providers, --oidc, --rbac, --store, --sqlite)',
      },
    ]);
  }
  const conversion = convertConfig(files, o);
  const { stores, refused } = await importStores(files, o, g);
  conversion.refused.push(...refused);
  const write = o.out !== undefined && !o.dryRun;
  const written = write ? writeDocuments(resolve(o.out as string), conversion.documents) : [];
  if (out.json) {
    printJson(out, {
      dryRun: o.dryRun === true,
      documents: conversion.documents,
      written,
      converted: conversion.converted,
      notes: conversion.notes,
      refused: conversion.refused,
      stores,
    });
  } else {
    if (!write) {
      for (const [name, text] of Object.entries(conversion.documents))
        out.out(`# ---- ${name} ----\n${text}`);
    }
    printReport(out, conversion, stores, written, !write);
  }
  const failed =
    conversion.refused.length > 0 ||
    stores.some((s) => s.outcomes.some((x) => x.result === 'rejected'));
  if (failed) process.exitCode = EXIT.usage;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerImportCommands(program: Command): void {
  const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
  const imp = program
    .command('import')
    .description('bring settings and approvals over from another system');
  imp
    .command('cavra')
    .description('convert CAVRA routing, provider, OIDC and RBAC files; import its approval stores')
    .option(
      '--from <dir>',
      'a CAVRA project directory (or its .cavra/); finds every file by its default name',
    )
    .option('--routing <file>', 'approval routing file (JSON or YAML)')
    .option('--providers <file>', 'approval provider config (approval_providers)')
    .option('--oidc <file>', 'approval OIDC config (issuer, audience, jwks_path)')
    .option('--rbac <file>', 'approval RBAC file (group_mappings, repository_permissions)')
    .option('--store <file>', 'a CAVRA JSON approval store (repeatable)', collect, [])
    .option('--sqlite <file>', 'a CAVRA SQLite approval database (repeatable)', collect, [])
    .option(
      '--out <dir>',
      'write countersign.yaml and policy.yaml there (never overwrites); default: print them',
    )
    .option('--dry-run', 'show what would be written and imported; change nothing')
    .option('--environment <env>', 'environment of imported actions (CAVRA has none)', 'prod')
    .option('--project <name>', 'project of imported actions that name no repository', 'cavra')
    .option('--jira-project <key>', 'Jira project key for created issues')
    .action((o: ImportCavraOptions, cmd: Command) =>
      runPlain(g(cmd), (out) => run(o, g(cmd), out)),
    );
}
