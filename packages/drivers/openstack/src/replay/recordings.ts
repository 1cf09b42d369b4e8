/**
 * The recorded exchanges (`fixtures/*.json`, taken from the OpenStack API reference) and the
 * checks a request must pass to be answered by one: method, path template, headers, query
 * parameters and the shape of its JSON body.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RecordedRequest {
  readonly method: string;
  /** A template such as `/compute/v2.1/servers/{server_id}`; `*` for error answers usable anywhere. */
  readonly path: string;
  /** Query parameters the API documents for this call; others are a violation. */
  readonly query?: readonly string[];
  /** Headers (lower-case names) whose value must match. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The documented example body. */
  readonly body?: unknown;
  /** Paths that must be present (`server.name`, `rules[].direction`). */
  readonly bodyRequired?: readonly string[];
  /** Paths that may be present; `*` matches one map key (`server.metadata.*`). */
  readonly bodyAllowed?: readonly string[];
  /** The body is binary data, not JSON. */
  readonly binary?: boolean;
}

export interface RecordedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** A non-JSON body (Glance's HTML errors). */
  readonly text?: string;
  readonly binary?: boolean;
}

export interface Exchange {
  readonly id: string;
  readonly service: string;
  /** Where in the API reference the example comes from. */
  readonly doc: string;
  readonly request: RecordedRequest;
  readonly response: RecordedResponse;
}

interface FixtureFile {
  readonly service: string;
  readonly reference: string;
  readonly exchanges: Readonly<Record<string, Omit<Exchange, 'id' | 'service'>>>;
}

export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

/** Every recording, by id. */
export function loadExchanges(dir = FIXTURES_DIR): Map<string, Exchange> {
  const out = new Map<string, Exchange>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8')) as FixtureFile;
    for (const [id, exchange] of Object.entries(parsed.exchanges)) {
      if (out.has(id)) throw new Error(`recording ${id} appears twice (in ${file})`);
      const doc = exchange.doc.startsWith('http') ? exchange.doc : `${parsed.reference}${exchange.doc}`;
      out.set(id, { ...exchange, id, service: parsed.service, doc });
    }
  }
  return out;
}

/** `{name}` segments become captures. */
export function compileTemplate(template: string): RegExp {
  const pattern = template
    .split('/')
    .map((segment) => (/^\{[a-z_]+\}$/.test(segment) ? '([^/]+)' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}$`);
}

export function templateParams(template: string, path: string): Record<string, string> | undefined {
  const match = compileTemplate(template).exec(path);
  if (match === null) return undefined;
  const names = [...template.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1] ?? '');
  return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(match[i + 1] ?? '')]));
}

/** Leaf paths of a JSON value: `a.b`, `list[].c`; empty objects and arrays count as leaves. */
export function jsonPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${prefix}[]`];
    return [...new Set(value.flatMap((v) => jsonPaths(v, `${prefix}[]`)))];
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return prefix === '' ? [] : [prefix];
    return entries.flatMap(([k, v]) => jsonPaths(v, prefix === '' ? k : `${prefix}.${k}`));
  }
  return [prefix];
}

/** `server.metadata.*` allows `server.metadata.env`; a pattern also allows what lies under it. */
function allows(pattern: string, path: string): boolean {
  const p = pattern.split('.');
  const a = path.split('.');
  if (a.length < p.length) return false;
  return p.every((segment, i) => segment === '*' || segment === a[i]);
}

function present(required: string, paths: readonly string[]): boolean {
  return paths.some((path) => path === required || path.startsWith(`${required}.`) || path.startsWith(`${required}[]`));
}

/** What is wrong with a request's body for this recording (empty when it fits). */
export function bodyProblems(request: RecordedRequest, body: unknown): string[] {
  if (request.bodyRequired === undefined && request.bodyAllowed === undefined) {
    return body === undefined ? [] : ['the API takes no request body here'];
  }
  if (typeof body !== 'object' || body === null) return ['a JSON object body is required'];
  const paths = jsonPaths(body);
  const problems: string[] = [];
  for (const required of request.bodyRequired ?? []) if (!present(required, paths)) problems.push(`missing ${required}`);
  for (const path of paths) {
    if (!(request.bodyAllowed ?? []).some((pattern) => allows(pattern, path))) problems.push(`${path} is not a documented request field`);
  }
  return problems;
}
