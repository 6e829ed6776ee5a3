/**
 * One signing key per file: `<kid>.json`, mode 0600, holding the private JWK and its metadata.
 * A file readable by group or others, or malformed, is refused with an error that names the
 * file and never its contents.
 */
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { lstat, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { CredentialError } from '../errors/index.js';

export type KeyPurpose = 'credential' | 'checkpoint';
export type KeyStatus = 'active' | 'retired' | 'revoked';

export const KEY_PURPOSES: readonly KeyPurpose[] = ['credential', 'checkpoint'];
const STATUSES: readonly KeyStatus[] = ['active', 'retired', 'revoked'];

/** What is known about a key, without its private half. */
export interface KeyInfo {
  kid: string;
  purpose: KeyPurpose;
  status: KeyStatus;
  createdAt: string;
  retiredAt?: string;
  revokedAt?: string;
}

/** The file's JSON: the metadata plus the private JWK (RFC 8037 OKP, Ed25519). */
export interface KeyFileContent extends KeyInfo {
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; d: string };
}

/** A key as loaded: parsed once into KeyObjects. */
export interface LoadedKey {
  info: KeyInfo;
  x: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** Group/other permission bits mean the private key may have leaked: refuse it. */
export function hasLoosePermissions(mode: number): boolean {
  return process.platform !== 'win32' && (mode & 0o077) !== 0;
}

function malformed(file: string, reason: string): CredentialError {
  return new CredentialError('keyset_unavailable', `key file ${file} is malformed: ${reason}`, {
    details: { file },
  });
}

function isTime(value: unknown): value is string {
  return typeof value === 'string' && ISO_TIME.test(value);
}

function checkContent(file: string, value: unknown): KeyFileContent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw malformed(file, 'not a JSON object');
  }
  const c = value as Record<string, unknown>;
  if (typeof c.kid !== 'string' || !B64URL_32.test(c.kid)) throw malformed(file, '"kid" invalid');
  if (!KEY_PURPOSES.includes(c.purpose as KeyPurpose)) throw malformed(file, '"purpose" invalid');
  if (!STATUSES.includes(c.status as KeyStatus)) throw malformed(file, '"status" invalid');
  if (!isTime(c.createdAt)) throw malformed(file, '"createdAt" invalid');
  if (c.retiredAt !== undefined && !isTime(c.retiredAt))
    throw malformed(file, '"retiredAt" invalid');
  if (c.revokedAt !== undefined && !isTime(c.revokedAt))
    throw malformed(file, '"revokedAt" invalid');
  const jwk = c.jwk as Record<string, unknown> | null | undefined;
  if (
    typeof jwk !== 'object' ||
    jwk === null ||
    jwk.kty !== 'OKP' ||
    jwk.crv !== 'Ed25519' ||
    typeof jwk.x !== 'string' ||
    !B64URL_32.test(jwk.x) ||
    typeof jwk.d !== 'string' ||
    !B64URL_32.test(jwk.d)
  ) {
    throw malformed(file, '"jwk" is not an Ed25519 private JWK');
  }
  return value as KeyFileContent;
}

function infoOf(content: KeyFileContent): KeyInfo {
  const info: KeyInfo = {
    kid: content.kid,
    purpose: content.purpose,
    status: content.status,
    createdAt: content.createdAt,
  };
  if (content.retiredAt !== undefined) info.retiredAt = content.retiredAt;
  if (content.revokedAt !== undefined) info.revokedAt = content.revokedAt;
  return info;
}

/** Reads, checks and parses one key file. */
export async function readKeyFile(file: string): Promise<LoadedKey> {
  const stat = await lstat(file);
  if (!stat.isFile()) throw malformed(file, 'not a regular file');
  if (hasLoosePermissions(stat.mode)) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new CredentialError(
      'keyset_unavailable',
      `key file ${file} is accessible by group or others (mode ${mode}); it must be 0600`,
      { details: { file } },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    // No cause: a JSON.parse message quotes the file's contents.
    throw malformed(file, 'not valid JSON');
  }
  const content = checkContent(file, parsed);
  if (basename(file) !== `${content.kid}.json`) throw malformed(file, 'name is not "<kid>.json"');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: content.jwk, format: 'jwk' });
  } catch {
    throw malformed(file, '"jwk" is not an Ed25519 private JWK');
  }
  const publicKey = createPublicKey(privateKey);
  const x = publicKey.export({ format: 'jwk' }).x;
  if (x !== content.jwk.x) throw malformed(file, '"jwk" public and private halves differ');
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x });
  if (kid !== content.kid) throw malformed(file, '"kid" is not the RFC 7638 thumbprint of the key');
  return { info: infoOf(content), x, privateKey, publicKey };
}

/** Writes a key file atomically (temp file 0600, fsync, rename), so readers never see half. */
export async function writeKeyFile(dir: string, content: KeyFileContent): Promise<void> {
  const target = join(dir, `${content.kid}.json`);
  const temp = join(dir, `.${content.kid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** A fresh Ed25519 key as file content; its kid is the RFC 7638 thumbprint. */
export async function newKeyContent(
  purpose: KeyPurpose,
  createdAt: string,
  generate: () => KeyObject,
): Promise<KeyFileContent> {
  const privateKey = generate();
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string' || typeof jwk.d !== 'string') {
    throw new TypeError('the key generator did not produce an Ed25519 key');
  }
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: jwk.x });
  return {
    kid,
    purpose,
    status: 'active',
    createdAt,
    jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d },
  };
}
