import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ISSUED_AT } from '../credentials/testing.js';
import { APPROVAL_ID, buildFixture, ORIGIN, type Fixture } from './evidence-fixture.js';
import { verifyEvidence, type EvidenceBundle, type VerifyEvidenceOptions } from './evidence.js';

const AFTER_EXPIRY = (ISSUED_AT + 7200) * 1000;

let f: Fixture;
before(async () => {
  f = await buildFixture();
});

const copy = (): EvidenceBundle => JSON.parse(JSON.stringify(f.bundle)) as EvidenceBundle;

async function codes(
  bundle: unknown,
  options: Partial<VerifyEvidenceOptions> = {},
): Promise<string[]> {
  const r = await verifyEvidence(bundle, { jwks: f.jwks, now: AFTER_EXPIRY, ...options });
  return r.ok ? [] : [...new Set(r.problems.map((p) => p.code))];
}

/** Replaces one character with another of every alphabet used here (hex, base64, ids). */
function flip(text: string, at: number): string {
  const next = text[at] === '0' ? '1' : '0';
  return text.slice(0, at) + next + text.slice(at + 1);
}

describe('verifyEvidence: a good bundle', () => {
  it('verifies with only the JWKS, every check passing, at a time long after the credential expired', async () => {
    const r = await verifyEvidence(f.bundle, { jwks: f.jwks, origin: ORIGIN, now: AFTER_EXPIRY });
    assert.equal(r.ok, true, JSON.stringify(r));
    if (!r.ok) return;
    assert.deepEqual(
      r.checks.map((c) => c.status),
      ['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'],
    );
    assert.equal(r.summary.approvalId, APPROVAL_ID);
    assert.equal(r.summary.events, 4);
    assert.equal(r.summary.credential?.expired, true, 'expiry is reported as information');
  });

  it('reports the credential as not expired before its exp', async () => {
    const r = await verifyEvidence(f.bundle, { jwks: f.jwks, now: (ISSUED_AT + 60) * 1000 });
    assert.equal(r.ok && r.summary.credential?.expired, false);
  });
});

describe('verifyEvidence: any flipped byte is detected', () => {
  it('in an event: inclusion_failed', async () => {
    const b = copy();
    const e = b.events[1]?.event as unknown as { eventId: string };
    e.eventId = flip(e.eventId, 4);
    assert.deepEqual(await codes(b), ['inclusion_failed']);
  });

  it('in an event and its stated leaf hash together: the proof still fails', async () => {
    const b = copy();
    const entry = b.events[0] as EvidenceBundle['events'][number];
    (entry.event as unknown as { outcome: string }).outcome = 'denied';
    const { eventLeafHash, toHex } = await import('../audit/hash.js');
    entry.leafHash = toHex(eventLeafHash(entry.event));
    assert.deepEqual(await codes(b), ['inclusion_failed']);
  });

  it('in a proof node: inclusion_failed', async () => {
    const b = copy();
    const entry = b.events[2] as EvidenceBundle['events'][number];
    entry.proof[0] = flip(entry.proof[0] as string, 10);
    assert.deepEqual(await codes(b), ['inclusion_failed']);
  });

  it('in the checkpoint note body: checkpoint_signature, and the proofs are skipped, not passed', async () => {
    const b = copy();
    const lines = b.checkpoint.note.split('\n');
    lines[2] = flip(lines[2] as string, 3);
    b.checkpoint.note = lines.join('\n');
    const r = await verifyEvidence(b, { jwks: f.jwks, now: AFTER_EXPIRY });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(
      r.problems.map((p) => p.code),
      ['checkpoint_signature'],
    );
    assert.equal(r.checks.find((c) => c.name === 'inclusion')?.status, 'skip');
  });

  it('in the credential signature: credential_invalid naming invalid_signature', async () => {
    const b = copy();
    const token = b.credential?.token as string;
    (b.credential as { token: string }).token = flip(token, token.length - 5);
    const r = await verifyEvidence(b, { jwks: f.jwks, now: AFTER_EXPIRY });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.deepEqual(
        r.problems.map((p) => p.code),
        ['credential_invalid'],
      );
      assert.match(r.problems[0]?.message ?? '', /^invalid_signature: /);
      assert.doesNotMatch(
        r.problems[0]?.message ?? '',
        new RegExp(token.slice(-20)),
        'no token in messages',
      );
    }
  });

  it('in the checkpoint size or root fields: checkpoint_mismatch', async () => {
    const b = copy();
    b.checkpoint.rootHash = flip(b.checkpoint.rootHash, 0);
    assert.deepEqual(await codes(b), ['checkpoint_mismatch']);
  });
});

describe('verifyEvidence: keys', () => {
  it('refuses a checkpoint signed by a credential key, even one in the same JWKS', async () => {
    const b = copy();
    b.checkpoint.note = await f.signNote(f.credentialKey);
    const r = await verifyEvidence(b, { jwks: f.jwks, now: AFTER_EXPIRY });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(
      r.problems.map((p) => p.code),
      ['checkpoint_key_unknown'],
    );
    assert.match(r.problems[0]?.message ?? '', /signed by a credential key/);
  });

  it('refuses when the JWKS has no checkpoint key, and says keyset_unavailable when it is empty', async () => {
    assert.deepEqual(await codes(f.bundle, { jwks: { keys: [f.credentialKey.jwk] } }), [
      'checkpoint_key_unknown',
    ]);
    assert.ok((await codes(f.bundle, { jwks: { keys: [] } })).includes('keyset_unavailable'));
  });

  it('a credential verified by the checkpoint key is refused: credential_invalid', async () => {
    const swapped = { ...f.credentialKey.jwk, 'countersign:purpose': 'checkpoint' };
    const r = await codes(f.bundle, { jwks: { keys: [swapped, f.checkpointKey.jwk] } });
    assert.deepEqual(r, ['credential_invalid']);
  });

  it('names another origin: checkpoint_origin', async () => {
    assert.deepEqual(await codes(f.bundle, { origin: 'other.example/log' }), ['checkpoint_origin']);
  });
});

describe('verifyEvidence: the record must agree with itself', () => {
  it('an event of another approval: event_mismatch', async () => {
    const b = copy();
    (b.events[3]?.event as unknown as { approvalId: string }).approvalId = 'apr_0002';
    const r = await codes(b);
    assert.ok(r.includes('event_mismatch'), r.join());
  });

  it('a forged final state: state_mismatch', async () => {
    const b = copy();
    b.approval.state = 'denied';
    assert.deepEqual(await codes(b), ['state_mismatch']);
  });

  it('a dropped review event: state_mismatch', async () => {
    const b = copy();
    b.approval.reviews.push({
      ...(b.approval.reviews[0] as EvidenceBundle['approval']['reviews'][number]),
    });
    assert.deepEqual(await codes(b), ['state_mismatch']);
  });

  it('an edited action: approval_mismatch (its hash no longer recomputes)', async () => {
    const b = copy();
    b.approval.action.spec = { pipeline: 'payments', version: 'evil' };
    assert.ok((await codes(b)).includes('approval_mismatch'));
  });

  it('a decision that is not the request’s: decision_mismatch', async () => {
    const b = copy();
    b.decision.reason = 'something else';
    assert.deepEqual(await codes(b), ['decision_mismatch']);
  });

  it('a credential for another approval: credential_mismatch', async () => {
    const b = copy();
    b.approval.id = 'apr_other';
    for (const e of b.events)
      (e.event as unknown as { approvalId: string }).approvalId = 'apr_other';
    const r = await codes(b);
    assert.ok(r.includes('credential_mismatch'), r.join());
  });

  it('a credential the log never recorded: credential_mismatch', async () => {
    const b = copy();
    (b.credential as { jti: string }).jti = 'crd_9999';
    assert.deepEqual(await codes(b), ['credential_mismatch']);
  });
});

describe('verifyEvidence: the request document agrees with its signed events, field by field', () => {
  type Approval = EvidenceBundle['approval'];
  type Review = Approval['reviews'][number];
  const review = (a: Approval, i = 0) => a.reviews[i] as Review;
  const entry = (a: Approval, i: number) => a.history[i] as Approval['history'][number];

  /** The problems of a bundle with one edit to its approval. */
  async function forged(edit: (a: Approval) => void, from: EvidenceBundle = f.bundle) {
    const b = JSON.parse(JSON.stringify(from)) as EvidenceBundle;
    edit(b.approval);
    const r = await verifyEvidence(b, { jwks: f.jwks, now: AFTER_EXPIRY });
    return r.ok ? [] : r.problems;
  }

  const cases: [string, string, (a: Approval) => void][] = [
    ['a review reason', '/approval/reviews/0/reason', (a) => (review(a).reason = 'lgtm')],
    [
      'a reviewer',
      '/approval/reviews/0/reviewer/id',
      (a) => (review(a).reviewer.id = 'oidc:https://idp.example#mallory'),
    ],
    [
      'a reviewer name',
      '/approval/reviews/0/reviewer/name',
      (a) => (review(a).reviewer.name = 'x'),
    ],
    ['a verdict', '/approval/reviews/0/verdict', (a) => (review(a).verdict = 'deny')],
    ['counted groups', '/approval/reviews/0/groups', (a) => (review(a).groups = ['sre', 'dba'])],
    [
      'a review time',
      '/approval/reviews/0/at',
      (a) => (review(a).at = new Date((ISSUED_AT - 3600) * 1000).toISOString()),
    ],
    [
      'a review time after its event',
      '/approval/reviews/0/at',
      (a) => (review(a).at = new Date((ISSUED_AT + 1) * 1000).toISOString()),
    ],
    [
      'an external ref',
      '/approval/reviews/0/externalRef',
      (a) => (review(a).externalRef = 'CHG-9'),
    ],
    [
      'a dropped external ref',
      '/approval/reviews/0/externalRef',
      (a) => (review(a).externalRef = null),
    ],
    [
      'the requester',
      '/approval/requestedBy/id',
      (a) => (a.requestedBy = { ...a.requestedBy, id: 'oidc:https://idp.example#carol' }),
    ],
    ['approver groups', '/approval/approverGroups', (a) => (a.approverGroups = ['dba'])],
    ['the quorum', '/approval/quorum', (a) => (a.quorum = { ...a.quorum, min: 2 })],
    [
      'the expiry',
      '/approval/expiresAt',
      (a) => (a.expiresAt = new Date((ISSUED_AT + 86400) * 1000).toISOString()),
    ],
    ['a history reason', '/approval/history/1/reason', (a) => (entry(a, 1).reason = 'other')],
    ['a history actor', '/approval/history/2/actor', (a) => (entry(a, 2).actor = 'oidc:x#eve')],
    ['a history event', '/approval/history/2/event', (a) => (entry(a, 2).event = 'denied')],
    [
      'a history entry no event wrote',
      '/approval/history/3',
      (a) => a.history.push({ event: 'revoked', actor: 'admin', at: entry(a, 2).at }),
    ],
  ];
  for (const [what, path, edit] of cases) {
    it(`a forged ${what}: state_mismatch naming ${path}`, async () => {
      const problems = await forged(edit);
      assert.deepEqual([...new Set(problems.map((p) => p.code))], ['state_mismatch']);
      assert.ok(
        problems.some((p) => p.message.startsWith(path)),
        problems.map((p) => p.message).join('; '),
      );
    });
  }

  it('a dropped history entry: state_mismatch', async () => {
    const problems = await forged((a) => a.history.pop());
    assert.deepEqual([...new Set(problems.map((p) => p.code))], ['state_mismatch']);
    assert.match(problems[0]?.message ?? '', /lacks the approved entry/);
  });

  it('a history that is not a list: state_mismatch, not an exception', async () => {
    const problems = await forged((a) => ((a as { history: unknown }).history = 'none'));
    assert.deepEqual([...new Set(problems.map((p) => p.code))], ['state_mismatch']);
  });

  it('a request time a little before its event (two clock reads) still verifies', async () => {
    const b = copy();
    b.approval.history[0] = { ...entry(b.approval, 0), at: '2025-12-31T23:58:59.995Z' };
    b.approval.createdAt = '2025-12-31T23:58:59.995Z';
    assert.deepEqual(await codes(b), []);
  });

  describe('a break-glass bundle', () => {
    let g: Fixture;
    before(async () => {
      g = await buildFixture({ breakGlass: true });
    });

    it('verifies: its declaration is its one review', async () => {
      const r = await verifyEvidence(g.bundle, { jwks: g.jwks, now: AFTER_EXPIRY });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.ok && r.summary.breakGlass, true);
    });

    const bgCases: [string, string, (a: Approval) => void][] = [
      ['reason', '/approval/breakGlass/reason', (a) => (a.breakGlass!.reason = 'routine')],
      ['group', '/approval/breakGlass/approverGroup', (a) => (a.breakGlass!.approverGroup = 'sre')],
      ['ref', '/approval/breakGlass/externalRef', (a) => (a.breakGlass!.externalRef = 'INC-8')],
      ['review reason', '/approval/reviews/0/reason', (a) => (review(a).reason = 'routine')],
      [
        'reviewer',
        '/approval/reviews/0/reviewer/id',
        (a) => (review(a).reviewer.id = 'oidc:https://idp.example#bob'),
      ],
      ['requester', '/approval/requestedBy/name', (a) => (a.requestedBy.name = 'bob')],
      ['history reason', '/approval/history/0/reason', (a) => (entry(a, 0).reason = 'routine')],
      ['history ref', '/approval/history/0/externalRef', (a) => delete entry(a, 0).externalRef],
      ['approver groups', '/approval/approverGroups', (a) => (a.approverGroups = ['sre'])],
    ];
    for (const [what, path, edit] of bgCases) {
      it(`a forged ${what}: state_mismatch naming ${path}`, async () => {
        const b = JSON.parse(JSON.stringify(g.bundle)) as EvidenceBundle;
        edit(b.approval);
        const r = await verifyEvidence(b, { jwks: g.jwks, now: AFTER_EXPIRY });
        assert.equal(r.ok, false);
        if (r.ok) return;
        assert.deepEqual([...new Set(r.problems.map((p) => p.code))], ['state_mismatch']);
        assert.ok(
          r.problems.some((p) => p.message.startsWith(path)),
          r.problems.map((p) => p.message).join('; '),
        );
      });
    }

    it('a second review with no event: state_mismatch', async () => {
      const b = JSON.parse(JSON.stringify(g.bundle)) as EvidenceBundle;
      b.approval.reviews.push({ ...review(b.approval) });
      const r = await verifyEvidence(b, { jwks: g.jwks, now: AFTER_EXPIRY });
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.problems.every((p) => p.code === 'state_mismatch'));
    });
  });
});

describe('verifyEvidence: hostile input never throws', () => {
  const hostile: [string, unknown][] = [
    ['null', null],
    ['an array', []],
    ['a string', 'bundle'],
    ['a wrong schema', { schema: 'countersign.evidence/v9' }],
  ];
  for (const [name, value] of hostile) {
    it(`${name}: malformed`, async () => {
      assert.deepEqual(await codes(value), ['malformed']);
    });
  }

  it('names every bad field path', async () => {
    const b = copy() as unknown as Record<string, unknown>;
    (b.events as { proof: unknown }[])[0]!.proof = ['zz'];
    b.checkpoint = { origin: 1, size: -1, rootHash: 'x', note: 'n' };
    const r = await verifyEvidence(b, { jwks: f.jwks });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(
      r.problems.map((p) => p.message.split(':')[0]),
      ['/events/0/proof/0', '/checkpoint/origin', '/checkpoint/size', '/checkpoint/rootHash'],
    );
  });

  it('an index past the checkpoint, a duplicate index, an absurd proof: malformed or inclusion_failed', async () => {
    const b = copy();
    (b.events[0] as { index: number }).index = b.checkpoint.size + 5;
    assert.deepEqual(await codes(b), ['inclusion_failed']);
    const d = copy();
    (d.events[1] as { index: number }).index = d.events[0]?.index as number;
    assert.deepEqual(await codes(d), ['malformed']);
    const long = copy();
    (long.events[0] as { proof: string[] }).proof = Array(65).fill('00'.repeat(32)) as string[];
    assert.deepEqual(await codes(long), ['malformed']);
  });

  it('events without details, a null config hash, an odd mode: problems, not exceptions', async () => {
    const b = copy();
    for (const e of b.events) delete (e.event as Partial<typeof e.event>).details;
    assert.ok((await codes(b)).includes('credential_mismatch'));
    const n = copy() as unknown as { approval: { action: Record<string, unknown> } };
    n.approval.action.configHash = null;
    n.approval.action.mode = 'sideways';
    const r = await codes(n);
    assert.ok(r.includes('credential_invalid'), r.join());
  });

  it('a caller passing no options gets a TypeError', async () => {
    await assert.rejects(verifyEvidence(f.bundle, null as never), TypeError);
  });
});
