/**
 * The OpenAPI document: a valid 3.1 document that lists every route with an operation id,
 * its parameters, body and responses (the error schema included). Ajv's 2020-12 dialect,
 * the one OpenAPI 3.1 uses, compiles every schema in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Broker, BrokerService } from '@skyport/core';
import { createApi, listRoutes } from './index.js';

// The document and docs page need no broker call; any call would be a bug here.
const broker = new Proxy({} as Broker, {
  get: () => assert.fail('the OpenAPI document must not call the broker'),
});
const service = { as: () => broker, auth: broker, start: broker, stop: broker } as unknown as BrokerService;
const appPromise = createApi({ service, version: '1.2.3' });

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

async function documentOf(): Promise<Json> {
  const app = await appPromise;
  const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  assert.equal(response.statusCode, 200, 'the document needs no token');
  return response.json();
}

function operations(document: Json): { path: string; method: string; operation: Json }[] {
  return Object.entries(document['paths'] as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as Json })),
  );
}

/** Every `$ref` in the document, with where it was found. */
function refs(value: unknown, at = '#'): { ref: string; at: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => refs(v, `${at}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => (key === '$ref' ? [{ ref: String(v), at }] : refs(v, `${at}/${key}`)));
}

function resolve(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], document);
}

test('the document is OpenAPI 3.1 with info, the bearer scheme and declared tags', async () => {
  const document = await documentOf();
  assert.equal(document['openapi'], '3.1.0');
  assert.equal(document['info']['title'], 'Skyport REST API');
  assert.equal(document['info']['version'], '1.2.3');
  assert.deepEqual(document['components']['securitySchemes']['bearerAuth'], {
    type: 'http',
    scheme: 'bearer',
    description: document['components']['securitySchemes']['bearerAuth']['description'],
  });
  assert.deepEqual(document['security'], [{ bearerAuth: [] }]);
  const allowedTop = ['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security', 'tags', 'externalDocs'];
  for (const key of Object.keys(document)) assert.ok(allowedTop.includes(key), `unknown top-level field ${key}`);

  const tagNames = (document['tags'] as Json[]).map((t) => t['name']);
  for (const { path, method, operation } of operations(document)) {
    for (const tag of operation['tags'] ?? []) assert.ok(tagNames.includes(tag), `${method} ${path}: tag ${tag} is not declared`);
  }
});

test('every registered route is in the document under its operation id, once', async () => {
  const app = await appPromise;
  const document = await documentOf();
  const documented = operations(document);
  const routes = listRoutes(app).filter((r) => !r.hidden);
  assert.ok(routes.length >= 50, `expected the whole API, got ${routes.length} routes`);

  const ids = documented.map((d) => d.operation['operationId']);
  assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
  for (const route of routes) {
    assert.ok(route.operationId, `${route.method} ${route.url} has an operationId`);
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const operation = document['paths'][path]?.[route.method.toLowerCase()];
    assert.ok(operation, `${route.method} ${path} is in the document`);
    assert.equal(operation['operationId'], route.operationId);
  }
  assert.equal(documented.length, routes.length, 'the document lists nothing that is not a route');
});

test('every operation declares its parameters, its body and its responses, errors included', async () => {
  const document = await documentOf();
  for (const { path, method, operation } of operations(document)) {
    const where = `${method.toUpperCase()} ${path}`;
    assert.ok(operation['summary'], `${where} has a summary`);

    const pathParameters = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const declared = (operation['parameters'] ?? []).filter((p: Json) => p['in'] === 'path').map((p: Json) => p['name']);
    assert.deepEqual(declared.sort(), pathParameters.sort(), `${where} declares its path parameters`);
    for (const parameter of operation['parameters'] ?? []) {
      assert.ok(['path', 'query', 'header', 'cookie'].includes(parameter['in']), `${where}: parameter ${parameter['name']} location`);
      assert.ok(parameter['schema'], `${where}: parameter ${parameter['name']} has a schema`);
      if (parameter['in'] === 'path') assert.equal(parameter['required'], true, `${where}: path parameters are required`);
    }

    const responses = operation['responses'] as Json;
    const success = Object.keys(responses).filter((s) => /^2\d\d$/.test(s));
    assert.equal(success.length, 1, `${where} has one success response`);
    for (const [status, response] of Object.entries(responses)) {
      assert.match(status, /^([1-5]\d\d|[1-5]XX|default)$/, `${where}: status key ${status}`);
      assert.ok((response as Json)['description'], `${where} ${status} has a description`);
    }
    for (const range of ['4XX', '5XX']) {
      assert.equal(responses[range]?.['content']?.['application/json']?.['schema']?.['$ref'], '#/components/schemas/Error', `${where} ${range} is the error schema`);
    }
    const status = success[0]!;
    if (status !== '204') assert.ok(responses[status]['content'], `${where} ${status} has a body schema`);
    if (status === '202') assert.ok(responses[status]['headers']?.['location'], `${where} 202 documents Location`);

    if (operation['requestBody'] !== undefined) {
      const content = operation['requestBody']['content'] as Json;
      if (content['application/json'] === undefined) {
        // A file upload: bytes, in every media type it is taken as.
        for (const [type, media] of Object.entries(content)) assert.deepEqual((media as Json)['schema'], { type: 'string', format: 'binary' }, `${where} takes ${type} as bytes`);
        continue;
      }
      const schema = content['application/json']['schema'];
      assert.ok(schema, `${where} body has a JSON schema`);
      assert.equal(schema['additionalProperties'], false, `${where} refuses unknown body fields`);
    }
  }
  const stop = document['paths']['/api/v1/instances/{id}/stop']['post'];
  assert.equal(stop['requestBody']['required'], false, 'the stop body is optional');
  assert.equal(document['paths']['/api/v1/instances']['post']['requestBody']['required'], true);
});

test('public operations say so; the others inherit the bearer requirement', async () => {
  const document = await documentOf();
  for (const { path, method, operation } of operations(document)) {
    const isPublic = path === '/api/v1/health' || path === '/api/v1/openapi.json' || path === '/api/v1/sessions';
    assert.deepEqual(operation['security'], isPublic ? [] : undefined, `${method} ${path}`);
  }
});

test('every $ref resolves and every schema compiles as JSON Schema 2020-12', async () => {
  const document = await documentOf();
  for (const { ref, at } of refs(document)) assert.ok(resolve(document, ref) !== undefined, `${ref} at ${at} resolves`);

  const ajv = new Ajv2020({ strict: true, validateFormats: false, strictTypes: false, strictTuples: false });
  // OpenAPI's own annotation keywords inside schemas.
  for (const keyword of ['example', 'discriminator', 'xml', 'externalDocs']) ajv.addKeyword(keyword);
  // The container the document's refs point into; not a keyword of a schema itself.
  ajv.addKeyword('components');
  ajv.addSchema({ $id: 'openapi.json', components: document['components'] });
  const components = document['components']['schemas'] as Json;
  for (const name of Object.keys(components)) {
    assert.doesNotThrow(() => ajv.getSchema(`openapi.json#/components/schemas/${name}`), `components/schemas/${name} compiles`);
  }
  let compiled = 0;
  for (const { path, method, operation } of operations(document)) {
    const schemas = [
      ...(operation['parameters'] ?? []).map((p: Json) => p['schema']),
      operation['requestBody']?.['content']?.['application/json']?.['schema'],
      ...Object.values(operation['responses'] as Json).flatMap((r: Json) => Object.values((r['content'] ?? {}) as Record<string, Json>).map((c) => c['schema'])),
    ].filter((s) => s !== undefined);
    for (const schema of schemas) {
      const rebased = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/'));
      assert.doesNotThrow(() => ajv.compile(rebased), `a schema of ${method} ${path} compiles`);
      compiled += 1;
    }
  }
  assert.ok(compiled > 100);
});

test('the docs page is served without a token', async () => {
  const app = await appPromise;
  const response = await app.inject({ method: 'GET', url: '/api/v1/docs' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type'] ?? ''), /text\/html/);
});
