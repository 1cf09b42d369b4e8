/**
 * The tenancy methods against a real HTTP server that records what it receives and answers
 * what a test chooses: paths, methods, bodies and headers on the wire, and how answers
 * (lists, 204s, NDJSON) become values. The routes themselves are tested end to end by the CLI.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SkyportError } from '@skyport/model';
import { createClient, readJsonLines, type AuditRecord } from './index.js';

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const recorded: Recorded[] = [];
let answer: (request: Recorded, response: ServerResponse) => void = (_request, response) => json(response, 200, {});

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function noContent(_request: Recorded, response: ServerResponse): void {
  response.writeHead(204).end();
}

const server = createServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => (body += chunk));
  request.on('end', () => {
    const entry = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
    recorded.push(entry);
    answer(entry, response);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => {
  server.closeAllConnections();
  server.close();
});

const client = createClient({ baseUrl, token: 'tok-1' });

function last(): Recorded {
  const entry = recorded.at(-1);
  assert.ok(entry, 'a request was made');
  return entry;
}

/** Method, path and parsed body of the last request. */
function sent(): [string, string, unknown] {
  const { method, url, body } = last();
  return [method, url, body === '' ? undefined : JSON.parse(body)];
}

const tenant = { id: 'tnt-1', name: 'acme', quotas: { instances: 10 }, createdAt: 'x' };
const user = { id: 'usr-1', name: 'bob', systemAdmin: false, memberships: [{ tenantId: 'tnt-1', role: 'viewer' }], createdAt: 'x' };
const principal = { userId: 'usr-1', userName: 'bob', tenantId: 'tnt-1', role: 'viewer', systemAdmin: false, via: 'password', credentialId: 'tok-9' };

test('login posts the credentials without any token; whoami sends the token', async () => {
  const session = { token: 'skp_s', expiresAt: '2030-01-01T00:00:00.000Z', userId: 'usr-1', tenantId: 'tnt-1' };
  answer = (_r, response) => json(response, 201, session);
  assert.deepEqual(await client.login('bob', 'correct horse battery'), session);
  assert.deepEqual(sent(), ['POST', '/api/v1/sessions', { userName: 'bob', password: 'correct horse battery' }]);
  assert.equal(last().headers['authorization'], undefined, 'a stale token is not sent with a login');

  answer = (_r, response) => json(response, 200, principal);
  assert.deepEqual(await client.whoami(), principal);
  assert.deepEqual(sent(), ['GET', '/api/v1/whoami', undefined]);
  assert.equal(last().headers['authorization'], 'Bearer tok-1');

  answer = (_r, response) => json(response, 401, { code: 'Unauthenticated', message: 'the user name or password is wrong', requestId: 'r' });
  await assert.rejects(client.login('bob', 'wrong'), (error: unknown) => error instanceof SkyportError && error.code === 'Unauthenticated');
});

test('tenants: list unwraps items, quotas are PUT, usage of the own tenant asks whoami first', async () => {
  answer = (_r, response) => json(response, 200, { items: [tenant] });
  assert.deepEqual(await client.tenants.list(), [tenant]);
  assert.deepEqual(sent(), ['GET', '/api/v1/tenants', undefined]);

  answer = (_r, response) => json(response, 201, tenant);
  await client.tenants.create({ name: 'acme', quotas: { instances: 10 } });
  assert.deepEqual(sent(), ['POST', '/api/v1/tenants', { name: 'acme', quotas: { instances: 10 } }]);
  await client.tenants.get('acme co/x');
  assert.deepEqual(sent(), ['GET', '/api/v1/tenants/acme%20co%2Fx', undefined]);
  await client.tenants.setQuotas('acme', { vcpus: 8 });
  assert.deepEqual(sent(), ['PUT', '/api/v1/tenants/acme/quotas', { vcpus: 8 }]);
  assert.equal(last().headers['content-type'], 'application/json');

  const usage = { tenantId: 'tnt-1', quotas: {}, used: { instances: 1, vcpus: 2, memoryMiB: 1024, volumeGiB: 0 } };
  answer = (_r, response) => json(response, 200, usage);
  assert.deepEqual(await client.tenants.usage('acme'), usage);
  assert.deepEqual(sent(), ['GET', '/api/v1/tenants/acme/usage', undefined]);

  const before = recorded.length;
  answer = (request, response) => json(response, 200, request.url.endsWith('/whoami') ? principal : usage);
  assert.deepEqual(await client.tenants.usage(), usage);
  assert.deepEqual(
    recorded.slice(before).map((r) => r.url),
    ['/api/v1/whoami', '/api/v1/tenants/tnt-1/usage'],
  );
});

test('users: create with memberships, set a password, delete', async () => {
  answer = (_r, response) => json(response, 200, { items: [user] });
  assert.deepEqual(await client.users.list(), [user]);
  assert.deepEqual(sent(), ['GET', '/api/v1/users', undefined]);

  answer = (_r, response) => json(response, 201, user);
  const request = { name: 'bob', password: 'correct horse battery', memberships: [{ tenantId: 'acme', role: 'viewer' as const }] };
  assert.deepEqual(await client.users.create(request), user);
  assert.deepEqual(sent(), ['POST', '/api/v1/users', request]);
  await client.users.get('bob');
  assert.deepEqual(sent(), ['GET', '/api/v1/users/bob', undefined]);

  answer = noContent;
  assert.equal(await client.users.setPassword('bob', 'another long one'), undefined);
  assert.deepEqual(sent(), ['PUT', '/api/v1/users/bob/password', { password: 'another long one' }]);
  assert.equal(await client.users.delete('bob'), undefined);
  assert.deepEqual(sent(), ['DELETE', '/api/v1/users/bob', undefined]);
});

test('tokens and access keys: create answers the secret once, revoke and delete answer nothing', async () => {
  const view = { id: 'tok-2', name: 'ci', userId: 'usr-1', tenantId: 'tnt-1', role: 'viewer', createdAt: 'x', expiresAt: 'y' };
  answer = (_r, response) => json(response, 201, { token: 'skp_secret', view });
  const created = await client.tokens.create({ name: 'ci', role: 'viewer', expiresInSeconds: 3600 });
  assert.equal(created.token, 'skp_secret');
  assert.deepEqual(sent(), ['POST', '/api/v1/tokens', { name: 'ci', role: 'viewer', expiresInSeconds: 3600 }]);
  answer = (_r, response) => json(response, 200, { items: [view] });
  assert.deepEqual(await client.tokens.list(), [view]);
  answer = noContent;
  await client.tokens.revoke('tok-2');
  assert.deepEqual(sent(), ['DELETE', '/api/v1/tokens/tok-2', undefined]);

  answer = (_r, response) => json(response, 201, { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 's3cret' });
  assert.deepEqual(await client.accessKeys.create(), { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 's3cret' });
  assert.deepEqual(sent(), ['POST', '/api/v1/access-keys', undefined]);
  assert.equal(last().headers['content-type'], undefined, 'no body, no content type');
  answer = (_r, response) => json(response, 200, { items: [{ accessKeyId: 'AKIAEXAMPLE', userId: 'usr-1', tenantId: 'tnt-1', createdAt: 'x' }] });
  assert.equal((await client.accessKeys.list())[0]?.accessKeyId, 'AKIAEXAMPLE');
  answer = noContent;
  await client.accessKeys.delete('AKIAEXAMPLE');
  assert.deepEqual(sent(), ['DELETE', '/api/v1/access-keys/AKIAEXAMPLE', undefined]);
});

test('audit: list pages, verify, export as text and as records read line by line', async () => {
  answer = (_r, response) => json(response, 200, { items: [], nextCursor: 'c2' });
  assert.deepEqual(await client.audit.list({ limit: 5, cursor: 'c1' }), { items: [], nextCursor: 'c2' });
  const parsed = new URL(last().url, baseUrl);
  assert.equal(parsed.pathname, '/api/v1/audit');
  assert.equal(parsed.searchParams.get('limit'), '5');
  assert.equal(parsed.searchParams.get('cursor'), 'c1');

  answer = (_r, response) => json(response, 200, { ok: false, entries: 4, brokenAt: 5, reason: 'entry 5 was altered after it was written' });
  assert.equal((await client.audit.verify()).brokenAt, 5);
  assert.equal(last().url, '/api/v1/audit/verify');

  const records = [1, 2, 3].map((seq) => ({ seq, action: 'tokens.create', prevHash: `h${seq - 1}`, hash: `h${seq}` }));
  const text = records.map((r) => JSON.stringify(r) + '\n').join('');
  answer = (_r, response) => {
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    // Split inside a line, so the reader must join the pieces.
    response.write(text.slice(0, 30));
    setTimeout(() => response.end(text.slice(30)), 10);
  };
  assert.equal(await client.audit.export(), text);
  assert.equal(last().headers['accept'], 'application/x-ndjson');
  const read: AuditRecord[] = [];
  for await (const record of client.audit.exportRecords()) read.push(record);
  assert.deepEqual(read, records);
});

test('readJsonLines skips blank lines, keeps a last line without a newline and stops early on request', async () => {
  const encoder = new TextEncoder();
  const body = (chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
  const all: unknown[] = [];
  for await (const item of readJsonLines(body(['{"a":1}\n\n{"a"', ':2}\r\n{"a":3}']))) all.push(item);
  assert.deepEqual(all, [{ a: 1 }, { a: 2 }, { a: 3 }]);

  let cancelled = false;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(encoder.encode('{"a":1}\n'));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const item of readJsonLines(endless)) {
    assert.deepEqual(item, { a: 1 });
    break;
  }
  assert.ok(cancelled, 'breaking out of the loop cancels the body');
});
