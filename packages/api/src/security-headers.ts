import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Headers every answer carries: no sniffing, no framing, no referrer leaks, HTTPS pinned
 * when served over TLS, and a strict content policy (the docs page needs its own script and
 * style, served from the same origin).
 */
export async function securityHeaders(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('x-frame-options', 'DENY');
  void reply.header('referrer-policy', 'no-referrer');
  void reply.header('cross-origin-opener-policy', 'same-origin');
  void reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  if (request.protocol === 'https') void reply.header('strict-transport-security', 'max-age=31536000');
  if (!request.url.includes('/docs')) void reply.header('cache-control', 'no-store');
}
