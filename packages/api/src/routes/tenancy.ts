/**
 * Tenants, users, API tokens, EC2 access keys and the audit log. Who may do what is decided
 * by the core; these routes only shape requests and answers.
 */
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { ROLES } from '@skyport/model';
import { errorResponses } from '../schemas/error.js';
import { IdParams, ReadonlyArray, StringEnum } from '../schemas/helpers.js';
import { ItemsSchema, PageSchema } from '../schemas/page.js';
import type { RoutePlugin } from './plugin.js';

const RoleSchema = StringEnum(ROLES, { description: 'admin: everything in the tenant; operator: resources; viewer: read only.' });
const QuotasSchema = Type.Object(
  {
    instances: Type.Optional(Type.Integer({ minimum: 0 })),
    vcpus: Type.Optional(Type.Integer({ minimum: 0 })),
    memoryMiB: Type.Optional(Type.Integer({ minimum: 0 })),
    volumeGiB: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false, description: 'Limits of the tenant; an absent limit is unlimited.' },
);
const TenantSchema = Type.Object({ id: Type.String(), name: Type.String(), quotas: QuotasSchema, createdAt: Type.String() }, { $id: 'Tenant' });
const MembershipSchema = Type.Object({ tenantId: Type.String({ minLength: 1, description: 'Tenant id or name.' }), role: RoleSchema }, { additionalProperties: false });
const UserSchema = Type.Object(
  { id: Type.String(), name: Type.String(), systemAdmin: Type.Boolean(), memberships: ReadonlyArray(MembershipSchema), createdAt: Type.String() },
  { $id: 'User' },
);
const TokenSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    userId: Type.String(),
    tenantId: Type.String(),
    role: RoleSchema,
    createdAt: Type.String(),
    expiresAt: Type.Optional(Type.String()),
    lastUsedAt: Type.Optional(Type.String()),
  },
  { $id: 'ApiToken' },
);
const AccessKeySchema = Type.Object(
  { accessKeyId: Type.String(), userId: Type.String(), tenantId: Type.String(), createdAt: Type.String(), lastUsedAt: Type.Optional(Type.String()) },
  { $id: 'AccessKey' },
);
const AuditEntrySchema = Type.Object(
  {
    seq: Type.Integer(),
    at: Type.String(),
    tenantId: Type.Union([Type.String(), Type.Null()]),
    actor: Type.Object({ userId: Type.String(), userName: Type.String(), via: Type.String(), credentialId: Type.Optional(Type.String()) }),
    door: Type.String(),
    address: Type.Optional(Type.String()),
    action: Type.String(),
    target: Type.Optional(Type.Object({ kind: Type.String(), id: Type.String() })),
    result: StringEnum(['success', 'failure'] as const),
    errorCode: Type.Optional(Type.String()),
    hash: Type.String(),
  },
  { $id: 'AuditEntry' },
);
const PrincipalSchema = Type.Object({
  userId: Type.String(),
  userName: Type.String(),
  tenantId: Type.String(),
  role: RoleSchema,
  systemAdmin: Type.Boolean(),
  via: Type.String(),
  credentialId: Type.Optional(Type.String()),
  door: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
});
const NameParams = Type.Object({ id: Type.String({ minLength: 1, description: 'Id or name.' }) });
const NoContent = (what: string) => Type.Null({ description: what });
const tag = (name: string) => ({ tags: [name] });

export const tenancyRoutes: RoutePlugin = async (app, { broker }) => {
  app.get('/whoami', { schema: { operationId: 'whoami', ...tag('tenancy'), summary: 'The caller as the broker sees it', response: { 200: PrincipalSchema, ...errorResponses } } }, async () => broker.whoami());

  app.get('/tenants', { schema: { operationId: 'listTenants', ...tag('tenancy'), summary: 'Tenants the caller can see', response: { 200: ItemsSchema(TenantSchema, 'Tenants.'), ...errorResponses } } }, async () => ({
    items: await broker.tenants.list(),
  }));
  app.post(
    '/tenants',
    {
      schema: {
        operationId: 'createTenant',
        ...tag('tenancy'),
        summary: 'Create a tenant (system administrators)',
        body: Type.Object({ name: Type.String({ minLength: 1 }), quotas: Type.Optional(QuotasSchema) }, { additionalProperties: false }),
        response: { 201: TenantSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await broker.tenants.create(request.body)),
  );
  app.get('/tenants/:id', { schema: { operationId: 'getTenant', ...tag('tenancy'), summary: 'Get a tenant', params: NameParams, response: { 200: TenantSchema, ...errorResponses } } }, async (request) =>
    broker.tenants.get(request.params.id),
  );
  app.put(
    '/tenants/:id/quotas',
    { schema: { operationId: 'setTenantQuotas', ...tag('tenancy'), summary: 'Replace the quotas of a tenant', params: NameParams, body: QuotasSchema, response: { 200: TenantSchema, ...errorResponses } } },
    async (request) => broker.tenants.setQuotas(request.params.id, request.body),
  );
  app.get(
    '/tenants/:id/usage',
    {
      schema: {
        operationId: 'getTenantUsage',
        ...tag('tenancy'),
        summary: 'Use against the quotas',
        params: NameParams,
        response: {
          200: Type.Object({
            tenantId: Type.String(),
            quotas: QuotasSchema,
            used: Type.Object({ instances: Type.Integer(), vcpus: Type.Integer(), memoryMiB: Type.Integer(), volumeGiB: Type.Integer() }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => broker.tenants.usage(request.params.id),
  );

  app.get('/users', { schema: { operationId: 'listUsers', ...tag('tenancy'), summary: 'Users of the tenant', response: { 200: ItemsSchema(UserSchema, 'Users.'), ...errorResponses } } }, async () => ({
    items: await broker.users.list(),
  }));
  app.post(
    '/users',
    {
      schema: {
        operationId: 'createUser',
        ...tag('tenancy'),
        summary: 'Create a user',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            password: Type.Optional(Type.String({ minLength: 1 })),
            systemAdmin: Type.Optional(Type.Boolean()),
            memberships: Type.Array(MembershipSchema),
          },
          { additionalProperties: false },
        ),
        response: { 201: UserSchema, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await broker.users.create(request.body)),
  );
  app.get('/users/:id', { schema: { operationId: 'getUser', ...tag('tenancy'), summary: 'Get a user', params: NameParams, response: { 200: UserSchema, ...errorResponses } } }, async (request) =>
    broker.users.get(request.params.id),
  );
  app.put(
    '/users/:id/password',
    {
      schema: {
        operationId: 'setUserPassword',
        ...tag('tenancy'),
        summary: "Set a user's password",
        params: NameParams,
        body: Type.Object({ password: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        response: { 204: NoContent('The password was changed.'), ...errorResponses },
      },
    },
    async (request, reply) => {
      await broker.users.setPassword(request.params.id, request.body.password);
      return reply.code(204).send(null);
    },
  );
  app.delete(
    '/users/:id',
    { schema: { operationId: 'deleteUser', ...tag('tenancy'), summary: 'Delete a user (revokes its tokens and keys)', params: NameParams, response: { 204: NoContent('The user was deleted.'), ...errorResponses } } },
    async (request, reply) => {
      await broker.users.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get('/tokens', { schema: { operationId: 'listTokens', ...tag('tenancy'), summary: 'API tokens (never the tokens themselves)', response: { 200: ItemsSchema(TokenSchema, 'Tokens.'), ...errorResponses } } }, async () => ({
    items: await broker.tokens.list(),
  }));
  app.post(
    '/tokens',
    {
      schema: {
        operationId: 'createToken',
        ...tag('tenancy'),
        summary: 'Create an API token for yourself (shown once)',
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), role: Type.Optional(RoleSchema), expiresInSeconds: Type.Optional(Type.Integer({ minimum: 60 })) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ token: Type.String({ description: 'Shown once: save it now.' }), view: TokenSchema }), ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await broker.tokens.create(request.body)),
  );
  app.delete(
    '/tokens/:id',
    { schema: { operationId: 'revokeToken', ...tag('tenancy'), summary: 'Revoke an API token', params: IdParams, response: { 204: NoContent('The token was revoked.'), ...errorResponses } } },
    async (request, reply) => {
      await broker.tokens.revoke(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/sessions/current',
    { schema: { operationId: 'logout', ...tag('tenancy'), summary: 'Log out: end the password session used for this request', response: { 204: NoContent('The session was ended.'), ...errorResponses } } },
    async (_request, reply) => {
      await broker.tokens.endSession();
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/access-keys',
    { schema: { operationId: 'listAccessKeys', ...tag('tenancy'), summary: 'EC2 access keys (never the secrets)', response: { 200: ItemsSchema(AccessKeySchema, 'Access keys.'), ...errorResponses } } },
    async () => ({ items: await broker.accessKeys.list() }),
  );
  app.post(
    '/access-keys',
    {
      schema: {
        operationId: 'createAccessKey',
        ...tag('tenancy'),
        summary: 'Create an EC2 access key for yourself (the secret is shown once)',
        response: { 201: Type.Object({ accessKeyId: Type.String(), secretAccessKey: Type.String({ description: 'Shown once: save it now.' }) }), ...errorResponses },
      },
    },
    async (_request, reply) => reply.code(201).send(await broker.accessKeys.create()),
  );
  app.delete(
    '/access-keys/:id',
    { schema: { operationId: 'deleteAccessKey', ...tag('tenancy'), summary: 'Delete an EC2 access key', params: IdParams, response: { 204: NoContent('The key was deleted.'), ...errorResponses } } },
    async (request, reply) => {
      await broker.accessKeys.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/audit',
    {
      schema: {
        operationId: 'listAudit',
        ...tag('audit'),
        summary: 'Audit log, newest first',
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), cursor: Type.Optional(Type.String({ minLength: 1 })) },
          { additionalProperties: false },
        ),
        response: { 200: PageSchema(AuditEntrySchema, 'A page of audit entries.'), ...errorResponses },
      },
    },
    async (request) => broker.audit.list(request.query),
  );
  app.get(
    '/audit/verify',
    {
      schema: {
        operationId: 'verifyAudit',
        ...tag('audit'),
        summary: 'Check the hash chain of the whole audit log',
        response: { 200: Type.Object({ ok: Type.Boolean(), entries: Type.Integer(), brokenAt: Type.Optional(Type.Integer()), reason: Type.Optional(Type.String()) }), ...errorResponses },
      },
    },
    async () => broker.audit.verify(),
  );
  app.get(
    '/audit/export',
    { schema: { operationId: 'exportAudit', ...tag('audit'), summary: 'The whole audit log as JSON lines, oldest first', response: { 200: Type.String({ description: 'application/x-ndjson' }), ...errorResponses } } },
    // Streamed: the log grows without bound, so it is never built in memory.
    async (_request, reply) => {
      const lines = Readable.from(broker.audit.export());
      // The type provider only knows the documented string body; a stream is sent as it is.
      return (reply as unknown as FastifyReply).type('application/x-ndjson').send(lines);
    },
  );
};
