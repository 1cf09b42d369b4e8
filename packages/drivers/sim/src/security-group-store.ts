/**
 * Security groups: named rule sets instances are placed in. Each region has a `default` group
 * (made on first open) that instances created without groups join, as on EC2. Rules are kept
 * in the canonical shape the model defines, so a revoke matches what an authorize stored.
 */
import { randomBytes } from 'node:crypto';
import type { NativeSecurityGroup } from '@skyport/core';
import { SkyportError, normalizeRules, sameRule, type SecurityGroupRule, type Tags } from '@skyport/model';
import type { SimDb } from './sim-database.js';
import { alreadyExists, invalidArgument, notFound } from './sim-errors.js';

export const DEFAULT_GROUP_NAME = 'default';
/** EC2's default per direction; more is a quota, not a malformed request. */
export const MAX_RULES_PER_DIRECTION = 60;
/** New groups may send anywhere, like EC2's; only ingress starts closed. */
const ALLOW_ALL_EGRESS: readonly SecurityGroupRule[] = [{ protocol: '-1', cidr: '0.0.0.0/0' }];

type Direction = 'ingress' | 'egress';

interface GroupRow {
  id: string;
  name: string;
  description: string;
  ingress: string;
  egress: string;
  tags: string;
  is_default: number;
  created_at: string;
}

function toNative(r: GroupRow): NativeSecurityGroup {
  return {
    nativeId: r.id,
    name: r.name,
    description: r.description,
    ingress: JSON.parse(r.ingress) as SecurityGroupRule[],
    egress: JSON.parse(r.egress) as SecurityGroupRule[],
    tags: JSON.parse(r.tags) as Record<string, string>,
    createdAt: r.created_at,
  };
}

/** Printable ASCII without leading or trailing blanks; `sg-` is how ids start, so not a name. */
function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || !/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(name)) {
    throw invalidArgument('name', `security group name ${JSON.stringify(name)} must be 1 to 255 printable ASCII characters without leading or trailing blanks`);
  }
  if (name.toLowerCase().startsWith('sg-')) throw invalidArgument('name', `security group name ${JSON.stringify(name)} may not start with "sg-", which is how ids start`);
}

function checkDescription(description: unknown): asserts description is string {
  if (typeof description !== 'string' || description.length > 255 || !/^[\x20-\x7e]*$/.test(description)) {
    throw invalidArgument('description', 'a security group description must be at most 255 printable ASCII characters');
  }
}

export class SecurityGroupStore {
  constructor(private readonly db: SimDb) {}

  list(): NativeSecurityGroup[] {
    return (this.db.prepare('SELECT * FROM security_groups ORDER BY seq').all() as GroupRow[]).map(toNative);
  }

  get(id: string, field?: string): NativeSecurityGroup {
    return toNative(this.#row(id, field));
  }

  /** The region's default group, made when missing (first open, or a sim.db from before groups). */
  ensureDefault(now: number): { id: string; created: boolean } {
    const row = this.db.prepare('SELECT id FROM security_groups WHERE is_default = 1').get() as { id: string } | undefined;
    if (row !== undefined) return { id: row.id, created: false };
    const id = this.#insert(DEFAULT_GROUP_NAME, 'default security group', {}, now, true);
    return { id, created: true };
  }

  create(name: string, description: string, tags: Record<string, string>, now: number): NativeSecurityGroup {
    checkName(name);
    checkDescription(description);
    if (this.db.prepare('SELECT 1 FROM security_groups WHERE name = ?').get(name) !== undefined) throw alreadyExists('SecurityGroup', name);
    return this.get(this.#insert(name, description, tags, now, false));
  }

  /** NotFound for an unknown group, InvalidState for the default one, which always stays. */
  requireDeletable(id: string): void {
    const row = this.#row(id);
    if (row.is_default === 1) {
      throw new SkyportError('InvalidState', `security group ${id} is the region's default group; it cannot be deleted`, {
        providerCode: 'CannotDelete',
        details: { id, name: row.name },
      });
    }
  }

  /** Deletes a group; whether instances still use it is the caller's check (it needs their states). */
  delete(id: string): void {
    this.requireDeletable(id);
    this.db.prepare('DELETE FROM security_groups WHERE id = ?').run(id);
  }

  /** Adds rules; a rule the group already has (or one given twice) is refused, nothing is added. */
  authorize(id: string, direction: Direction, rules: readonly SecurityGroupRule[]): void {
    const row = this.#row(id);
    const current = JSON.parse(row[direction]) as SecurityGroupRule[];
    const next = [...current];
    for (const [i, rule] of normalizeRules(rules).entries()) {
      if (next.some((r) => sameRule(r, rule))) {
        throw new SkyportError('AlreadyExists', `rules[${i}]: security group ${id} already allows ${describe(rule)} (${direction})`, {
          providerCode: 'InvalidPermission.Duplicate',
          details: { field: `rules[${i}]`, rule },
        });
      }
      next.push(rule);
    }
    if (next.length > MAX_RULES_PER_DIRECTION) {
      throw new SkyportError('QuotaExceeded', `security group ${id} may have at most ${MAX_RULES_PER_DIRECTION} ${direction} rules; this change would leave ${next.length}`, {
        providerCode: 'RulesPerSecurityGroupLimitExceeded',
        details: { field: 'rules', limit: MAX_RULES_PER_DIRECTION, count: next.length },
      });
    }
    this.#write(id, direction, next);
  }

  /** Removes rules; a rule the group does not have is refused, nothing is removed. */
  revoke(id: string, direction: Direction, rules: readonly SecurityGroupRule[]): void {
    const row = this.#row(id);
    let next = JSON.parse(row[direction]) as SecurityGroupRule[];
    for (const [i, rule] of normalizeRules(rules).entries()) {
      if (!next.some((r) => sameRule(r, rule))) {
        throw new SkyportError('NotFound', `rules[${i}]: security group ${id} has no ${direction} rule allowing ${describe(rule)}`, {
          providerCode: 'InvalidPermission.NotFound',
          details: { field: `rules[${i}]`, rule },
        });
      }
      next = next.filter((r) => !sameRule(r, rule));
    }
    this.#write(id, direction, next);
  }

  /** The groups a new instance joins: the given ones (each must exist), or the default group. */
  resolveForInstance(ids: readonly string[] | undefined, now: number): string[] {
    if (ids === undefined) return [this.ensureDefault(now).id];
    if (!Array.isArray(ids) || ids.length === 0) throw invalidArgument('securityGroupIds', 'give at least one security group id, or leave securityGroupIds out for the default group');
    const unique = [...new Set(ids)];
    for (const [i, id] of unique.entries()) this.#row(id, `securityGroupIds[${i}]`);
    return unique;
  }

  #row(id: string, field?: string): GroupRow {
    const row = this.db.prepare('SELECT * FROM security_groups WHERE id = ?').get(id) as GroupRow | undefined;
    if (row === undefined) throw notFound('SecurityGroup', id, field);
    return row;
  }

  #insert(name: string, description: string, tags: Tags, now: number, isDefault: boolean): string {
    const id = `sg-${randomBytes(8).toString('hex')}`;
    this.db
      .prepare('INSERT INTO security_groups (id, name, description, ingress, egress, tags, is_default, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, name, description, '[]', JSON.stringify(ALLOW_ALL_EGRESS), JSON.stringify(tags), isDefault ? 1 : 0, new Date(now).toISOString());
    return id;
  }

  #write(id: string, direction: Direction, rules: readonly SecurityGroupRule[]): void {
    this.db.prepare(`UPDATE security_groups SET ${direction === 'ingress' ? 'ingress' : 'egress'} = ? WHERE id = ?`).run(JSON.stringify(rules), id);
  }
}

function describe(rule: SecurityGroupRule): string {
  const protocol = rule.protocol === '-1' ? 'all traffic' : rule.protocol;
  const ports = rule.fromPort === undefined ? '' : rule.fromPort === rule.toPort ? ` port ${rule.fromPort}` : ` ports ${rule.fromPort}-${rule.toPort ?? rule.fromPort}`;
  return `${protocol}${ports} for ${rule.cidr}`;
}
