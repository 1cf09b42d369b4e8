import type { NativeInstance } from '../ports/index.js';
import type { StepContext } from './handlers.js';

/** Provider clocks drift; an instance made just before the operation's row time still counts. */
const CLOCK_SLACK_MS = 60_000;

/**
 * Finds the instance an earlier attempt of this create operation made, when that attempt
 * died after the provider created it but before the checkpoint stored its id (a broker
 * killed in those few milliseconds). Without this, the next attempt would create a second
 * one. A candidate has the requested name, was created after the operation was queued, is
 * not terminated, and is not another operation's creation. A poll may already have listed
 * it under an id of its own (any broker polls while the operation waits for a worker); that
 * record is no one's yet, and the operation's announced id replaces it when adopted.
 */
export async function findCreatedByEarlierAttempt(step: StepContext, name: string): Promise<NativeInstance | undefined> {
  const { op, conn, ctx } = step;
  const since = Date.parse(op.createdAt) - CLOCK_SLACK_MS;
  const candidates = (await conn.driver.listInstances()).filter(
    (i) => i.name === name && i.state !== 'terminated' && i.state !== 'shutting-down' && !(Date.parse(i.createdAt) < since),
  );
  for (const candidate of candidates) {
    const known = await ctx.store.resources.getByNativeId(conn.record.id, 'instance', candidate.nativeId);
    if (known === undefined || known.id === op.targetId) return candidate;
    const creators = await ctx.store.operations.list({ targetId: known.id, limit: 1 });
    if (creators.items.length === 0) return candidate;
  }
  return undefined;
}
