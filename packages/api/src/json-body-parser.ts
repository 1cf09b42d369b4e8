/**
 * Makes JSON the one body type, and replaces Fastify's JSON parser for two reasons: an empty body with a JSON content
 * type is taken as "no body" (clients that set the header on every request should not fail
 * on `POST /instances/{id}/start`), and a malformed body is refused with the parser's own
 * reason (where it broke) instead of a generic sentence. Parsing itself stays Fastify's
 * default, which refuses `__proto__` and `constructor.prototype` keys.
 */
import type { FastifyInstance } from 'fastify';
import { SkyportError } from '@skyport/model';

export function useJsonBodyParser(app: FastifyInstance): void {
  const secureParse = app.getDefaultJsonParser('error', 'error');
  // JSON is the only body this API takes; Fastify's text/plain parser would let a string
  // through to validation ("body must be object") instead of a clear 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    void secureParse(request, text, (error, value) => {
      if (error === null) {
        done(null, value);
        return;
      }
      done(
        new SkyportError('InvalidArgument', `the request body is not valid JSON: ${reasonOf(text)}`, { details: { field: 'body' } }),
        undefined,
      );
    });
  });
}

function reasonOf(text: string): string {
  try {
    JSON.parse(text);
    // Valid JSON the secure parser still refused: it carries a prototype-pollution key.
    return 'it contains a "__proto__" or "constructor.prototype" key, which the broker refuses';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
