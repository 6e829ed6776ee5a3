/**
 * The audit proof responses, field by field (they are what an auditor's verifier consumes, so the
 * OpenAPI document says exactly what each string holds). Hashes are lowercase hex SHA-256, 64
 * characters; trees follow RFC 9162 (leaf = SHA-256(0x00 ‖ JCS(event)), node = SHA-256(0x01 ‖ left ‖ right)).
 */
import { Type } from '@sinclair/typebox';
import { Nullable } from './common.js';

const Hash = (description: string) =>
  Type.String({ pattern: '^[0-9a-f]{64}$', description: `${description} (hex SHA-256)` });

export const InclusionProof = Type.Object(
  {
    index: Type.Integer({ minimum: 0, description: 'The leaf (event) index proved, from 0' }),
    size: Type.Integer({
      minimum: 1,
      description:
        'Tree size the proof is against: the `size` asked for, else that of the latest signed checkpoint (so the root can be checked against a signed note)',
    }),
    leafHash: Nullable(
      Hash('SHA-256(0x00 ‖ JCS(event)) of the event at `index`; recompute it from `event`'),
    ),
    rootHash: Hash('Root of the tree of `size`: equals the checkpoint root hash for that size'),
    proof: Type.Array(Hash('A sibling hash'), {
      description:
        'RFC 9162 §2.1.3 inclusion path, from the leaf upwards: fold it with the leaf hash to obtain `rootHash` (verifyInclusion in countersign/evidence)',
    }),
    event: Type.Unknown({
      description:
        'The event exactly as hashed into the leaf (its JCS bytes are the leaf input), or null',
    }),
  },
  { description: 'Inclusion proof of one audit event in a tree of a given size' },
);

export const ConsistencyProof = Type.Object(
  {
    from: Type.Integer({ minimum: 1, description: 'The older tree size' }),
    to: Type.Integer({
      minimum: 1,
      description: 'The newer tree size (the `to` asked for, else the current size)',
    }),
    fromRootHash: Hash('Root of the tree of size `from`'),
    toRootHash: Hash('Root of the tree of size `to`'),
    proof: Type.Array(Hash('A node hash'), {
      description:
        'RFC 9162 §2.1.4 consistency proof: shows the tree of `to` extends the tree of `from` without changing it (verifyConsistency in countersign/evidence); empty when from = to',
    }),
  },
  { description: 'Consistency proof between two sizes of the audit log (append-only evidence)' },
);
