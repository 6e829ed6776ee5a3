/**
 * The Ed25519 key ring: a directory of key files (see key-file.ts). Keys are parsed once and
 * cached; `reloadIfChanged` re-reads only files whose inode, size, mtime or mode changed, so a
 * running server picks up `countersign keys rotate|revoke` from another process cheaply.
 */
import { generateKeyPairSync, sign as signBytes, type KeyObject } from 'node:crypto';
import { mkdir, readdir, lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, CredentialError } from '../errors/index.js';
import { systemClock, type Clock } from '../lib/clock.js';
import {
  hasLoosePermissions,
  KEY_PURPOSES,
  newKeyContent,
  readKeyFile,
  writeKeyFile,
  type KeyFileContent,
  type KeyInfo,
  type KeyPurpose,
  type LoadedKey,
} from './key-file.js';
import { publicJwkOf, type PublicJwks } from './jwks.js';

export type { KeyInfo, KeyPurpose, KeyStatus } from './key-file.js';

/** The private half of the newest active key of a purpose. */
export interface SigningKey {
  kid: string;
  purpose: KeyPurpose;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface KeyRing {
  readonly dir: string;
  /** Bumped on every change of the loaded keys; lets callers rebuild derived state. */
  readonly generation: number;
  /** Creates an active credential key and an active checkpoint key where none is active. */
  ensureKeys(): Promise<KeyInfo[]>;
  /** Every key, oldest first, without private material. */
  list(): KeyInfo[];
  /** Adds a new active key; the previously active keys of that purpose become retired. */
  rotate(purpose: KeyPurpose): Promise<KeyInfo>;
  /** Marks a key revoked: it leaves the JWKS and never verifies again. */
  revoke(kid: string): Promise<KeyInfo>;
  /** The newest active key of a purpose; `keyset_unavailable` when there is none. */
  activeKey(purpose: KeyPurpose): SigningKey;
  /** Active and retired public keys (revoked ones are absent). */
  publicJwks(): PublicJwks;
  /** Raw Ed25519 signature of `bytes` with the active key of `purpose`. */
  sign(purpose: KeyPurpose, bytes: Uint8Array): { kid: string; signature: Uint8Array };
  /** Re-reads every key file. */
  reload(): Promise<void>;
  /** Re-reads changed files only; true when something changed. */
  reloadIfChanged(): Promise<boolean>;
  /** Calls `reloadIfChanged` every `intervalMs` (default 1000) until the returned stop is called. */
  watch(intervalMs?: number, onError?: (err: unknown) => void): () => void;
}

export interface KeyRingOptions {
  clock?: Clock;
  /** Key generator, injectable for tests. Default: node:crypto Ed25519. */
  generateKey?: () => KeyObject;
}

interface Loaded {
  stamp: string;
  key: LoadedKey;
}

const KEY_FILE = /\.json$/;

function stampOf(stat: { ino: number; size: number; mtimeMs: number; mode: number }): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.mode}`;
}

function newestFirst(a: LoadedKey, b: LoadedKey): number {
  if (a.info.createdAt !== b.info.createdAt) return a.info.createdAt < b.info.createdAt ? 1 : -1;
  return a.info.kid < b.info.kid ? 1 : -1;
}

class FileKeyRing implements KeyRing {
  generation = 0;
  private files = new Map<string, Loaded>();
  private active = new Map<KeyPurpose, LoadedKey>();
  private jwks: PublicJwks = { keys: [] };

  constructor(
    readonly dir: string,
    private readonly clock: Clock,
    private readonly generateKey: () => KeyObject,
  ) {}

  list(): KeyInfo[] {
    return [...this.files.values()]
      .map((f) => f.key)
      .sort((a, b) => -newestFirst(a, b))
      .map((k) => ({ ...k.info }));
  }

  activeKey(purpose: KeyPurpose): SigningKey {
    const key = this.active.get(purpose);
    if (key === undefined) {
      throw new CredentialError('keyset_unavailable', `no active ${purpose} signing key`);
    }
    return { kid: key.info.kid, purpose, privateKey: key.privateKey, publicKey: key.publicKey };
  }

  publicJwks(): PublicJwks {
    return { keys: this.jwks.keys.map((k) => ({ ...k })) };
  }

  sign(purpose: KeyPurpose, bytes: Uint8Array): { kid: string; signature: Uint8Array } {
    const key = this.activeKey(purpose);
    return { kid: key.kid, signature: new Uint8Array(signBytes(null, bytes, key.privateKey)) };
  }

  async ensureKeys(): Promise<KeyInfo[]> {
    await this.reloadIfChanged();
    const created: KeyInfo[] = [];
    for (const purpose of KEY_PURPOSES) {
      if (!this.active.has(purpose)) created.push(await this.create(purpose));
    }
    if (created.length > 0) await this.reloadIfChanged();
    return created;
  }

  async rotate(purpose: KeyPurpose): Promise<KeyInfo> {
    await this.reloadIfChanged();
    const previous = [...this.files.values()]
      .map((f) => f.key)
      .filter((k) => k.info.purpose === purpose && k.info.status === 'active');
    // New key first: readers in between see two active keys and pick the newest, never none.
    const info = await this.create(purpose);
    const retiredAt = this.now();
    for (const key of previous) {
      await writeKeyFile(this.dir, { ...this.contentOf(key), status: 'retired', retiredAt });
    }
    await this.reloadIfChanged();
    return info;
  }

  async revoke(kid: string): Promise<KeyInfo> {
    await this.reloadIfChanged();
    const entry = [...this.files.values()].find((f) => f.key.info.kid === kid);
    if (entry === undefined) throw new ConflictError('not_found', `no signing key ${kid}`);
    if (entry.key.info.status === 'revoked') return { ...entry.key.info };
    const content: KeyFileContent = {
      ...this.contentOf(entry.key),
      status: 'revoked',
      revokedAt: this.now(),
    };
    await writeKeyFile(this.dir, content);
    await this.reloadIfChanged();
    return { ...(this.files.get(`${kid}.json`)?.key.info ?? content) };
  }

  async reload(): Promise<void> {
    this.files = new Map();
    await this.reloadIfChanged();
  }

  async reloadIfChanged(): Promise<boolean> {
    const names = (await readdir(this.dir)).filter((n) => KEY_FILE.test(n) && !n.startsWith('.'));
    const next = new Map<string, Loaded>();
    let changed = names.length !== this.files.size;
    for (const name of names) {
      const path = join(this.dir, name);
      const stamp = stampOf(await lstat(path));
      const known = this.files.get(name);
      if (known !== undefined && known.stamp === stamp) {
        next.set(name, known);
        continue;
      }
      changed = true;
      // Any bad file fails the whole reload and leaves the loaded keys as they were.
      next.set(name, { stamp, key: await readKeyFile(path) });
    }
    if (!changed) return false;
    this.swap(next);
    return true;
  }

  watch(intervalMs = 1000, onError: (err: unknown) => void = () => {}): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.reloadIfChanged()
        .catch(onError)
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  private swap(next: Map<string, Loaded>): void {
    const keys = [...next.values()].map((f) => f.key).sort(newestFirst);
    const active = new Map<KeyPurpose, LoadedKey>();
    for (const key of keys) {
      if (key.info.status === 'active' && !active.has(key.info.purpose)) {
        active.set(key.info.purpose, key);
      }
    }
    this.files = next;
    this.active = active;
    this.jwks = { keys: keys.filter((k) => k.info.status !== 'revoked').map(publicJwkOf) };
    this.generation += 1;
  }

  private async create(purpose: KeyPurpose): Promise<KeyInfo> {
    const content = await newKeyContent(purpose, this.now(), this.generateKey);
    await writeKeyFile(this.dir, content);
    await syncDir(this.dir);
    return { kid: content.kid, purpose, status: content.status, createdAt: content.createdAt };
  }

  private contentOf(key: LoadedKey): KeyFileContent {
    const jwk = key.privateKey.export({ format: 'jwk' });
    return { ...key.info, jwk: { kty: 'OKP', crv: 'Ed25519', x: key.x, d: String(jwk.d) } };
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not every platform can fsync a directory; the file itself is already synced.
  }
}

/**
 * Opens (creating it with mode 0700 when missing) a key directory and loads every key file.
 * Refuses a directory writable by group or others and any key file that is not 0600 or is
 * malformed, naming the file.
 */
export async function openKeyRing(dir: string, options: KeyRingOptions = {}): Promise<KeyRing> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stat = await lstat(dir);
  if (!stat.isDirectory()) {
    throw new CredentialError('keyset_unavailable', `key directory ${dir} is not a directory`);
  }
  if (hasLoosePermissions(stat.mode & 0o022)) {
    throw new CredentialError(
      'keyset_unavailable',
      `key directory ${dir} is writable by group or others; it must be 0700`,
      { details: { dir } },
    );
  }
  const generateKey = options.generateKey ?? (() => generateKeyPairSync('ed25519').privateKey);
  const ring = new FileKeyRing(dir, options.clock ?? systemClock, generateKey);
  await ring.reload();
  return ring;
}
