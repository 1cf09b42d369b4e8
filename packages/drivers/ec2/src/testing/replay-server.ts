/**
 * A loopback HTTP server that plays AWS's side of recorded exchanges, for behaviour only AWS has
 * (VM Import/Export, S3, throttling, error answers). Each exchange names the request it expects
 * (the EC2 `Action` and key parameters, or the S3 method and path) and the answer recorded from
 * the EC2 API reference. Requests are checked, never trusted: a request that matches no pending
 * exchange is answered with an error and reported, so a test sees it.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A parameter value: exactly this string, or `{ "re": "…" }` for a pattern. */
export type Expected = string | { readonly re: string };

export interface ExchangeRequest {
  /** EC2 Query action (POST / with a form body). */
  readonly action?: string;
  /** Form parameters that must be present with these values. */
  readonly params?: Readonly<Record<string, Expected>>;
  /** Form parameters that must be absent. */
  readonly absent?: readonly string[];
  /** For S3: HTTP method and a pattern over the path (query ignored). */
  readonly method?: string;
  readonly path?: string;
}

export interface ExchangeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** XML text; `bodyBase64` for binary bodies. */
  readonly body?: string;
  readonly bodyBase64?: string;
}

export interface Exchange {
  readonly note?: string;
  readonly request: ExchangeRequest;
  readonly response: ExchangeResponse;
}

export interface Recording {
  /** Where the shapes come from (the API reference pages). */
  readonly source: readonly string[];
  /** Credentials the recording was made with: AWS's documented example key, nothing real. */
  readonly accessKeyId: string;
  readonly scenarios: Readonly<Record<string, readonly Exchange[]>>;
}

export interface Served {
  readonly method: string;
  readonly path: string;
  readonly action?: string;
  readonly params: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly authorization: string | undefined;
}

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

export async function loadRecording(file: string): Promise<Recording> {
  return JSON.parse(await readFile(join(FIXTURES, file), 'utf8')) as Recording;
}

function matches(expected: Expected, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  return typeof expected === 'string' ? expected === actual : new RegExp(`^(?:${expected.re})$`).test(actual);
}

export class ReplayServer {
  readonly served: Served[] = [];
  readonly problems: string[] = [];
  #pending: Exchange[] = [];
  #server: Server | undefined;
  #url = '';

  constructor(private readonly accessKeyId: string) {}

  get url(): string {
    return this.#url;
  }

  /** Queues a scenario's exchanges; they may be served in any order among themselves only if they are independent. */
  play(exchanges: readonly Exchange[]): void {
    this.#pending.push(...exchanges);
  }

  /** Exchanges queued but never asked for. */
  get unplayed(): readonly Exchange[] {
    return this.#pending;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://replay');
    const form = req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')) : url.searchParams;
    const params = Object.fromEntries(form.entries());
    const action = params['Action'];
    const served: Served = { method: req.method ?? 'GET', path: url.pathname, ...(action === undefined ? {} : { action }), params, body, authorization: req.headers.authorization };
    this.served.push(served);
    const authorization = req.headers.authorization ?? '';
    if (!authorization.startsWith('AWS4-HMAC-SHA256 ') || !authorization.includes(`Credential=${this.accessKeyId}/`)) {
      this.#refuse(res, served, `request not signed with SigV4 by ${this.accessKeyId}: ${authorization || '(no Authorization header)'}`);
      return;
    }
    const index = this.#pending.findIndex((e) => this.#fits(e.request, served));
    if (index < 0) {
      this.#refuse(res, served, `no recorded exchange fits ${served.method} ${served.path} ${action ?? ''} ${JSON.stringify(params)}`);
      return;
    }
    const [exchange] = this.#pending.splice(index, 1);
    const { status, headers = {}, body: text, bodyBase64 } = exchange!.response;
    const payload = bodyBase64 !== undefined ? Buffer.from(bodyBase64, 'base64') : Buffer.from(text ?? '', 'utf8');
    res.writeHead(status, { 'content-length': String(payload.length), ...(text !== undefined && text.startsWith('<') ? { 'content-type': 'text/xml;charset=UTF-8' } : {}), ...headers });
    res.end(payload);
  }

  #fits(expected: ExchangeRequest, served: Served): boolean {
    if (expected.action !== undefined && expected.action !== served.action) return false;
    if (expected.method !== undefined && expected.method !== served.method) return false;
    if (expected.path !== undefined && !new RegExp(`^(?:${expected.path})$`).test(served.path)) return false;
    for (const [name, value] of Object.entries(expected.params ?? {})) if (!matches(value, served.params[name])) return false;
    for (const name of expected.absent ?? []) if (served.params[name] !== undefined) return false;
    return true;
  }

  #refuse(res: ServerResponse, served: Served, problem: string): void {
    this.problems.push(problem);
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>ReplayMismatch</Code><Message>${problem.replace(/[<&>]/g, ' ')}</Message></Error></Errors><RequestID>replay-mismatch</RequestID></Response>`;
    res.writeHead(400, { 'content-type': 'text/xml;charset=UTF-8' });
    res.end(xml);
    void served;
  }
}
