import { SkyportError, newId, type Operation } from '@skyport/model';
import type { CreateOptions } from '../broker.js';
import type { BrokerContext } from '../context.js';
import { operationView, type NewOperation } from '../operations/operation-log.js';
import { canonicalJson, sha256Hex } from '../util/hash.js';
import { underQuotaLock } from './quotas.js';

/**
 * Creates an operation once per idempotency key; the same key with another request is refused.
 * The key is bound to the operation's id before the operation is queued, so two racing
 * requests can never both start work.
 */
export async function idempotent(
  ctx: BrokerContext,
  action: string,
  options: CreateOptions | undefined,
  request: unknown,
  create: () => Promise<NewOperation>,
  /** Checks that hold only for new work (quotas): a replayed request must not fail them. */
  precheck?: () => Promise<void>,
): Promise<Operation> {
  // A check and the operation it lets through are one step for the tenant, on every broker:
  // two creates cannot both pass a quota with room for one.
  if (precheck !== undefined) return underQuotaLock(ctx, () => start(ctx, action, options, request, create, precheck));
  return start(ctx, action, options, request, create);
}

async function start(ctx: BrokerContext, action: string, options: CreateOptions | undefined, request: unknown, create: () => Promise<NewOperation>, precheck?: () => Promise<void>): Promise<Operation> {
  const key = options?.idempotencyKey;
  if (key === undefined) {
    await precheck?.();
    return ctx.operations.enqueue(await create());
  }
  const scope = keyScope(ctx, action);
  if (key.length === 0 || key.length > 255) throw new SkyportError('InvalidArgument', 'Idempotency-Key must be 1-255 characters', { details: { field: 'Idempotency-Key' } });
  const requestHash = sha256Hex(canonicalJson(request));
  const existing = await ctx.store.idempotency.get(scope, key);
  if (existing) return replay(ctx, existing.requestHash, requestHash, existing.operationId, key);
  await precheck?.();
  const operationId = newId('operation');
  const stored = await ctx.store.idempotency.putIfAbsent({ scope, key, requestHash, operationId, createdAt: ctx.clock.now().toISOString() });
  if (stored.operationId !== operationId) return replay(ctx, stored.requestHash, requestHash, stored.operationId, key);
  return ctx.operations.enqueue({ ...(await create()), id: operationId });
}

/**
 * The operation an idempotency key already started for this request, if any. Creates whose
 * checks the first request's own work would now fail (a name that is taken once the image
 * exists) look here first, so a retry gets the operation instead of a refusal.
 */
export async function alreadyStarted(ctx: BrokerContext, action: string, options: CreateOptions | undefined, request: unknown): Promise<Operation | undefined> {
  const key = options?.idempotencyKey;
  if (key === undefined || key.length === 0 || key.length > 255) return undefined;
  const existing = await ctx.store.idempotency.get(keyScope(ctx, action), key);
  return existing === undefined ? undefined : replay(ctx, existing.requestHash, sha256Hex(canonicalJson(request)), existing.operationId, key);
}

/** Keys are per tenant: one tenant's key can neither collide with nor reveal another's. */
function keyScope(ctx: BrokerContext, action: string): string {
  return `${ctx.scope?.tenantId ?? '-'}:${action}`;
}

async function replay(ctx: BrokerContext, storedHash: string, requestHash: string, operationId: string, key: string): Promise<Operation> {
  if (storedHash !== requestHash) {
    throw new SkyportError('IdempotencyMismatch', `idempotency key "${key}" was already used for a different request; use a new key for a new request`, {
      details: { idempotencyKey: key, operationId },
    });
  }
  // A racing request with the same key may have bound the key but not yet queued its operation.
  for (let attempt = 0; ; attempt++) {
    const record = await ctx.store.operations.get(operationId);
    if (record) return operationView(record);
    if (attempt >= 20) {
      throw new SkyportError('InvalidState', `the request with idempotency key "${key}" is still being accepted; retry in a moment`, { retryable: true, details: { idempotencyKey: key } });
    }
    await ctx.clock.sleep(50);
  }
}
