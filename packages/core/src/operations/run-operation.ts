import { SkyportError, toSkyportError } from '@skyport/model';
import type { BrokerContext } from '../context.js';
import { OPERATION_HANDLERS } from './handlers.js';

/**
 * Runs one claimed operation to its end. A broker that stops mid-way puts the operation back
 * in the queue; its checkpoints let the next run skip the provider calls already made.
 */
export async function runOperation(ctx: BrokerContext, operationId: string, signal: AbortSignal, onSettled?: (providerId: string) => void): Promise<void> {
  let op = await ctx.operations.get(operationId);
  if (op.status !== 'running' || op.lockedBy === null) return;
  // Every write below is fenced by this claim: if the queue engine declared this worker dead
  // and another took the operation over, the next write fails and this run stops there.
  const fence = { lockedBy: op.lockedBy, attempts: op.attempts };
  try {
    const handler = OPERATION_HANDLERS[op.type];
    if (!handler) throw new SkyportError('Internal', `no handler for operation type ${op.type}`);
    if (!op.providerId) throw new SkyportError('Internal', `operation ${op.id} names no provider`);
    const conn = await ctx.connections.get(op.providerId);
    const step = {
      ctx,
      get op() {
        return op;
      },
      conn,
      signal,
      report: async (progress: number, message: string) => {
        op = await ctx.operations.update(op.id, { progress: Math.max(op.progress, Math.round(progress)), message }, fence);
      },
      checkpoint: async (result: Record<string, unknown>) => {
        op = await ctx.operations.update(op.id, { result: { ...(op.result ?? {}), ...result } }, fence);
      },
    };
    const result = await handler(step);
    op = await ctx.operations.update(op.id, {
      status: 'succeeded',
      progress: 100,
      message: 'done',
      result: { ...(op.result ?? {}), ...result },
      lockedBy: null,
      finishedAt: ctx.clock.now().toISOString(),
    }, fence);
  } catch (raw) {
    if (isClaimLost(raw)) {
      ctx.logger.warn({ operationId, err: (raw as Error).message }, 'operation taken over by another worker; this run stops');
      return;
    }
    if (signal.aborted) {
      // Interrupted (shutdown, or the end of the job's time slice), not failed: the next
      // claim resumes from the checkpoint.
      await ctx.operations.update(op.id, { status: 'queued', lockedBy: null, message: 'interrupted (broker stopping or time slice over); resumes from its last checkpoint' }, fence).catch((error: unknown) => {
        if (!isClaimLost(error)) throw error;
      });
      return;
    }
    const error = toSkyportError(raw);
    if (error.code === 'Internal') ctx.logger.error({ err: raw, operationId }, 'operation failed unexpectedly');
    await ctx.operations.update(op.id, {
      status: 'failed',
      message: error.message,
      error: error.toJSON(),
      lockedBy: null,
      finishedAt: ctx.clock.now().toISOString(),
    }, fence).catch((error: unknown) => {
      if (!isClaimLost(error)) throw error;
    });
  } finally {
    if (op.providerId) onSettled?.(op.providerId);
  }
}

function isClaimLost(error: unknown): boolean {
  return error instanceof SkyportError && error.code === 'InvalidState' && error.details?.['claimLost'] === true;
}
