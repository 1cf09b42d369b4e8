import { toSkyportError, type Principal } from '@skyport/model';
import type { Broker } from '../broker.js';
import type { Logger } from '../context.js';
import type { AuditLog } from './audit-log.js';
import { authorize, type PolicyAction } from './policy.js';

/** Methods that only read. Anything not listed here counts as a change: safe by default. */
const READS = new Set(['list', 'get', 'waitFor', 'consoleOutput', 'countByState', 'syncStatus', 'usage', 'subscribe', 'verify']);
/** Reads whose name means a change elsewhere (`images.export` makes a file; `audit.export` only reads). */
const GROUP_READS = new Set(['audit.export', 'migrations.preflight', 'migrations.steps']);

/** Groups that check roles themselves (they mix own-credential and admin actions). */
const SELF_CHECKED = new Set(['tenants', 'users', 'tokens', 'accessKeys', 'audit']);

/** Changes to these are not recorded: a login or a token's own use is not a change of state. */
const NOT_AUDITED = new Set<string>([]);

function actionFor(group: string, method: string): PolicyAction {
  if (group === 'providers') {
    if (method === 'add') return 'provider.add';
    if (method === 'remove') return 'provider.remove';
    if (method === 'sync') return 'provider.sync';
    return 'provider.test';
  }
  return 'resource.change';
}

/** The id a change acts on, for the audit log: an id argument, or what a create returned. */
function targetOf(group: string, args: unknown[], result: unknown): { kind: string; id: string } | undefined {
  const first = args[0];
  if (typeof first === 'string') return { kind: group, id: first };
  if (result && typeof result === 'object') {
    const r = result as { targetKind?: string; targetId?: string; id?: string; accessKeyId?: string; keyPair?: { id: string }; view?: { id: string } };
    if (r.targetId) return { kind: r.targetKind ?? group, id: r.targetId };
    if (r.keyPair) return { kind: 'keyPair', id: r.keyPair.id };
    if (r.view) return { kind: group, id: r.view.id };
    if (r.accessKeyId) return { kind: 'accessKey', id: r.accessKeyId };
    if (r.id) return { kind: group, id: r.id };
  }
  return undefined;
}

/**
 * Wraps a caller's Broker: every change is checked against the caller's role and recorded in
 * the audit log, success or failure, whichever door it came through. Because all doors reach
 * the core through this, authorization cannot be forgotten in a route.
 */
export function guarded(broker: Broker, principal: Principal, audit: AuditLog, logger: Logger): Broker {
  const wrapGroup = (group: string, target: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(target).map(([method, fn]) => {
        if (typeof fn !== 'function' || READS.has(method) || GROUP_READS.has(`${group}.${method}`)) return [method, fn];
        const name = `${group}.${method}`;
        const wrapped = async (...args: unknown[]): Promise<unknown> => {
          try {
            if (!SELF_CHECKED.has(group)) authorize(principal, actionFor(group, method), name);
            const result: unknown = await (fn as (...a: unknown[]) => unknown).apply(target, args);
            if (!NOT_AUDITED.has(name)) {
              const t = targetOf(group, args, result);
              await audit.record(principal, { action: name, tenantId: principal.tenantId, result: 'success', ...(t === undefined ? {} : { target: t }) });
            }
            return result;
          } catch (raw) {
            const error = toSkyportError(raw);
            const t = targetOf(group, args, undefined);
            await audit
              .record(principal, { action: name, tenantId: principal.tenantId, result: 'failure', errorCode: error.code, ...(t === undefined ? {} : { target: t }) })
              .catch((auditError: unknown) => logger.error({ err: auditError }, 'could not write the audit log'));
            throw raw;
          }
        };
        return [method, wrapped];
      }),
    );
  return Object.fromEntries(
    Object.entries(broker).map(([group, value]) => [group, value !== null && typeof value === 'object' ? wrapGroup(group, value as Record<string, unknown>) : value]),
  ) as unknown as Broker;
}
