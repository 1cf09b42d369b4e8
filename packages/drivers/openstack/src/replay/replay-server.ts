/**
 * A loopback HTTP server that answers only with recorded exchanges. Every request must match
 * a route, and the recording a route answers with checks the request (method, path, token,
 * compute microversion, documented query parameters, body shape). Anything else is a
 * violation: answered with an error and kept in `violations`, which tests assert is empty.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyProblems, compileTemplate, loadExchanges, templateParams, type Exchange } from './recordings.js';

export const REPLAY_MICROVERSION = 'compute 2.73';

export interface ReplayRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
  readonly json: unknown;
  readonly params: Readonly<Record<string, string>>;
}

export interface ReplayAnswer {
  /** The recording answered with. */
  readonly exchange: string;
  /** Replaces the recorded body (built from it by the caller). */
  readonly body?: unknown;
  readonly data?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** For error recordings: the message put into the recorded envelope. */
  readonly message?: string;
}

type Handler = (request: ReplayRequest) => ReplayAnswer | Promise<ReplayAnswer>;

interface Route {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly handler: Handler;
  readonly auth: boolean;
}

/** Puts `message` into whichever envelope the recorded error body uses. */
function withMessage(body: unknown, message: string): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const [key, inner] = Object.entries(body)[0] ?? [];
  if (key === undefined || typeof inner !== 'object' || inner === null) return body;
  return { [key]: { ...inner, message } };
}

export class ReplayServer {
  readonly exchanges: Map<string, Exchange>;
  readonly violations: string[] = [];
  /** How often each recording answered. */
  readonly used = new Map<string, number>();
  /** Every request seen, `METHOD path`, for tests that check what a client sent. */
  readonly log: string[] = [];
  readonly #routes: Route[] = [];
  readonly #injected: { method: string; template: string; exchange: string; message?: string }[] = [];
  #server: Server | undefined;
  #base = '';
  /** Decides whether a token is valid; set by the cloud. */
  tokenValid: (token: string) => boolean = () => false;

  constructor() {
    this.exchanges = loadExchanges();
  }

  get base(): string {
    return this.#base;
  }

  exchange(id: string): Exchange {
    const found = this.exchanges.get(id);
    if (found === undefined) throw new Error(`no recording ${id}`);
    return found;
  }

  route(method: string, template: string, handler: Handler, options: { auth?: boolean } = {}): void {
    this.#routes.push({ method, template, pattern: compileTemplate(template), handler, auth: options.auth ?? true });
  }

  /** The next request to `method template` is answered with the error recording `exchange`. */
  inject(method: string, template: string, exchange: string, message?: string): void {
    this.exchange(exchange);
    this.#injected.push({ method, template, exchange, ...(message === undefined ? {} : { message }) });
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.#handle(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks)).then(
          ({ status, headers, body }) => {
            res.writeHead(status, headers);
            res.end(body);
          },
          (error: unknown) => {
            this.violations.push(`replay failed on ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`);
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end('replay failure');
          },
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.#base;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(method: string, url: string, headers: IncomingHttpHeaders, raw: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer | string }> {
    const parsed = new URL(url, this.#base);
    this.log.push(`${method} ${parsed.pathname}${parsed.search}`);
    // The catalog's internal and admin endpoints are the same services under a prefix.
    const path = parsed.pathname.replace(/^\/(internal|admin)(?=\/)/, '');
    const route = this.#routes.find((r) => r.method === method && r.pattern.test(path));
    if (route === undefined) {
      const message = `no recording for ${method} ${path}${parsed.search}`;
      this.violations.push(message);
      return { status: 501, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ replay: message }) };
    }
    const params = templateParams(route.template, path) ?? {};
    let json: unknown;
    const contentType = String(headers['content-type'] ?? '');
    if (raw.length > 0 && contentType.startsWith('application/json')) {
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        return this.#violation(`${method} ${path}: the body is not JSON`);
      }
    }
    const request: ReplayRequest = { method, path, query: parsed.searchParams, headers, raw, json, params };
    if (route.auth) {
      const token = headers['x-auth-token'];
      if (typeof token !== 'string' || !this.tokenValid(token)) return this.#answer(request, route, { exchange: 'identity.error.unauthorized' });
      if (path.startsWith('/compute/') && headers['openstack-api-version'] !== REPLAY_MICROVERSION) {
        return this.#violation(`${method} ${path}: OpenStack-API-Version is ${String(headers['openstack-api-version'])}, the recordings are for "${REPLAY_MICROVERSION}"`);
      }
    }
    const injected = this.#injected.findIndex((i) => i.method === method && i.template === route.template);
    if (injected >= 0) {
      const [fault] = this.#injected.splice(injected, 1);
      if (fault !== undefined) return this.#answer(request, route, { exchange: fault.exchange, ...(fault.message === undefined ? {} : { message: fault.message }) });
    }
    return this.#answer(request, route, await route.handler(request));
  }

  #violation(message: string) {
    this.violations.push(message);
    return { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ badRequest: { code: 400, message: `replay: ${message}` } }) };
  }

  #answer(request: ReplayRequest, route: Route, answer: ReplayAnswer) {
    const exchange = this.exchange(answer.exchange);
    const recorded = exchange.request;
    const isError = recorded.path === '*';
    if (!isError) {
      // The recording must be the one documented for this call, and the request must fit it.
      if (recorded.method !== request.method || recorded.path !== route.template) {
        return this.#violation(`${request.method} ${route.template} answered with recording ${exchange.id} of ${recorded.method} ${recorded.path}`);
      }
      for (const name of request.query.keys()) {
        if (!(recorded.query ?? []).includes(name)) return this.#violation(`${request.method} ${request.path}: query parameter ${name} is not documented for ${exchange.id}`);
      }
      for (const [name, value] of Object.entries(recorded.headers ?? {})) {
        const sent = String(request.headers[name] ?? '');
        if (!sent.startsWith(value)) return this.#violation(`${request.method} ${request.path}: header ${name} is "${sent}", expected "${value}"`);
      }
      if (recorded.binary !== true) {
        const problems = bodyProblems(recorded, request.raw.length === 0 ? undefined : request.json);
        if (problems.length > 0) return this.#violation(`${request.method} ${request.path} (${exchange.id}): ${problems.join('; ')}`);
      }
    }
    this.used.set(exchange.id, (this.used.get(exchange.id) ?? 0) + 1);
    const response = exchange.response;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...response.headers, ...answer.headers })) headers[name] = value.replaceAll('{base}', this.#base);
    if (answer.data !== undefined || response.binary === true) {
      return { status: response.status, headers, body: answer.data ?? Buffer.alloc(0) };
    }
    if (response.text !== undefined) {
      const text = answer.message === undefined ? response.text : response.text.replace(/<h1>(.*?)<\/h1>\n(.*?)<br \/>/s, (_m, h1: string) => `<h1>${h1}</h1>\n  ${answer.message}<br />`);
      return { status: response.status, headers, body: text };
    }
    let body = answer.body ?? response.body;
    if (answer.message !== undefined) body = withMessage(body, answer.message);
    if (body === undefined) {
      delete headers['content-type'];
      return { status: response.status, headers, body: '' };
    }
    return { status: response.status, headers, body: JSON.stringify(body).replaceAll('{base}', this.#base) };
  }
}
