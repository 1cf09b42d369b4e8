/**
 * The client against a real HTTP server that records what it receives and answers what a
 * test chooses: checks the wire encoding (paths, parameters, headers, bodies) and how
 * answers and failures become values and SkyportErrors. The API itself is tested against
 * this client end to end elsewhere.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SkyportError, type BrokerEvent } from '@skyport/model';
import { createClient, paginate } from './index.js';

interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const recorded: Recorded[] = [];
let answer: (request: Recorded, response: ServerResponse) => void = (_request, response) => json(response, 200, {});

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? undefined : JSON.stringify(body));
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

const client = createClient({ baseUrl: `${baseUrl}/api/v1/`, token: 'tok-1' });
const operation = { id: 'op-1', type: 'instance.create', status: 'queued', progress: 0, createdAt: 'x', updatedAt: 'x' };

function last(): Recorded {
  const entry = recorded.at(-1);
  assert.ok(entry, 'a request was made');
  return entry;
}

test('lists encode filters as the API reads them', async () => {
  answer = (_r, response) => json(response, 200, { items: [], nextCursor: 'c2' });
  const page = await client.instances.list({
    provider: ['sim-1', 'sim 2'],
    state: ['running', 'stopped'],
    name: 'web-*',
    tags: { env: 'prod', team: null },
    fields: ['name', 'state'],
    limit: 10,
    includeVanished: true,
  });
  assert.deepEqual(page, { items: [], nextCursor: 'c2' });
  const { method, url, headers } = last();
  assert.equal(method, 'GET');
  const parsed = new URL(url, baseUrl);
  assert.equal(parsed.pathname, '/api/v1/instances');
  assert.deepEqual(parsed.searchParams.getAll('provider'), ['sim-1', 'sim 2']);
  assert.deepEqual(parsed.searchParams.getAll('tag'), ['env=prod', 'team']);
  assert.equal(parsed.searchParams.get('state'), 'running,stopped');
  assert.equal(parsed.searchParams.get('name'), 'web-*');
  assert.equal(parsed.searchParams.get('fields'), 'name,state');
  assert.equal(parsed.searchParams.get('limit'), '10');
  assert.equal(parsed.searchParams.get('includeVanished'), 'true');
  assert.equal(headers['authorization'], 'Bearer tok-1');
  assert.equal(headers['content-type'], undefined, 'no body, no content type');
});

test('creates send JSON and the idempotency key; actions without a body send no content type', async () => {
  answer = (_r, response) => json(response, 202, operation, { location: '/api/v1/operations/op-1' });
  const request = { providerId: 'prv-1', name: 'web', imageId: 'ami-1', hardwareProfileId: 'small', tags: { env: 'prod' } };
  assert.deepEqual(await client.instances.create(request, { idempotencyKey: 'key-1' }), operation);
  let entry = last();
  assert.equal(entry.method, 'POST');
  assert.equal(entry.url, '/api/v1/instances');
  assert.equal(entry.headers['content-type'], 'application/json');
  assert.equal(entry.headers['idempotency-key'], 'key-1');
  assert.deepEqual(JSON.parse(entry.body), request);

  await client.instances.start('i-1/../x');
  entry = last();
  assert.equal(entry.url, '/api/v1/instances/i-1%2F..%2Fx/start', 'ids are one path segment');
  assert.equal(entry.headers['content-type'], undefined);
  assert.equal(entry.body, '');

  await client.instances.stop('i-1', { force: true });
  assert.deepEqual(JSON.parse(last().body), { force: true });

  answer = (_r, response) => response.writeHead(204).end();
  assert.equal(await client.keyPairs.delete('key-1'), undefined);
  assert.equal(last().method, 'DELETE');

  answer = (_r, response) => json(response, 200, { tags: { env: 'dev' } });
  assert.deepEqual(await client.tags.update('keyPair', 'key-1', { set: { env: 'dev' }, remove: ['old'] }), { env: 'dev' });
  assert.equal(last().method, 'PATCH');
  assert.equal(last().url, '/api/v1/key-pairs/key-1/tags');
});

test('security group rules go to /ingress or /egress, revokes to .../revoke; images are created with a key', async () => {
  const group = { id: 'sg-1', providerId: 'prv-1', name: 'web', description: 'd', ingress: [], egress: [], tags: {}, createdAt: 'x' };
  answer = (_r, response) => json(response, 200, group);
  const rules = [{ protocol: 'tcp', fromPort: 80, toPort: 80, cidr: '0.0.0.0/0' }] as const;
  assert.deepEqual(await client.securityGroups.authorize('sg-1', 'ingress', rules), group);
  assert.equal(last().method, 'POST');
  assert.equal(last().url, '/api/v1/security-groups/sg-1/ingress');
  assert.deepEqual(JSON.parse(last().body), { rules });
  await client.securityGroups.revoke('sg-1', 'egress', rules);
  assert.equal(last().url, '/api/v1/security-groups/sg-1/egress/revoke');
  await client.securityGroups.create({ providerId: 'sim', name: 'web', description: 'd' });
  assert.deepEqual([last().method, last().url], ['POST', '/api/v1/security-groups']);

  answer = (_r, response) => json(response, 202, operation, { location: '/api/v1/operations/op-1' });
  await client.images.create({ instanceId: 'i-1', name: 'golden' }, { idempotencyKey: 'img-key' });
  assert.deepEqual([last().method, last().url, last().headers['idempotency-key']], ['POST', '/api/v1/images', 'img-key']);
  await client.images.delete('ami-1');
  assert.deepEqual([last().method, last().url], ['DELETE', '/api/v1/images/ami-1']);

  answer = (_r, response) => json(response, 200, { tags: { env: 'dev' } });
  await client.tags.update('securityGroup', 'sg-1', { set: { env: 'dev' } });
  assert.equal(last().url, '/api/v1/security-groups/sg-1/tags');
});

test('waits pass states and the timeout in seconds', async () => {
  answer = (_r, response) => json(response, 200, operation);
  await client.instances.waitFor('i-1', ['running', 'stopped'], { timeoutSeconds: 120 });
  const parsed = new URL(last().url, baseUrl);
  assert.equal(parsed.pathname, '/api/v1/instances/i-1/wait');
  assert.equal(parsed.searchParams.get('state'), 'running,stopped');
  assert.equal(parsed.searchParams.get('timeout'), '120');
});

test('an error body becomes the SkyportError the broker threw', async () => {
  answer = (_r, response) =>
    json(
      response,
      503,
      { code: 'Throttled', message: 'slow down', retryable: true, details: { providerCode: 'RequestLimitExceeded', providerRequestId: 'aws-1' }, requestId: 'req-9' },
      { 'retry-after': '3' },
    );
  await assert.rejects(client.instances.get('i-1'), (error: unknown) => {
    assert.ok(error instanceof SkyportError);
    assert.equal(error.code, 'Throttled');
    assert.equal(error.message, 'slow down');
    assert.equal(error.retryable, true);
    assert.equal(error.requestId, 'req-9');
    assert.equal(error.providerCode, 'RequestLimitExceeded');
    assert.equal(error.retryAfterMs, 3000);
    assert.deepEqual(error.details, { providerCode: 'RequestLimitExceeded', providerRequestId: 'aws-1', status: 503 });
    return true;
  });

  answer = (_r, response) => json(response, 404, { code: 'NotFound', message: 'instance i-2 does not exist', requestId: 'req-10' });
  await assert.rejects(client.instances.get('i-2'), (error: unknown) => {
    assert.ok(error instanceof SkyportError);
    assert.equal(error.code, 'NotFound');
    assert.equal(error.retryable, false, 'from the code when the body does not say');
    assert.deepEqual(error.details, { status: 404 });
    return true;
  });
});

test('an answer that is not a Skyport error still becomes a SkyportError', async () => {
  answer = (_r, response) => response.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
  await assert.rejects(client.providers.list(), (error: unknown) => {
    assert.ok(error instanceof SkyportError);
    assert.equal(error.code, 'Internal');
    assert.equal(error.retryable, true);
    assert.match(error.message, /HTTP 502 without a Skyport error body: <html>Bad Gateway/);
    assert.equal(error.details?.['status'], 502);
    return true;
  });
});

test('a broker that does not answer is named, with how to start it', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const offline = createClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't' });
  await assert.rejects(offline.health(), (error: unknown) => {
    assert.ok(error instanceof SkyportError);
    assert.equal(error.code, 'Internal');
    assert.match(error.message, new RegExp(`^cannot reach the Skyport broker at http://127.0.0.1:${port}: .*ECONNREFUSED.*; is it running\\? start it with npm start$`));
    return true;
  });
});

test('paginate follows nextCursor to the last page', async () => {
  const pages: Record<string, { items: { id: string }[]; nextCursor?: string }> = {
    '': { items: [{ id: 'vol-1' }, { id: 'vol-2' }], nextCursor: 'b' },
    b: { items: [{ id: 'vol-3' }], nextCursor: 'c' },
    c: { items: [] },
  };
  answer = (request, response) => json(response, 200, pages[new URL(request.url, baseUrl).searchParams.get('cursor') ?? '']);
  const ids: string[] = [];
  for await (const volume of paginate(client.volumes.list, { provider: 'sim', limit: 2 })) ids.push(volume.id);
  assert.deepEqual(ids, ['vol-1', 'vol-2', 'vol-3']);
  assert.equal(new URL(last().url, baseUrl).searchParams.get('provider'), 'sim', 'the filters go with every page');
});

test('events are read until the caller aborts', async () => {
  const event: BrokerEvent = { type: 'resource.deleted', kind: 'instance', providerId: 'prv-1', id: 'i-1' };
  answer = (_r, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(`retry: 5000\n: connected\n\nid: 1\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    // Left open, as the broker does.
  };
  const controller = new AbortController();
  const received: { event: BrokerEvent; id: string }[] = [];
  await client.events({ types: ['resource.deleted'], provider: 'sim' }, (e, meta) => {
    received.push({ event: e, id: meta.id });
    controller.abort();
  }, controller.signal);
  assert.deepEqual(received, [{ event, id: '1' }]);
  const { url, headers } = last();
  assert.equal(headers['accept'], 'text/event-stream');
  assert.equal(new URL(url, baseUrl).searchParams.get('types'), 'resource.deleted');

  answer = (_r, response) => json(response, 401, { code: 'Unauthenticated', message: 'no token', requestId: 'r' });
  await assert.rejects(client.events({}, () => {}), { code: 'Unauthenticated' });
});

test('a cookie session (the portal) sends the CSRF value with changes only; login asks for the cookies', async () => {
  let csrf: string | undefined = 'csrf-1';
  const cookieClient = createClient({ baseUrl, csrfToken: () => csrf });
  answer = (_r, response) => json(response, 200, { items: [] });
  await cookieClient.instances.list();
  assert.equal(last().headers['x-csrf-token'], undefined, 'reads need no CSRF value');
  assert.equal(last().headers['authorization'], undefined);
  answer = (_r, response) => json(response, 202, operation);
  await cookieClient.instances.stop('i-1');
  assert.equal(last().headers['x-csrf-token'], 'csrf-1');
  csrf = 'csrf-2';
  await cookieClient.instances.start('i-1');
  assert.equal(last().headers['x-csrf-token'], 'csrf-2', 'read at each request: a login replaces the cookie');

  answer = (_r, response) => json(response, 201, { token: 't', expiresAt: 'x', userId: 'u', tenantId: 'tn' });
  await cookieClient.login('olga', 'secret', { cookie: true });
  assert.deepEqual(JSON.parse(last().body), { userName: 'olga', password: 'secret', cookie: true });
  await client.login('olga', 'secret');
  assert.deepEqual(JSON.parse(last().body), { userName: 'olga', password: 'secret' });
});

test('events call onOpen once the broker accepted the stream', async () => {
  answer = (_r, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(': connected\n\n');
  };
  let opened = 0;
  await client.events({ onOpen: () => (opened += 1) }, () => {});
  assert.equal(opened, 1);
  answer = (_r, response) => json(response, 403, { code: 'Forbidden', message: 'no', requestId: 'r' });
  await assert.rejects(client.events({ onOpen: () => (opened += 1) }, () => {}), { code: 'Forbidden' });
  assert.equal(opened, 1, 'not for a refused stream');
});
