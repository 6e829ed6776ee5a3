/**
 * The audit log in the C2SP tlog-tiles layout under /v1/audit/tiles (docs/audit-log.md "Tiles"):
 * `checkpoint`, `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`. Reading needs audit:read,
 * so caches are told `private`; a tile's bytes never change, so tiles are cached as immutable.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { SwaggerTransform } from '@fastify/swagger';
import { parseTilePath } from '../../audit/tiles.js';
import { ConflictError } from '../../errors/index.js';
import type { Services } from '../../services/index.js';
import { principalOf } from '../principal.js';
import { problemResponses } from '../schemas/common.js';

const IMMUTABLE = 'private, max-age=31536000, immutable';

const TilePath = Type.String({
  maxLength: 200,
  description:
    'The tile path after `tile/`, slashes included: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`',
});
/**
 * The route's wildcard is Fastify's `*`, which is no OpenAPI parameter name: the document names
 * it `tile` (its value keeps its slashes; a client that escapes them gets the same tile).
 */
const tileSwaggerTransform: SwaggerTransform = ({ schema, url }) => ({
  url: url.replace(/\*$/, ':tile'),
  schema: { ...schema, params: Type.Object({ tile: TilePath }) },
});

export const auditTileRoutes: FastifyPluginAsync<{ services: Services }> = async (
  app,
  { services: s },
) => {
  app.get(
    '/audit/tiles/checkpoint',
    {
      config: { scopes: ['audit:read'] },
      schema: {
        operationId: 'getTileCheckpoint',
        tags: ['audit'],
        summary:
          'tlog-tiles: the latest signed checkpoint with its witness cosignatures (text/plain)',
        response: {
          200: {
            description: 'The checkpoint note (C2SP signed-note), cosignatures appended',
            content: { 'text/plain': { schema: Type.String() } },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const note = await s.tiles.checkpoint(principalOf(req));
      return reply
        .header('cache-control', 'private, no-cache')
        .type('text/plain; charset=utf-8')
        .send(note);
    },
  );

  app.get<{ Params: { '*': string } }>(
    '/audit/tiles/tile/*',
    {
      config: { scopes: ['audit:read'], swaggerTransform: tileSwaggerTransform },
      schema: {
        operationId: 'getTile',
        tags: ['audit'],
        summary:
          'tlog-tiles: a hash tile `<L>/<N>[.p/<W>]` or an entry bundle `entries/<N>[.p/<W>]` (application/octet-stream)',
        params: Type.Object({ '*': TilePath }),
        response: {
          200: {
            description: 'The tile or entry bundle, as bytes',
            content: {
              'application/octet-stream': {
                schema: Type.String({ contentMediaType: 'application/octet-stream' }),
              },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (req, reply) => {
      const tile = parseTilePath(req.params['*']);
      if (!tile) throw new ConflictError('not_found', 'not a tile path');
      const p = principalOf(req);
      const bytes =
        tile.level === 'entries'
          ? await s.tiles.entryBundle(p, tile)
          : await s.tiles.hashTile(p, tile);
      return reply
        .header('cache-control', IMMUTABLE)
        .type('application/octet-stream')
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    },
  );
};
