import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { SkyportError } from '@skyport/model';
import type { QuotaUsage } from '../broker.js';
import type { BrokerContext } from '../context.js';
import type { TenantRecord } from '../ports/index.js';

/** Instances that still hold capacity. */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'rebooting', 'error', 'unknown'];

/**
 * What a tenant uses now: the inventory of its providers, plus creates accepted but not yet
 * in the inventory (queued, or waiting for the provider's answer). Without those, a burst of
 * creates would each see the same usage and all pass.
 */
export async function quotaUsage(ctx: BrokerContext, tenant: TenantRecord): Promise<QuotaUsage> {
  const providerIds = (await ctx.store.providers.list(tenant.id)).map((p) => p.id);
  const used = { instances: 0, vcpus: 0, memoryMiB: 0, volumeGiB: 0 };
  if (providerIds.length > 0) {
    const mine = new Set(providerIds);
    for (let cursor: string | undefined; ; ) {
      const page = await ctx.store.operations.list({ types: ['instance.create', 'volume.create'], statuses: ['queued', 'running'], limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      for (const op of page.items) {
        if (op.providerId === null || !mine.has(op.providerId)) continue;
        // Once the provider answered, the inventory holds it and it is counted there.
        if (op.targetId !== null && (await ctx.store.resources.get(op.targetId)) !== undefined) continue;
        const request = (op.input['request'] ?? {}) as Record<string, unknown>;
        if (op.type === 'instance.create') {
          used.instances++;
          used.vcpus += Number(request['cpus'] ?? 0);
          used.memoryMiB += Number(request['memoryMiB'] ?? 0);
        } else {
          used.volumeGiB += Number(request['sizeGiB'] ?? 0);
        }
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    for (let cursor: string | undefined; ; ) {
      const page = await ctx.store.resources.list({ kind: 'instance', providerIds, states: LIVE_STATES, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      for (const r of page.items) {
        used.instances++;
        used.vcpus += Number(r.data['cpus'] ?? 0);
        used.memoryMiB += Number(r.data['memoryMiB'] ?? 0);
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    for (let cursor: string | undefined; ; ) {
      const page = await ctx.store.resources.list({ kind: 'volume', providerIds, limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      for (const r of page.items) if (r.state !== 'deleted') used.volumeGiB += Number(r.data['sizeGiB'] ?? 0);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
  }
  return { tenantId: tenant.id, quotas: tenant.quotas, used };
}

/** How long a quota check may hold its tenant's lease; a broker that dies holding it frees it then. */
const QUOTA_LEASE_MS = 10_000;
/** How long a create waits for another create of its tenant to be checked and queued. */
const QUOTA_WAIT_MS = 15_000;

/**
 * Runs a quota check and the work it admits (queueing the operation) as one step for the
 * tenant, across every broker on the store: in this process through a mutex, across
 * processes through a short lease in the store. Tenants without quotas skip both.
 */
export async function underQuotaLock<T>(ctx: BrokerContext, work: () => Promise<T>): Promise<T> {
  const tenantId = ctx.scope?.tenantId;
  if (tenantId === undefined) return work();
  const tenant = await ctx.store.tenants.get(tenantId);
  if (tenant === undefined || Object.values(tenant.quotas).every((limit) => limit === undefined)) return work();
  const name = `quota:${tenantId}`;
  return ctx.locks.run(name, async () => {
    const holder = randomUUID();
    const deadline = Date.now() + QUOTA_WAIT_MS;
    while (!(await ctx.store.leases.acquire(name, holder, QUOTA_LEASE_MS))) {
      if (Date.now() > deadline) {
        throw new SkyportError('Throttled', `another create of tenant ${tenant.name} is still being checked against its quotas; retry in a moment`, { retryable: true, retryAfterMs: 1000 });
      }
      await sleep(20);
    }
    try {
      return await work();
    } finally {
      await ctx.store.leases.release(name, holder).catch(() => undefined);
    }
  });
}

export interface QuotaRequest {
  readonly instances?: number;
  readonly vcpus?: number;
  readonly memoryMiB?: number;
  readonly volumeGiB?: number;
}

/** Refuses a request that would take the tenant over a quota, naming the quota and by how much. */
export async function enforceQuota(ctx: BrokerContext, tenantId: string, request: QuotaRequest): Promise<void> {
  const tenant = await ctx.store.tenants.get(tenantId);
  if (!tenant) return;
  const limits = tenant.quotas;
  const keys = (Object.keys(request) as (keyof QuotaRequest)[]).filter((k) => limits[k] !== undefined && (request[k] ?? 0) > 0);
  if (keys.length === 0) return;
  const usage = await quotaUsage(ctx, tenant);
  for (const key of keys) {
    const limit = limits[key]!;
    const after = usage.used[key] + (request[key] ?? 0);
    if (after > limit) {
      throw new SkyportError('QuotaExceeded', `quota ${key} of tenant ${tenant.name} would be exceeded by ${after - limit}: ${usage.used[key]} in use + ${request[key]} requested > ${limit} allowed`, {
        details: { quota: key, limit, used: usage.used[key], requested: request[key], over: after - limit },
      });
    }
  }
}
