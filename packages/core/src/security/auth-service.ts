import { SkyportError, type Principal, type Role } from '@skyport/model';
import type { BrokerService, RequestContext } from '../broker.js';
import type { BrokerContext } from '../context.js';
import type { ApiTokenRecord, UserRecord } from '../ports/index.js';
import { newId } from '@skyport/model';
import { sha256Hex } from '../util/hash.js';
import { newApiToken } from './credentials.js';
import { verifyPassword } from './passwords.js';

/** Records when a credential was last used at most this often, to keep reads cheap. */
const TOUCH_INTERVAL_MS = 60_000;
const SESSION_LIFETIME_MS = 12 * 60 * 60_000;
/** Makes a failed login take as long as a real check, so user names cannot be probed by timing. */
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function roleIn(user: UserRecord, tenantId: string): Role | undefined {
  return user.memberships.find((m) => m.tenantId === tenantId)?.role;
}

export function principalOf(user: UserRecord, tenantId: string, role: Role, via: Principal['via'], context: RequestContext, credentialId?: string): Principal {
  return {
    userId: user.id,
    userName: user.name,
    tenantId,
    role,
    systemAdmin: user.systemAdmin,
    via,
    door: context.door,
    ...(credentialId === undefined ? {} : { credentialId }),
    ...(context.address === undefined ? {} : { address: context.address }),
  };
}

/** Authentication for every door: tokens, passwords, EC2 access keys. */
export function authService(ctx: BrokerContext): BrokerService['auth'] {
  const touched = new Map<string, number>();
  const touchOnce = async (id: string, touch: (at: string) => Promise<void>): Promise<void> => {
    const now = ctx.clock.now();
    if (now.getTime() - (touched.get(id) ?? 0) < TOUCH_INTERVAL_MS) return;
    touched.set(id, now.getTime());
    await touch(now.toISOString());
  };

  const activeUser = async (userId: string): Promise<UserRecord> => {
    const user = await ctx.store.users.get(userId);
    if (!user || user.deletedAt !== null) throw new SkyportError('Unauthenticated', 'the credential belongs to a user who no longer exists');
    return user;
  };

  /** A credential's role is capped by the user's current role in the tenant: demotions apply at once. */
  const effectiveRole = (user: UserRecord, tenantId: string, granted: Role): Role => {
    const current = roleIn(user, tenantId);
    if (current === undefined && !user.systemAdmin) throw new SkyportError('Unauthenticated', 'the credential is for a tenant its user is no longer a member of');
    const order: Role[] = ['viewer', 'operator', 'admin'];
    return order[Math.min(order.indexOf(granted), order.indexOf(current ?? 'admin'))]!;
  };

  return {
    async authenticateToken(token, context) {
      const record: ApiTokenRecord | undefined = token.length > 0 && token.length < 200 ? await ctx.store.tokens.findByHash(sha256Hex(token)) : undefined;
      const now = ctx.clock.now().toISOString();
      if (!record) throw new SkyportError('Unauthenticated', 'the API token is not valid');
      if (record.revokedAt !== null) throw new SkyportError('Unauthenticated', `the API token "${record.name}" was revoked at ${record.revokedAt}`);
      if (record.expiresAt !== null && record.expiresAt <= now) throw new SkyportError('Unauthenticated', `the API token "${record.name}" expired at ${record.expiresAt}`);
      const user = await activeUser(record.userId);
      await touchOnce(record.id, (at) => ctx.store.tokens.touch(record.id, at));
      return principalOf(user, record.tenantId, effectiveRole(user, record.tenantId, record.role), record.kind === 'session' ? 'password' : 'token', context, record.id);
    },

    async login(userName, password, context, tenant) {
      const user = await ctx.store.users.getByName(userName);
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || user.deletedAt !== null || user.passwordHash === null || !ok) {
        throw new SkyportError('Unauthenticated', 'the user name or password is wrong');
      }
      let membership = user.memberships[0];
      if (tenant !== undefined) {
        const wanted = (await ctx.store.tenants.get(tenant)) ?? (await ctx.store.tenants.getByName(tenant));
        membership = wanted === undefined ? undefined : user.memberships.find((m) => m.tenantId === wanted.id);
        if (!membership) throw new SkyportError('Forbidden', `user ${user.name} is not a member of tenant ${tenant}`, { details: { field: 'tenant' } });
      }
      if (!membership) throw new SkyportError('Forbidden', `user ${user.name} is not a member of any tenant; ask an administrator to add you to one`);
      const token = newApiToken('session');
      const now = ctx.clock.now();
      const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString();
      const record: ApiTokenRecord = {
        id: newId('token'),
        name: `session ${context.door}${context.address ? ` from ${context.address}` : ''}`,
        tokenHash: sha256Hex(token),
        userId: user.id,
        tenantId: membership.tenantId,
        role: membership.role,
        kind: 'session',
        createdAt: now.toISOString(),
        expiresAt,
        lastUsedAt: null,
        revokedAt: null,
      };
      await ctx.store.tokens.insert(record);
      const principal = principalOf(user, membership.tenantId, membership.role, 'password', context, record.id);
      await ctx.audit.record(principal, { action: 'session.login', tenantId: membership.tenantId, result: 'success' });
      return { principal, token, expiresAt };
    },

    async accessKey(accessKeyId, context) {
      const record = /^[A-Z0-9]{16,128}$/.test(accessKeyId) ? await ctx.store.accessKeys.get(accessKeyId) : undefined;
      if (!record || record.revokedAt !== null) throw new SkyportError('Unauthenticated', 'the access key id is not valid', { providerCode: 'AuthFailure' });
      const user = await activeUser(record.userId);
      const role = roleIn(user, record.tenantId) ?? (user.systemAdmin ? 'admin' : undefined);
      if (!role) throw new SkyportError('Unauthenticated', 'the access key is for a tenant its user is no longer a member of');
      await touchOnce(record.id, (at) => ctx.store.accessKeys.touch(record.id, at));
      return { principal: principalOf(user, record.tenantId, role, 'accessKey', context, record.id), secretAccessKey: ctx.vault.open(record.sealedSecret) };
    },
  };
}
