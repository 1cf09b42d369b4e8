import { ROLES, SkyportError, newId, type Principal, type Role } from '@skyport/model';
import type { ApiTokenView, Broker, Quotas, Tenant, User } from '../broker.js';
import type { BrokerContext } from '../context.js';
import type { AccessKeyRecord, ApiTokenRecord, TenantRecord, UserRecord } from '../ports/index.js';
import { auditView } from '../security/audit-log.js';
import { newAccessKey, newApiToken } from '../security/credentials.js';
import { checkPasswordStrength, hashPassword } from '../security/passwords.js';
import { allows, authorize, roleAtMost } from '../security/policy.js';
import { sha256Hex } from '../util/hash.js';
import { quotaUsage } from './quotas.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const MAX_TOKEN_LIFETIME_S = 366 * 24 * 3600;

function requireName(field: string, value: string): void {
  if (!NAME.test(value)) {
    throw new SkyportError('InvalidArgument', `${field} "${value}" is not valid: use 1-63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit`, {
      details: { field, allowed: NAME.source },
    });
  }
}

function requireQuotas(quotas: Quotas): void {
  for (const [key, value] of Object.entries(quotas)) {
    if (!['instances', 'vcpus', 'memoryMiB', 'volumeGiB'].includes(key)) {
      throw new SkyportError('InvalidArgument', `quotas.${key} is not a quota; quotas are instances, vcpus, memoryMiB, volumeGiB`, { details: { field: `quotas.${key}` } });
    }
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new SkyportError('InvalidArgument', `quotas.${key} must be a whole number >= 0`, { details: { field: `quotas.${key}` } });
    }
  }
}

const tenantView = (r: TenantRecord): Tenant => ({ id: r.id, name: r.name, quotas: r.quotas, createdAt: r.createdAt });
const userView = (r: UserRecord): User => ({ id: r.id, name: r.name, systemAdmin: r.systemAdmin, memberships: r.memberships, createdAt: r.createdAt });
const tokenView = (r: ApiTokenRecord): ApiTokenView => ({
  id: r.id,
  name: r.name,
  userId: r.userId,
  tenantId: r.tenantId,
  role: r.role,
  createdAt: r.createdAt,
  ...(r.expiresAt === null ? {} : { expiresAt: r.expiresAt }),
  ...(r.lastUsedAt === null ? {} : { lastUsedAt: r.lastUsedAt }),
});
const keyView = (r: AccessKeyRecord) => ({
  accessKeyId: r.id,
  userId: r.userId,
  tenantId: r.tenantId,
  createdAt: r.createdAt,
  ...(r.lastUsedAt === null ? {} : { lastUsedAt: r.lastUsedAt }),
});

type TenancyServices = Pick<Broker, 'tenants' | 'users' | 'tokens' | 'accessKeys' | 'audit'>;

/** Tenants, users and credentials. Reads and writes are checked against the caller's role here. */
export function tenancyServices(ctx: BrokerContext, principal: Principal): TenancyServices {
  const { store, clock } = ctx;

  const tenantRecord = async (idOrName: string): Promise<TenantRecord> => {
    const record = (await store.tenants.get(idOrName)) ?? (await store.tenants.getByName(idOrName));
    // Outside their own tenant, only system administrators may even learn a tenant exists.
    if (!record || (!principal.systemAdmin && record.id !== principal.tenantId)) {
      throw new SkyportError('NotFound', `tenant ${idOrName} does not exist`, { details: { tenant: idOrName } });
    }
    return record;
  };

  /** A user the caller may manage: any for system admins, members of the caller's tenant for tenant admins. */
  const userRecord = async (idOrName: string): Promise<UserRecord> => {
    const record = (await store.users.get(idOrName)) ?? (await store.users.getByName(idOrName));
    const visible = record && record.deletedAt === null && (principal.systemAdmin || record.memberships.some((m) => m.tenantId === principal.tenantId));
    if (!visible) throw new SkyportError('NotFound', `user ${idOrName} does not exist`, { details: { user: idOrName } });
    return record;
  };

  return {
    tenants: {
      async list() {
        if (principal.systemAdmin) return (await store.tenants.list()).map(tenantView);
        return [tenantView(await tenantRecord(principal.tenantId))];
      },
      get: async (idOrName) => tenantView(await tenantRecord(idOrName)),
      async create(request) {
        authorize(principal, 'tenant.manage', 'creating a tenant');
        requireName('name', request.name);
        requireQuotas(request.quotas ?? {});
        if (await store.tenants.getByName(request.name)) throw new SkyportError('AlreadyExists', `a tenant named "${request.name}" already exists`, { details: { field: 'name' } });
        const record: TenantRecord = { id: newId('tenant'), name: request.name, quotas: request.quotas ?? {}, createdAt: clock.now().toISOString() };
        await store.tenants.insert(record);
        return tenantView(record);
      },
      async setQuotas(idOrName, quotas) {
        authorize(principal, 'tenant.manage', 'changing quotas');
        requireQuotas(quotas);
        const record = await tenantRecord(idOrName);
        await store.tenants.update(record.id, { quotas });
        return tenantView({ ...record, quotas });
      },
      async usage(idOrName) {
        const record = await tenantRecord(idOrName ?? principal.tenantId);
        return quotaUsage(ctx, record);
      },
    },

    users: {
      async list() {
        authorize(principal, 'user.manage', 'listing users');
        return (await store.users.list(principal.systemAdmin ? undefined : principal.tenantId)).map(userView);
      },
      async get(idOrName) {
        const record = await userRecord(idOrName);
        if (record.id !== principal.userId) authorize(principal, 'user.manage', 'reading another user');
        return userView(record);
      },
      async create(request) {
        authorize(principal, 'user.manage', 'creating a user');
        requireName('name', request.name);
        if (request.systemAdmin && !principal.systemAdmin) throw new SkyportError('Forbidden', 'only a system administrator can create another one', { details: { field: 'systemAdmin' } });
        if (request.memberships.length === 0 && !request.systemAdmin) throw new SkyportError('InvalidArgument', 'memberships: a user needs at least one tenant and role', { details: { field: 'memberships' } });
        for (const m of request.memberships) {
          if (!ROLES.includes(m.role)) throw new SkyportError('InvalidArgument', `memberships: role "${m.role}" is not one of ${ROLES.join(', ')}`, { details: { field: 'memberships.role', allowed: ROLES } });
          const tenant = await tenantRecord(m.tenantId);
          if (!principal.systemAdmin && (tenant.id !== principal.tenantId || !roleAtMost(m.role, principal.role))) {
            throw new SkyportError('Forbidden', `you can only give roles up to ${principal.role} in your own tenant`, { details: { field: 'memberships' } });
          }
        }
        if (request.password !== undefined) checkPasswordStrength(request.password);
        if (await store.users.getByName(request.name)) throw new SkyportError('AlreadyExists', `a user named "${request.name}" already exists`, { details: { field: 'name' } });
        const memberships = await Promise.all(request.memberships.map(async (m) => ({ tenantId: (await tenantRecord(m.tenantId)).id, role: m.role })));
        const record: UserRecord = {
          id: newId('user'),
          name: request.name,
          passwordHash: request.password === undefined ? null : await hashPassword(request.password),
          systemAdmin: request.systemAdmin === true,
          memberships,
          createdAt: clock.now().toISOString(),
          deletedAt: null,
        };
        await store.users.insert(record);
        return userView(record);
      },
      async setPassword(idOrName, password) {
        const record = await userRecord(idOrName);
        if (record.id !== principal.userId) authorize(principal, 'user.manage', "changing another user's password");
        checkPasswordStrength(password);
        await store.users.update(record.id, { passwordHash: await hashPassword(password) });
        // A new password ends the sessions opened with the old one (API tokens stay: they were issued deliberately).
        const now = clock.now().toISOString();
        for (const session of await store.tokens.list({ userId: record.id })) {
          if (session.kind === 'session' && session.revokedAt === null) await store.tokens.revoke(session.id, now);
        }
      },
      async delete(idOrName) {
        authorize(principal, 'user.manage', 'deleting a user');
        const record = await userRecord(idOrName);
        if (record.id === principal.userId) throw new SkyportError('InvalidArgument', 'you cannot delete yourself; ask another administrator', { details: { user: idOrName } });
        if (record.systemAdmin && !principal.systemAdmin) throw new SkyportError('Forbidden', 'only a system administrator can delete one');
        const now = clock.now().toISOString();
        await store.users.update(record.id, { deletedAt: now });
        await store.tokens.revokeByUser(record.id, now);
        for (const key of await store.accessKeys.list({ userId: record.id })) await store.accessKeys.revoke(key.id, now);
      },
    },

    tokens: {
      async list() {
        const all = allows(principal, 'user.manage');
        const records = await store.tokens.list(all ? { tenantId: principal.tenantId } : { userId: principal.userId, tenantId: principal.tenantId });
        return records.filter((r) => r.revokedAt === null && r.kind === 'api').map(tokenView);
      },
      async create(request) {
        requireName('name', request.name);
        const role: Role = request.role ?? principal.role;
        if (!ROLES.includes(role)) throw new SkyportError('InvalidArgument', `role "${role}" is not one of ${ROLES.join(', ')}`, { details: { field: 'role', allowed: ROLES } });
        if (!roleAtMost(role, principal.role)) throw new SkyportError('Forbidden', `a token cannot have more than your own role (${principal.role})`, { details: { field: 'role' } });
        const lifetime = request.expiresInSeconds;
        if (lifetime !== undefined && (!Number.isInteger(lifetime) || lifetime < 60 || lifetime > MAX_TOKEN_LIFETIME_S)) {
          throw new SkyportError('InvalidArgument', `expiresInSeconds must be a whole number from 60 to ${MAX_TOKEN_LIFETIME_S}`, { details: { field: 'expiresInSeconds' } });
        }
        const token = newApiToken('api');
        const now = clock.now();
        const record: ApiTokenRecord = {
          id: newId('token'),
          name: request.name,
          tokenHash: sha256Hex(token),
          userId: principal.userId,
          tenantId: principal.tenantId,
          role,
          kind: 'api',
          createdAt: now.toISOString(),
          expiresAt: lifetime === undefined ? null : new Date(now.getTime() + lifetime * 1000).toISOString(),
          lastUsedAt: null,
          revokedAt: null,
        };
        await store.tokens.insert(record);
        return { token, view: tokenView(record) };
      },
      async revoke(id) {
        const record = await store.tokens.get(id);
        const mine = record?.userId === principal.userId;
        if (!record || record.tenantId !== principal.tenantId || (!mine && !allows(principal, 'user.manage'))) {
          throw new SkyportError('NotFound', `token ${id} does not exist`, { details: { tokenId: id } });
        }
        await store.tokens.revoke(id, clock.now().toISOString());
      },
      async endSession() {
        if (principal.via !== 'password' || principal.credentialId === undefined) {
          throw new SkyportError('InvalidArgument', 'only a password session can be ended; revoke an API token with DELETE /api/v1/tokens/{id}');
        }
        await store.tokens.revoke(principal.credentialId, clock.now().toISOString());
      },
    },

    accessKeys: {
      async list() {
        const all = allows(principal, 'user.manage');
        const records = await store.accessKeys.list(all ? { tenantId: principal.tenantId } : { userId: principal.userId, tenantId: principal.tenantId });
        return records.filter((r) => r.revokedAt === null).map(keyView);
      },
      async create() {
        const { accessKeyId, secretAccessKey } = newAccessKey();
        await store.accessKeys.insert({
          id: accessKeyId,
          userId: principal.userId,
          tenantId: principal.tenantId,
          sealedSecret: ctx.vault.seal(secretAccessKey),
          createdAt: clock.now().toISOString(),
          lastUsedAt: null,
          revokedAt: null,
        });
        return { accessKeyId, secretAccessKey };
      },
      async delete(accessKeyId) {
        const record = await store.accessKeys.get(accessKeyId);
        const mine = record?.userId === principal.userId;
        if (!record || record.revokedAt !== null || record.tenantId !== principal.tenantId || (!mine && !allows(principal, 'user.manage'))) {
          throw new SkyportError('NotFound', `access key ${accessKeyId} does not exist`, { details: { accessKeyId } });
        }
        await store.accessKeys.revoke(accessKeyId, clock.now().toISOString());
      },
    },

    audit: {
      async list(query = {}) {
        authorize(principal, 'audit.read', 'reading the audit log');
        const page = await store.audit.list({ limit: query.limit ?? 100, ...(query.cursor === undefined ? {} : { cursor: query.cursor }), ...(principal.systemAdmin ? {} : { tenantId: principal.tenantId }) });
        return { items: page.items.map(auditView), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
      },
      async verify() {
        // The chain spans every tenant, so its length alone tells about other tenants.
        authorize(principal, 'tenant.manage', 'verifying the whole audit log');
        return ctx.audit.verify();
      },
      export() {
        authorize(principal, 'audit.read', 'exporting the audit log');
        if (!principal.systemAdmin) throw new SkyportError('Forbidden', 'exporting the whole audit log needs a system administrator (it spans every tenant)');
        return ctx.audit.export();
      },
    },
  };
}
