/**
 * Serves the web portal's built files (apps/portal/dist) at `/` on the API's own port, so the
 * portal and the API share one origin: the session cookie and CSRF cookie need no CORS, and
 * the API's strict content policy (`script-src 'self'`) already admits the portal's bundles.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifySchema } from 'fastify';

/** Where `vite build` writes the portal, from this file in src/ or dist/ alike. */
export const DEFAULT_PORTAL_DIR = fileURLToPath(new URL('../../../apps/portal/dist/', import.meta.url));

/** Paths the portal must never answer: the API keeps its own JSON 404 there. */
const API_PATH = /^\/api(\/|$)/;
/** A request for a file (`/assets/index-3f2a.js`, `/favicon.svg`) rather than a page of the app. */
const FILE_PATH = /\/[^/]+\.[a-z0-9]+$/i;

/** Left out of the OpenAPI document (the API checks every documented route has an operation id). */
const HIDDEN = { hide: true } as FastifySchema;

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>Skyport</title>
<p>The Skyport portal is not built. Build it with <code>npm run build:portal</code> (<code>npm start</code> builds it too);
the REST API is at <a href="/api/v1/docs">/api/v1/docs</a>.</p>`;

export async function servePortal(app: FastifyInstance, dir: string = DEFAULT_PORTAL_DIR): Promise<void> {
  // Only the reply decorator: the route below decides what a path means (file, page or API).
  await app.register(fastifyStatic, { root: dir, serve: false });
  app.get('/*', { schema: HIDDEN }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (API_PATH.test(path)) return reply.callNotFound();
    if (FILE_PATH.test(path)) {
      // Vite names bundles after their content hash, so they never change under one name.
      const hashed = path.startsWith('/assets/');
      return reply.sendFile(path.slice(1), hashed ? { immutable: true, maxAge: '365d' } : { cacheControl: false });
    }
    // Every other path is a page of the single-page app (/instances/i-..., /launch): its router
    // reads the path. index.html keeps the API's `no-store`, so a new build is picked up at once.
    if (!existsSync(join(dir, 'index.html'))) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    return reply.sendFile('index.html', { cacheControl: false });
  });
}
