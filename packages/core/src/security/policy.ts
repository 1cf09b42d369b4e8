import { SkyportError, type Principal, type Role } from '@skyport/model';

/** How much a role may do; a role includes everything of the roles below it. */
const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

/**
 * The one authorization table. Every door reaches the core through `Broker`, whose methods
 * check here, so REST, EC2, SSE, CLI and portal share the same decisions.
 * `system` = only system administrators (tenants, cross-tenant users).
 */
export const REQUIRED_ROLE = {
  read: 'viewer',
  'resource.change': 'operator',
  'provider.test': 'operator',
  'provider.sync': 'operator',
  'provider.add': 'admin',
  'provider.remove': 'admin',
  'user.manage': 'admin',
  'audit.read': 'admin',
  'token.own': 'viewer',
  'accessKey.own': 'viewer',
  'tenant.manage': 'system',
} as const satisfies Record<string, Role | 'system'>;

export type PolicyAction = keyof typeof REQUIRED_ROLE;

export function allows(principal: Principal, action: PolicyAction): boolean {
  const required = REQUIRED_ROLE[action];
  if (required === 'system') return principal.systemAdmin;
  return principal.systemAdmin || RANK[principal.role] >= RANK[required];
}

export function authorize(principal: Principal, action: PolicyAction, what: string): void {
  if (allows(principal, action)) return;
  const required = REQUIRED_ROLE[action];
  throw new SkyportError(
    'Forbidden',
    required === 'system'
      ? `${what} needs a system administrator; ${principal.userName} is not one`
      : `${what} needs the ${required} role; ${principal.userName} is ${principal.role} in this tenant`,
    { details: { required, role: principal.role, action } },
  );
}

export function roleAtMost(role: Role, ceiling: Role): boolean {
  return RANK[role] <= RANK[ceiling];
}
