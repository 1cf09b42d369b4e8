/**
 * The error mapping, validation messages and authentication of the REST API. The broker
 * here is a Proxy whose methods throw or return what a test chooses: this file checks how
 * the API turns outcomes into HTTP, not what the broker does (end-to-end tests run the real
 * one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Broker, BrokerService } from '@skyport/core';
import { ERROR_CODES, SkyportError, type ErrorCode, type Principal } from '@skyport/model';
import { createApi, STATUS_BY_CODE } from './index.js';

type Behaviour = (method: string, args: readonly unknown[]) => unknown;

/** Tokens `admin-token`, `operator-token` and `viewer-token` authenticate with that role. */
function stubService(behaviour: Behaviour): BrokerService {
  const node = (path: readonly string[]): unknown =>
    new Proxy(function stub() {}, {
      get: (_target, key) => (typeof key !== 'string' || key === 'then' ? undefined : node([...path, key])),
      apply: async (_target, _this, args: unknown[]) => behaviour(path.join('.'), args),
    });
  return {
    as: () => node([]) as Broker,
    auth: {
      async authenticateToken(token) {
        const role = /^(admin|operator|viewer)-token$/.exec(token)?.[1] as Principal['role'] | undefined;
        if (role === undefined) throw new SkyportError('Unauthenticated', 'the token is unknown or expired');
        return { userId: 'usr-1', userName: role, tenantId: 'tnt-1', role, systemAdmin: false, via: 'token' };
      },
      login: () => Promise.reject(new SkyportError('Unauthenticated', 'no')),
      accessKey: () => Promise.reject(new SkyportError('Unauthenticated', 'no')),
    },
    start: async () => undefined,
    stop: async () => undefined,
  };
}

let current: Behaviour = () => undefined;
const apiPromise = createApi({ service: stubService((method, args) => current(method, args)), version: '9.9.9' });

async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  options: { token?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
) {
  const app: FastifyInstance = await apiPromise;
  const token = options.token === undefined ? 'admin-token' : options.token;
  const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...options.headers };
  const response = await app.inject({
    method,
    url,
    headers,
    ...(options.body === undefined ? {} : { payload: options.body as object }),
    ...(options.rawBody === undefined ? {} : { payload: options.rawBody }),
  });
  return { status: response.statusCode, headers: response.headers, body: response.json() as Record<string, any> };
}

const instance = {
  id: 'i-1', providerId: 'prv-1', name: 'web', state: 'running', rawState: 'RUNNING', imageId: 'ami-1',
  hardwareProfileId: 'hwp-1', cpus: 1, memoryMiB: 512, diskGiB: 10, addresses: [], tags: {}, createdAt: '2025-01-01T00:00:00.000Z',
};

test('every error code has a status, and each leaves the API as that status with the one error body', async () => {
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
    current = () => {
      throw new SkyportError(code, `boom ${code}`, { details: { field: 'x' } });
    };
    const { status, headers, body } = await call('GET', '/api/v1/instances/i-1');
    assert.equal(status, STATUS_BY_CODE[code], code);
    assert.equal(body['code'], code);
    assert.equal(body['retryable'], ERROR_CODES[code].retryable, code);
    assert.equal(body['requestId'], headers['x-request-id'], `${code}: requestId is the x-request-id header`);
    assert.ok(String(body['requestId']).length > 0);
    if (code === 'Internal') {
      assert.doesNotMatch(String(body['message']), /boom/, 'an internal message is logged, not returned');
      assert.equal(body['details'], undefined);
    } else {
      assert.equal(body['message'], `boom ${code}`);
      assert.deepEqual(body['details'], { field: 'x' });
    }
  }
});

test('the statuses are the documented ones', () => {
  assert.deepEqual(STATUS_BY_CODE, {
    InvalidArgument: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404, AlreadyExists: 409, InvalidState: 409,
    IdempotencyMismatch: 422, QuotaExceeded: 403, RateLimited: 429, Unsupported: 501, Throttled: 503, ProviderUnavailable: 502,
    ProviderError: 502, Timeout: 504, Internal: 500,
  });
});

test("a provider's code and request id reach the details; Throttled says when to retry", async () => {
  current = () => {
    throw new SkyportError('Throttled', 'the provider asked to slow down', { providerCode: 'RequestLimitExceeded', requestId: 'req-42', retryAfterMs: 2500 });
  };
  const { status, headers, body } = await call('POST', '/api/v1/instances/i-1/start');
  assert.equal(status, 503);
  assert.equal(headers['retry-after'], '3');
  assert.deepEqual(body['details'], { providerCode: 'RequestLimitExceeded', providerRequestId: 'req-42' });

  current = () => {
    throw new SkyportError('Throttled', 'slow down');
  };
  assert.equal((await call('GET', '/api/v1/instances/i-1')).headers['retry-after'], '1', 'Throttled always has Retry-After');
});

test('anything that is not a SkyportError is an Internal error with a generic message', async () => {
  current = () => {
    throw new TypeError("Cannot read properties of undefined (reading 'secret path /var/lib')");
  };
  const { status, body } = await call('GET', '/api/v1/instances/i-1');
  assert.equal(status, 500);
  assert.equal(body['code'], 'Internal');
  assert.match(String(body['message']), new RegExp(`request id ${body['requestId']}`));
  assert.doesNotMatch(String(body['message']), /secret/);
});

test('validation errors name the field and what is allowed', async () => {
  current = () => assert.fail('the broker must not be called with an invalid request');
  const volume = { providerId: 'prv-1', name: 'data', sizeGiB: 10 };

  let r = await call('POST', '/api/v1/volumes', { body: { ...volume, sizeGiB: 0 } });
  assert.equal(r.status, 400);
  assert.equal(r.body['code'], 'InvalidArgument');
  assert.equal(r.body['message'], 'body/sizeGiB must be >= 1');
  assert.deepEqual(r.body['details'], { field: 'sizeGiB', in: 'body', allowed: { minimum: 1 } });

  r = await call('POST', '/api/v1/volumes', { body: { ...volume, sizeGb: 10 } });
  assert.equal(r.status, 400);
  assert.match(r.body['message'], /^body\/sizeGb is not a known field; allowed: providerId, name, sizeGiB, /);
  assert.equal(r.body['details']['field'], 'sizeGb');
  assert.ok(r.body['details']['allowed'].includes('sizeGiB'));

  r = await call('POST', '/api/v1/volumes', { body: { providerId: 'prv-1', sizeGiB: 1 } });
  assert.equal(r.body['message'], 'body/name is required');

  r = await call('POST', '/api/v1/volumes', { body: { ...volume, sizeGiB: 'ten' } });
  assert.equal(r.body['message'], 'body/sizeGiB must be integer');

  r = await call('PATCH', '/api/v1/instances/i-1/tags', { body: { set: { env: { nested: true } } } });
  assert.equal(r.status, 400);
  assert.match(r.body['message'], /^body\/set\/env must be string/);

  r = await call('GET', '/api/v1/instances?limit=5000');
  assert.equal(r.body['message'], 'query/limit must be <= 1000');

  r = await call('GET', '/api/v1/instances?stat=running');
  assert.match(r.body['message'], /^query\/stat is not a known parameter; allowed: .*\bstate\b/);

  r = await call('GET', '/api/v1/instances?state=running,runing');
  assert.equal(r.status, 400);
  assert.match(r.body['message'], /query\/state "runing" is not allowed; allowed: pending, running, /);
  assert.equal(r.body['details']['field'], 'state');

  r = await call('GET', '/api/v1/instances?fields=name,nmae');
  assert.match(r.body['message'], /query\/fields "nmae" is not a field of instance; allowed: id, providerId, name, /);

  r = await call('GET', '/api/v1/operations?status=done');
  assert.match(r.body['message'], /query\/status "done" is not allowed; allowed: queued, running, succeeded, failed, cancelled/);

  r = await call('GET', '/api/v1/instances/i-1/wait?timeout=601');
  assert.equal(r.body['message'], 'query/timeout must be <= 600');

  const create = { providerId: 'prv-1', name: 'web', imageId: 'ami-1', hardwareProfileId: 'small' };
  r = await call('POST', '/api/v1/instances', { body: create, headers: { 'idempotency-key': '' } });
  assert.equal(r.body['message'], 'header/idempotency-key must NOT have fewer than 1 characters');
});

test('malformed JSON, a wrong content type and an unknown route are refused by name', async () => {
  let r = await call('POST', '/api/v1/volumes', { rawBody: '{"name": "data",', headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.equal(r.body['code'], 'InvalidArgument');
  assert.match(r.body['message'], /^the request body is not valid JSON: /);

  r = await call('POST', '/api/v1/volumes', { rawBody: '{"__proto__": {"admin": true}}', headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 400);
  assert.match(r.body['message'], /__proto__/);

  r = await call('POST', '/api/v1/volumes', { rawBody: 'name=data', headers: { 'content-type': 'text/plain' } });
  assert.equal(r.status, 415);
  assert.equal(r.body['code'], 'InvalidArgument');
  assert.match(r.body['message'], /application\/json/);

  r = await call('GET', '/api/v1/instancez?x=1');
  assert.equal(r.status, 404);
  assert.equal(r.body['code'], 'NotFound');
  assert.match(r.body['message'], /GET \/api\/v1\/instancez\b/);
  assert.equal(r.body['requestId'], r.headers['x-request-id']);
});

test('an empty JSON body counts as no body, and an optional body may be left out', async () => {
  const calls: unknown[][] = [];
  current = (method, args) => {
    calls.push([method, ...args]);
    return { id: 'op-1', type: 'instance.stop', status: 'queued', progress: 0, createdAt: 'x', updatedAt: 'x' };
  };
  let r = await call('POST', '/api/v1/instances/i-1/stop', { rawBody: '', headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 202);
  assert.equal(r.headers['location'], '/api/v1/operations/op-1');
  r = await call('POST', '/api/v1/instances/i-1/stop', { body: { force: true } });
  assert.equal(r.status, 202);
  assert.deepEqual(calls, [
    ['instances.act', 'i-1', 'stop', {}],
    ['instances.act', 'i-1', 'stop', { force: true }],
  ]);
});

test('requests without a valid token get 401 saying how to get one', async () => {
  current = (method) => (method === 'instances.get' ? instance : { items: [] });

  let r = await call('GET', '/api/v1/instances/i-1', { token: null });
  assert.equal(r.status, 401);
  assert.equal(r.body['code'], 'Unauthenticated');
  assert.match(r.body['message'], /Authorization: Bearer <token>.*admin-token/);

  r = await call('GET', '/api/v1/instances/i-1', { token: 'stolen' });
  assert.equal(r.status, 401);
  assert.match(r.body['message'], /unknown or expired.*admin-token/);

  r = await call('GET', '/api/v1/instances/i-1', { token: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
  assert.equal(r.status, 401);
  assert.match(r.body['message'], /Bearer <token>/);

  r = await call('GET', '/api/v1/instances/i-1', { token: 'viewer-token' });
  assert.equal(r.status, 200);
  assert.equal(r.body['id'], 'i-1');

  r = await call('GET', '/api/v1/health', { token: null });
  assert.deepEqual(r.body, { status: 'ok', version: '9.9.9' });
});

test('credentials are write-only: nothing undeclared leaves through a response', async () => {
  current = () => ({
    id: 'prv-1', tenantId: 'tnt-1', name: 'sim', driver: 'sim', settings: {}, status: 'available', createdAt: '2025-01-01T00:00:00.000Z',
    capabilities: { instances: { stopStart: true, reboot: true, userData: true, console: true, profileOverrides: true, keyPair: true } },
    behaviour: { createdStopped: false, stopDeletes: false, stopPreservesDisk: true },
    credentials: { secretKey: 'hunter2' },
    sealedCredentials: 'sealed:hunter2',
  });
  const r = await call('GET', '/api/v1/providers/sim');
  assert.equal(r.status, 200);
  assert.doesNotMatch(JSON.stringify(r.body), /hunter2/);
  assert.equal(r.body['name'], 'sim');
});
