import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { describe, test } from 'node:test';
import { formatCosignerKey, formatVerifierKey } from '../audit/index.js';
import { Issues } from '../lib/fields.js';
import { readAudit } from './core-sections.js';

const raw = () =>
  new Uint8Array(
    Buffer.from(
      generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string,
      'base64url',
    ),
  );

describe('audit.witnesses and audit.minCosignatures', () => {
  test('witnesses with cosignature/v1 keys named like them are read', () => {
    const key = raw();
    const issues = new Issues();
    const a = readAudit(
      {
        witnesses: [
          {
            name: 'w.example/1',
            url: 'https://w.example/1/',
            verifierKey: formatCosignerKey('w.example/1', key),
          },
        ],
        minCosignatures: 1,
      },
      issues,
    );
    assert.deepEqual(issues.list, []);
    assert.equal(a.witnesses[0]?.url, 'https://w.example/1');
    assert.deepEqual([...(a.witnesses[0]?.publicKey ?? [])], [...key]);
    assert.equal(a.minCosignatures, 1);
  });

  test('a checkpoint (type 0x01) key, another name, or too high a minimum is refused', () => {
    const key = raw();
    const issues = new Issues();
    readAudit(
      {
        witnesses: [
          { name: 'a', url: 'https://a.example', verifierKey: formatVerifierKey('a', key) },
          { name: 'b', url: 'https://b.example', verifierKey: formatCosignerKey('c', key) },
          { name: 'd', url: 'http://d.example', verifierKey: formatCosignerKey('d', key) },
        ],
        minCosignatures: 4,
      },
      issues,
    );
    const paths = issues.list.map((i) => i.path);
    assert.ok(paths.includes('audit.witnesses[0].verifierKey'), paths.join());
    assert.ok(paths.includes('audit.witnesses[1].verifierKey'), paths.join());
    assert.ok(
      paths.some((p) => p.startsWith('audit.witnesses[2].url')),
      paths.join(),
    );
    assert.ok(paths.includes('audit.minCosignatures'), paths.join());
  });
});
