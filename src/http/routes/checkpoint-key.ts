/** `GET /v1/audit/checkpoint-key`: the checkpoint verifier keys, ready to paste into a verifier. */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { checkpointVerifierKeys } from '../../audit/checkpoint-verifier-keys.js';
import { problemResponses } from '../schemas/common.js';

const CheckpointKeys = Type.Object(
  {
    origin: Type.String({ description: 'The log origin: first line of every checkpoint' }),
    keys: Type.Array(
      Type.Object({
        kid: Type.String({ description: 'JWKS key id of the checkpoint key' }),
        status: Type.String({
          description: '`active` signs new checkpoints; `retired` still verifies older ones',
        }),
        verifierKey: Type.String({
          description:
            'C2SP signed-note verifier key `<origin>+<hex key ID>+<base64(0x01 ‖ Ed25519 public key)>` (parseVerifierKey in countersign/evidence)',
        }),
      }),
    ),
  },
  { additionalProperties: false },
);

export const checkpointKeyRoute: FastifyPluginAsync<{
  auditOrigin: string;
  jwks: () => { keys: object[] };
}> = async (app, deps) => {
  app.get(
    '/audit/checkpoint-key',
    {
      config: { scopes: ['audit:read'] },
      schema: {
        operationId: 'getCheckpointKeys',
        tags: ['audit'],
        summary:
          'Checkpoint verifier keys (origin+keyid+base64), derived from the public JWKS, active and retired',
        response: { 200: CheckpointKeys, ...problemResponses },
      },
    },
    async () => ({
      origin: deps.auditOrigin,
      keys: checkpointVerifierKeys(deps.jwks(), deps.auditOrigin),
    }),
  );
};
