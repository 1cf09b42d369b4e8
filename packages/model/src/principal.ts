/** Who is calling, as every door (REST, EC2, SSE, CLI, portal) hands it to the core. */
export type Role = 'admin' | 'operator' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

export interface Principal {
  readonly userId: string;
  readonly userName: string;
  /** The tenant the call acts in. */
  readonly tenantId: string;
  /** The caller's role in that tenant. */
  readonly role: Role;
  /** A system administrator manages tenants and users across all tenants. */
  readonly systemAdmin: boolean;
  /** How the caller proved who it is: `token`, `password`, `accessKey`. */
  readonly via: 'token' | 'password' | 'accessKey';
  /** The token or access key id used, for the audit log. */
  readonly credentialId?: string;
  /** Which door: `rest`, `ec2`, `cli`, `portal`. */
  readonly door?: string;
  /** The caller's address, for the audit log and rate limits. */
  readonly address?: string;
}
