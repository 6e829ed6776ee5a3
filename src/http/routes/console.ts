/**
 * The web console (`web/`, compiled to dist/web): static assets under /console/assets/ and
 * index.html for the console's own client-side routes. The console talks only to the public
 * REST API; sign-in endpoints (/console/login, /console/callback, …) live in console-auth.ts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** dist/src/http/routes/console.js → dist/web/ */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));

/** Client-side routes answered with index.html (anything else under /console/ is a 404). */
const CLIENT_ROUTE_RE =
  /^\/console\/(?:$|approvals(?:\/[A-Za-z0-9_:.-]{1,64})?$|break-glass$|audit(?:\/[0-9]{1,15})?$|sign-in$)/;

export async function registerConsoleRoutes(
  app: FastifyInstance,
  opts: { root?: string } = {},
): Promise<void> {
  const root = opts.root ?? CONSOLE_DIR;
  if (!existsSync(`${root}/index.html`)) {
    app.log.warn({ root }, 'web console not built: /console is not served (run npm run build)');
    return;
  }
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: `${root}/assets`,
      prefix: '/console/assets/',
      wildcard: false,
      index: false,
      cacheControl: true,
      maxAge: 60_000,
    });
    const sendIndex = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const path = req.url.split('?')[0] ?? '';
      if (path === '/console' || CLIENT_ROUTE_RE.test(path)) {
        reply.header('cache-control', 'no-cache');
        return reply.sendFile('index.html', root);
      }
      return reply.callNotFound();
    };
    scope.get('/console', { schema: { hide: true } }, sendIndex);
    scope.get('/console/*', { schema: { hide: true } }, sendIndex);
  });
}
